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
    if x == 0.0 { "0".to_owned() } else { shortest(x) }
}

/// `x` to the nearest `1/scale`, shortest form, with no negative zero.
fn rounded(x: f64, scale: f64) -> String {
    let r = (x * scale).round() / scale;
    if r == 0.0 { "0".to_owned() } else { shortest(r) }
}

/// `x` in its shortest round-trip form as `Display` writes it (`12`, `0.0001`, never in
/// exponent notation), by a faster formatter where the two must agree: a normal number whose
/// shortest form has at most 15 significant digits. Decimals of 15 digits lie further apart than
/// a double's rounding interval is wide, so that form is the only one; at 16 or 17 digits two may
/// be equally near, and the formatters can choose differently. The faster one writes a whole
/// number with `.0`, and a large or small one in exponent notation, which goes to `Display`.
fn shortest(x: f64) -> String {
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format(x);
    // Counts the zeros ending a whole number too: a few more numbers go to `Display`.
    let digits = || {
        text.trim_start_matches(['-', '0', '.'])
            .bytes()
            .filter(u8::is_ascii_digit)
            .count()
    };
    if !x.is_normal() || text.contains('e') || digits() > 15 {
        return x.to_string();
    }
    text.strip_suffix(".0").unwrap_or(text).to_owned()
}

/// A figure that may be unknown: empty when it is.
pub fn optional(x: Option<f64>, write: fn(f64) -> String) -> String {
    x.map(write).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(100_000))]

        #[test]
        fn the_shortest_form_is_displays(
            bits: u64,
            whole in -1e17f64..1e17,
            cents in -1e9f64..1e9,
            digits in -999_999_999_999_999i64..999_999_999_999_999,
            exponent in -30i32..30,
        ) {
            let decimal: f64 = format!("{digits}e{exponent}").parse().expect("a number");
            let rounded = [(cents * 100.0).round() / 100.0, (cents * 1e6).round() / 1e6];
            for x in [f64::from_bits(bits), whole.trunc(), cents, decimal, rounded[0], rounded[1]] {
                proptest::prop_assert_eq!(shortest(x), x.to_string());
            }
        }
    }

    #[test]
    fn of_two_forms_equally_near_the_one_display_writes() {
        // Exactly halfway between ...320.62 and ...320.63: the faster formatter writes .62.
        let x = f64::from_bits(14_046_479_218_823_574_292);
        assert_eq!(quantity(x), "-273724384679320.63");
    }

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
