//! TODO: quant (placeholder from the skeleton commit).
