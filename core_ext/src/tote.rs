//! TODO: tote (placeholder from the skeleton commit).
