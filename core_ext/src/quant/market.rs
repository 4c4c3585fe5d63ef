//! Market-implied probabilities and expected values.

use super::validate::{self, QuantError, QuantResult};

/// Implied win probabilities from pool totals (shares of the pool), or from decimal odds
/// (`from_odds`: `(1 - takeout) / odds`, normalised to sum to 1 so breakage and rounding in
/// published odds do not leave a residue; zero for infinite odds).
///
/// # Errors
/// Negative or non-finite values (odds: not above 1 or NaN), a bad takeout, nothing positive.
pub fn implied_probabilities(
    values: &[f64],
    takeout: f64,
    from_odds: bool,
) -> QuantResult<Vec<f64>> {
    validate::takeout(takeout)?;
    let raw: Vec<f64> = if from_odds {
        values
            .iter()
            .enumerate()
            .map(|(i, &o)| {
                if o.is_nan() || o <= 1.0 {
                    Err(QuantError(format!(
                        "odds[{i}] must be a decimal price above 1, got {o}"
                    )))
                } else {
                    Ok((1.0 - takeout) / o)
                }
            })
            .collect::<QuantResult<_>>()?
    } else {
        validate::non_negative("totals", values)?;
        values.to_vec()
    };
    let s: f64 = raw.iter().sum();
    if raw.is_empty() || s <= 0.0 {
        return Err(QuantError(
            "nothing to imply probabilities from (all zero)".into(),
        ));
    }
    Ok(raw.iter().map(|x| x / s).collect())
}

/// Expected value per unit staked of each combination: `probs * will_pays - 1`, where
/// `will_pays` are decimal dividends per unit (0 where a combination cannot pay, giving -1).
///
/// # Errors
/// Shapes differ, probabilities outside [0, 1] or not finite, negative or non-finite will-pays.
pub fn expected_value(probs: &[f64], will_pays: &[f64]) -> QuantResult<Vec<f64>> {
    validate::same_len(("probs", probs.len()), ("will_pays", will_pays.len()))?;
    validate::non_negative("probs", probs)?;
    validate::non_negative("will_pays", will_pays)?;
    if let Some(i) = probs.iter().position(|&x| x > 1.0) {
        return Err(QuantError(format!("probs[{i}] exceeds 1 ({})", probs[i])));
    }
    Ok(probs
        .iter()
        .zip(will_pays)
        .map(|(p, w)| p * w - 1.0)
        .collect())
}
