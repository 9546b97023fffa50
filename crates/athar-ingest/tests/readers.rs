//! The readers against files as they come from the field.

use std::fmt::Write as _;

use athar_core::{FieldError, ValidationContext, Vocabularies};
use athar_gazetteer::Gazetteer;
use athar_ingest::{Format, IngestError, ReadSummary, Row, read};

struct Outcome {
    summary: ReadSummary,
    valid: Vec<(u64, athar_core::IncidentRecord)>,
    invalid: Vec<(u64, Vec<FieldError>)>,
}

fn read_all(format: Format, input: &[u8]) -> Result<Outcome, IngestError> {
    let vocabularies = Vocabularies::defaults();
    let gazetteer = Gazetteer::empty();
    let mut context = ValidationContext::new(&vocabularies, &gazetteer);
    context.default_source = Some("test-file".into());
    let mut valid = Vec::new();
    let mut invalid = Vec::new();
    let summary = read(format, input, &context, &mut |row| {
        match row {
            Row::Valid { row, record } => valid.push((row, *record)),
            Row::Invalid { row, errors } => invalid.push((row, errors)),
        }
        Ok(())
    })?;
    Ok(Outcome {
        summary,
        valid,
        invalid,
    })
}

fn rejected_fields(outcome: &Outcome) -> Vec<(u64, String)> {
    outcome
        .invalid
        .iter()
        .flat_map(|(row, errors)| errors.iter().map(move |e| (*row, e.field.clone())))
        .collect()
}

const HEADER: &str =
    "source_id,kind,occurred_on,community,latitude,longitude,weapon,killed,killed_children,notes";

#[test]
fn a_csv_with_a_bom_is_read_and_the_bom_is_not_part_of_the_first_column() {
    let input =
        format!("\u{feff}{HEADER}\na1,attack,2024-04-02,كفرنبل,35.614,36.561,artillery,1,0,\n");
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    assert_eq!(outcome.valid.len(), 1, "{:?}", outcome.invalid);
    assert_eq!(outcome.valid[0].1.source_id.as_deref(), Some("a1"));
    assert!(outcome.summary.ignored_columns.is_empty());
}

#[test]
fn semicolon_separated_csv_with_arabic_text_is_read() {
    let input = "kind;occurred_on;community;latitude;longitude;cause\nfire;2024-04-03;مدينة إدلب;35.93;36.63;تماس كهربائي\n";
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    let record = &outcome.valid[0].1;
    assert_eq!(record.community, "مدينة إدلب");
    assert_eq!(record.cause.as_ref().unwrap().as_str(), "electrical_short");
    assert_eq!(record.community_key, athar_gazetteer::community_key("ادلب"));
}

#[test]
fn quoted_fields_with_separators_and_newlines_stay_in_one_row_and_rows_keep_spreadsheet_numbers() {
    let input = format!(
        "{HEADER}\na1,attack,2024-04-02,سرمين,35.9,36.7,drone,0,0,\"قصف، ثم\nحريق, منزلين\"\na2,attack,2024-04-02,سرمين,35.9,36.7,drone,2,3,\n"
    );
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    assert_eq!(outcome.valid.len(), 1);
    assert_eq!(
        outcome.valid[0].1.notes.as_deref(),
        Some("قصف، ثم\nحريق, منزلين")
    );
    // The quoted newline does not count as a row: the second record is spreadsheet row 3.
    assert_eq!(
        rejected_fields(&outcome),
        [(3, "killed_children".to_owned())]
    );
}

#[test]
fn empty_lines_are_spreadsheet_rows_too_so_later_rows_keep_their_numbers() {
    // Row 1 header, row 2 good, row 3 empty, row 4 a note over two lines, row 5 empty,
    // row 6 bad (children more than killed), row 7 a line of separators only, row 8 bad.
    let input = format!(
        "{HEADER}\na1,attack,2024-04-02,سرمين,35.9,36.7,drone,0,0,\n\na2,attack,2024-04-02,سرمين,35.9,36.7,drone,0,0,\"سطر\nسطر\"\n\na3,attack,2024-04-02,سرمين,35.9,36.7,drone,1,2,\n,,,,,,,,,\na4,attack,2024-04-02,سرمين,95,36.7,drone,0,0,\n"
    );
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    let valid: Vec<u64> = outcome.valid.iter().map(|(row, _)| *row).collect();
    assert_eq!(valid, [2, 4]);
    assert_eq!(
        rejected_fields(&outcome),
        [
            (6, "killed_children".to_owned()),
            (8, "latitude".to_owned())
        ]
    );
}

#[test]
fn an_hxl_row_is_skipped_and_names_columns_the_header_does_not() {
    let input = "\
Ref,Type,Date,Village,Y,X,Dead
#event+code,#event+type,#date,#loc+name,#geo+lat,#geo+lon,#affected+killed
r1,attack,2024-04-05,معرة النعمان,35.64,36.67,4
r2,fire,2024-04-06,أريحا,35.81,36.60,0
";
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    assert!(outcome.invalid.is_empty(), "{:?}", outcome.invalid);
    assert_eq!(outcome.valid.len(), 2);
    // Row numbers count the HXL row: the first data row is row 3.
    assert_eq!(outcome.valid[0].0, 3);
    assert_eq!(outcome.valid[0].1.casualties.killed(), 4);
    assert_eq!(outcome.valid[0].1.source_id.as_deref(), Some("r1"));
    assert_eq!(outcome.summary.rows, 2);
}

#[test]
fn an_hxl_row_under_known_headers_is_skipped_not_read_as_data() {
    let input = format!(
        "{HEADER}\n#event+code,#event+type,#date,#loc+name,#geo+lat,#geo+lon,,#affected+killed,#affected+killed+children,#description\na1,attack,2024-04-02,سرمين,35.9,36.7,drone,0,0,\n"
    );
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    assert_eq!(outcome.valid.len(), 1);
    assert!(outcome.invalid.is_empty());
    assert_eq!(outcome.valid[0].0, 3);
}

#[test]
fn bad_rows_are_rejected_with_row_and_field_and_good_rows_around_them_survive() {
    let input = format!(
        "{HEADER}
g1,attack,2024-04-01,سرمين,35.9,36.7,drone,1,0,
b1,attack,2024-02-30,سرمين,35.9,36.7,drone,1,0,
g2,fire,2024-04-01,سرمين,35.9,36.7,,0,0,
b2,attack,2024-04-01,سرمين,135.9,36.7,drone,1,0,
b3,earthquake,2024-04-01,سرمين,35.9,36.7,,1,0,
b4,fire,2024-04-01,سرمين,35.9,36.7,drone,0,0,
b5,attack,2024-04-01,,35.9,36.7,drone,1,0,
b6,attack,2024-04-01,سرمين,35.9,36.7,drone,-1,0,
g3,attack,2024-04-01,سرمين,35.9,36.7,,0,0,
"
    );
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    let good: Vec<_> = outcome
        .valid
        .iter()
        .map(|(row, r)| (*row, r.source_id.clone().unwrap()))
        .collect();
    assert_eq!(
        good,
        [(2, "g1".into()), (4, "g2".into()), (10, "g3".into())]
    );
    assert_eq!(
        rejected_fields(&outcome),
        [
            (3, "occurred_on".into()),
            (5, "latitude".into()),
            (6, "kind".into()),
            (7, "weapon".into()),
            (8, "community".into()),
            (9, "killed".into()),
        ]
    );
    let message = &outcome.invalid[1].1[0].message;
    assert!(
        message.contains("135.9") && message.contains("-90 to 90"),
        "{message}"
    );
}

#[test]
fn a_row_with_invalid_utf8_is_rejected_alone() {
    let mut input = format!("{HEADER}\n").into_bytes();
    input.extend_from_slice(b"a1,attack,2024-04-02,\xff\xfe,35.9,36.7,,0,0,\n");
    input.extend_from_slice("a2,attack,2024-04-02,سرمين,35.9,36.7,,0,0,\n".as_bytes());
    let outcome = read_all(Format::Csv, &input).unwrap();
    assert_eq!(outcome.valid.len(), 1);
    assert_eq!(outcome.invalid[0].0, 2);
    assert_eq!(outcome.invalid[0].1[0].field, "community");
    assert!(outcome.invalid[0].1[0].message.contains("UTF-8"));
}

#[test]
fn a_row_with_more_cells_than_the_header_is_rejected() {
    let input = "kind,occurred_on,community,latitude,longitude\nattack,2024-04-02,سرمين,35.9,36.7,surprise\n";
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    assert_eq!(rejected_fields(&outcome), [(2, "column 6".to_owned())]);
}

#[test]
fn unknown_columns_are_reported_and_a_header_with_no_known_column_fails_the_file() {
    let input = "kind,occurred_on,community,latitude,longitude,colour\nattack,2024-04-02,سرمين,35.9,36.7,red\n";
    let outcome = read_all(Format::Csv, input.as_bytes()).unwrap();
    assert_eq!(outcome.summary.ignored_columns, ["colour"]);
    let error = read_all(Format::Csv, b"a,b,c\n1,2,3\n").err().unwrap();
    assert!(
        matches!(error, IngestError::NoKnownColumns { .. }),
        "{error}"
    );
    assert!(matches!(
        read_all(Format::Csv, b"").err().unwrap(),
        IngestError::EmptyCsv
    ));
}

#[test]
fn geojson_features_are_numbered_from_one_and_non_points_are_rejected() {
    let input = r#"{"type":"FeatureCollection","name":"april","features":[
      {"type":"Feature","id":"f1","geometry":{"type":"Point","coordinates":[36.56,35.61]},"properties":{"kind":"attack","occurred_on":"2024-04-01","community":"كفرنبل","weapon":"drone","killed":2,"killed_women":1}},
      {"type":"Feature","geometry":{"type":"LineString","coordinates":[[36,35],[36.1,35.1]]},"properties":{"kind":"attack","occurred_on":"2024-04-01","community":"كفرنبل"}},
      {"type":"Feature","geometry":null,"properties":{"kind":"fire","occurred_on":"2024-04-01","community":"قرية مجهولة"}},
      {"type":"Feature","geometry":{"type":"Point","coordinates":[36.6,35.9]},"properties":{"kind":"fire","occurred_on":"2024-04-02","community":"سرمين","extra":"x"}}
    ]}"#;
    let outcome = read_all(Format::GeoJson, input.as_bytes()).unwrap();
    assert_eq!(
        outcome.valid.iter().map(|v| v.0).collect::<Vec<_>>(),
        [1, 3, 4]
    );
    // A feature with no geometry whose community no place is known for is kept without
    // a point, for the review queue.
    let unlocated = &outcome.valid[1].1;
    assert_eq!(unlocated.location, None);
    assert_eq!(unlocated.community, "قرية مجهولة");
    let first = &outcome.valid[0].1;
    assert_eq!(first.source_id.as_deref(), Some("f1"));
    assert!((first.location.unwrap().lon.degrees() - 36.56).abs() < 1e-12);
    assert_eq!(first.casualties.killed_women(), 1);
    assert_eq!(rejected_fields(&outcome), [(2, "geometry".into())]);
    assert_eq!(outcome.summary.ignored_columns, ["extra"]);
}

#[test]
fn features_may_come_before_the_type_and_other_members() {
    let input = r#"{"features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[36.6,35.9]},"properties":{"kind":"fire","occurred_on":"2024-04-02","community":"سرمين"}}],"bbox":[1,2,3,4],"type":"FeatureCollection"}"#;
    assert_eq!(
        read_all(Format::GeoJson, input.as_bytes())
            .unwrap()
            .valid
            .len(),
        1
    );
}

#[test]
fn geojson_that_is_not_a_feature_collection_fails_with_a_clear_error() {
    for (input, expected) in [
        (
            r#"{"type":"Feature","features":[]}"#,
            "found a GeoJSON \"Feature\"",
        ),
        (r"[1,2]", "found an array"),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature"},"#,
            "invalid GeoJSON",
        ),
    ] {
        let error = read_all(Format::GeoJson, input.as_bytes())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn json_accepts_one_object_or_an_array() {
    let one = r#"{"kind":"drowning","occurred_on":"2024-04-09","community":"دركوش","latitude":35.99,"longitude":36.39,"killed":1,"killed_children":1}"#;
    assert_eq!(
        read_all(Format::Json, one.as_bytes()).unwrap().valid.len(),
        1
    );
    let many = format!("[{one}, {one}]");
    assert_eq!(
        read_all(Format::Json, many.as_bytes()).unwrap().valid.len(),
        2
    );
    // An element that is not an object makes the document something else than a list of
    // incidents: the whole file is refused.
    let mixed = format!("[{one}, 7, {one}]");
    let error = read_all(Format::Json, mixed.as_bytes())
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("element 2 of the array is not an object"),
        "{error}"
    );
    let error = read_all(Format::Json, b"{\"kind\": ")
        .err()
        .unwrap()
        .to_string();
    assert!(error.starts_with("invalid JSON"), "{error}");
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let input = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    assert!(read_all(Format::Json, input.as_bytes()).is_err());
}

/// A reader that serves some bytes and then fails, as a dropped connection would.
struct FailsAfter<'a>(&'a [u8]);

impl std::io::Read for FailsAfter<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("connection reset"));
        }
        let n = buffer.len().min(self.0.len());
        buffer[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn rows_reach_the_sink_before_the_input_ends() {
    // Streaming: the rows before a failure were handed on one by one, which a reader that
    // loaded the whole input first could not do.
    let mut input = format!("{HEADER}\n");
    for i in 0..5_000 {
        writeln!(input, "id{i},attack,2024-04-02,سرمين,35.9,36.7,drone,0,0,").unwrap();
    }
    let vocabularies = Vocabularies::defaults();
    let gazetteer = Gazetteer::empty();
    let mut context = ValidationContext::new(&vocabularies, &gazetteer);
    context.default_source = Some("s".into());
    let mut seen = 0;
    let result = read(
        Format::Csv,
        FailsAfter(input.as_bytes()),
        &context,
        &mut |_| {
            seen += 1;
            Ok(())
        },
    );
    assert!(result.is_err());
    assert!(
        seen >= 4_000,
        "only {seen} rows were passed on before the failure"
    );
}

#[test]
fn a_sink_can_stop_the_reader() {
    let input = format!(
        "{HEADER}\na1,attack,2024-04-02,سرمين,35.9,36.7,,0,0,\na2,attack,2024-04-02,سرمين,35.9,36.7,,0,0,\n"
    );
    let vocabularies = Vocabularies::defaults();
    let gazetteer = Gazetteer::empty();
    let mut context = ValidationContext::new(&vocabularies, &gazetteer);
    context.default_source = Some("s".into());
    let mut seen = 0;
    let summary = read(Format::Csv, input.as_bytes(), &context, &mut |_| {
        seen += 1;
        Err(athar_ingest::Stop)
    })
    .unwrap();
    assert_eq!(seen, 1);
    assert!(summary.stopped);
}
