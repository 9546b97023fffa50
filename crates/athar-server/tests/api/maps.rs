//! Static maps through the API: a month's attacks and its communities rendered from the
//! report fixture, compared with reviewed golden images, in Arabic and English; the
//! formats, determinism, caching and bad parameters.
//!
//! `UPDATE_GOLDEN=1 cargo test -p athar-server --test api maps` rewrites the images under
//! `tests/golden/`; look at them before committing.

use std::path::PathBuf;

use resvg::tiny_skia::Pixmap;

use crate::support::{Backend, TestStore, both_backends, client, get, import_csv};

const MAY: &str = include_str!("../fixtures/report-2024-05.csv");

both_backends!(
    the_month_renders_as_reviewed_in_both_languages,
    maps_come_in_three_formats_the_same_every_time
);

/// A pixel differs when a channel differs by more than this; this share may differ (the
/// order of overlapping symbols on one day follows the incidents' random ids).
const CHANNEL_TOLERANCE: u8 = 48;
const PIXEL_TOLERANCE: f64 = 0.003;

async fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let mut response = client().get(url).send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    (status, content_type, body.to_vec())
}

fn differing_share(expected: &Pixmap, actual: &Pixmap) -> f64 {
    assert_eq!(
        (expected.width(), expected.height()),
        (actual.width(), actual.height())
    );
    let differing = expected
        .pixels()
        .iter()
        .zip(actual.pixels())
        .filter(|(a, b)| {
            let (a, b) = (a.demultiply(), b.demultiply());
            a.red().abs_diff(b.red()) > CHANNEL_TOLERANCE
                || a.green().abs_diff(b.green()) > CHANNEL_TOLERANCE
                || a.blue().abs_diff(b.blue()) > CHANNEL_TOLERANCE
        })
        .count();
    differing as f64 / expected.pixels().len() as f64
}

fn check_golden(name: &str, png: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.png"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, png).unwrap();
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
    let expected = Pixmap::decode_png(&expected).unwrap();
    let actual = Pixmap::decode_png(png).expect("the map is a PNG");
    let share = differing_share(&expected, &actual);
    if share > PIXEL_TOLERANCE {
        let failed = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.actual.png"));
        std::fs::write(&failed, png).unwrap();
        panic!(
            "{name}: {:.2} % of pixels differ from the golden image; see {}",
            share * 100.0,
            failed.display()
        );
    }
}

async fn the_month_renders_as_reviewed_in_both_languages(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    import_csv(&address, MAY).await;
    for (name, query) in [
        (
            "may-attacks-ar",
            "kind=attack&from=2024-05-01&to=2024-05-31&lang=ar&width=800&height=560&title=%D8%A7%D9%84%D9%87%D8%AC%D9%85%D8%A7%D8%AA%20%D9%81%D9%8A%20%D8%A3%D9%8A%D8%A7%D8%B1",
        ),
        (
            "may-communities-en",
            "from=2024-05-01&to=2024-05-31&lang=en&view=communities&admin1=Idlib&width=800&height=560&title=May%202024",
        ),
    ] {
        let (status, content_type, png) =
            fetch(&format!("{address}/maps/static.png?{query}")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&png));
        assert_eq!(content_type, "image/png");
        check_golden(name, &png);
    }
}

async fn maps_come_in_three_formats_the_same_every_time(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    import_csv(&address, MAY).await;
    let url = format!("{address}/maps/static.png?kind=attack&width=400&height=300");
    let (_, _, first) = fetch(&url).await;
    let (_, _, second) = fetch(&url).await;
    assert_eq!(first, second, "the same map twice");
    let image = Pixmap::decode_png(&first).unwrap();
    assert_eq!((image.width(), image.height()), (400, 300));
    let (_, _, print) = fetch(&format!("{url}&scale=2")).await;
    let image = Pixmap::decode_png(&print).unwrap();
    assert_eq!((image.width(), image.height()), (800, 600));

    let (status, content_type, pdf) = fetch(&format!(
        "{address}/maps/static.pdf?lang=ar&width=600&height=400"
    ))
    .await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let (status, content_type, svg) =
        fetch(&format!("{address}/maps/static.svg?view=communities")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/svg+xml"));
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));

    // Cached by version and query.
    let response = client().get(&url).send().await.unwrap();
    let tag = response
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let again = client()
        .get(&url)
        .insert_header(("If-None-Match", tag.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let other = client()
        .get(format!("{url}&lang=ar"))
        .insert_header(("If-None-Match", tag))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 200, "another query is another map");

    for (path, expected) in [
        ("/maps/static.gif", 404),
        ("/maps/static.png?width=50", 400),
        ("/maps/static.png?width=abc", 400),
        ("/maps/static.png?height=99999", 400),
        ("/maps/static.png?scale=3", 400),
        ("/maps/static.png?lang=fr", 400),
        ("/maps/static.png?view=heat", 400),
        ("/maps/static.png?bbox=40,40,30,30", 400),
        ("/maps/static.png?from=2024-02-30", 400),
        ("/maps/static.png?zoom=3", 400),
    ] {
        assert_eq!(get(&format!("{address}{path}")).await.0, expected, "{path}");
    }
    let long_title = "x".repeat(600);
    assert_eq!(
        get(&format!("{address}/maps/static.svg?title={long_title}"))
            .await
            .0,
        400
    );
    // The pixels a render may take are bounded before any work, and the answer names the
    // parameter to lower.
    let title = format!("width=1200&height=800&title={}", "x".repeat(301));
    for (query, parameter) in [
        ("width=4000&height=4000", "height"),
        ("width=2000&height=2000&scale=2", "scale"),
        (title.as_str(), "title"),
    ] {
        let (status, problem) = get(&format!("{address}/maps/static.png?{query}")).await;
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(problem["parameter"], parameter, "{problem}");
    }
    assert_eq!(
        get(&format!(
            "{address}/maps/static.png?width=2000&height=2000&from=2030-01-01"
        ))
        .await
        .0,
        200,
        "four million pixels are drawn"
    );
}
