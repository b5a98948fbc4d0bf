//! How each kind of number is written in the CSV outputs: one rule per kind, so that figures
//! computed in another order write the same bytes. JSON outputs carry the same figures
//! unrounded.
//!
//! | kind | rule | example |
//! |---|---|---|
//! | money | to the cent | `1234.5` |
//! | share, rate, lift, mean of a count | to 6 decimals | `0.123457` |
//! | p-value | 4 significant digits, scientific | `1.234e-5` |
//! | count, rank, quantity | as counted | `12` |

/// Money, to the cent.
pub fn money(x: f64) -> String {
    rounded(x, 1e2)
}

/// A share, rate, lift or other ratio, to 6 decimals.
pub fn ratio(x: f64) -> String {
    rounded(x, 1e6)
}

/// A p-value: 4 significant digits in scientific notation.
pub fn p_value(x: f64) -> String {
    format!("{x:.3e}")
}

/// A quantity as given, in its shortest round-trip form.
pub fn quantity(x: f64) -> String {
    if x == 0.0 { "0".to_owned() } else { x.to_string() }
}

/// `x` to the nearest `1/scale`, shortest form, with no negative zero.
fn rounded(x: f64, scale: f64) -> String {
    let r = (x * scale).round() / scale;
    if r == 0.0 { "0".to_owned() } else { r.to_string() }
}

/// A figure that may be unknown: empty when it is.
pub fn optional(x: Option<f64>, write: fn(f64) -> String) -> String {
    x.map(write).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_rule() {
        assert_eq!(money(1234.5049), "1234.5");
        assert_eq!(money(-0.001), "0");
        assert_eq!(ratio(1.0 / 3.0), "0.333333");
        assert_eq!(ratio(0.1 + 0.2), "0.3");
        assert_eq!(p_value(0.000012344), "1.234e-5");
        assert_eq!(quantity(12.0), "12");
        assert_eq!(optional(None, money), "");
    }
}
