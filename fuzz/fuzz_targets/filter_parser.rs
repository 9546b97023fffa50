//! Arbitrary query strings through `Filter::apply_parameter`, as the server applies them.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    athar_fuzz::check_query_string(data);
});
