//! TODO: settlement (placeholder from the skeleton commit).
