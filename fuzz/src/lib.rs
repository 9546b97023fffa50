//! The checks behind Athar's fuzz targets, one function per target, so that a target file
//! is a single call and a crash found by one can be replayed from a test or a debugger.
//!
//! Each check feeds the input to the parser as Athar itself does and then asserts what
//! must hold of the output whatever the input was: a panic (including an arithmetic
//! overflow; the targets are built with debug assertions) or a failed assertion is a
//! crash that libFuzzer saves under `fuzz/artifacts/<target>/`.

use std::sync::LazyLock;

use athar_core::{
    CommunityResolver, FILTER_PARAMETERS, Filter, IncidentDraft, IncidentRecord, LocationPrecision,
    ValidationContext, Vocabularies, VocabularyName,
};
use athar_gazetteer::Gazetteer;
use athar_ingest::{Format, IngestError, Row, read};
use athar_tiles::{EXTENT, HALF_WORLD, MAX_LATITUDE, MAX_ZOOM, PathError, Tile, TileError};
use chrono::NaiveDate;

static VOCABULARIES: LazyLock<Vocabularies> = LazyLock::new(Vocabularies::defaults);
/// Built once: the bundled gazetteer takes far longer to build than one input to read.
/// The gazetteer itself, not a `NameCache`, so that nothing grows from input to input.
static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::bundled);
/// A fixed "today", so that a crash replays the same whenever it is replayed.
static TODAY: LazyLock<NaiveDate> =
    LazyLock::new(|| NaiveDate::from_ymd_opt(2025, 6, 30).expect("a date that exists"));

fn context() -> ValidationContext<'static> {
    let mut context = ValidationContext::new(&VOCABULARIES, &*GAZETTEER);
    context.default_source = Some("fuzz".into());
    context.today = *TODAY;
    context
}

/// Reads `data` in `format` and checks every row the reader hands on:
/// - row numbers rise strictly, from 2 for CSV (row 1 is the header) and 1 otherwise;
/// - a rejected row has at least one error, each naming a field and saying something;
/// - a valid record keeps the rules of the domain ([`check_record`]);
/// - the summary counts the rows handed on; a failure of the whole file says why.
pub fn check_reader(format: Format, data: &[u8]) {
    let context = context();
    let first_row = if format == Format::Csv { 2 } else { 1 };
    let mut previous_row = first_row - 1;
    let mut rows_seen = 0u64;
    let result = read(format, data, &context, &mut |row| {
        rows_seen += 1;
        let number = match &row {
            Row::Valid { row, record } => {
                check_record(record, &context);
                *row
            }
            Row::Invalid { row, errors } => {
                assert!(!errors.is_empty(), "row {row} is rejected with no error");
                for error in errors {
                    assert!(
                        !error.field.trim().is_empty(),
                        "row {row}: an error names no field: {error:?}"
                    );
                    assert!(
                        !error.message.trim().is_empty(),
                        "row {row}: an error says nothing: {error:?}"
                    );
                }
                *row
            }
        };
        assert!(
            number >= first_row && number > previous_row,
            "row {number} follows row {previous_row} (rows start at {first_row})"
        );
        previous_row = number;
        Ok(())
    });
    match result {
        Ok(summary) => {
            assert_eq!(summary.rows, rows_seen, "the summary miscounts the rows");
            assert!(!summary.stopped, "the sink never asked to stop");
        }
        Err(IngestError::Io(error)) => panic!("reading a byte slice cannot fail: {error}"),
        Err(error) => assert!(
            !error.to_string().trim().is_empty(),
            "a file is refused without a reason"
        ),
    }
}

/// What holds of every record validation accepts.
pub fn check_record(record: &IncidentRecord, context: &ValidationContext<'_>) {
    assert!(!record.source.trim().is_empty(), "empty source: {record:?}");
    assert!(
        !record.community.trim().is_empty(),
        "empty community: {record:?}"
    );
    assert!(
        record
            .source_id
            .as_ref()
            .is_none_or(|id| !id.trim().is_empty() && id.chars().count() <= 200),
        "source_id: {record:?}"
    );
    assert_eq!(
        record.community_key,
        context.resolver.key(&record.community),
        "the community key is not the key of the community"
    );

    let counts = record.casualties.counts();
    for (total, women, children) in [
        (counts.killed, counts.killed_women, counts.killed_children),
        (
            counts.injured,
            counts.injured_women,
            counts.injured_children,
        ),
    ] {
        assert!(
            u64::from(women) + u64::from(children) <= u64::from(total),
            "casualty subsets exceed their total: {counts:?}"
        );
    }

    match record.location {
        Some(point) => {
            let (lon, lat) = (point.lon.degrees(), point.lat.degrees());
            assert!(
                lat.is_finite() && (-90.0..=90.0).contains(&lat),
                "latitude {lat}"
            );
            assert!(
                lon.is_finite() && (-180.0..=180.0).contains(&lon),
                "longitude {lon}"
            );
        }
        None => assert_eq!(
            record.location_precision,
            LocationPrecision::Admin,
            "a record without a point claims a precise location"
        ),
    }
    assert!(
        record.occurred.date() <= context.today.succ_opt().unwrap_or(context.today),
        "an incident in the future: {}",
        record.occurred
    );

    let vocabularies = context.vocabularies;
    let kind = record.kind.as_str();
    assert!(
        vocabularies
            .get(VocabularyName::Kind, &record.kind)
            .is_some()
    );
    for (vocabulary, slug, kinds) in [
        (
            VocabularyName::Perpetrator,
            &record.perpetrator,
            &["attack"][..],
        ),
        (VocabularyName::Weapon, &record.weapon, &["attack"][..]),
        (
            VocabularyName::Cause,
            &record.cause,
            &["fire", "traffic_accident"][..],
        ),
        (
            VocabularyName::Vehicle,
            &record.vehicle,
            &["traffic_accident"][..],
        ),
        (VocabularyName::PlaceType, &record.place_type, &[][..]),
    ] {
        if let Some(slug) = slug {
            assert!(
                vocabularies.get(vocabulary, slug).is_some(),
                "unknown {vocabulary} '{slug}'"
            );
            assert!(
                kinds.is_empty() || kinds.contains(&kind),
                "{vocabulary} '{slug}' on a '{kind}'"
            );
        }
    }

    let _ = record.content_hash();
    serde_json::to_vec(record).expect("a record serialises");
    // An edit starts from the record's own draft: what was accepted must be accepted again.
    if let Err(errors) = IncidentDraft::from_record(record).validate(context) {
        panic!("a valid record fails validation when edited unchanged: {errors:?}\n{record:?}");
    }
}

/// A few valid records of different kinds, for filters to be tested against.
static SAMPLE_RECORDS: LazyLock<Vec<IncidentRecord>> = LazyLock::new(|| {
    let context = context();
    let drafts: [&[(&str, &str)]; 3] = [
        &[
            ("kind", "attack"),
            ("occurred_on", "2024-04-12"),
            ("community", "كفرنبل"),
            ("latitude", "35.6141"),
            ("longitude", "36.5600"),
            ("admin1", "Idlib"),
            ("perpetrator", "government_forces"),
            ("weapon", "artillery"),
            ("place_type", "home"),
            ("killed", "2"),
            ("killed_children", "1"),
        ],
        &[
            ("kind", "fire"),
            ("occurred_at", "2024-05-03T14:30"),
            ("community", "Saraqeb"),
            ("admin1", "Idlib"),
            ("injured", "1"),
        ],
        &[
            ("kind", "traffic_accident"),
            ("occurred_on", "2023-12-31"),
            ("community", "a place no gazetteer knows"),
            ("community_pcode", "C1234"),
        ],
    ];
    drafts
        .iter()
        .map(|fields| {
            let mut draft = IncidentDraft::default();
            for (field, value) in *fields {
                draft.set(field, value).expect("a known field");
            }
            draft.validate(&context).expect("a valid sample record")
        })
        .collect()
});

/// Decodes `data` as a query string, as the server does, and applies each pair to a
/// filter, stopping at the first error as the server does (it answers 400). An error must
/// name the parameter it came from; a parameter is a filter parameter exactly when the
/// filter takes it; a filter that parsed keeps its ranges the right way round and can be
/// matched against records.
pub fn check_query_string(data: &[u8]) {
    let vocabularies: &Vocabularies = &VOCABULARIES;
    let resolver: &dyn CommunityResolver = &*GAZETTEER;
    let mut filter = Filter::default();
    for (name, value) in form_urlencoded::parse(data) {
        match filter.apply_parameter(&name, &value, vocabularies, resolver) {
            Ok(taken) => assert_eq!(
                taken,
                FILTER_PARAMETERS.contains(&&*name),
                "'{name}' taken: {taken}"
            ),
            Err(error) => {
                assert_eq!(error.parameter, name, "the error names another parameter");
                assert!(!error.message.trim().is_empty(), "an error says nothing");
                return;
            }
        }
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        assert!(from <= to, "an inverted range was accepted: {from}..{to}");
    }
    if let Some(bbox) = filter.bbox {
        assert!(
            bbox.min_lon <= bbox.max_lon && bbox.min_lat <= bbox.max_lat,
            "an inverted bbox was accepted: {bbox:?}"
        );
        for value in [bbox.min_lon, bbox.max_lon] {
            assert!((-180.0..=180.0).contains(&value), "{bbox:?}");
        }
        for value in [bbox.min_lat, bbox.max_lat] {
            assert!((-90.0..=90.0).contains(&value), "{bbox:?}");
        }
    }
    for record in SAMPLE_RECORDS.iter() {
        let matched = filter.matches(record);
        // A filter narrows: if it matches a record, so does the empty filter, and a filter
        // with a date range matches only records inside it.
        if matched {
            assert!(
                filter
                    .from
                    .is_none_or(|from| record.occurred.date() >= from)
            );
            assert!(filter.to.is_none_or(|to| record.occurred.date() <= to));
        }
    }
    serde_json::to_vec(&filter).expect("a filter serialises");
}

/// `data` as a `z/x/y[.mvt|.pbf]` path: what parses is a tile on the grid, what does not
/// is refused for the right reason, and a tile's maths agree with themselves.
pub fn check_tile_path(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let segments: Vec<&str> = text.split('/').collect();
    let [z, x, y] = segments[..] else {
        return;
    };
    // The parser the server's tile routes call.
    match Tile::from_path(z, x, y) {
        Ok(tile) => check_tile(tile),
        Err(PathError::NotATile { .. }) => {
            // Every part is a number, and the numbers name no tile.
            let y = y
                .strip_suffix(".mvt")
                .or_else(|| y.strip_suffix(".pbf"))
                .unwrap_or(y);
            let (z, x, y): (u32, u32, u32) = (
                z.parse().expect("z parsed"),
                x.parse().expect("x parsed"),
                y.parse().expect("y parsed"),
            );
            assert!(
                z > u32::from(MAX_ZOOM) || u64::from(x) >= 1 << z || u64::from(y) >= 1 << z,
                "{z}/{x}/{y} is a tile but was refused"
            );
        }
        Err(PathError::NotANumber { coordinate, value }) => {
            let given = match coordinate {
                "z" => z,
                "x" => x,
                _ => y,
            };
            assert!(given.starts_with(value.as_str()), "{coordinate}: {value} from {given}");
            assert!(value.parse::<u32>().is_err(), "{value} is a number");
        }
    }
    // Tile::new on its own: zooms past the deepest and rows and columns past the grid are
    // refused, with the reason.
    if let [z, rest @ ..] = data
        && let Some((x, y)) = rest.split_at_checked(4)
        && let (Ok(x), Some(y)) = (<[u8; 4]>::try_from(x), y.first_chunk::<4>())
    {
        let (x, y) = (u32::from_le_bytes(x), u32::from_le_bytes(*y));
        match Tile::new(*z, x, y) {
            Ok(tile) => check_tile(tile),
            Err(TileError::ZoomTooDeep) => assert!(*z > MAX_ZOOM),
            Err(TileError::OutOfRange) => {
                assert!(*z <= MAX_ZOOM && (u64::from(x) >= 1 << z || u64::from(y) >= 1 << z));
            }
        }
    }
}

/// What holds of every tile: it is on its zoom's grid, its square lies in the Web Mercator
/// square, its centre is in it and in the middle pixel, its parents hold it.
fn check_tile(tile: Tile) {
    assert!(tile.z <= MAX_ZOOM);
    let count = 1u32 << tile.z;
    assert!(tile.x < count && tile.y < count, "{tile:?}");
    let bounds = tile.bounds();
    assert!(bounds.min_x < bounds.max_x && bounds.min_y < bounds.max_y);
    let slack = 1e-6;
    assert!(bounds.min_x >= -HALF_WORLD - slack && bounds.max_x <= HALF_WORLD + slack);
    assert!(bounds.min_y >= -HALF_WORLD - slack && bounds.max_y <= HALF_WORLD + slack);
    let buffered = tile.buffered_bounds();
    assert!(buffered.min_x < bounds.min_x && buffered.max_y > bounds.max_y);

    let centre = [
        f64::midpoint(bounds.min_x, bounds.max_x),
        f64::midpoint(bounds.min_y, bounds.max_y),
    ];
    assert!(
        bounds.contains(centre),
        "{tile:?} does not contain its centre"
    );
    assert_eq!(Tile::containing(centre, tile.z), tile);
    let [px, py] = tile.pixel(centre);
    assert!(
        (EXTENT / 2 - 1..=EXTENT / 2).contains(&px) && (EXTENT / 2 - 1..=EXTENT / 2).contains(&py),
        "the centre of {tile:?} is pixel {px},{py}"
    );
    let [lon, lat] = athar_tiles::mercator_to_lon_lat(centre);
    assert!((-180.0..=180.0).contains(&lon) && (-MAX_LATITUDE..=MAX_LATITUDE).contains(&lat));

    let mut child = tile;
    while let Some(parent) = child.parent() {
        assert_eq!(parent.z + 1, child.z);
        assert!(
            parent.bounds().contains(centre),
            "{parent:?} loses {tile:?}"
        );
        child = parent;
    }
    assert_eq!((child.z, child.x, child.y), (0, 0, 0));
}

/// `data` as points (pairs of little-endian f64s, any bits at all, NaN and infinities
/// included) and a zoom: the tile that contains a point is on the grid, holds the point
/// when the point is in the square, and places it on one of its pixels.
///
/// "Holds" up to float noise: `containing`, `bounds` and `pixel` each round on their own,
/// so a point within about 1e-8 m (an ulp of the square's half side) of a tile's edge may
/// be given to the neighbouring tile, on its pixel -1 or 4096 (inside the buffer). The
/// first run found such a point, 1e-76 m north of the equator; no pixel is ever further
/// out than that.
pub fn check_tile_maths(data: &[u8]) {
    /// Well above the noise (1e-8 m), well below a pixel at the deepest zoom (2 mm).
    const EDGE_NOISE: f64 = 1e-6;
    let Some((&zoom, mut rest)) = data.split_first() else {
        return;
    };
    let z = zoom % (MAX_ZOOM + 1);
    while let Some((pair, tail)) = rest.split_first_chunk::<16>() {
        rest = tail;
        let (a, b) = pair.split_at(8);
        let a = f64::from_le_bytes(a.try_into().expect("8 bytes"));
        let b = f64::from_le_bytes(b.try_into().expect("8 bytes"));
        for point in [[a, b], athar_tiles::lon_lat_to_mercator(a, b)] {
            let tile = Tile::containing(point, z);
            assert!(
                Tile::new(tile.z, tile.x, tile.y).is_ok(),
                "{point:?} at zoom {z} gives {tile:?}"
            );
            let [px, py] = tile.pixel(point);
            let _ = tile.mercator_of_pixel([px, py]);
            let inside = point
                .iter()
                .all(|v| v.is_finite() && (-HALF_WORLD..HALF_WORLD).contains(v));
            if inside {
                assert!(
                    tile.bounds().grown(EDGE_NOISE).contains(point),
                    "{point:?} is outside {tile:?}, the tile that contains it"
                );
                assert!(
                    (-1..=EXTENT).contains(&px) && (-1..=EXTENT).contains(&py),
                    "{point:?} is pixel {px},{py} of {tile:?}, the tile that contains it"
                );
            }
        }
    }
}
