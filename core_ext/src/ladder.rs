//! TODO: ladder (placeholder from the skeleton commit).
