//! The Betfair price ladder: 350 ticks from 1.01 to 1000, exact conversion both ways.
//!
//! Prices are fixed point ([`PriceFx`], scale [`PRICE_SCALE`]); nothing here ever rounds: a
//! price that is not exactly a tick is `None`.

use crate::types::{PriceFx, Tick, PRICE_SCALE};

/// Number of ticks on the ladder.
pub const N_TICKS: usize = 350;

/// `(band end inclusive, step)` in fixed point; the ladder starts at 1.01.
const BANDS: [(PriceFx, PriceFx); 10] = [
    (20_000, 100),         // to 2 by 0.01
    (30_000, 200),         // to 3 by 0.02
    (40_000, 500),         // to 4 by 0.05
    (60_000, 1_000),       // to 6 by 0.1
    (100_000, 2_000),      // to 10 by 0.2
    (200_000, 5_000),      // to 20 by 0.5
    (300_000, 10_000),     // to 30 by 1
    (500_000, 20_000),     // to 50 by 2
    (1_000_000, 50_000),   // to 100 by 5
    (10_000_000, 100_000), // to 1000 by 10
];

const fn build() -> [PriceFx; N_TICKS] {
    let mut out = [0; N_TICKS];
    let mut price = 10_100;
    let mut i = 0;
    let mut band = 0;
    while i < N_TICKS {
        out[i] = price;
        i += 1;
        if price >= BANDS[band].0 {
            band += 1;
            if band == BANDS.len() {
                break;
            }
        }
        price += BANDS[band].1;
    }
    out
}

/// Every tick's price, ascending.
pub static TICKS: [PriceFx; N_TICKS] = build();

/// The lowest and highest tick.
pub const MIN_TICK: Tick = 0;
/// The highest tick (1000.0).
pub const MAX_TICK: Tick = (N_TICKS - 1) as Tick;

/// The price of a tick, `None` when out of range.
#[must_use]
pub fn tick_to_price(tick: Tick) -> Option<PriceFx> {
    TICKS.get(usize::from(tick)).copied()
}

/// The tick of a fixed-point price, `None` when the price is not exactly on the ladder.
#[must_use]
pub fn price_to_tick(price: PriceFx) -> Option<Tick> {
    TICKS.binary_search(&price).ok().map(|i| i as Tick)
}

/// Parses a decimal string (`"2.5"`, `"1000"`, `"3.00"`) into fixed point, exactly: more than
/// four significant decimals, signs, exponents or junk give `None`.
#[must_use]
pub fn parse_price(text: &str) -> Option<PriceFx> {
    let text = text.trim();
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int_value: PriceFx = if int_part.is_empty() {
        0
    } else {
        int_part
            .parse()
            .ok()
            .filter(|v: &PriceFx| *v <= 1_000_000)?
    };
    let frac = frac_part.trim_end_matches('0');
    if frac.len() > 4 {
        return None;
    }
    let mut frac_value: PriceFx = 0;
    for (i, b) in frac.bytes().enumerate() {
        frac_value += PriceFx::from(b - b'0') * 10_i64.pow(3 - i as u32);
    }
    Some(int_value * PRICE_SCALE + frac_value)
}

/// The tick of a binary float that is exactly the double nearest to a ladder price (what
/// `float("2.02")` gives), `None` for any other value (NaN, infinities, 2.0200001, ...). The
/// nearest double of `TICKS[i] / 10^4` is the correctly rounded quotient of two exact integers,
/// so comparing with it is exact: nothing is snapped to the ladder.
#[must_use]
pub fn float_to_tick(price: f64) -> Option<Tick> {
    if !price.is_finite() || !(1.0..=1000.0).contains(&price) {
        return None;
    }
    let fx = (price * PRICE_SCALE as f64).round() as PriceFx;
    let tick = price_to_tick(fx)?;
    (TICKS[usize::from(tick)] as f64 / PRICE_SCALE as f64 == price).then_some(tick)
}

/// Parses a decimal string straight to a tick.
#[must_use]
pub fn parse_tick(text: &str) -> Option<Tick> {
    parse_price(text).and_then(price_to_tick)
}

/// Formats a fixed-point price as a short decimal string (`25_000` -> `"2.5"`).
#[must_use]
pub fn format_price(price: PriceFx) -> String {
    let int = price / PRICE_SCALE;
    let frac = price % PRICE_SCALE;
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:04}");
    format!("{int}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_has_350_ticks_from_1_01_to_1000() {
        assert_eq!(TICKS.len(), 350);
        assert_eq!(TICKS[0], 10_100);
        assert_eq!(TICKS[349], 10_000_000);
        assert!(TICKS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn band_edges_are_ticks() {
        for price in [
            "2", "2.02", "3", "3.05", "4", "4.1", "6", "6.2", "10", "10.5", "20", "21",
        ] {
            assert!(parse_tick(price).is_some(), "{price}");
        }
        for price in ["30", "32", "50", "55", "100", "110", "990", "1000"] {
            assert!(parse_tick(price).is_some(), "{price}");
        }
    }

    #[test]
    fn off_ladder_prices_are_rejected_not_rounded() {
        for price in [
            "1.005", "2.01", "2.51", "3.02", "4.05", "6.1", "10.2", "20.5", "31", "1001",
        ] {
            assert_eq!(parse_tick(price), None, "{price}");
        }
        for junk in ["", ".", "-2", "+2", "2e1", "abc", "2.5.1", "1.00001"] {
            assert_eq!(parse_tick(junk), None, "{junk}");
        }
        assert_eq!(parse_tick("1.00"), None);
    }

    #[test]
    fn conversion_round_trips() {
        for tick in 0..N_TICKS as Tick {
            let price = tick_to_price(tick).unwrap();
            assert_eq!(price_to_tick(price), Some(tick));
            assert_eq!(parse_tick(&format_price(price)), Some(tick));
        }
        assert_eq!(format_price(25_000), "2.5");
        assert_eq!(format_price(10_100), "1.01");
        assert_eq!(parse_price("2.50"), Some(25_000));
        assert_eq!(tick_to_price(350), None);
    }

    #[test]
    fn floats_are_exact_or_rejected() {
        for tick in 0..N_TICKS as Tick {
            let text = format_price(tick_to_price(tick).unwrap());
            let x: f64 = text.parse().unwrap();
            assert_eq!(float_to_tick(x), Some(tick), "{text}");
            assert_eq!(
                float_to_tick(f64::from_bits(x.to_bits() + 1)),
                None,
                "{text}+ulp"
            );
            assert_eq!(
                float_to_tick(f64::from_bits(x.to_bits() - 1)),
                None,
                "{text}-ulp"
            );
        }
        for x in [
            f64::NAN,
            f64::INFINITY,
            -2.0,
            0.0,
            1.0,
            2.01,
            2.015,
            1000.5,
            1e300,
        ] {
            assert_eq!(float_to_tick(x), None, "{x}");
        }
    }
}
