//! Spreadsheets in, from the real binary (issue 22): a workbook the test writes (with
//! rust_xlsxwriter) with two sheets, one with English headers, Excel date cells, a serial
//! date and a text date, one with a title above Arabic headers and Arabic labels; bad
//! rows mixed in, each rejected with its sheet row and field; a second import changes
//! nothing; the statistics are those of the same rows imported from CSV. The same rows as
//! `.xls` and `.ods` (written by xlwt and odfpy, `tests/clients/sheets.py`) read the same;
//! a workbook posted to `/v1/imports` with its media type and `sheet=` is read too.

use std::path::Path;
use std::process::Command;

use athar_e2e::{Run as _, Server, Target, get_json, workspace_root};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;

const TOKEN: &str = "spreadsheet-test-admin-token";

/// A cell of the test's rows.
#[derive(Clone, Copy)]
enum Cell {
    Text(&'static str),
    Number(f64),
    /// A date cell, shown as DD/MM/YYYY.
    Date(u16, u8, u8),
}

use Cell::{Date, Number, Text};

const ENGLISH_HEADER: [&str; 18] = [
    "Incident ID",
    "Type",
    "Date",
    "Village",
    "Governorate",
    "Lat",
    "Lon",
    "Perpetrator",
    "Weapon",
    "Place type",
    "Killed",
    "Killed women",
    "Killed children",
    "Injured",
    "Injured women",
    "Injured children",
    "Notes",
    "Reporter",
];

/// The English sheet's rows (sheet rows 2 to 9): rows 5 and 8 are bad.
fn english_rows() -> Vec<[Cell; 18]> {
    vec![
        [
            Text("en-1"),
            Text("attack"),
            Date(2024, 4, 3),
            Text("فطيرة"),
            Text("Idlib"),
            Number(35.6097),
            Number(36.4853),
            Text("Syrian government forces"),
            Text("Artillery shells"),
            Text("Agricultural land"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(2.0),
            Number(1.0),
            Number(0.0),
            Text("two injured"),
            Text("Omar"),
        ],
        [
            Text("en-2"),
            Text("attack"),
            Number(45390.0),
            Text("كنصفرة"),
            Text("Idlib"),
            Number(35.6599),
            Number(36.4849),
            Text("government_forces"),
            Text("suicide_drone"),
            Text("home"),
            Number(1.0),
            Number(0.0),
            Number(1.0),
            Number(3.0),
            Number(1.0),
            Number(1.0),
            Text(""),
            Text("Omar"),
        ],
        [
            Text("en-3"),
            Text("fire"),
            Text("2024-04-09"),
            Text("إدلب"),
            Text("Idlib"),
            Number(35.929),
            Number(36.6353),
            Text(""),
            Text(""),
            Text("Civilian home"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(1.0),
            Number(0.0),
            Number(0.0),
            Text(""),
            Text("Lina"),
        ],
        [
            Text("en-4"),
            Text("volcano"),
            Date(2024, 4, 10),
            Text("سرمين"),
            Text("Idlib"),
            Number(35.9037),
            Number(36.7238),
            Text(""),
            Text(""),
            Text(""),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Text(""),
            Text("Lina"),
        ],
        [
            Text("en-5"),
            Text("Military attack"),
            Date(2024, 4, 12),
            Text("البارة"),
            Text("Idlib"),
            Number(35.6852),
            Number(36.5419),
            Text("Russian forces"),
            Text("Guided missile"),
            Text("Road"),
            Number(2.0),
            Number(1.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Text(""),
            Text("Omar"),
        ],
        [
            Text("en-6"),
            Text("fire"),
            Date(2024, 4, 20),
            Text("الدانا"),
            Text("Idlib"),
            Number(36.2136),
            Number(36.7696),
            Text(""),
            Text(""),
            Text("Agricultural land"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Text(""),
            Text("Lina"),
        ],
        [
            Text("en-7"),
            Text("attack"),
            Date(2024, 4, 22),
            Text("سرمين"),
            Text("Idlib"),
            Number(35.9037),
            Number(36.7238),
            Text("government_forces"),
            Text("artillery"),
            Text("home"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(2.0),
            Number(5.0),
            Number(0.0),
            Text(""),
            Text("Omar"),
        ],
        [
            Text("en-8"),
            Text("attack"),
            Date(2024, 4, 25),
            Text("فطيرة"),
            Text("Idlib"),
            Number(35.6097),
            Number(36.4853),
            Text("government_forces"),
            Text("artillery"),
            Text("home"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(4.0),
            Number(0.0),
            Number(2.0),
            Text(""),
            Text("Omar"),
        ],
    ]
}

const ARABIC_HEADER: [&str; 17] = [
    "رقم الحادثة",
    "نوع الحادثة",
    "التاريخ",
    "القرية",
    "المحافظة",
    "خط العرض",
    "خط الطول",
    "الجهة المنفذة",
    "السلاح",
    "المكان المستهدف",
    "عدد القتلى",
    "قتلى نساء",
    "قتلى أطفال",
    "عدد المصابين",
    "مصابون نساء",
    "مصابون أطفال",
    "ملاحظات",
];

/// The Arabic sheet's rows (under a title in row 1, a blank row 2 and the header in row
/// 3: sheet rows 4 to 8): rows 6 and 8 are bad.
fn arabic_rows() -> Vec<[Cell; 17]> {
    vec![
        [
            Text("ar-1"),
            Text("استهداف عسكري"),
            Date(2024, 4, 5),
            Text("كنصفرة"),
            Text("إدلب"),
            Number(35.6599),
            Number(36.4849),
            Text("قوات النظام السوري"),
            Text("قذائف مدفعية"),
            Text("منزل مدني"),
            Number(1.0),
            Number(1.0),
            Number(0.0),
            Number(4.0),
            Number(1.0),
            Number(2.0),
            Text("قصف على منزل"),
        ],
        [
            Text("ar-2"),
            Text("حريق"),
            Date(2024, 4, 14),
            Text("إدلب"),
            Text("إدلب"),
            Number(35.929),
            Number(36.6353),
            Text(""),
            Text(""),
            Text("أراض زراعية"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Text(""),
        ],
        [
            Text("ar-3"),
            Text("استهداف عسكري"),
            Date(2099, 1, 1),
            Text("البارة"),
            Text("إدلب"),
            Number(35.6852),
            Number(36.5419),
            Text("قوات النظام السوري"),
            Text("قذائف مدفعية"),
            Text("طريق"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Text(""),
        ],
        [
            Text("ar-4"),
            Text("حادث سير"),
            Date(2024, 4, 18),
            Text("الدانا"),
            Text("إدلب"),
            Number(36.2136),
            Number(36.7696),
            Text(""),
            Text(""),
            Text("طريق"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(3.0),
            Number(1.0),
            Number(1.0),
            Text(""),
        ],
        [
            Text("ar-5"),
            Text("استهداف عسكري"),
            Date(2024, 4, 19),
            Text("سرمين"),
            Text("إدلب"),
            Text("خطأ"),
            Number(36.7238),
            Text("قوات النظام السوري"),
            Text("قذائف مدفعية"),
            Text("منزل مدني"),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Number(0.0),
            Text(""),
        ],
    ]
}

fn write_rows<const N: usize>(
    sheet: &mut rust_xlsxwriter::Worksheet,
    first_row: u32,
    header: [&str; N],
    rows: &[[Cell; N]],
) {
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (column, name) in header.iter().enumerate() {
        sheet.write_string(first_row, column as u16, *name).unwrap();
    }
    for (index, row) in rows.iter().enumerate() {
        let at = first_row + 1 + index as u32;
        for (column, cell) in row.iter().enumerate() {
            let column = column as u16;
            match *cell {
                Text("") => {}
                Text(text) => {
                    sheet.write_string(at, column, text).unwrap();
                }
                Number(number) => {
                    sheet.write_number(at, column, number).unwrap();
                }
                Date(year, month, day) => {
                    let value = ExcelDateTime::from_ymd(year, month, day).unwrap();
                    sheet
                        .write_datetime_with_format(at, column, &value, &date)
                        .unwrap();
                }
            }
        }
    }
}

/// The workbook: sheet `Incidents` (English) and sheet `سجل` (Arabic, under a title).
fn workbook(path: &Path) {
    let mut book = Workbook::new();
    let english = book.add_worksheet().set_name("Incidents").unwrap();
    write_rows(english, 0, ENGLISH_HEADER, &english_rows());
    let arabic = book.add_worksheet().set_name("سجل").unwrap();
    arabic
        .write_string(0, 0, "سجل حوادث الدفاع المدني، نيسان 2024")
        .unwrap();
    write_rows(arabic, 2, ARABIC_HEADER, &arabic_rows());
    book.save(path).unwrap();
}

fn text_of(cell: Cell) -> String {
    match cell {
        Text(text) => text.to_owned(),
        Number(45390.0) => "2024-04-08".to_owned(),
        Number(number) if number.fract() == 0.0 => format!("{}", number as i64),
        Number(number) => number.to_string(),
        Date(year, month, day) => format!("{year:04}-{month:02}-{day:02}"),
    }
}

/// The same rows as CSV with the ingest field names (serial 45390 is 8 April 2024).
fn csv_of<const N: usize>(fields: [&str; N], rows: &[[Cell; N]]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(fields).unwrap();
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| text_of(*cell)))
            .unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

const FIELDS: [&str; 17] = [
    "source_id",
    "kind",
    "occurred_on",
    "community",
    "admin1",
    "latitude",
    "longitude",
    "perpetrator",
    "weapon",
    "place_type",
    "killed",
    "killed_women",
    "killed_children",
    "injured",
    "injured_women",
    "injured_children",
    "notes",
];

fn ingest(target: &Target, path: &Path, extra: &[&str]) -> Value {
    let output = target
        .athar()
        .arg("ingest")
        .arg(path)
        .args(["--json", "--source", "field-log"])
        .args(extra)
        .run();
    assert!(
        matches!(output.status.code(), Some(0 | 2)),
        "athar ingest {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `(row, field)` of every rejection (a row rejected for two fields is listed twice).
fn rejections(report: &Value) -> Vec<(u64, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rejection| {
            (
                rejection["row"].as_u64().unwrap(),
                rejection["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn statistics(target: &Target) -> Value {
    let server = Server::start(target.athar().arg("serve"));
    let mut stats = get_json(&format!(
        "{}/v1/stats?from=2024-04-01&to=2024-04-30",
        server.base
    ))
    .unwrap();
    // The same figures; how they are keyed is what is compared.
    stats.as_object_mut().unwrap().remove("generated_at");
    stats
}

#[tokio::test]
async fn a_workbook_reads_like_the_same_rows_from_csv() {
    let target = Target::sqlite();
    let book = target.dir().join("field-log.xlsx");
    workbook(&book);

    let english = ingest(&target, &book, &[]);
    assert_eq!(english["accepted"], 6, "{english}");
    assert_eq!(
        rejections(&english),
        [(5, "kind".to_owned()), (8, "injured_women".to_owned())],
        "{english}"
    );
    assert_eq!(english["ignored_columns"], serde_json::json!(["Reporter"]));
    let arabic = ingest(&target, &book, &["--sheet", "سجل"]);
    assert_eq!(arabic["accepted"], 3, "{arabic}");
    assert_eq!(
        rejections(&arabic),
        [(6, "occurred_on".to_owned()), (8, "latitude".to_owned())],
        "{arabic}"
    );
    // Again: nothing changes.
    let again = ingest(&target, &book, &[]);
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(6))
    );
    let missing = target
        .athar()
        .arg("ingest")
        .arg(&book)
        .args(["--sheet", "Summary"])
        .run();
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("no sheet 'Summary' (its sheets: Incidents, سجل)"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );

    // The same good rows from CSV give the same statistics.
    let good_english: Vec<[Cell; 18]> = english_rows()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| ![3, 6].contains(i))
        .map(|(_, row)| row)
        .collect();
    let good_arabic: Vec<[Cell; 17]> = arabic_rows()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| ![2, 4].contains(i))
        .map(|(_, row)| row)
        .collect();
    let from_csv = Target::sqlite();
    let english_csv: Vec<[Cell; 17]> = good_english
        .iter()
        .map(|row| std::array::from_fn(|i| row[i]))
        .collect();
    let csv_path = from_csv.write(
        "field-log.csv",
        &(csv_of(FIELDS, &english_csv) + csv_of(FIELDS, &good_arabic).split_once('\n').unwrap().1),
    );
    let report = ingest(&from_csv, &csv_path, &[]);
    assert_eq!(report["accepted"], 9, "{report}");
    let expected = statistics(&from_csv);
    assert_eq!(expected["incidents"], 9, "{expected}");
    assert_eq!(statistics(&target), expected);

    // .xls and .ods of the English rows read as the CSV does.
    let english_only = Target::sqlite();
    let rows_csv = english_only.write(
        "rows.csv",
        &csv_of(ENGLISH_HEADER, &good_english).replace("2024-04-08", "45390"),
    );
    let (xls, ods) = (
        english_only.dir().join("field-log.xls"),
        english_only.dir().join("field-log.ods"),
    );
    let python = workspace_root().join("target/python-venv/bin/python");
    let written = Command::new(&python)
        .arg(workspace_root().join("tests/clients/sheets.py"))
        .args([&rows_csv, &xls, &ods])
        .run();
    assert!(
        written.status.success(),
        "tests/clients/sheets.py (scripts/setup-python installs xlwt and odfpy): {}",
        String::from_utf8_lossy(&written.stderr)
    );
    let english_csv_only = Target::sqlite();
    let csv_path = english_csv_only.write("field-log.csv", &csv_of(FIELDS, &english_csv));
    ingest(&english_csv_only, &csv_path, &[]);
    let expected = statistics(&english_csv_only);
    for (format, path) in [("xls", &xls), ("ods", &ods)] {
        let store = Target::sqlite();
        let report = ingest(&store, path, &[]);
        assert_eq!(report["accepted"], 6, "{format}: {report}");
        assert_eq!(statistics(&store), expected, "{format}");
    }

    // Over HTTP, with the media type and the sheet.
    let posted = Target::sqlite();
    let server = Server::start(posted.athar().arg("serve").env("ATHAR_ADMIN_TOKEN", TOKEN));
    let output = Command::new("curl")
        .args([
            "-sS",
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {TOKEN}"),
        ])
        .args([
            "-H",
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "--data-binary",
        ])
        .arg(format!("@{}", book.display()))
        .arg(format!(
            "{}/v1/imports?sheet=%D8%B3%D8%AC%D9%84&source=field-log",
            server.base
        ))
        .run();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["accepted"], 3, "{report}");
    assert_eq!(
        rejections(&report),
        [(6, "occurred_on".to_owned()), (8, "latitude".to_owned())]
    );
}
