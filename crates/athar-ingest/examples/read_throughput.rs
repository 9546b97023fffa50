//! Reads a CSV file with a sink that keeps nothing, and prints rows per second: the
//! parse-and-validate share of an import, without any database. Community names are
//! resolved against the bundled gazetteer, as imports do (`--no-gazetteer`: keys only).
//!
//!     cargo run --release -p athar-ingest --example read_throughput -- FILE.csv [--no-gazetteer]

use std::time::Instant;

use athar_core::{ValidationContext, Vocabularies};
use athar_gazetteer::Gazetteer;
use athar_ingest::{Format, Row, read};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: read_throughput FILE.csv")?;
    let vocabularies = Vocabularies::defaults();
    let gazetteer = if std::env::args().any(|a| a == "--no-gazetteer") {
        Gazetteer::empty()
    } else {
        Gazetteer::bundled()
    };
    // As imports do: each distinct name is looked up once.
    let names = athar_gazetteer::NameCache::new(&gazetteer);
    let mut context = ValidationContext::new(&vocabularies, &names);
    context.default_source = Some("bench".into());
    let started = Instant::now();
    let (mut valid, mut invalid, mut hashes) = (0u64, 0u64, 0u64);
    read(
        Format::Csv,
        std::fs::File::open(&path)?,
        &context,
        &mut |row| {
            match row {
                Row::Valid { record, .. } => {
                    valid += 1;
                    hashes ^= record.content_hash();
                }
                Row::Invalid { .. } => invalid += 1,
            }
            Ok(())
        },
    )?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{valid} valid and {invalid} invalid rows in {seconds:.2} s: {:.0} rows/s (hash {hashes:x})",
        (valid + invalid) as f64 / seconds
    );
    Ok(())
}
