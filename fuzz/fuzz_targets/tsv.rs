//! Any bytes as a .tsv input table: read to the end or refused, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| northstar_fuzz::read(bytes, "accounts.tsv"));
