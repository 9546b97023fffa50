//! Golden images: fixed maps rendered to PNG and compared with reviewed images under
//! `tests/golden/`, with a small tolerance for anti-aliasing differences.
//!
//! `UPDATE_GOLDEN=1 cargo test -p athar-maps --test maps golden` rewrites them; look at
//! the new images before committing them.

use std::path::PathBuf;

use athar_maps::{Language, MapSpec, render_png};
use resvg::tiny_skia::Pixmap;

use crate::fixtures;

/// A pixel differs when a channel differs by more than this.
const CHANNEL_TOLERANCE: u8 = 48;
/// The share of differing pixels allowed.
const PIXEL_TOLERANCE: f64 = 0.002;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.png"))
}

/// The share of pixels of `actual` that differ from `expected`.
pub fn differing_share(expected: &Pixmap, actual: &Pixmap) -> f64 {
    assert_eq!(
        (expected.width(), expected.height()),
        (actual.width(), actual.height()),
        "image sizes differ"
    );
    let differing = expected
        .pixels()
        .iter()
        .zip(actual.pixels())
        .filter(|(a, b)| {
            let (a, b) = (a.demultiply(), b.demultiply());
            [
                a.red().abs_diff(b.red()),
                a.green().abs_diff(b.green()),
                a.blue().abs_diff(b.blue()),
                a.alpha().abs_diff(b.alpha()),
            ]
            .into_iter()
            .any(|difference| difference > CHANNEL_TOLERANCE)
        })
        .count();
    differing as f64 / expected.pixels().len() as f64
}

fn check_golden(name: &str, spec: &MapSpec) {
    let png = render_png(spec).expect("the golden map renders");
    let path = golden_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &png).expect("golden image written");
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    let expected = Pixmap::decode_png(&expected).expect("golden PNG decodes");
    let actual = Pixmap::decode_png(&png).expect("rendered PNG decodes");
    let share = differing_share(&expected, &actual);
    if share > PIXEL_TOLERANCE {
        let failed = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.actual.png"));
        std::fs::write(&failed, &png).expect("actual image written");
        panic!(
            "{name}: {:.3} % of pixels differ from {} (allowed {:.3} %); the new rendering is {}",
            share * 100.0,
            path.display(),
            PIXEL_TOLERANCE * 100.0,
            failed.display()
        );
    }
}

#[test]
fn arabic_incident_map_matches_its_golden_image() {
    check_golden("incidents-ar", &fixtures::golden_spec(Language::Arabic));
}

#[test]
fn english_incident_map_matches_its_golden_image() {
    check_golden("incidents-en", &fixtures::golden_spec(Language::English));
}

#[test]
fn arabic_proportional_map_matches_its_golden_image() {
    check_golden(
        "proportional-ar",
        &fixtures::golden_proportional_spec(Language::Arabic),
    );
}
