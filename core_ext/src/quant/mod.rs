//! Quant kernels (spec section 5): finishing-order models, market-implied probabilities,
//! expected values and optimal stakes. Pure functions on slices, no allocation beyond the
//! output; the binding releases the GIL around them.
//!
//! - [`validate`]: input checks shared by every kernel.
//! - [`harville`]: Harville and discounted Harville (Lo and Bacon-Shone) ordered finishes.
//! - [`henery`]: Henery's normal running-time model, by numerical integration ([`normal`]).
//! - [`market`]: implied probabilities and expected values.
//! - [`kelly`]: Isaacs' pari-mutuel stakes and the many-outcome Kelly criterion.

pub mod harville;
pub mod henery;
pub mod kelly;
pub mod market;
pub mod normal;
pub mod validate;

pub use harville::{discounted_harville, harville, place_probabilities};
pub use henery::henery;
pub use kelly::{kelly_fixed_odds, kelly_parimutuel};
pub use market::{expected_value, implied_probabilities};
pub use validate::QuantError;
