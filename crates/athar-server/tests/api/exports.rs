//! Exports read back by independent readers: GDAL (`ogr2ogr`) for the GeoPackage, KML and
//! GeoJSON, Python's `csv` module for the CSV and its HXL row, and every field of every
//! incident compared with what the API serves for it. The CSV export also imports again.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::support::{Backend, TestStore, both_backends, client, get, import_csv};

const SAMPLE: &str = include_str!("../fixtures/exports-sample.csv");

both_backends!(
    every_export_reads_back_field_for_field,
    the_csv_export_imports_again_unchanged,
    community_exports_list_every_community
);

type Fields = BTreeMap<String, String>;

/// Every field of every incident as the items endpoint serves it, by id, with the
/// names of the export's columns.
async fn served(address: &str) -> HashMap<String, Fields> {
    let (status, page) = get(&format!("{address}/collections/incidents/items?limit=1000")).await;
    assert_eq!(status, 200);
    let mut incidents = HashMap::new();
    for feature in page["features"].as_array().unwrap() {
        let id = feature["id"].as_str().unwrap().to_owned();
        let mut fields = Fields::new();
        let text = |value: &Value| match value {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        for (name, value) in feature["properties"].as_object().unwrap() {
            if !matches!(name.as_str(), "community_key" | "time_precision") {
                fields.insert(name.clone(), text(value));
            }
        }
        let coordinates = &feature["geometry"]["coordinates"];
        fields.insert("longitude".into(), text(&coordinates[0]));
        fields.insert("latitude".into(), text(&coordinates[1]));
        fields.insert("athar_id".into(), id.clone());
        incidents.insert(id, fields);
    }
    incidents
}

/// Downloads an export into a temporary file.
async fn download(address: &str, path: &str, file: &std::path::Path) -> (u16, String) {
    let mut response = client()
        .get(format!("{address}{path}"))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.body().limit(256 * 1024 * 1024).await.unwrap();
    std::fs::write(file, &body).unwrap();
    (status, disposition)
}

fn run(program: &str, arguments: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(arguments)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/test installs it): {e}"));
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The features of a file as GDAL reads them, one map of fields each, with the point as
/// `longitude` and `latitude`.
fn read_with_gdal(file: &std::path::Path) -> Vec<Fields> {
    let csv = run(
        "ogr2ogr",
        &[
            "-f",
            "CSV",
            "/vsistdout/",
            file.to_str().unwrap(),
            "-lco",
            "GEOMETRY=AS_XY",
        ],
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            headers
                .iter()
                .zip(record.unwrap().iter())
                .map(|(name, value)| {
                    let name = match name {
                        "X" => "longitude",
                        "Y" => "latitude",
                        other => other,
                    };
                    (name.to_owned(), value.to_owned())
                })
                .collect()
        })
        .collect()
}

/// The rows of a CSV as Python's `csv` module reads them (the byte-order mark dropped):
/// the header, then each row.
fn read_with_python(file: &std::path::Path) -> Vec<Vec<String>> {
    let json = run(
        "python3",
        &[
            "-c",
            "import csv, json, sys\nwith open(sys.argv[1], encoding='utf-8-sig', newline='') as f:\n    print(json.dumps(list(csv.reader(f))))",
            file.to_str().unwrap(),
        ],
    );
    serde_json::from_str(&json).unwrap()
}

/// Whether an exported value equals the served one: numbers as numbers, dates in either
/// of GDAL's spellings, text exactly.
fn same(field: &str, exported: &str, served: &str) -> bool {
    match field {
        "latitude" | "longitude" | "resolution_score" => {
            match (exported.parse::<f64>(), served.parse::<f64>()) {
                (Ok(a), Ok(b)) => (a - b).abs() < 1e-9,
                _ => exported == served,
            }
        }
        "occurred_on" => exported.replace('/', "-") == served,
        // GDAL reads a date-time as one, and writes it back with seconds.
        "occurred_at" => {
            let exported = exported.replace('/', "-").replacen(' ', "T", 1);
            exported == served || exported.strip_suffix(":00") == Some(served)
        }
        _ => exported == served,
    }
}

/// Compares every exported incident with the served one, field by field.
fn compare(format: &str, exported: &[Fields], served: &HashMap<String, Fields>, csv_escaped: bool) {
    assert_eq!(exported.len(), served.len(), "{format}: incidents exported");
    for row in exported {
        let id = &row["athar_id"];
        let expected = served
            .get(id)
            .unwrap_or_else(|| panic!("{format}: unknown id {id}"));
        for (field, value) in expected {
            let mut value = value.clone();
            if csv_escaped && value.starts_with(['=', '+', '-', '@']) {
                value.insert(0, '\'');
            }
            let got = row
                .get(field)
                .unwrap_or_else(|| panic!("{format}: no column {field}"));
            assert!(
                same(field, got, &value),
                "{format}: {id} {field}: exported {got:?}, served {value:?}"
            );
        }
    }
}

async fn every_export_reads_back_field_for_field(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let report = import_csv(&address, SAMPLE).await;
    assert_eq!(report["accepted"], 8, "{report}");
    let served = served(&address).await;
    assert_eq!(served.len(), 8);
    let directory = tempfile::tempdir().unwrap();

    for format in ["gpkg", "kml", "geojson"] {
        let file = directory.path().join(format!("incidents.{format}"));
        let (status, disposition) =
            download(&address, &format!("/v1/exports/incidents.{format}"), &file).await;
        assert_eq!(status, 200, "{format}");
        assert_eq!(
            disposition,
            format!("attachment; filename=\"athar-incidents.{format}\"")
        );
        let rows = read_with_gdal(&file);
        compare(format, &rows, &served, false);
        // The labels are those of the vocabularies, in English by default.
        let x04 = rows.iter().find(|r| r["source_id"] == "x04").unwrap();
        assert_eq!(x04["kind_label"], "Traffic accident", "{format}");
        assert_eq!(x04["vehicle_label"], "Motorcycle", "{format}");
        // The incident without a point has no geometry.
        let x08 = rows.iter().find(|r| r["source_id"] == "x08").unwrap();
        assert_eq!(x08["longitude"], "", "{format}");
    }
    // GDAL reads the GeoPackage as a GeoPackage, with a point layer in EPSG:4326.
    let gpkg = directory.path().join("incidents.gpkg");
    let summary = run("ogrinfo", &["-so", gpkg.to_str().unwrap(), "incidents"]);
    assert!(
        summary.contains("using driver `GPKG' successful"),
        "{summary}"
    );
    assert!(summary.contains("Geometry: Point"), "{summary}");
    assert!(summary.contains("Feature Count: 8"), "{summary}");
    assert!(summary.contains("ID[\"EPSG\",4326]"), "{summary}");

    // The CSV, in Arabic, with its HXL row, read by Python.
    let csv_file = directory.path().join("incidents.csv");
    let (status, _) = download(&address, "/v1/exports/incidents.csv?lang=ar", &csv_file).await;
    assert_eq!(status, 200);
    let table = read_with_python(&csv_file);
    let header = &table[0];
    let tags: HashMap<&str, &str> = header
        .iter()
        .map(String::as_str)
        .zip(table[1].iter().map(String::as_str))
        .collect();
    for (column, tag) in [
        ("source_id", "#event+code"),
        ("occurred_on", "#date+occurred"),
        ("kind", "#event+type"),
        ("perpetrator", "#group+name+first"),
        ("community", "#loc+name"),
        ("community_pcode", "#loc+code"),
        ("admin1", "#adm1+name"),
        ("latitude", "#geo+lat"),
        ("longitude", "#geo+lon"),
        ("killed", "#affected+killed"),
        ("killed_women", "#affected+killed+f"),
        ("killed_children", "#affected+killed+children"),
        ("injured", "#affected+injured"),
        ("injured_women", "#affected+injured+f"),
        ("injured_children", "#affected+injured+children"),
        ("source", "#meta+source"),
        ("notes", "#description"),
        ("kind_label", "#event+type+name+i_ar"),
    ] {
        assert_eq!(tags[column], tag, "the hashtag of {column}");
    }
    let rows: Vec<Fields> = table[2..]
        .iter()
        .map(|cells| header.iter().cloned().zip(cells.iter().cloned()).collect())
        .collect();
    compare("csv", &rows, &served, true);
    let x01 = rows.iter().find(|r| r["source_id"] == "x01").unwrap();
    assert_eq!(x01["kind_label"], "استهداف عسكري");
    assert_eq!(x01["weapon_label"], "قذائف مدفعية");
    // Cells a spreadsheet would run as formulas are neutralised.
    let x03 = rows.iter().find(|r| r["source_id"] == "x03").unwrap();
    assert_eq!(x03["notes"], "'=HYPERLINK(\"http://example.invalid\")");

    // Without the HXL row, data starts on the second line.
    let plain = directory.path().join("plain.csv");
    download(&address, "/v1/exports/incidents.csv?hxl=false", &plain).await;
    let table = read_with_python(&plain);
    assert_eq!(table.len(), 1 + 8);
    assert!(!table[1][0].starts_with('#'));

    // The filters apply, and bad ones are client errors.
    let fires = directory.path().join("fires.geojson");
    download(&address, "/v1/exports/incidents.geojson?kind=fire", &fires).await;
    let collection: Value = serde_json::from_slice(&std::fs::read(&fires).unwrap()).unwrap();
    assert_eq!(collection["features"].as_array().unwrap().len(), 1);
    for (path, expected) in [
        ("/v1/exports/incidents.xlsx", 404),
        ("/v1/exports/incidents.csv?lang=fr", 400),
        ("/v1/exports/incidents.csv?hxl=maybe", 400),
        ("/v1/exports/incidents.kml?from=2024-13-01", 400),
        ("/v1/exports/incidents.gpkg?kind=volcano", 400),
    ] {
        assert_eq!(get(&format!("{address}{path}")).await.0, expected, "{path}");
    }
}

async fn the_csv_export_imports_again_unchanged(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    import_csv(&address, SAMPLE).await;
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("incidents.csv");
    download(&address, "/v1/exports/incidents.csv", &file).await;
    let exported = std::fs::read_to_string(&file).unwrap();
    // Into another store, through the API, with its HXL row: the same incidents.
    let other = TestStore::new(backend).await;
    let other_address = other.spawn(false).await;
    let report = import_csv(&other_address, &exported).await;
    assert_eq!(report["accepted"], 8, "{report}");
    let strip = |incidents: HashMap<String, Fields>| -> Vec<Fields> {
        let mut list: Vec<Fields> = incidents
            .into_values()
            .map(|mut fields| {
                fields.remove("athar_id");
                // Notes a spreadsheet would run keep their guard on the way back in.
                if let Some(notes) = fields.get_mut("notes") {
                    *notes = notes.trim_start_matches('\'').to_owned();
                }
                fields
            })
            .collect();
        list.sort();
        list
    };
    assert_eq!(
        strip(served(&other_address).await),
        strip(served(&address).await)
    );
    // And the same file again into the first store changes nothing.
    let again = import_csv(&address, &exported).await;
    assert_eq!(
        (again["unchanged"].as_u64(), again["updated"].as_u64()),
        (Some(8), Some(0)),
        "{again}"
    );
}

async fn community_exports_list_every_community(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    import_csv(&address, SAMPLE).await;
    let (_, counts) = get(&format!("{address}/v1/communities/counts?limit=1000")).await;
    let expected = counts["total_communities"].as_u64().unwrap() as usize;
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("communities.csv");
    let (status, disposition) = download(&address, "/v1/exports/communities.csv", &file).await;
    assert_eq!(status, 200);
    assert!(disposition.contains("athar-communities.csv"));
    let table = read_with_python(&file);
    assert_eq!(table[1][1], "#loc+id");
    assert_eq!(table.len(), 2 + expected);
    let total: u64 = table[2..]
        .iter()
        .map(|row| row[5].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 8);
    let file = directory.path().join("communities.geojson");
    download(&address, "/v1/exports/communities.geojson", &file).await;
    let rows = read_with_gdal(&file);
    assert_eq!(rows.len(), expected);
    assert_eq!(
        get(&format!("{address}/v1/exports/communities.kml"))
            .await
            .0,
        404
    );
}
