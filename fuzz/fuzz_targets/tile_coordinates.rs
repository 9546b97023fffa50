//! Arbitrary `z/x/y[.mvt]` paths and points through the tile maths of `athar-tiles`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    athar_fuzz::check_tile_path(data);
    athar_fuzz::check_tile_maths(data);
});
