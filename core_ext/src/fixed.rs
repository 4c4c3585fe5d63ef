//! Exact decimal and rational parsing for rates, reduction factors and dead-heat fractions.
//!
//! Nothing here rounds: a value with more decimals than the scale allows is `None`, so that a
//! caller's `0.1 + 0.2` (printed `0.30000000000000004`) is refused rather than silently changed.

/// Parses a non-negative decimal string (`"23.5"`, `"0.05"`, `"7"`) into an integer scaled by
/// `10^digits`, exactly. Signs, exponents, junk, or non-zero decimals beyond `digits` give
/// `None`.
#[must_use]
pub fn parse_scaled(text: &str, digits: u32) -> Option<u64> {
    let text = text.trim();
    let (int_part, frac_part) = text.split_once('.').unwrap_or((text, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac = frac_part.trim_end_matches('0');
    if frac.len() > digits as usize || int_part.len() > 12 {
        return None;
    }
    let int_value: u64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut frac_value: u64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        frac_value += u64::from(b - b'0') * 10_u64.pow(digits - 1 - i as u32);
    }
    int_value
        .checked_mul(10_u64.pow(digits))?
        .checked_add(frac_value)
}

/// The greatest common divisor.
#[must_use]
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The largest denominator a fraction may have (after reduction).
pub const MAX_DENOMINATOR: u64 = 1_000_000;

/// Parses a fraction `"a/b"` or a decimal (`"0.5"`, `"1"`) into a reduced `(num, den)`, exactly.
/// A denominator over [`MAX_DENOMINATOR`] (e.g. the float `0.3333333333333333`) gives `None`.
#[must_use]
pub fn parse_fraction(text: &str) -> Option<(u64, u64)> {
    let text = text.trim();
    let (num, den) = if let Some((a, b)) = text.split_once('/') {
        let a = a.trim();
        let b = b.trim();
        if a.is_empty()
            || b.is_empty()
            || !a.bytes().all(|c| c.is_ascii_digit())
            || !b.bytes().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        (a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)
    } else {
        let decimals = text
            .split_once('.')
            .map_or(0, |(_, f)| f.trim_end_matches('0').len());
        if decimals > 6 {
            return None;
        }
        let digits = decimals as u32;
        (parse_scaled(text, digits)?, 10_u64.pow(digits))
    };
    if den == 0 {
        return None;
    }
    let g = gcd(num, den).max(1);
    let (num, den) = (num / g, den / g);
    (den <= MAX_DENOMINATOR).then_some((num, den))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_decimals_are_exact() {
        assert_eq!(parse_scaled("23.5", 2), Some(2350));
        assert_eq!(parse_scaled("25", 2), Some(2500));
        assert_eq!(parse_scaled("0.05", 6), Some(50_000));
        assert_eq!(parse_scaled("100.00", 2), Some(10_000));
        assert_eq!(parse_scaled(".5", 2), Some(50));
        assert_eq!(parse_scaled("23.505", 2), None);
        assert_eq!(parse_scaled("0.30000000000000004", 6), None);
        for junk in ["", ".", "-1", "+1", "1e2", "abc", "1.2.3", "nan", "inf"] {
            assert_eq!(parse_scaled(junk, 2), None, "{junk}");
        }
    }

    #[test]
    fn fractions_reduce_and_refuse_long_decimals() {
        assert_eq!(parse_fraction("1/2"), Some((1, 2)));
        assert_eq!(parse_fraction("2/6"), Some((1, 3)));
        assert_eq!(parse_fraction("0.5"), Some((1, 2)));
        assert_eq!(parse_fraction("0.25"), Some((1, 4)));
        assert_eq!(parse_fraction("1"), Some((1, 1)));
        assert_eq!(parse_fraction("0.3333333333333333"), None);
        assert_eq!(parse_fraction("1/0"), None);
        assert_eq!(parse_fraction("-1/2"), None);
        assert_eq!(parse_fraction("1/2000001"), None);
    }
}
