//! Incidents written out for other tools: GeoJSON, CSV with HXL hashtags, KML and
//! GeoPackage, from one table of columns so that every format carries the same fields.
//!
//! The text formats are written a row at a time into a buffer the caller drains, so an
//! export of any size holds one chunk in memory. A GeoPackage is a SQLite database: it is
//! written to a temporary file (its tables and metadata by `rusqlite-gpkg`, its geometry
//! blobs by `geozero`, its rows by SQLite in one transaction) and then read out in chunks.
//!
//! CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return) are prefixed with an apostrophe; numbers are written as they are.

use athar_core::Language;
use std::io::Write;
use std::path::Path;

use athar_core::{Incident, Slug, Vocabularies, VocabularyName};
use athar_index::Snapshot;

/// A download format for incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = IncidentExportFormat)]
pub enum ExportFormat {
    /// A GeoJSON FeatureCollection.
    #[serde(rename = "geojson")]
    GeoJson,
    /// CSV, with a second header row of HXL hashtags unless turned off.
    #[serde(rename = "csv")]
    Csv,
    /// An OGC GeoPackage with one point layer, `incidents`.
    #[serde(rename = "gpkg")]
    GeoPackage,
    /// KML placemarks, with every field as extended data.
    #[serde(rename = "kml")]
    Kml,
}

impl ExportFormat {
    /// The format for a file extension (`geojson`, `csv`, `gpkg`, `kml`).
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "geojson" => Some(Self::GeoJson),
            "csv" => Some(Self::Csv),
            "gpkg" => Some(Self::GeoPackage),
            "kml" => Some(Self::Kml),
            _ => None,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::GeoJson => "geojson",
            Self::Csv => "csv",
            Self::GeoPackage => "gpkg",
            Self::Kml => "kml",
        }
    }

    /// The media type of the download.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::GeoJson => "application/geo+json",
            Self::Csv => "text/csv; charset=utf-8",
            Self::GeoPackage => "application/geopackage+sqlite3",
            Self::Kml => "application/vnd.google-earth.kml+xml",
        }
    }
}

/// What an export carries besides the incidents.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// The language of the label columns.
    pub lang: Language,
    /// Whether a CSV has its row of HXL hashtags.
    pub hxl: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            lang: Language::English,
            hxl: true,
        }
    }
}

/// One value of a column.
enum Cell<'a> {
    Empty,
    Text(&'a str),
    Owned(String),
    Integer(i64),
    Real(f64),
}

impl Cell<'_> {
    fn text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Owned(text) => Some(text),
            _ => None,
        }
    }
}

/// The storage type of a column (GeoPackage columns are typed).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Real,
    Date,
}

/// A column: its name (the ingest field name where there is one, so that an exported
/// CSV imports again), its HXL hashtag, its type, and how to read it from an incident.
struct Column {
    name: &'static str,
    hxl: &'static str,
    kind: Kind,
    value: for<'a> fn(&Row<'a>) -> Cell<'a>,
}

/// An incident with what its label columns need.
struct Row<'a> {
    incident: &'a Incident,
    vocabularies: &'a Vocabularies,
    lang: Language,
}

impl<'a> Row<'a> {
    fn label(&self, vocabulary: VocabularyName, slug: Option<&'a Slug>) -> Cell<'a> {
        let Some(slug) = slug else {
            return Cell::Empty;
        };
        match self.vocabularies.get(vocabulary, slug.as_str()) {
            Some(term) => Cell::Owned(match self.lang {
                Language::English => term.label_en.clone(),
                Language::Arabic => term.label_ar.clone(),
            }),
            None => Cell::Text(slug.as_str()),
        }
    }
}

fn optional(text: Option<&str>) -> Cell<'_> {
    text.map_or(Cell::Empty, Cell::Text)
}

fn slug(slug: Option<&Slug>) -> Cell<'_> {
    optional(slug.map(Slug::as_str))
}

/// A label column's HXL hashtag carries the language: `+i_en` or `+i_ar`; the language
/// is filled in when the hashtag row is written.
const COLUMNS: &[Column] = &[
    Column {
        name: "athar_id",
        hxl: "#meta+id",
        kind: Kind::Text,
        value: |r| Cell::Owned(r.incident.id.to_string()),
    },
    Column {
        name: "source",
        hxl: "#meta+source",
        kind: Kind::Text,
        value: |r| Cell::Text(&r.incident.record.source),
    },
    Column {
        name: "source_id",
        hxl: "#event+code",
        kind: Kind::Text,
        value: |r| optional(r.incident.record.source_id.as_deref()),
    },
    Column {
        name: "kind",
        hxl: "#event+type",
        kind: Kind::Text,
        value: |r| Cell::Text(r.incident.record.kind.as_str()),
    },
    Column {
        name: "kind_label",
        hxl: "#event+type+name",
        kind: Kind::Text,
        value: |r| r.label(VocabularyName::Kind, Some(&r.incident.record.kind)),
    },
    Column {
        name: "occurred_on",
        hxl: "#date+occurred",
        kind: Kind::Date,
        value: |r| Cell::Owned(r.incident.record.occurred.date().to_string()),
    },
    Column {
        name: "occurred_at",
        hxl: "#date+time",
        kind: Kind::Text,
        value: |r| {
            let occurred = &r.incident.record.occurred;
            occurred
                .time()
                .map_or(Cell::Empty, |_| Cell::Owned(occurred.to_string()))
        },
    },
    Column {
        name: "latitude",
        hxl: "#geo+lat",
        kind: Kind::Real,
        value: |r| {
            r.incident
                .record
                .location
                .map_or(Cell::Empty, |p| Cell::Real(p.lat.degrees()))
        },
    },
    Column {
        name: "longitude",
        hxl: "#geo+lon",
        kind: Kind::Real,
        value: |r| {
            r.incident
                .record
                .location
                .map_or(Cell::Empty, |p| Cell::Real(p.lon.degrees()))
        },
    },
    Column {
        name: "location_precision",
        hxl: "#meta+precision+loc",
        kind: Kind::Text,
        value: |r| Cell::Text(r.incident.record.location_precision.as_str()),
    },
    Column {
        name: "community",
        hxl: "#loc+name",
        kind: Kind::Text,
        value: |r| Cell::Text(&r.incident.record.community),
    },
    Column {
        name: "community_id",
        hxl: "#loc+id",
        kind: Kind::Text,
        value: |r| optional(r.incident.record.resolution.community_id.as_deref()),
    },
    Column {
        name: "community_pcode",
        hxl: "#loc+code",
        kind: Kind::Text,
        value: |r| {
            optional(
                r.incident
                    .record
                    .community_pcode
                    .as_ref()
                    .map(athar_core::Pcode::as_str),
            )
        },
    },
    Column {
        name: "admin1",
        hxl: "#adm1+name",
        kind: Kind::Text,
        value: |r| optional(r.incident.record.admin1.as_deref()),
    },
    Column {
        name: "admin2",
        hxl: "#adm2+name",
        kind: Kind::Text,
        value: |r| optional(r.incident.record.admin2.as_deref()),
    },
    Column {
        name: "admin3",
        hxl: "#adm3+name",
        kind: Kind::Text,
        value: |r| optional(r.incident.record.admin3.as_deref()),
    },
    Column {
        name: "place_type",
        hxl: "#loc+type",
        kind: Kind::Text,
        value: |r| slug(r.incident.record.place_type.as_ref()),
    },
    Column {
        name: "place_type_label",
        hxl: "#loc+type+name",
        kind: Kind::Text,
        value: |r| {
            r.label(
                VocabularyName::PlaceType,
                r.incident.record.place_type.as_ref(),
            )
        },
    },
    Column {
        name: "perpetrator",
        hxl: "#group+name+first",
        kind: Kind::Text,
        value: |r| slug(r.incident.record.perpetrator.as_ref()),
    },
    Column {
        name: "perpetrator_label",
        hxl: "#group+name+first+label",
        kind: Kind::Text,
        value: |r| {
            r.label(
                VocabularyName::Perpetrator,
                r.incident.record.perpetrator.as_ref(),
            )
        },
    },
    Column {
        name: "weapon",
        hxl: "#event+weapon",
        kind: Kind::Text,
        value: |r| slug(r.incident.record.weapon.as_ref()),
    },
    Column {
        name: "weapon_label",
        hxl: "#event+weapon+name",
        kind: Kind::Text,
        value: |r| r.label(VocabularyName::Weapon, r.incident.record.weapon.as_ref()),
    },
    Column {
        name: "cause",
        hxl: "#event+cause",
        kind: Kind::Text,
        value: |r| slug(r.incident.record.cause.as_ref()),
    },
    Column {
        name: "cause_label",
        hxl: "#event+cause+name",
        kind: Kind::Text,
        value: |r| r.label(VocabularyName::Cause, r.incident.record.cause.as_ref()),
    },
    Column {
        name: "vehicle",
        hxl: "#event+vehicle",
        kind: Kind::Text,
        value: |r| slug(r.incident.record.vehicle.as_ref()),
    },
    Column {
        name: "vehicle_label",
        hxl: "#event+vehicle+name",
        kind: Kind::Text,
        value: |r| r.label(VocabularyName::Vehicle, r.incident.record.vehicle.as_ref()),
    },
    Column {
        name: "killed",
        hxl: "#affected+killed",
        kind: Kind::Integer,
        value: |r| Cell::Integer(r.incident.record.casualties.counts().killed.into()),
    },
    Column {
        name: "killed_women",
        hxl: "#affected+killed+f",
        kind: Kind::Integer,
        value: |r| Cell::Integer(r.incident.record.casualties.counts().killed_women.into()),
    },
    Column {
        name: "killed_children",
        hxl: "#affected+killed+children",
        kind: Kind::Integer,
        value: |r| Cell::Integer(r.incident.record.casualties.counts().killed_children.into()),
    },
    Column {
        name: "injured",
        hxl: "#affected+injured",
        kind: Kind::Integer,
        value: |r| Cell::Integer(r.incident.record.casualties.counts().injured.into()),
    },
    Column {
        name: "injured_women",
        hxl: "#affected+injured+f",
        kind: Kind::Integer,
        value: |r| Cell::Integer(r.incident.record.casualties.counts().injured_women.into()),
    },
    Column {
        name: "injured_children",
        hxl: "#affected+injured+children",
        kind: Kind::Integer,
        value: |r| {
            Cell::Integer(
                r.incident
                    .record
                    .casualties
                    .counts()
                    .injured_children
                    .into(),
            )
        },
    },
    Column {
        name: "notes",
        hxl: "#description",
        kind: Kind::Text,
        value: |r| optional(r.incident.record.notes.as_deref()),
    },
    Column {
        name: "resolution_method",
        hxl: "#meta+resolution",
        kind: Kind::Text,
        value: |r| Cell::Text(r.incident.record.resolution.method.as_str()),
    },
    Column {
        name: "resolution_score",
        hxl: "#meta+resolution+score",
        kind: Kind::Real,
        // The score is stored as a 32-bit float: written with its shortest decimal (0.95,
        // not 0.949999988079071).
        value: |r| {
            let score = r.incident.record.resolution.score;
            Cell::Real(score.to_string().parse().unwrap_or(f64::from(score)))
        },
    },
];

/// Whether a column holds a label (and so carries the language in its hashtag).
fn is_label(column: &Column) -> bool {
    column.name.ends_with("_label")
}

/// The columns a point geometry replaces in the spatial formats.
fn is_coordinate(column: &Column) -> bool {
    matches!(column.name, "latitude" | "longitude")
}

/// A spreadsheet runs a cell starting with one of these as a formula.
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Writes a text format a row at a time: `begin`, then `row` for each incident, then
/// `end`, each appending to `out`.
pub struct TextExport<'a> {
    format: ExportFormat,
    options: ExportOptions,
    vocabularies: &'a Vocabularies,
    rows: u64,
}

impl<'a> TextExport<'a> {
    /// A writer of `format`, which must not be [`ExportFormat::GeoPackage`].
    pub fn new(
        format: ExportFormat,
        options: ExportOptions,
        vocabularies: &'a Vocabularies,
    ) -> Self {
        assert_ne!(
            format,
            ExportFormat::GeoPackage,
            "a GeoPackage is written to a file"
        );
        Self {
            format,
            options,
            vocabularies,
            rows: 0,
        }
    }

    /// The header: the CSV header rows, or the opening of the collection or document.
    pub fn begin(&mut self, out: &mut Vec<u8>) {
        match self.format {
            ExportFormat::Csv => {
                // A byte-order mark, so that spreadsheets read the Arabic as UTF-8.
                out.extend_from_slice("\u{feff}".as_bytes());
                let mut writer = csv::Writer::from_writer(out);
                let _ = writer.write_record(COLUMNS.iter().map(|c| c.name));
                if self.options.hxl {
                    let lang = format!("+i_{}", self.options.lang.code());
                    let _ = writer.write_record(COLUMNS.iter().map(|c| {
                        if is_label(c) {
                            format!("{}{lang}", c.hxl)
                        } else {
                            c.hxl.to_owned()
                        }
                    }));
                }
                let _ = writer.flush();
            }
            ExportFormat::GeoJson => {
                out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
            }
            ExportFormat::Kml => {
                out.extend_from_slice(
                    br#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document>
<name>Athar incidents</name>
<Schema name="incidents" id="incidents">
"#,
                );
                for column in COLUMNS.iter().filter(|c| !is_coordinate(c)) {
                    let kind = match column.kind {
                        Kind::Integer => "int",
                        Kind::Real => "double",
                        Kind::Text | Kind::Date => "string",
                    };
                    let _ = writeln!(
                        out,
                        r#"<SimpleField name="{}" type="{kind}"/>"#,
                        column.name
                    );
                }
                out.extend_from_slice(b"</Schema>\n<Folder>\n<name>incidents</name>\n");
            }
            ExportFormat::GeoPackage => {}
        }
    }

    /// One incident.
    pub fn row(&mut self, incident: &Incident, out: &mut Vec<u8>) {
        let row = Row {
            incident,
            vocabularies: self.vocabularies,
            lang: self.options.lang,
        };
        match self.format {
            ExportFormat::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                let cells: Vec<String> = COLUMNS
                    .iter()
                    .map(|column| match (column.value)(&row) {
                        Cell::Empty => String::new(),
                        Cell::Text(text) => neutralised(text).into_owned(),
                        Cell::Owned(text) => neutralised(&text).into_owned(),
                        Cell::Integer(n) => n.to_string(),
                        Cell::Real(x) => x.to_string(),
                    })
                    .collect();
                let _ = writer.write_record(&cells);
                let _ = writer.flush();
            }
            ExportFormat::GeoJson => {
                if self.rows > 0 {
                    out.push(b',');
                }
                let mut properties = serde_json::Map::new();
                for column in COLUMNS.iter().filter(|c| !is_coordinate(c)) {
                    let value = match (column.value)(&row) {
                        Cell::Empty => serde_json::Value::Null,
                        Cell::Text(text) => text.into(),
                        Cell::Owned(text) => text.into(),
                        Cell::Integer(n) => n.into(),
                        Cell::Real(x) => x.into(),
                    };
                    properties.insert(column.name.to_owned(), value);
                }
                let feature = serde_json::json!({
                    "type": "Feature",
                    "id": incident.id,
                    "geometry": incident.record.location.map(|p| serde_json::json!({
                        "type": "Point",
                        "coordinates": [p.lon.degrees(), p.lat.degrees()],
                    })),
                    "properties": properties,
                });
                let _ = serde_json::to_writer(&mut *out, &feature);
                out.push(b'\n');
            }
            ExportFormat::Kml => {
                let record = &incident.record;
                let _ = write!(
                    out,
                    "<Placemark id=\"{}\">\n<name>{}</name>\n<ExtendedData><SchemaData schemaUrl=\"#incidents\">\n",
                    incident.id,
                    xml_escaped(&format!("{} {}", record.community, record.occurred.date())),
                );
                for column in COLUMNS.iter().filter(|c| !is_coordinate(c)) {
                    let value = match (column.value)(&row) {
                        Cell::Empty => continue,
                        Cell::Text(text) => xml_escaped(text),
                        Cell::Owned(text) => xml_escaped(&text),
                        Cell::Integer(n) => n.to_string(),
                        Cell::Real(x) => x.to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "<SimpleData name=\"{}\">{value}</SimpleData>",
                        column.name
                    );
                }
                out.extend_from_slice(b"</SchemaData></ExtendedData>\n");
                if let Some(point) = record.location {
                    let _ = writeln!(
                        out,
                        "<Point><coordinates>{},{}</coordinates></Point>",
                        point.lon.degrees(),
                        point.lat.degrees()
                    );
                }
                out.extend_from_slice(b"</Placemark>\n");
            }
            ExportFormat::GeoPackage => {}
        }
        self.rows += 1;
    }

    /// The closing of the collection or document.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        match self.format {
            ExportFormat::GeoJson => out.extend_from_slice(b"]}\n"),
            ExportFormat::Kml => out.extend_from_slice(b"</Folder>\n</Document>\n</kml>\n"),
            ExportFormat::Csv | ExportFormat::GeoPackage => {}
        }
    }
}

/// Text with the five XML special characters escaped, and characters XML 1.0 cannot hold
/// (control characters other than tab and newlines) left out.
fn xml_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A GeoPackage export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GeoPackageError {
    /// The GeoPackage library refused.
    #[error("GeoPackage: {0}")]
    Gpkg(#[from] rusqlite_gpkg::GpkgError),
    /// SQLite refused.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A geometry could not be encoded.
    #[error("geometry: {0}")]
    Geometry(#[from] geozero::error::GeozeroError),
    /// The temporary file could not be made or read.
    #[error("temporary file: {0}")]
    File(#[from] std::io::Error),
}

/// Writes `incidents` as a new GeoPackage at `path` (which must not exist), with one point
/// layer `incidents` in EPSG:4326 and a spatial index. Calls `progress` after each
/// incident.
pub fn write_geopackage(
    path: &Path,
    incidents: impl Iterator<Item = Incident>,
    vocabularies: &Vocabularies,
    options: ExportOptions,
    mut progress: impl FnMut(),
) -> Result<u64, GeoPackageError> {
    use geozero::{CoordDimensions, ToWkb};
    use rusqlite_gpkg::{ColumnSpec, ColumnType, Dimension, GeometryType, Gpkg};

    let columns: Vec<&Column> = COLUMNS.iter().filter(|c| !is_coordinate(c)).collect();
    {
        // The GeoPackage's metadata tables, its layer and the layer's spatial index.
        let gpkg = Gpkg::open(path)?;
        let specs: Vec<ColumnSpec> = columns
            .iter()
            .map(|column| ColumnSpec {
                name: column.name.to_owned(),
                column_type: match column.kind {
                    Kind::Text => ColumnType::Varchar,
                    Kind::Integer => ColumnType::Integer,
                    Kind::Real => ColumnType::Double,
                    Kind::Date => ColumnType::Date,
                },
            })
            .collect();
        gpkg.create_layer(
            "incidents",
            "geom",
            GeometryType::Point,
            Dimension::Xy,
            4326,
            &specs,
        )?;
    }
    // The rows, in one transaction on a connection of our own: the library writes a row
    // per statement, each its own transaction, which costs a disk sync per incident.
    let mut connection = rusqlite::Connection::open(path)?;
    rusqlite_gpkg::register_spatial_functions(&connection)?;
    connection.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
    let transaction = connection.transaction()?;
    let names: Vec<String> = columns
        .iter()
        .map(|column| format!("\"{}\"", column.name))
        .collect();
    let placeholders: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
    let mut written = 0u64;
    let mut extent = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    {
        let mut insert = transaction.prepare(&format!(
            "INSERT INTO incidents (geom, {}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        ))?;
        for incident in incidents {
            let row = Row {
                incident: &incident,
                vocabularies,
                lang: options.lang,
            };
            let geometry = match incident.record.location {
                Some(point) => {
                    let (lon, lat) = (point.lon.degrees(), point.lat.degrees());
                    extent = [
                        extent[0].min(lon),
                        extent[1].min(lat),
                        extent[2].max(lon),
                        extent[3].max(lat),
                    ];
                    let point = geo_types::Geometry::Point(geo_types::Point::new(lon, lat));
                    Some(point.to_gpkg_wkb(CoordDimensions::xy(), Some(4326), Vec::new())?)
                }
                None => None,
            };
            let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(columns.len() + 1);
            values
                .push(geometry.map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Blob));
            for column in &columns {
                let cell = (column.value)(&row);
                values.push(match cell {
                    Cell::Empty => rusqlite::types::Value::Null,
                    Cell::Integer(n) => rusqlite::types::Value::Integer(n),
                    Cell::Real(x) => rusqlite::types::Value::Real(x),
                    Cell::Text(_) | Cell::Owned(_) => {
                        rusqlite::types::Value::Text(cell.text().unwrap_or_default().to_owned())
                    }
                });
            }
            insert.execute(rusqlite::params_from_iter(values))?;
            written += 1;
            progress();
        }
    }
    if written > 0 && extent[0] <= extent[2] {
        transaction.execute(
            "UPDATE gpkg_contents SET min_x = ?1, min_y = ?2, max_x = ?3, max_y = ?4, description = ?5 WHERE table_name = 'incidents'",
            rusqlite::params![extent[0], extent[1], extent[2], extent[3], "Incidents recorded in Athar"],
        )?;
    }
    transaction.commit()?;
    Ok(written)
}

/// Bytes gathered before a chunk of an export is handed on.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Writes the incidents of `rows` in the text format `format`, a chunk of about
/// [`CHUNK_BYTES`] at a time, to `send`, which answers false when the reader has gone (the
/// writing then stops).
pub fn write_text_chunks(
    snapshot: &Snapshot,
    rows: &[athar_index::RowId],
    (format, options): (ExportFormat, ExportOptions),
    send: &mut dyn FnMut(Vec<u8>) -> bool,
) {
    let mut export = TextExport::new(format, options, snapshot.vocabularies());
    let mut buffer = Vec::with_capacity(CHUNK_BYTES + 4096);
    export.begin(&mut buffer);
    for row in rows {
        export.row(&snapshot.incident(*row), &mut buffer);
        if buffer.len() >= CHUNK_BYTES
            && !send(std::mem::replace(
                &mut buffer,
                Vec::with_capacity(CHUNK_BYTES + 4096),
            ))
        {
            return;
        }
    }
    export.end(&mut buffer);
    send(buffer);
}

/// The incidents of `rows` as a GeoPackage, written whole to a temporary file (SQLite
/// writes with seeks) and returned open, its directory entry already gone. `as_of`, an
/// RFC 3339 time (a release's), is the content's last change (else the library writes
/// now), so that a release's GeoPackage is the same file every time.
pub fn geopackage_file(
    snapshot: &Snapshot,
    rows: Vec<athar_index::RowId>,
    options: ExportOptions,
    as_of: Option<&str>,
) -> Result<std::fs::File, GeoPackageError> {
    let directory = tempfile::tempdir()?;
    let path = directory.path().join("incidents.gpkg");
    let incidents = rows.into_iter().map(|row| snapshot.incident(row));
    write_geopackage(&path, incidents, snapshot.vocabularies(), options, || {})?;
    if let Some(as_of) = as_of {
        // GeoPackage times carry milliseconds: 2024-05-03T09:00:00.000Z.
        let stamp = match as_of.strip_suffix('Z') {
            Some(time) if !time.contains('.') => format!("{time}.000Z"),
            _ => as_of.to_owned(),
        };
        rusqlite::Connection::open(&path)?
            .execute("UPDATE gpkg_contents SET last_change = ?1", [stamp])?;
    }
    let file = std::fs::File::open(&path)?;
    // The open file outlives its directory entry.
    drop(directory);
    Ok(file)
}

/// Hands `file` on to `send` a chunk of [`CHUNK_BYTES`] at a time, until it ends, fails, or
/// `send` answers false.
pub fn send_file_chunks(mut file: std::fs::File, send: &mut dyn FnMut(Vec<u8>) -> bool) {
    use std::io::Read as _;
    loop {
        let mut chunk = vec![0u8; CHUNK_BYTES];
        match file.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(read) => {
                chunk.truncate(read);
                if !send(chunk) {
                    return;
                }
            }
        }
    }
}
