//! Synthetic incidents as CSV, row by row, in the layouts the scripts ingest.
//!
//! Every value but the coordinates' jitter follows from the row number; the jitter comes
//! from SplitMix64 with a fixed seed per layout, so the same rows come out every run.

use std::fmt::Write as _;
use std::io;

/// The kinds in turn: three attacks to each fire, traffic accident and drowning.
const KINDS: [&str; 6] = [
    "attack",
    "attack",
    "attack",
    "fire",
    "traffic_accident",
    "drowning",
];
/// The weapons of `api` and `ingest` attacks, in turn.
const WEAPONS: [&str; 4] = ["artillery", "drone", "guided_missile", "rocket_launcher"];
/// The towns of the `ingest` layout: name, latitude, longitude.
const TOWNS: [(&str, f64, f64); 9] = [
    ("سرمين", 35.904, 36.725),
    ("أريحا", 35.814, 36.61),
    ("إدلب", 35.931, 36.634),
    ("فطيرة", 35.635, 36.523),
    ("الأتارب", 36.139, 36.825),
    ("دارة عزة", 36.282, 36.852),
    ("بنش", 35.957, 36.714),
    ("تفتناز", 35.998, 36.786),
    ("جسر الشغور", 35.814, 36.32),
];

/// The columns and values of a generated file, named after the script that ingests it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// scripts/load-test and scripts/resource-test: 2,000 villages of Idlib on a grid
    /// (`قرية 0` to `قرية 1999`), points jittered by up to 0.02°, kinds in turn, dates over
    /// 2012-2024, attacks by drone. Columns: source_id, kind, occurred_on, community,
    /// latitude, longitude, killed, injured, admin1, weapon.
    Load,
    /// scripts/bench-tiles: as `load` without the weapon column.
    Tiles,
    /// scripts/bench-api: the same villages, points jittered by up to 0.01°, attacks by
    /// government forces with four weapons in turn, fires of unknown cause, a third of
    /// the villages in Aleppo. Columns: source_id, kind, occurred_on, community, latitude,
    /// longitude, perpetrator, weapon, place_type, cause, killed, injured, admin1, notes.
    Api,
    /// scripts/bench-ingest: attacks only, at nine towns of north-west Syria in turn,
    /// points within 0.05° of the town, dates over 2018-2024. Columns: source_id, kind,
    /// occurred_on, community, latitude, longitude, perpetrator, weapon, place_type,
    /// killed, injured, notes.
    Ingest,
}

impl Layout {
    /// The source ids' prefix when none is given.
    pub fn default_prefix(self) -> &'static str {
        match self {
            Self::Load => "l",
            Self::Tiles => "t",
            Self::Api | Self::Ingest => "b",
        }
    }

    /// The jitter's seed (the seed the layout's Python generator gave `random.Random`).
    fn seed(self) -> u64 {
        match self {
            Self::Load => 4,
            Self::Tiles => 3,
            Self::Api => 2,
            Self::Ingest => 1,
        }
    }

    /// Whether the layout has a notes column of its own (then `--notes` adds none).
    pub fn has_notes(self) -> bool {
        matches!(self, Self::Api | Self::Ingest)
    }

    /// The columns after the first six (source_id, kind, occurred_on, community,
    /// latitude, longitude), which every layout has.
    fn more_columns(self) -> &'static [&'static str] {
        match self {
            Self::Load => &["killed", "injured", "admin1", "weapon"],
            Self::Tiles => &["killed", "injured", "admin1"],
            Self::Api => &[
                "perpetrator",
                "weapon",
                "place_type",
                "cause",
                "killed",
                "injured",
                "admin1",
                "notes",
            ],
            Self::Ingest => &[
                "perpetrator",
                "weapon",
                "place_type",
                "killed",
                "injured",
                "notes",
            ],
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Columns and values.
    pub layout: Layout,
    /// The source ids' prefix (the row number follows it).
    pub prefix: String,
    /// A last column `notes` naming a house (`house of family {i}`), for the layouts
    /// without notes of their own.
    pub notes: bool,
}

/// SplitMix64 (Steele, Lea and Flood; Vigna's reference code): a small, fast generator
/// whose every seed gives a full-period sequence.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// The generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [a, b), as Python's `random.uniform(a, b)` (a + (b − a) × [0, 1)).
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        a + (b - a) * unit
    }
}

/// Writes a header and `rows` incidents as CSV (comma-separated, quoted only where needed,
/// CRLF line ends, as Python's `csv.writer`), one row at a time.
pub fn write<W: io::Write>(out: W, rows: u64, options: &Options) -> csv::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(1 << 16)
        .from_writer(out);
    let layout = options.layout;
    let extra_notes = options.notes && !layout.has_notes();
    let first = [
        "source_id",
        "kind",
        "occurred_on",
        "community",
        "latitude",
        "longitude",
    ];
    csv.write_record(
        first
            .iter()
            .chain(layout.more_columns())
            .copied()
            .chain(extra_notes.then_some("notes")),
    )?;
    let mut rng = SplitMix64::new(layout.seed());
    let mut fields = Fields::default();
    for i in 0..rows {
        fields.fill(i, &options.prefix, layout, &mut rng);
        let kind = if layout == Layout::Ingest {
            "attack"
        } else {
            KINDS[(i % 6) as usize]
        };
        let attack = kind == "attack";
        let f = &fields;
        for field in [
            &f.id,
            kind,
            &f.date,
            &f.community,
            &f.latitude,
            &f.longitude,
        ] {
            csv.write_field(field)?;
        }
        let by_government = if attack { "government_forces" } else { "" };
        let weapon = if attack {
            WEAPONS[(i % 4) as usize]
        } else {
            ""
        };
        let more: &[&str] = match layout {
            Layout::Load => &[
                &f.killed,
                &f.injured,
                "Idlib",
                if attack { "drone" } else { "" },
            ],
            Layout::Tiles => &[&f.killed, &f.injured, "Idlib"],
            Layout::Api => &[
                by_government,
                weapon,
                "home",
                if kind == "fire" { "unknown" } else { "" },
                &f.killed,
                &f.injured,
                if village(i).is_multiple_of(3) {
                    "Aleppo"
                } else {
                    "Idlib"
                },
                "قصف",
            ],
            Layout::Ingest => &[
                by_government,
                weapon,
                "home",
                &f.killed,
                &f.injured,
                "قصف مدفعي",
            ],
        };
        for field in more {
            csv.write_field(field)?;
        }
        if extra_notes {
            fields.notes.clear();
            write!(fields.notes, "house of family {i}").expect("a String takes any text");
            csv.write_field(&fields.notes)?;
        }
        csv.write_record(None::<&[u8]>)?;
    }
    csv.flush()?;
    Ok(())
}

/// The village of row `i` on the 50 × 40 grid, 0 to 1999 (rows visit the villages in a
/// scattered order: 7919 is prime).
fn village(i: u64) -> u64 {
    (i * 7919) % 2000
}

/// A row's computed fields, in buffers reused from row to row.
#[derive(Default)]
struct Fields {
    id: String,
    date: String,
    community: String,
    latitude: String,
    longitude: String,
    killed: String,
    injured: String,
    notes: String,
}

impl Fields {
    fn fill(&mut self, i: u64, prefix: &str, layout: Layout, rng: &mut SplitMix64) {
        for buffer in [
            &mut self.id,
            &mut self.date,
            &mut self.community,
            &mut self.killed,
            &mut self.injured,
        ] {
            buffer.clear();
        }
        let text = "a String takes any text";
        write!(self.id, "{prefix}{i}").expect(text);
        write!(self.killed, "{}", i % 3).expect(text);
        write!(self.injured, "{}", i % 5).expect(text);
        let (latitude, longitude) = if layout == Layout::Ingest {
            let (name, lat, lon) = TOWNS[(i % 9) as usize];
            self.community.push_str(name);
            write!(
                self.date,
                "{}-{:02}-{:02}",
                2018 + i % 7,
                1 + i % 12,
                1 + i % 28
            )
            .expect(text);
            let latitude = lat + rng.uniform(-0.05, 0.05);
            (latitude, lon + rng.uniform(-0.05, 0.05))
        } else {
            let c = village(i);
            write!(self.community, "قرية {c}").expect(text);
            write!(
                self.date,
                "{}-{:02}-{:02}",
                2012 + i % 13,
                1 + (i / 7) % 12,
                1 + (i * 31) % 28
            )
            .expect(text);
            let jitter = if layout == Layout::Api { 0.01 } else { 0.02 };
            let latitude = 35.4 + (c / 50) as f64 * 0.025 + rng.uniform(0.0, jitter);
            (
                latitude,
                36.2 + (c % 50) as f64 * 0.03 + rng.uniform(0.0, jitter),
            )
        };
        write_degrees(&mut self.latitude, latitude);
        write_degrees(&mut self.longitude, longitude);
    }
}

/// Degrees rounded to 5 decimals and written as Python writes `round(value, 5)`: without
/// trailing zeros, but with a digit after the point (36.2 as `36.2`, 36 as `36.0`).
fn write_degrees(buffer: &mut String, value: f64) {
    buffer.clear();
    write!(buffer, "{value:.5}").expect("a String takes any text");
    let digits = buffer.trim_end_matches('0').len();
    let keep = if buffer.as_bytes()[digits - 1] == b'.' {
        digits + 1
    } else {
        digits
    };
    buffer.truncate(keep);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(rows: u64, layout: Layout, notes: bool) -> String {
        let options = Options {
            layout,
            prefix: layout.default_prefix().to_owned(),
            notes,
        };
        let mut out = Vec::new();
        write(&mut out, rows, &options).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn splitmix64_matches_the_reference() {
        // The first outputs of Vigna's splitmix64.c from seed 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn the_same_rows_every_run() {
        for layout in [Layout::Load, Layout::Tiles, Layout::Api, Layout::Ingest] {
            assert_eq!(generate(500, layout, false), generate(500, layout, false));
        }
        // A longer file starts with the shorter one's rows.
        let short = generate(100, Layout::Load, true);
        assert!(generate(1000, Layout::Load, true).starts_with(&short));
    }

    #[test]
    fn header_and_row_count() {
        let text = generate(2000, Layout::Load, true);
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 2001);
        assert_eq!(
            lines[0],
            "source_id,kind,occurred_on,community,latitude,longitude,killed,injured,admin1,weapon,notes"
        );
        assert!(!text.contains('"'));
        assert_eq!(generate(0, Layout::Tiles, false).lines().count(), 1);
        // `--notes` adds no second notes column to a layout with its own.
        assert_eq!(
            generate(1, Layout::Api, true),
            generate(1, Layout::Api, false)
        );
    }

    /// The values the Python generators this replaces wrote (rows of their output), but
    /// for the coordinates' jitter (a different random generator).
    #[test]
    fn values_as_the_python_generators_wrote_them() {
        // Row `i`, its fields split at commas.
        let row = |layout, notes, i: u64| -> Vec<String> {
            let text = generate(i + 1, layout, notes);
            let line = text.split_terminator("\r\n").last().unwrap();
            line.split(',').map(str::to_owned).collect()
        };
        let without_points = |row: &[String]| [&row[..4], &row[6..]].concat().join(",");
        for (layout, notes, i, written) in [
            (
                Layout::Load,
                true,
                1,
                "l1,attack,2013-01-04,قرية 1919,1,1,Idlib,drone,house of family 1",
            ),
            (
                Layout::Load,
                true,
                4,
                "l4,traffic_accident,2016-01-13,قرية 1676,1,4,Idlib,,house of family 4",
            ),
            (
                Layout::Load,
                false,
                7,
                "l7,attack,2019-02-22,قرية 1433,1,2,Idlib,drone",
            ),
            (
                Layout::Tiles,
                false,
                7,
                "t7,attack,2019-02-22,قرية 1433,1,2,Idlib",
            ),
            (
                Layout::Api,
                false,
                3,
                "b3,fire,2015-01-10,قرية 1757,,,home,unknown,0,3,Idlib,قصف",
            ),
            (
                Layout::Ingest,
                false,
                9,
                "b9,attack,2020-10-10,سرمين,government_forces,drone,home,0,4,قصف مدفعي",
            ),
        ] {
            assert_eq!(without_points(&row(layout, notes, i)), written);
        }
        // Village 1919: row 38 and column 19 of the grid, within the jitter.
        let village = row(Layout::Load, false, 1);
        let latitude: f64 = village[4].parse().unwrap();
        let longitude: f64 = village[5].parse().unwrap();
        assert!((35.4 + 38.0 * 0.025..35.4 + 38.0 * 0.025 + 0.02).contains(&latitude));
        assert!((36.2 + 19.0 * 0.03..36.2 + 19.0 * 0.03 + 0.02).contains(&longitude));
    }

    #[test]
    fn degrees_as_python_writes_them() {
        let mut buffer = String::new();
        for (value, written) in [
            (35.412_344_9, "35.41234"),
            (35.412_346, "35.41235"),
            (36.2, "36.2"),
            (36.000_001, "36.0"),
            (35.409_999_9, "35.41"),
            (-0.05, "-0.05"),
        ] {
            write_degrees(&mut buffer, value);
            assert_eq!(buffer, written, "{value}");
        }
    }
}
