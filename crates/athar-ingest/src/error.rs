//! Errors that stop a whole file from being read.

/// A file that cannot be read as a whole. Errors in single rows are not this: they become
/// [`crate::Row::Invalid`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// Reading the input failed.
    #[error("could not read the input: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV header has no incident field.
    #[error(
        "the CSV header names no incident field (columns: {columns}); expected names such as kind, occurred_on, community, latitude, longitude, or an HXL hashtag row"
    )]
    NoKnownColumns {
        /// The columns found.
        columns: String,
    },
    /// The CSV is malformed beyond one row.
    #[error("CSV error at row {row}: {message}")]
    Csv {
        /// Row number.
        row: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// The CSV file is empty.
    #[error("the CSV file is empty: a header row is required")]
    EmptyCsv,
    /// The JSON is not JSON, or not of the expected shape.
    #[error("{0}")]
    Json(String),
    /// The spreadsheet cannot be opened, or a sheet read.
    #[error("the spreadsheet cannot be read: {0}")]
    Spreadsheet(String),
    /// No sheet of that name.
    #[error("the workbook has no sheet '{name}' (its sheets: {sheets})")]
    NoSuchSheet {
        /// The name asked for.
        name: String,
        /// The sheets it has.
        sheets: String,
    },
    /// No sheet has a header row Athar recognises.
    #[error(
        "no sheet has a header Athar recognises in its first {rows} rows (sheets: {sheets}); name the columns as data/headers.txt does, or give a mapping file"
    )]
    NoHeader {
        /// How many rows were searched in each sheet.
        rows: usize,
        /// The sheets searched.
        sheets: String,
    },
    /// A workbook that would unpack to more than Athar reads.
    #[error("the spreadsheet is too large to read: {0}")]
    SpreadsheetTooLarge(String),
    /// A mapping file that cannot be used.
    #[error("the mapping file: {0}")]
    Mapping(String),
}
