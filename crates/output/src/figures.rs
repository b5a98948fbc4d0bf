//! Figures written for people: whole numbers and money with thousands separators, exact values
//! (a rule's threshold: rounding it would misstate the rule), compact totals (`354.5M`) and
//! percentages (`19.3%`).

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Money rounded to whole units, e.g. `-1,234,568` for −1234567.8.
pub fn money(x: f64) -> String {
    let sign = if x < 0.0 && x.abs().round() > 0.0 { "-" } else { "" };
    format!("{sign}{}", group(x.abs().round() as u64))
}

/// A value exactly, its whole part grouped: `354450000` as `354,450,000`, `0.25` as `0.25`.
pub fn exact(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let text = x.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let whole = whole.parse::<u64>().map_or_else(|_| whole.to_owned(), group);
    let sign = if x < 0.0 { "-" } else { "" };
    match fraction {
        "" => format!("{sign}{whole}"),
        f => format!("{sign}{whole}.{f}"),
    }
}

/// A total or average rounded for reading: `354.5M`, `1.2B`, `18.3K`, `950`.
pub fn compact(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 && a >= 0.5 { "-" } else { "" };
    let (scale, unit) = match a {
        a if a >= 1e9 => (1e9, "B"),
        a if a >= 1e6 => (1e6, "M"),
        a if a >= 1e4 => (1e3, "K"),
        a => return format!("{sign}{}", group(a.round() as u64)),
    };
    // Tenths counted in whole numbers, so that 354,450,000 rounds half up to 354.5M.
    let tenths = (a / (scale / 10.0)).round();
    format!("{sign}{:.1}{unit}", tenths / 10.0)
}

/// A share as a percentage to one decimal: `0.193` as `19.3%`.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p.abs() < 0.05 {
        "0.0%".to_owned()
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(999), "999");
        assert_eq!(money(-1_234_567.8), "-1,234,568");
        assert_eq!(money(-0.2), "0");
    }

    #[test]
    fn thresholds_are_exact_and_totals_compact() {
        assert_eq!(exact(354_450_000.0), "354,450,000");
        assert_eq!(exact(4997.0), "4,997");
        assert_eq!(exact(-1234.25), "-1,234.25");
        assert_eq!(exact(0.5), "0.5");
        assert_eq!(compact(354_450_000.0), "354.5M");
        assert_eq!(compact(-86_374_008.0), "-86.4M");
        assert_eq!(compact(1_234_000_000.0), "1.2B");
        assert_eq!(compact(18_345.0), "18.3K");
        assert_eq!(compact(950.4), "950");
        assert_eq!(percent(0.193), "19.3%");
        assert_eq!(percent(-0.0), "0.0%");
        assert_eq!(percent(2.471), "247.1%");
    }
}
