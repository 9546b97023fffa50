//! Streaming readers that turn CSV, GeoJSON, JSON and spreadsheets (`.xlsx`, `.xls`,
//! `.ods`) into validated incidents.
//!
//! Every reader pushes one [`Row`] at a time to a sink, so a file of any size is read in
//! bounded memory: the caller decides what to keep (the store stages rows in batches).
//! Each row is validated on its own; a bad row becomes [`Row::Invalid`] with every
//! [`FieldError`](athar_core::FieldError) and its row number, and the next row is read as
//! if nothing happened. Only a file that cannot be read at all (no usable header, JSON that
//! is not JSON) is an [`IngestError`].
//!
//! Row numbers are what a person finds in the file: for CSV the spreadsheet row (the
//! header is row 1, the first data row row 2, or row 3 under an HXL hashtag row); for a
//! spreadsheet the row number the sheet shows; for GeoJSON and JSON the feature or object
//! index, from 1.
//!
//! Column headers name fields in Arabic or English from a dictionary kept as data
//! (`data/headers.txt`), or as a mapping file says ([`Mapping`]).
#![deny(missing_docs)]

mod csv_reader;
mod error;
mod headers;
mod json_reader;
mod spreadsheet;

use std::io::Read;

use athar_core::{FieldError, IncidentRecord, ValidationContext};

pub use csv_reader::field_for_hxl_tag;
pub use error::IngestError;
pub use headers::{Mapping, field_for_header, normalise_header};
pub use spreadsheet::HEADER_ROWS;

/// The formats Athar reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV, comma or semicolon separated, with an optional HXL row.
    Csv,
    /// A GeoJSON FeatureCollection of Points.
    GeoJson,
    /// A JSON object, or an array of them, with the incident fields.
    Json,
    /// An Excel workbook (`.xlsx`).
    Xlsx,
    /// An Excel 97–2003 workbook (`.xls`).
    Xls,
    /// An OpenDocument spreadsheet (`.ods`, LibreOffice).
    Ods,
}

impl Format {
    /// The format a file name's extension says.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" | "txt" => Some(Self::Csv),
            "geojson" => Some(Self::GeoJson),
            "json" => Some(Self::Json),
            "xlsx" => Some(Self::Xlsx),
            "xls" => Some(Self::Xls),
            "ods" => Some(Self::Ods),
            _ => None,
        }
    }

    /// The format a media type names (`text/csv`, `application/geo+json`, `application/json`).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" | "application/csv" => Some(Self::Csv),
            "application/geo+json" | "application/vnd.geo+json" => Some(Self::GeoJson),
            "application/json" => Some(Self::Json),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(Self::Xlsx),
            "application/vnd.ms-excel" => Some(Self::Xls),
            "application/vnd.oasis.opendocument.spreadsheet" => Some(Self::Ods),
            _ => None,
        }
    }

    /// The name used in reports and the import log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::GeoJson => "geojson",
            Self::Json => "json",
            Self::Xlsx => "xlsx",
            Self::Xls => "xls",
            Self::Ods => "ods",
        }
    }
}

/// One row of input, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A valid incident.
    Valid {
        /// Its row number.
        row: u64,
        /// The incident.
        record: Box<IncidentRecord>,
    },
    /// A row that broke one or more rules.
    Invalid {
        /// Its row number.
        row: u64,
        /// Every rule it broke.
        errors: Vec<FieldError>,
    },
}

/// The sink asked the reader to stop (for example, because the store failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// What a reader saw, besides the rows themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadSummary {
    /// Rows (features, objects) read.
    pub rows: u64,
    /// Columns whose names are not incident fields, and so were not read.
    pub ignored_columns: Vec<String>,
    /// Whether the sink stopped the reader before the end.
    pub stopped: bool,
}

/// How to read columns and sheets.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The sheet of a workbook to read (else the first with a header).
    pub sheet: Option<String>,
    /// Headers and values beyond the dictionary's (CSV and spreadsheets).
    pub mapping: Mapping,
}

/// Reads every row of `input` in `format`, validating each and passing it to `sink`.
pub fn read(
    format: Format,
    input: impl Read,
    context: &ValidationContext<'_>,
    sink: &mut dyn FnMut(Row) -> Result<(), Stop>,
) -> Result<ReadSummary, IngestError> {
    read_with(format, input, &ReadOptions::default(), context, sink)
}

/// [`read`], with a sheet and a mapping.
pub fn read_with(
    format: Format,
    input: impl Read,
    options: &ReadOptions,
    context: &ValidationContext<'_>,
    sink: &mut dyn FnMut(Row) -> Result<(), Stop>,
) -> Result<ReadSummary, IngestError> {
    match format {
        Format::Csv => csv_reader::read(input, &options.mapping, context, sink),
        Format::GeoJson => json_reader::read(input, json_reader::Shape::GeoJson, context, sink),
        Format::Json => json_reader::read(input, json_reader::Shape::Json, context, sink),
        Format::Xlsx | Format::Xls | Format::Ods => spreadsheet::read(
            input,
            options.sheet.as_deref(),
            &options.mapping,
            context,
            sink,
        ),
    }
}

fn validate(
    row: u64,
    draft: &athar_core::IncidentDraft,
    context: &ValidationContext<'_>,
    mut errors: Vec<FieldError>,
) -> Row {
    match draft.validate(context) {
        Ok(record) if errors.is_empty() => Row::Valid {
            row,
            record: Box::new(record),
        },
        Ok(_) => Row::Invalid { row, errors },
        Err(more) => {
            errors.extend(more);
            Row::Invalid { row, errors }
        }
    }
}
