//! Arbitrary bytes through the JSON reader, with the invariants of
//! `athar_fuzz::check_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    athar_fuzz::check_reader(athar_ingest::Format::Json, data);
});
