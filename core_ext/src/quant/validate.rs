//! Input checks shared by the kernels, with messages that say what is wrong and where.

/// Bad input to a quant kernel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QuantError(pub String);

/// Result alias for the kernels.
pub type QuantResult<T> = Result<T, QuantError>;

/// Tolerance on a probability vector's sum.
pub const SUM_TOLERANCE: f64 = 1e-6;

/// Checks that `values` are finite and non-negative.
///
/// # Errors
/// Naming the first bad index.
pub fn non_negative(name: &str, values: &[f64]) -> QuantResult<()> {
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(QuantError(format!("{name}[{i}] is not finite ({v})")));
        }
        if v < 0.0 {
            return Err(QuantError(format!("{name}[{i}] is negative ({v})")));
        }
    }
    Ok(())
}

/// Checks a probability vector: finite, non-negative, summing to 1 within 1e-6, at least
/// `min_len` entries.
///
/// # Errors
/// A message naming the problem.
pub fn probabilities(name: &str, p: &[f64], min_len: usize) -> QuantResult<()> {
    if p.len() < min_len.max(1) {
        return Err(QuantError(format!(
            "{name} needs at least {} entries, got {}",
            min_len.max(1),
            p.len()
        )));
    }
    non_negative(name, p)?;
    let sum: f64 = p.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(QuantError(format!(
            "{name} must sum to 1 (within 1e-6), sums to {sum}"
        )));
    }
    Ok(())
}

/// Checks a finishing depth: 2..=4 and at most `n`.
///
/// # Errors
/// When out of range.
pub fn depth(depth: usize, n: usize, lo: usize) -> QuantResult<()> {
    if !(lo..=4).contains(&depth) {
        return Err(QuantError(format!("depth must be {lo}..=4, got {depth}")));
    }
    if depth > n {
        return Err(QuantError(format!("depth {depth} exceeds the {n} runners")));
    }
    Ok(())
}

/// Checks that two arrays have the same length.
///
/// # Errors
/// When they differ.
pub fn same_len(a: (&str, usize), b: (&str, usize)) -> QuantResult<()> {
    if a.1 != b.1 {
        return Err(QuantError(format!(
            "{} and {} must have the same shape ({} vs {})",
            a.0, b.0, a.1, b.1
        )));
    }
    Ok(())
}

/// Checks a takeout fraction in [0, 1).
///
/// # Errors
/// When out of range or not finite.
pub fn takeout(t: f64) -> QuantResult<()> {
    if !(0.0..1.0).contains(&t) {
        return Err(QuantError(format!("takeout must be in [0, 1), got {t}")));
    }
    Ok(())
}
