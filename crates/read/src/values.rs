//! Parsing of one text value into a typed value, with a reason a person can act on when it fails.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// How money and numbers are written in a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberFormat {
    /// `1234.5`: digits, an optional `.` decimal point and exponent; nothing else.
    #[default]
    Plain,
    /// `$1,234.50`: currency symbols and `,` thousands separators allowed; `(12)` is negative.
    Us,
    /// `1.234,50 €`: currency symbols, `.` or space thousands separators, `,` decimal comma.
    Eu,
}

const CURRENCY: &[char] = &['$', '€', '£', '¥', '₹', '₩'];

/// Days from 1970-01-01, the storage of a date.
pub fn days_since_epoch(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

/// 1970-01-01 in days from 0001-01-01 (day 1).
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The years a date of the data may fall in; outside them it is taken for a typo or a
/// placeholder (`0001-01-01`, `9999-12-31`), not a day.
pub const DATE_YEARS: (i32, i32) = (1900, 2100);

/// The first and last day of [`DATE_YEARS`], in days since 1970-01-01.
pub fn plausible_days() -> (i32, i32) {
    let (first, last) = DATE_YEARS;
    let day = |year, month, day| NaiveDate::from_ymd_opt(year, month, day).map_or(0, days_since_epoch);
    (day(first, 1, 1), day(last, 12, 31))
}

/// The day of `text` in days since 1970-01-01, when it is exactly `YYYY-MM-DD` in digits and a
/// real day of [`DATE_YEARS`]: what [`parse_date`] (without a format), [`plausible_date`] and
/// [`days_since_epoch`] make of it, worked out without a calendar type for the common case of
/// a large file. `None` for any other text, which those then read or refuse.
pub fn iso_epoch_day(text: &str) -> Option<i32> {
    let (year, month, day) = iso_ymd(text)?;
    let (month, day) = (month as i32, day as i32);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let (first, last) = DATE_YEARS;
    let real = (first..=last).contains(&year) && (1..=12).contains(&month) && (1..=month_days).contains(&day);
    real.then(|| days_from_civil(year, month, day))
}

/// Days since 1970-01-01 of a day of the proleptic Gregorian calendar, counted in whole
/// 400-year eras from 0000-03-01, each year starting in March so that a leap day ends it
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i32, month: i32, day: i32) -> i32 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `date` when it lies in [`DATE_YEARS`], else why it is refused.
pub fn plausible_date(date: NaiveDate) -> Result<NaiveDate, String> {
    use chrono::Datelike;
    let (first, last) = DATE_YEARS;
    if (first..=last).contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "{date} is outside the years {first} to {last}: a typo, or a placeholder for no date (leave it empty)"
        ))
    }
}

/// `text` without surrounding whitespace; most texts have none, which two bytes tell.
pub fn trim(text: &str) -> &str {
    // An ASCII byte that `str::trim` keeps (it also trims the vertical tab, as `char` does).
    let plain = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii() && !char::from(*b).is_whitespace());
    let bytes = text.as_bytes();
    if plain(bytes.first()) && plain(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// A finite number written in `format`.
pub fn parse_number(text: &str, format: NumberFormat) -> Result<f64, String> {
    let cleaned: Cow<'_, str> = match format {
        NumberFormat::Plain => Cow::Borrowed(text),
        NumberFormat::Us => clean_number(text, ',', '.'),
        NumberFormat::Eu => Cow::Owned(clean_number(text, '.', ',').replace(' ', "")),
    };
    let (negative, digits) = match cleaned.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        Some(inner) if format != NumberFormat::Plain => (true, inner),
        _ => (false, cleaned.as_ref()),
    };
    if !is_plain_number(digits) {
        let hint = if format == NumberFormat::Plain
            && text.contains(|c: char| CURRENCY.contains(&c) || c == ',')
        {
            "; set number_format = \"us\" (or \"eu\") for this table to accept currency symbols and separators"
        } else {
            ""
        };
        return Err(format!("`{text}` is not a number{hint}"));
    }
    let value: f64 = digits.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if !value.is_finite() {
        return Err(format!("`{text}` is too large"));
    }
    Ok(if negative { -value } else { value })
}

/// Removes currency symbols and thousands separators, and makes the decimal mark a point; text
/// with none of them is only trimmed.
fn clean_number(text: &str, thousands: char, decimal: char) -> Cow<'_, str> {
    let removed = |c: &char| CURRENCY.contains(c) || *c == thousands;
    if decimal == '.' && !text.chars().any(|c| removed(&c)) {
        return Cow::Borrowed(text.trim());
    }
    let stripped: String = text.chars().filter(|c| !removed(c)).collect();
    let stripped = stripped.trim();
    Cow::Owned(if decimal == '.' {
        stripped.to_owned()
    } else {
        stripped.replace(decimal, ".")
    })
}

/// Digits with an optional sign, decimal point and exponent: what `f64` parsing should accept.
fn is_plain_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let sign = |at: usize| usize::from(matches!(bytes.get(at), Some(b'-' | b'+')));
    let digits_from = |at: usize| at + bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    let start = sign(0);
    let mut at = digits_from(start);
    let mut digits = at - start;
    if bytes.get(at) == Some(&b'.') {
        let fraction = at + 1;
        at = digits_from(fraction);
        digits += at - fraction;
    }
    if digits == 0 {
        return false;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let exponent = at + 1 + sign(at + 1);
        at = digits_from(exponent);
        if at == exponent {
            return false;
        }
    }
    at == bytes.len()
}

/// A whole number written in `format`.
pub fn parse_integer(text: &str, format: NumberFormat) -> Result<i64, String> {
    if format == NumberFormat::Plain {
        let body = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
            return text.parse().map_err(|_| format!("`{text}` is too large"));
        }
    }
    let value = parse_number(text, format)?;
    if value.fract() != 0.0 || value.abs() > 9.0e15 {
        return Err(format!("`{text}` is not a whole number"));
    }
    Ok(value as i64)
}

/// A date: ISO 8601 (`2024-03-31`, optionally with a time and offset, which are ignored), or the
/// configured `format` (chrono `strftime` syntax, date or date and time).
pub fn parse_date(text: &str, format: Option<&str>) -> Result<NaiveDate, String> {
    if let Some(format) = format {
        return NaiveDate::parse_from_str(text, format)
            .or_else(|_| NaiveDateTime::parse_from_str(text, format).map(|t| t.date()))
            .or_else(|_| parse_date(text, None))
            .map_err(|_| format!("`{text}` matches neither the date format `{format}` nor ISO 8601"));
    }
    let iso_error =
        || format!("`{text}` is not an ISO 8601 date (YYYY-MM-DD); set date_format for this table");
    let (day, time) = if text.len() > 10 && text.is_char_boundary(10) {
        text.split_at(10)
    } else {
        (text, "")
    };
    let date = match iso_day(day) {
        Some(ymd) => ymd,
        None => NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| ()),
    }
    .map_err(|_| iso_error())?;
    if !time.is_empty() {
        let time = time.strip_prefix(['T', ' ']).ok_or_else(iso_error)?;
        if !is_iso_time(time) {
            return Err(iso_error());
        }
    }
    Ok(date)
}

/// The date of `text` when it is exactly `YYYY-MM-DD` in digits (the common case, read without
/// a format parser), or `None` for any other shape; an impossible day is an error as chrono's.
fn iso_day(text: &str) -> Option<Result<NaiveDate, ()>> {
    let (year, month, day) = iso_ymd(text)?;
    Some(NaiveDate::from_ymd_opt(year, month, day).ok_or(()))
}

/// The year, month and day written in `text` when it is exactly `YYYY-MM-DD` in digits, whether
/// or not they make a real day.
fn iso_ymd(text: &str) -> Option<(i32, u32, u32)> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((digits(0..4)? as i32, digits(5..7)?, digits(8..10)?))
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, optionally followed by `Z` or an offset `±HH:MM`.
fn is_iso_time(text: &str) -> bool {
    let clock = text.strip_suffix('Z').unwrap_or(text);
    let clock = match clock.rfind(['+', '-']) {
        Some(at) if at >= 5 => {
            let offset = &clock[at + 1..];
            let ok = matches!(offset.len(), 2 | 4 | 5)
                && offset.bytes().filter(|b| *b != b':').all(|b| b.is_ascii_digit());
            if !ok {
                return false;
            }
            &clock[..at]
        }
        _ => clock,
    };
    ["%H:%M", "%H:%M:%S", "%H:%M:%S%.f"]
        .iter()
        .any(|f| NaiveTime::parse_from_str(clock, f).is_ok())
}

/// A month: `YYYY-MM`, or any date (ISO or configured format), taken as the first of its month.
pub fn parse_month(text: &str, format: Option<&str>) -> Result<NaiveDate, String> {
    if let Ok(month) = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d") {
        return Ok(month);
    }
    parse_date(text, format)
        .map(|d| d.with_day0(0).unwrap_or(d))
        .map_err(|_| format!("`{text}` is not a month (YYYY-MM) or a date"))
}

/// A stored date (days since 1970-01-01) in ISO 8601.
pub fn format_days(days: i32) -> String {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (epoch + chrono::Duration::days(i64::from(days)))
        .format("%Y-%m-%d")
        .to_string()
}

use chrono::Datelike;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_1970() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(days_since_epoch(epoch), 0);
        let mut day = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        while day <= last {
            assert_eq!(days_since_epoch(day) as i64, (day - epoch).num_days(), "{day}");
            day = day + chrono::Days::new(97);
        }
    }

    /// Every text of the shape `YYYY-MM-DD` around the plausible years, real days or not, is
    /// the day the calendar type makes of it, or left to it.
    #[test]
    fn iso_days_are_the_calendars() {
        let (first, last) = DATE_YEARS;
        let mut real = 0;
        for year in first - 3..=last + 3 {
            for month in 0..=13 {
                for day in 0..=32 {
                    let text = format!("{year:04}-{month:02}-{day:02}");
                    let full = parse_date(&text, None)
                        .and_then(plausible_date)
                        .map(days_since_epoch)
                        .ok();
                    assert_eq!(iso_epoch_day(&text), full, "{text}");
                    real += usize::from(full.is_some());
                }
            }
        }
        // 1900 to 2100: 201 years of 365 days, and 49 leap days (2000 is one; 1900 and 2100
        // are not).
        assert_eq!(real, 201 * 365 + 49);
        for text in [
            "2024-1-05",
            "2024-01-5 ",
            "2024/01/05",
            "２０２４-01-05",
            "2024-01-05T00:00",
        ] {
            assert_eq!(iso_epoch_day(text), None, "{text}");
        }
    }

    #[test]
    fn trim_takes_off_what_str_trim_does() {
        for byte in 0..=127u8 {
            let c = char::from(byte);
            for text in [
                format!("{c}x"),
                format!("x{c}"),
                format!("{c}x{c}"),
                c.to_string(),
            ] {
                assert_eq!(trim(&text), text.trim(), "byte {byte}");
            }
        }
        for text in ["\u{a0}x", "x\u{2003}", "é", "xé"] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn plain_numbers_reject_currency_and_separators_with_a_hint() {
        assert_eq!(parse_number("1200", NumberFormat::Plain), Ok(1200.0));
        assert_eq!(parse_number("-12.5", NumberFormat::Plain), Ok(-12.5));
        assert_eq!(parse_number("1e3", NumberFormat::Plain), Ok(1000.0));
        assert_eq!(parse_number(".5", NumberFormat::Plain), Ok(0.5));
        for bad in [
            "$1,200", "1,200", "12abc", "inf", "NaN", "", "-", "1e", "0x10", "1.2.3",
        ] {
            assert!(parse_number(bad, NumberFormat::Plain).is_err(), "{bad}");
        }
        let err = parse_number("$1,200", NumberFormat::Plain).unwrap_err();
        assert!(err.contains("number_format"), "{err}");
        assert!(
            parse_number("1e999", NumberFormat::Plain)
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn configured_money_formats() {
        assert_eq!(parse_number("$1,200.50", NumberFormat::Us), Ok(1200.5));
        assert_eq!(parse_number("($12)", NumberFormat::Us), Ok(-12.0));
        assert_eq!(parse_number("1.234,50 €", NumberFormat::Eu), Ok(1234.5));
        assert!(parse_number("abc", NumberFormat::Us).is_err());
    }

    #[test]
    fn integers_must_be_whole() {
        assert_eq!(parse_integer("42", NumberFormat::Plain), Ok(42));
        assert_eq!(parse_integer("-7", NumberFormat::Plain), Ok(-7));
        assert!(parse_integer("4.5", NumberFormat::Plain).is_err());
        assert_eq!(parse_integer("1,200", NumberFormat::Us), Ok(1200));
    }

    #[test]
    fn iso_dates_with_and_without_times() {
        let d = NaiveDate::from_ymd_opt(2011, 12, 9).expect("date");
        for ok in [
            "2011-12-09",
            "2011-12-09 12:50",
            "2011-12-09T12:50:00",
            "2011-12-09T12:50:00.123Z",
            "2011-12-09T12:50:00+01:00",
            "2011-12-09 12:50:00-0500",
        ] {
            assert_eq!(parse_date(ok, None), Ok(d), "{ok}");
        }
        for bad in [
            "09/12/2011",
            "2011-13-01",
            "2011-02-30",
            "2011-12-09X",
            "2011-12-09 25:00",
            "yesterday",
            "20111209",
        ] {
            assert!(parse_date(bad, None).is_err(), "{bad}");
        }
        assert_eq!(parse_date("12/9/2011 08:26", Some("%m/%d/%Y %H:%M")), Ok(d));
        assert_eq!(parse_date("09.12.2011", Some("%d.%m.%Y")), Ok(d));
        assert_eq!(
            parse_date("2011-12-09", Some("%d.%m.%Y")),
            Ok(d),
            "ISO is always understood"
        );
        assert!(parse_date("9 Dec 2011", Some("%d.%m.%Y")).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// The digits-only reading of a ten-character day agrees with chrono's `%Y-%m-%d` on
        /// every text of that length, valid, impossible (2023-02-29) or not a date at all.
        #[test]
        fn ten_character_days_read_as_chrono_reads_them(
            text in "[0-9]{4}-[0-1][0-9]-[0-3][0-9]|[0-9 +-]{4}[-/][0-9 +]{2}-[0-9 ]{2}|.{10}"
        ) {
            let chrono = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
            proptest::prop_assert_eq!(parse_date(&text, None).ok(), chrono);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// A plain number is what Rust's `f64` parsing reads, less its words (`inf`, `NaN`):
        /// the texts tried are made of signs, digits, points and exponents alone.
        #[test]
        fn plain_numbers_are_what_f64_parsing_reads(text in "[-+0-9.eE]{0,8}") {
            proptest::prop_assert_eq!(is_plain_number(&text), text.parse::<f64>().is_ok(), "{}", text);
        }
    }

    #[test]
    fn months() {
        let m = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
        assert_eq!(parse_month("2024-03", None), Ok(m));
        assert_eq!(parse_month("2024-03-17", None), Ok(m));
        assert!(parse_month("2024-13", None).is_err());
        assert_eq!(
            days_since_epoch(NaiveDate::from_ymd_opt(1970, 1, 2).expect("date")),
            1
        );
    }
}
