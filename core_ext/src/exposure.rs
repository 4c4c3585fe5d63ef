//! TODO: exposure (placeholder from the skeleton commit).
