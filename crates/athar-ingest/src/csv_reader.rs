//! CSV: UTF-8 with or without BOM, comma or semicolon, quoted fields with separators and
//! newlines, an optional HXL hashtag row under the header.
//!
//! How it works: the first line decides the separator (whichever of `,` and `;` occurs
//! more often outside quotes). Header names map to incident fields (with a few common
//! aliases such as `lat`, `lon`, `date`). If the next record has a hashtag in every
//! non-empty cell it is an HXL row: it is skipped, and its tags name the fields of columns
//! whose header names were not recognised. Records are read as bytes, so a row with
//! invalid UTF-8 is rejected alone.

use std::io::{BufRead, BufReader, Read};

use athar_core::{FieldError, IncidentDraft, ValidationContext};

use crate::headers::Mapping;
use crate::{IngestError, ReadSummary, Row, Stop};

/// HXL hashtags and the fields they carry; attributes are compared as sets.
const HXL_TAGS: [(&str, &[&str], &str); 24] = [
    ("#date", &[], "occurred_on"),
    ("#date", &["occurred"], "occurred_on"),
    ("#date", &["time"], "occurred_at"),
    ("#geo", &["lat"], "latitude"),
    ("#geo", &["lon"], "longitude"),
    ("#loc", &["name"], "community"),
    ("#loc", &["code"], "community_pcode"),
    ("#adm1", &["name"], "admin1"),
    ("#adm2", &["name"], "admin2"),
    ("#adm3", &["name"], "admin3"),
    ("#affected", &["killed"], "killed"),
    ("#affected", &["killed", "f"], "killed_women"),
    ("#affected", &["killed", "children"], "killed_children"),
    ("#affected", &["injured"], "injured"),
    ("#affected", &["injured", "f"], "injured_women"),
    ("#affected", &["injured", "children"], "injured_children"),
    ("#event", &["type"], "kind"),
    ("#event", &["code"], "source_id"),
    ("#event", &["id"], "source_id"),
    ("#meta", &["source"], "source"),
    ("#group", &["name", "first"], "perpetrator"),
    ("#description", &[], "notes"),
    ("#event", &["weapon"], "weapon"),
    ("#event", &["cause"], "cause"),
];

/// The incident field an HXL hashtag (such as `#affected+killed+f`) carries, if any.
pub fn field_for_hxl_tag(tag: &str) -> Option<&'static str> {
    let lower = tag.trim().to_ascii_lowercase();
    let mut parts = lower.split('+').map(str::trim);
    let hashtag = parts.next()?;
    let mut attributes: Vec<&str> = parts.filter(|part| !part.is_empty()).collect();
    attributes.sort_unstable();
    HXL_TAGS
        .iter()
        .find_map(|(known, known_attributes, field)| {
            let mut expected = known_attributes.to_vec();
            expected.sort_unstable();
            (*known == hashtag && expected == attributes).then_some(*field)
        })
}

/// Spreadsheet row numbers of records. The csv reader skips empty lines, but a spreadsheet
/// shows each as a row, and a quoted cell with line breaks keeps its record on one row. The
/// reader's lines run from where it started reading a record (empty lines before it
/// included) to where it stopped: those not taken by the record's own lines were empty
/// rows before it.
#[derive(Default)]
struct SpreadsheetRows {
    /// The row of the last record.
    row: u64,
}

impl SpreadsheetRows {
    /// The row of `record`, which the reader read from its line `started` up to its line
    /// `stopped`.
    fn of(&mut self, record: &csv::ByteRecord, stopped: u64) -> u64 {
        let started = record.position().map_or(stopped, csv::Position::line);
        let breaks: usize = record
            .iter()
            .map(|cell| {
                cell.iter()
                    .fold(0, |breaks, &byte| breaks + usize::from(byte == b'\n'))
            })
            .sum();
        // A record ends with its line break, except perhaps the file's last one.
        let own_lines = 1 + breaks as u64;
        let skipped = (stopped - started.min(stopped)).saturating_sub(own_lines);
        self.row += 1 + skipped;
        self.row
    }
}

fn is_hxl_row(record: &csv::ByteRecord) -> bool {
    let cells: Vec<&[u8]> = record
        .iter()
        .map(<[u8]>::trim_ascii)
        .filter(|cell| !cell.is_empty())
        .collect();
    !cells.is_empty() && cells.iter().all(|cell| cell.starts_with(b"#"))
}

/// `;` or `,`, whichever occurs more outside quotes on the first line.
fn detect_separator(first_bytes: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &byte in first_bytes {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

pub(crate) fn read(
    input: impl Read,
    mapping: &Mapping,
    context: &ValidationContext<'_>,
    sink: &mut dyn FnMut(Row) -> Result<(), Stop>,
) -> Result<ReadSummary, IngestError> {
    let mut buffered = BufReader::with_capacity(256 * 1024, input);
    let start = buffered.fill_buf()?;
    if start.starts_with(b"\xEF\xBB\xBF") {
        buffered.consume(3);
    }
    let separator = detect_separator(buffered.fill_buf()?);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator)
        .from_reader(buffered);

    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Err(IngestError::EmptyCsv),
        Some(header) => header.map_err(|e| IngestError::Csv {
            row: 1,
            message: e.to_string(),
        })?,
    };
    let mut rows = SpreadsheetRows::default();
    rows.of(&header, records.reader().position().line());
    let header_names: Vec<String> = header
        .iter()
        .map(|cell| String::from_utf8_lossy(cell).trim().to_owned())
        .collect();
    let mut columns: Vec<Option<&'static str>> = header_names
        .iter()
        .map(|name| mapping.field(name))
        .collect();

    let mut summary = ReadSummary::default();
    let mut pending = None;
    let mut draft = IncidentDraft::default();
    match records.next() {
        None => {}
        Some(Err(error)) => {
            return Err(IngestError::Csv {
                row: 2,
                message: error.to_string(),
            });
        }
        Some(Ok(second)) if is_hxl_row(&second) => {
            rows.of(&second, records.reader().position().line());
            for (column, tag) in columns.iter_mut().zip(second.iter()) {
                if column.is_none() {
                    *column = field_for_hxl_tag(&String::from_utf8_lossy(tag));
                }
            }
        }
        Some(Ok(second)) => pending = Some((second, records.reader().position().line())),
    }
    if columns.iter().all(Option::is_none) {
        return Err(IngestError::NoKnownColumns {
            columns: header_names.join(", "),
        });
    }
    summary.ignored_columns = header_names
        .iter()
        .zip(&columns)
        .filter(|(name, field)| field.is_none() && !name.is_empty())
        .map(|(name, _)| name.clone())
        .collect();

    loop {
        let (record, stopped) = match pending.take() {
            Some(read) => read,
            None => match records.next() {
                None => break,
                Some(record) => {
                    let record = record.map_err(|e| IngestError::Csv {
                        row: rows.row + 1,
                        message: e.to_string(),
                    })?;
                    (record, records.reader().position().line())
                }
            },
        };
        let row_number = rows.of(&record, stopped);
        if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
            continue; // a row of empty cells is no incident
        }
        summary.rows += 1;
        let row = read_record(
            row_number,
            &record,
            (&columns, &header_names, mapping),
            &mut draft,
            context,
        );
        if sink(row).is_err() {
            summary.stopped = true;
            break;
        }
    }
    Ok(summary)
}

/// A cell as written before a spreadsheet guard: CSV exports (Athar's among them) put an
/// apostrophe before text starting with `=`, `+`, `-` or `@` so that spreadsheets do not
/// run it as a formula; spreadsheets themselves drop it. Re-importing such a file must
/// give back the text as it was.
fn without_formula_guard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => text,
    }
}

/// Validates one record, with `draft` (the reader's, reused row after row) holding its
/// fields.
fn read_record(
    row: u64,
    record: &csv::ByteRecord,
    (columns, header_names, mapping): (&[Option<&'static str>], &[String], &Mapping),
    draft: &mut IncidentDraft,
    context: &ValidationContext<'_>,
) -> Row {
    draft.reset();
    let mut errors = Vec::new();
    for (index, cell) in record.iter().enumerate() {
        match columns.get(index) {
            Some(Some(field)) => match std::str::from_utf8(cell) {
                Ok(text) => {
                    // `set` only fails for unknown fields, and `field` comes from the list.
                    let _ = draft.set(field, mapping.value(field, without_formula_guard(text)));
                }
                Err(_) => errors.push(FieldError::new(*field, "is not valid UTF-8 text")),
            },
            Some(None) => {}
            None if cell.trim_ascii().is_empty() => {}
            None => errors.push(FieldError::new(
                format!("column {}", index + 1),
                format!(
                    "the row has {} cells but the header has only {} columns",
                    record.len(),
                    header_names.len()
                ),
            )),
        }
    }
    errors.dedup();
    crate::validate(row, draft, context, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spreadsheet_formula_guard_is_dropped_and_nothing_else() {
        assert_eq!(without_formula_guard("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(without_formula_guard("'@user"), "@user");
        assert_eq!(without_formula_guard("'-5 is text"), "-5 is text");
        assert_eq!(without_formula_guard("'quoted'"), "'quoted'");
        assert_eq!(without_formula_guard("-5"), "-5");
        assert_eq!(without_formula_guard("'"), "'");
    }

    #[test]
    fn semicolons_win_when_they_outnumber_commas_outside_quotes() {
        assert_eq!(detect_separator(b"kind;\"a,b,c\";community\n1,2,3,4"), b';');
        assert_eq!(detect_separator(b"kind,community;x,y\n"), b',');
    }

    #[test]
    fn hxl_tags_match_with_attributes_in_any_order() {
        assert_eq!(
            field_for_hxl_tag("#affected+children+killed"),
            Some("killed_children")
        );
        assert_eq!(field_for_hxl_tag(" #GEO+Lat "), Some("latitude"));
        assert_eq!(field_for_hxl_tag("#affected+killed+m"), None);
    }

    #[test]
    fn headers_map_with_aliases_and_loose_spelling() {
        use crate::headers::field_for_header;
        assert_eq!(field_for_header("Lat"), Some("latitude"));
        assert_eq!(field_for_header("Killed Women"), Some("killed_women"));
        assert_eq!(field_for_header("\u{feff}kind"), Some("kind"));
        assert_eq!(field_for_header("colour"), None);
    }
}
