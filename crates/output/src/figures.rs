//! Figures written for people: whole numbers and money with thousands separators.

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
}
