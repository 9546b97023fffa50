//! The benchmark and load scripts' generators, in one binary (`cargo xtask`, or
//! `target/release/xtask` once built):
//!
//! - `generate-incidents ROWS PATH [--layout L] [--prefix P] [--notes]`: synthetic
//!   incidents as CSV, in the layout of the script that ingests them.
//! - `tiles --lon LON --lat LAT --min-zoom Z --max-zoom Z`: the tile holding a point at
//!   each zoom, as `z/x/y` lines (athar-tiles' maths, as the server's).

mod incidents;

use std::fs::File;
use std::path::PathBuf;

use anyhow::Context as _;
use athar_tiles::{MAX_ZOOM, Tile, lon_lat_to_mercator};
use clap::{Parser, Subcommand, ValueEnum as _};

use incidents::Layout;

#[derive(Parser)]
#[command(about = "The benchmark and load scripts' generators")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes ROWS synthetic incidents as CSV to PATH: the same rows every run (the
    /// coordinates' jitter from a fixed seed).
    GenerateIncidents {
        /// How many incidents.
        rows: u64,
        /// The CSV file to write (replaced if it exists).
        path: PathBuf,
        /// Columns and values: those of the script that ingests them.
        #[arg(long, value_enum, default_value_t = Layout::Load)]
        layout: Layout,
        /// The source ids' prefix (default: l for load, t for tiles, b for api and ingest).
        #[arg(long)]
        prefix: Option<String>,
        /// A last column, notes, naming a house ("house of family {row}"), for tests of
        /// what privacy settings hide (load and tiles: api and ingest have notes).
        #[arg(long)]
        notes: bool,
    },
    /// Writes a CSV file's rows as an .xlsx workbook of one sheet (for the spreadsheet
    /// ingest benchmark): whole numbers and decimals as number cells, ISO dates
    /// (YYYY-MM-DD) as date cells, the rest as text.
    XlsxFromCsv {
        /// The CSV file to read.
        csv: PathBuf,
        /// The .xlsx file to write (replaced if it exists).
        xlsx: PathBuf,
    },
    /// Prints the tile holding a point at each zoom from --min-zoom to --max-zoom, as
    /// `z/x/y`, one a line.
    Tiles {
        /// Longitude in degrees.
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// Latitude in degrees (held to Web Mercator's square, ±85.05°).
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        /// The first zoom.
        #[arg(long, value_parser = clap::value_parser!(u8).range(..=i64::from(MAX_ZOOM)))]
        min_zoom: u8,
        /// The last zoom.
        #[arg(long, value_parser = clap::value_parser!(u8).range(..=i64::from(MAX_ZOOM)))]
        max_zoom: u8,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::GenerateIncidents {
            rows,
            path,
            layout,
            prefix,
            notes,
        } => {
            anyhow::ensure!(
                !(notes && layout.has_notes()),
                "--notes: the {} layout has a notes column of its own",
                layout
                    .to_possible_value()
                    .expect("every layout is a value")
                    .get_name()
            );
            let options = incidents::Options {
                layout,
                prefix: prefix.unwrap_or_else(|| layout.default_prefix().to_owned()),
                notes,
            };
            let file =
                File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
            incidents::write(file, rows, &options)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Command::XlsxFromCsv { csv, xlsx } => xlsx_from_csv(&csv, &xlsx)?,
        Command::Tiles {
            lon,
            lat,
            min_zoom,
            max_zoom,
        } => {
            anyhow::ensure!(
                (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat),
                "--lon must be within ±180 and --lat within ±90"
            );
            anyhow::ensure!(min_zoom <= max_zoom, "--min-zoom must not pass --max-zoom");
            for tile in tiles_holding(lon, lat, min_zoom..=max_zoom) {
                println!("{}/{}/{}", tile.z, tile.x, tile.y);
            }
        }
    }
    Ok(())
}

/// The tile holding a point at each of the zooms.
fn tiles_holding(
    lon: f64,
    lat: f64,
    zooms: std::ops::RangeInclusive<u8>,
) -> impl Iterator<Item = Tile> {
    let point = lon_lat_to_mercator(lon, lat);
    zooms.map(move |z| Tile::containing(point, z))
}

fn xlsx_from_csv(csv_path: &std::path::Path, xlsx: &std::path::Path) -> anyhow::Result<()> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut reader = csv::Reader::from_path(csv_path)
        .with_context(|| format!("cannot read {}", csv_path.display()))?;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (column, name) in reader.headers()?.iter().enumerate() {
        sheet.write_string(0, u16::try_from(column)?, name)?;
    }
    for (index, record) in reader.records().enumerate() {
        let row = u32::try_from(index)? + 1;
        for (column, cell) in record?.iter().enumerate() {
            let column = u16::try_from(column)?;
            if cell.is_empty() {
                continue;
            }
            let bytes = cell.as_bytes();
            let is_date = bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-';
            if is_date {
                let (y, m, d) = (cell[..4].parse()?, cell[5..7].parse()?, cell[8..].parse()?);
                sheet.write_datetime_with_format(
                    row,
                    column,
                    ExcelDateTime::from_ymd(y, m, d)?,
                    &date,
                )?;
            } else if let Ok(number) = cell.parse::<f64>() {
                sheet.write_number(row, column, number)?;
            } else {
                sheet.write_string(row, column, cell)?;
            }
        }
    }
    book.save(xlsx)
        .with_context(|| format!("cannot write {}", xlsx.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idlib_city_tiles_as_the_scripts_computed_them() {
        // The list scripts/bench-tiles printed with its own tile maths in Python.
        let tiles: Vec<String> = tiles_holding(36.6339, 35.9306, 5..=14)
            .map(|t| format!("{}/{}/{}", t.z, t.x, t.y))
            .collect();
        assert_eq!(
            tiles,
            [
                "5/19/12",
                "6/38/25",
                "7/77/50",
                "8/154/100",
                "9/308/201",
                "10/616/402",
                "11/1232/804",
                "12/2464/1609",
                "13/4929/3218",
                "14/9859/6437"
            ]
        );
    }

    #[test]
    fn arguments_parse() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "xtask",
            "tiles",
            "--lon",
            "-3.5",
            "--lat",
            "-40",
            "--min-zoom",
            "0",
            "--max-zoom",
            "22",
        ]);
        assert!(cli.is_ok());
        let deep = Cli::try_parse_from([
            "xtask",
            "tiles",
            "--lon",
            "0",
            "--lat",
            "0",
            "--min-zoom",
            "0",
            "--max-zoom",
            "23",
        ]);
        assert!(deep.is_err());
    }
}
