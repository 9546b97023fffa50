//! Spreadsheets: `.xlsx`, `.xls` and `.ods`, read with calamine.
//!
//! The sheet read is the one named (`--sheet`, `sheet=`), else the first whose first
//! [`HEADER_ROWS`] rows hold a header: a row where at least two cells name incident
//! fields (`data/headers.txt`, in Arabic or English, or a mapping file). Rows above it
//! (a title, a logo's caption) are skipped. An `.xlsx` sheet is streamed cell by cell, so
//! its rows are read in bounded memory; `.xls` and `.ods` sheets are read whole (the
//! formats keep no row order calamine can stream). The workbook's bytes are held in
//! memory either way (bounded by the import body limit over HTTP); a zip workbook whose
//! parts would unpack to more than [`MAX_UNPACKED`], or that declares more shared strings
//! than it holds, is refused before it is opened, and a row past column [`MAX_COLUMNS`]
//! stops the read.
//!
//! Cells: dates as date cells (any date format), Excel serial numbers in a date column,
//! or text; numbers as numbers (`5`, not `5.0`) or text; an error cell (`#DIV/0!`) is a
//! rejection of its field. Empty rows are skipped. A row's number is the one the
//! spreadsheet shows beside it.

use std::io::{Cursor, Read};

use athar_core::{FieldError, IncidentDraft, ValidationContext};
use calamine::{Data, DataRef, Reader, Sheets};

use crate::headers::Mapping;
use crate::{IngestError, ReadSummary, Row, Stop};

/// How many rows from the top of a sheet may hold its header.
pub const HEADER_ROWS: usize = 20;

/// The most a workbook (`.xlsx`, `.ods`: zip archives) may unpack to, by the sizes its
/// archive declares, before calamine is asked to open it.
pub const MAX_UNPACKED: u64 = 512 << 20;

/// The most columns a row may have (Excel's own limit, XFD).
pub const MAX_COLUMNS: u32 = 16_384;

/// Refuses a zip workbook whose parts would unpack to more than [`MAX_UNPACKED`], or whose
/// shared strings declare more entries than their part could hold (calamine reserves room
/// for them all when it opens the workbook).
fn check_zip(bytes: &[u8]) -> Result<(), IngestError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    let unreadable = |e: zip::result::ZipError| IngestError::Spreadsheet(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total: u64 = 0;
    let mut shared = None;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).map_err(unreadable)?;
        total = total.saturating_add(part.size());
        if part.name().is_ok_and(|name| name == "xl/sharedStrings.xml") {
            shared = Some((index, part.size()));
        }
    }
    if total > MAX_UNPACKED {
        return Err(IngestError::SpreadsheetTooLarge(format!(
            "its parts unpack to {total} bytes (at most {MAX_UNPACKED})"
        )));
    }
    if let Some((index, size)) = shared {
        let mut head = Vec::with_capacity(4096);
        archive
            .by_index(index)
            .map_err(unreadable)?
            .take(4096)
            .read_to_end(&mut head)?;
        let head = String::from_utf8_lossy(&head);
        let declared = head
            .split_once("uniqueCount=\"")
            .and_then(|(_, rest)| rest.split('"').next())
            .and_then(|n| n.parse::<u64>().ok());
        // Each shared string takes at least `<si><t/></si>`, 12 bytes.
        if let Some(count) = declared.filter(|count| *count > size / 12 + 1) {
            return Err(IngestError::SpreadsheetTooLarge(format!(
                "its shared strings declare {count} entries in {size} bytes"
            )));
        }
    }
    Ok(())
}

/// A cell's value, whichever format it came from.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    DateTime(chrono::NaiveDateTime),
    Error(String),
}

impl Cell {
    fn of(value: &Data) -> Self {
        match value {
            Data::Empty => Self::Empty,
            Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
                Self::Text(text.clone())
            }
            Data::Int(number) => Self::Number(*number as f64),
            Data::Float(number) => Self::Number(*number),
            Data::Bool(truth) => Self::Bool(*truth),
            Data::DateTime(date) => date
                .as_datetime()
                .map_or_else(|| Self::Error(format!("{date}")), Self::DateTime),
            Data::Error(error) => Self::Error(error.to_string()),
        }
    }

    fn of_ref(value: &DataRef<'_>) -> Self {
        match value {
            DataRef::Empty => Self::Empty,
            DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
                Self::Text(text.clone())
            }
            DataRef::SharedString(text) => Self::Text((*text).to_owned()),
            DataRef::Int(number) => Self::Number(*number as f64),
            DataRef::Float(number) => Self::Number(*number),
            DataRef::Bool(truth) => Self::Bool(*truth),
            DataRef::DateTime(date) => date
                .as_datetime()
                .map_or_else(|| Self::Error(format!("{date}")), Self::DateTime),
            DataRef::Error(error) => Self::Error(error.to_string()),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The text the field's column reads from this cell.
    fn text(&self, field: &str) -> Result<String, String> {
        let dated = matches!(field, "occurred_on" | "occurred_at");
        Ok(match self {
            Self::Empty => String::new(),
            Self::Text(text) => text.clone(),
            Self::Bool(value) => value.to_string(),
            Self::Error(error) => return Err(format!("is a cell error ({error})")),
            Self::DateTime(at) if field == "occurred_at" => {
                at.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
            Self::DateTime(at) => at.date().format("%Y-%m-%d").to_string(),
            // A number in a date column is an Excel serial date (the 1900 system).
            Self::Number(serial) if dated => {
                let day = serial_date(*serial)
                    .ok_or_else(|| format!("is the number {serial}, not a date"))?;
                if field == "occurred_at" {
                    day.format("%Y-%m-%dT%H:%M:%S").to_string()
                } else {
                    day.date().format("%Y-%m-%d").to_string()
                }
            }
            Self::Number(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
                format!("{}", *number as i64)
            }
            Self::Number(number) => number.to_string(),
        })
    }

    /// The cell as a header.
    fn header(&self) -> String {
        match self {
            Self::Text(text) => text.trim().to_owned(),
            Self::Empty => String::new(),
            other => other.text("").unwrap_or_default(),
        }
    }
}

/// An Excel serial date (days since 1899-12-30, in the 1900 system, serials from 61 on:
/// 1 March 1900), with its time of day.
fn serial_date(serial: f64) -> Option<chrono::NaiveDateTime> {
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let seconds = (serial * 86_400.0).round() as i64;
    epoch.checked_add_signed(chrono::TimeDelta::try_seconds(seconds)?)
}

/// A sheet's rows, one at a time, with the row number the spreadsheet shows.
trait Rows {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<Cell>)>, IngestError>;
}

/// A sheet read whole (`.xls`, `.ods`).
struct RangeRows {
    range: calamine::Range<Data>,
    next: usize,
}

impl Rows for RangeRows {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<Cell>)>, IngestError> {
        let Some((top, _)) = self.range.start() else {
            return Ok(None);
        };
        let Some(row) = self.range.rows().nth(self.next) else {
            return Ok(None);
        };
        let number = u64::from(top) + self.next as u64 + 1;
        self.next += 1;
        // Cells before the range's first column are empty.
        let left = self.range.start().map_or(0, |(_, left)| left as usize);
        let mut cells = vec![Cell::Empty; left];
        cells.extend(row.iter().map(Cell::of));
        Ok(Some((number, cells)))
    }
}

/// An `.xlsx` sheet streamed cell by cell.
struct StreamedRows<'a> {
    cells: calamine::XlsxCellReader<'a, Cursor<Vec<u8>>>,
    /// A cell read past the end of the previous row.
    pending: Option<((u32, u32), Cell)>,
    done: bool,
}

impl Rows for StreamedRows<'_> {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<Cell>)>, IngestError> {
        let mut row: Option<(u32, Vec<Cell>)> = None;
        loop {
            let next = match self.pending.take() {
                Some(cell) => Some(cell),
                None if self.done => None,
                None => self
                    .cells
                    .next_cell()
                    .map_err(|e| IngestError::Spreadsheet(e.to_string()))?
                    .map(|cell| (cell.get_position(), Cell::of_ref(cell.get_value()))),
            };
            let Some(((at_row, at_column), cell)) = next else {
                self.done = true;
                return Ok(row.map(|(number, cells)| (u64::from(number) + 1, cells)));
            };
            if at_column >= MAX_COLUMNS {
                return Err(IngestError::SpreadsheetTooLarge(format!(
                    "row {} has a cell in column {}, past the last ({MAX_COLUMNS})",
                    u64::from(at_row) + 1,
                    u64::from(at_column) + 1
                )));
            }
            match &mut row {
                Some((number, _)) if *number != at_row => {
                    self.pending = Some(((at_row, at_column), cell));
                    return Ok(row.map(|(number, cells)| (u64::from(number) + 1, cells)));
                }
                Some((_, cells)) => place(cells, at_column, cell),
                None => {
                    let mut cells = Vec::new();
                    place(&mut cells, at_column, cell);
                    row = Some((at_row, cells));
                }
            }
        }
    }
}

fn place(cells: &mut Vec<Cell>, column: u32, cell: Cell) {
    // (Columns past Excel's last are refused before they get here.)
    let column = column as usize;
    if cells.len() <= column {
        cells.resize(column + 1, Cell::Empty);
    }
    cells[column] = cell;
}

/// The header's columns, if `cells` is a header: at least two name incident fields.
fn header(cells: &[Cell], mapping: &Mapping) -> Option<(Vec<Option<&'static str>>, Vec<String>)> {
    let names: Vec<String> = cells.iter().map(Cell::header).collect();
    let columns: Vec<Option<&'static str>> = names.iter().map(|n| mapping.field(n)).collect();
    (columns.iter().flatten().count() >= 2).then_some((columns, names))
}

pub(crate) fn read(
    input: impl Read,
    sheet: Option<&str>,
    mapping: &Mapping,
    context: &ValidationContext<'_>,
    sink: &mut dyn FnMut(Row) -> Result<(), Stop>,
) -> Result<ReadSummary, IngestError> {
    let mut bytes = Vec::new();
    let mut input = input;
    input.read_to_end(&mut bytes)?;
    check_zip(&bytes)?;
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| IngestError::Spreadsheet(e.to_string()))?;
    let names = workbook.sheet_names();
    let candidates: Vec<String> = match sheet {
        Some(name) if names.iter().any(|n| n == name) => vec![name.to_owned()],
        Some(name) => {
            return Err(IngestError::NoSuchSheet {
                name: name.to_owned(),
                sheets: names.join(", "),
            });
        }
        None => names.clone(),
    };
    for name in &candidates {
        let summary = if let Sheets::Xlsx(xlsx) = &mut workbook {
            let cells = xlsx
                .worksheet_cells_reader(name)
                .map_err(|e| IngestError::Spreadsheet(format!("sheet '{name}': {e}")))?;
            read_sheet(
                &mut StreamedRows {
                    cells,
                    pending: None,
                    done: false,
                },
                mapping,
                context,
                sink,
            )?
        } else {
            let range = workbook
                .worksheet_range(name)
                .map_err(|e| IngestError::Spreadsheet(format!("sheet '{name}': {e}")))?;
            read_sheet(&mut RangeRows { range, next: 0 }, mapping, context, sink)?
        };
        if let Some(summary) = summary {
            return Ok(summary);
        }
    }
    Err(IngestError::NoHeader {
        rows: HEADER_ROWS,
        sheets: candidates.join(", "),
    })
}

/// Reads a sheet from its header on; `None` when its first rows hold no header.
fn read_sheet(
    rows: &mut dyn Rows,
    mapping: &Mapping,
    context: &ValidationContext<'_>,
    sink: &mut dyn FnMut(Row) -> Result<(), Stop>,
) -> Result<Option<ReadSummary>, IngestError> {
    let mut searched = 0;
    let (columns, names) = loop {
        let Some((_, cells)) = rows.next_row()? else {
            return Ok(None);
        };
        if let Some(found) = header(&cells, mapping) {
            break found;
        }
        searched += 1;
        if searched >= HEADER_ROWS {
            return Ok(None);
        }
    };
    let mut summary = ReadSummary {
        ignored_columns: names
            .iter()
            .zip(&columns)
            .filter(|(name, field)| field.is_none() && !name.is_empty())
            .map(|(name, _)| name.clone())
            .collect(),
        ..ReadSummary::default()
    };
    let mut draft = IncidentDraft::default();
    while let Some((number, cells)) = rows.next_row()? {
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        summary.rows += 1;
        draft.reset();
        let mut errors = Vec::new();
        for (index, cell) in cells.iter().enumerate() {
            match columns.get(index) {
                Some(Some(field)) => match cell.text(field) {
                    // `set` only fails for unknown fields, and `field` is one.
                    Ok(text) => {
                        let _ = draft.set(field, mapping.value(field, &text));
                    }
                    Err(problem) => errors.push(FieldError::new(*field, problem)),
                },
                Some(None) => {}
                None if cell.is_empty() => {}
                None => errors.push(FieldError::new(
                    format!("column {}", index + 1),
                    format!(
                        "has a value but the header has only {} columns",
                        names.len()
                    ),
                )),
            }
        }
        if sink(crate::validate(number, &draft, context, errors)).is_err() {
            summary.stopped = true;
            break;
        }
    }
    Ok(Some(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook whose shared strings declare an absurd count is refused before calamine
    /// reserves room for them (which would abort the process).
    #[test]
    fn a_workbook_declaring_too_many_shared_strings_is_refused() {
        use std::io::Write as _;
        let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        archive.start_file("xl/sharedStrings.xml", options).unwrap();
        archive
            .write_all(
                br#"<sst count="1" uniqueCount="100000000000000000"><si><t>a</t></si></sst>"#,
            )
            .unwrap();
        let bytes = archive.finish().unwrap().into_inner();
        let error = check_zip(&bytes).unwrap_err();
        assert!(
            matches!(error, IngestError::SpreadsheetTooLarge(_)),
            "{error}"
        );
        assert!(
            check_zip(b"not a zip").is_ok(),
            "other formats are calamine's to judge"
        );
    }

    #[test]
    fn cells_read_as_the_column_wants() {
        let day = chrono::NaiveDate::from_ymd_opt(2024, 4, 7)
            .unwrap()
            .and_hms_opt(13, 30, 0)
            .unwrap();
        assert_eq!(
            Cell::DateTime(day).text("occurred_on").unwrap(),
            "2024-04-07"
        );
        assert_eq!(
            Cell::DateTime(day).text("occurred_at").unwrap(),
            "2024-04-07T13:30:00"
        );
        // 45389 is 7 April 2024 in Excel's 1900 system.
        assert_eq!(
            Cell::Number(45389.0).text("occurred_on").unwrap(),
            "2024-04-07"
        );
        assert_eq!(Cell::Number(5.0).text("killed").unwrap(), "5");
        assert_eq!(Cell::Number(36.25).text("latitude").unwrap(), "36.25");
        assert!(Cell::Number(3.0).text("occurred_on").is_err());
        assert!(Cell::Error("#DIV/0!".into()).text("killed").is_err());
        assert!(Cell::Text("  ".into()).is_empty());
    }
}
