//! Any text as the tables' part of northstar.toml: read or refused with a reason, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Err(e) = northstar_read::Config::parse(text)
    {
        assert!(!e.to_string().is_empty());
    }
});
