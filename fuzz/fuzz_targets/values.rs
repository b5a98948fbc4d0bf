//! Any text through every value parser: dates (ISO and the user's formats), months, numbers and
//! integers under each number format; a value or a reason, never a panic.
#![no_main]

use northstar_read::values::{NumberFormat, parse_date, parse_integer, parse_month, parse_number};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    // The first line may be a date format, as `date_format` gives one.
    let (format, value) = text.split_once('\n').unwrap_or(("", text));
    for format in [None, Some("%d/%m/%Y"), Some("%m/%d/%Y %H:%M"), Some(format)] {
        let _ = parse_date(value, format);
        let _ = parse_month(value, format);
    }
    for number_format in [NumberFormat::Plain, NumberFormat::Us, NumberFormat::Eu] {
        if let Ok(x) = parse_number(value, number_format) {
            assert!(x.is_finite(), "{value:?} parsed as {x}");
        }
        let _ = parse_integer(value, number_format);
    }
});
