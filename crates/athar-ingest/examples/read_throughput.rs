//! Reads a CSV file as an import's reader thread does, without any database, and prints
//! rows per second: rows are parsed, validated, resolved against the bundled gazetteer
//! (`--no-gazetteer`: keys only), given their import keys, and handed over in batches to
//! another thread, which drops them (an import's store side encodes them there).
//!
//!     cargo run --release -p athar-ingest --example read_throughput -- FILE.csv [--no-gazetteer]

use std::time::Instant;

use athar_core::{ImportKeys, ValidationContext, Vocabularies};
use athar_gazetteer::Gazetteer;
use athar_ingest::{Format, Row, read};

/// As `athar_server::import`.
const BATCH_ROWS: usize = 5_000;

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
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<_>>(4);
    let store_side =
        std::thread::spawn(move || receiver.into_iter().map(|b| b.len()).sum::<usize>());
    let mut keys = ImportKeys::default();
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let started = Instant::now();
    let (mut valid, mut invalid, mut hashes) = (0u64, 0u64, 0u64);
    read(
        Format::Csv,
        std::fs::File::open(&path)?,
        &context,
        &mut |row| {
            match row {
                Row::Valid { row, record } => match keys.stage(row, *record) {
                    Ok(staged) => {
                        valid += 1;
                        hashes ^= staged.content_hash;
                        batch.push(staged);
                    }
                    Err(_) => invalid += 1,
                },
                Row::Invalid { .. } => invalid += 1,
            }
            if batch.len() >= BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                sender.send(full).expect("the store side runs");
            }
            Ok(())
        },
    )?;
    sender.send(batch)?;
    drop(sender);
    let handed_over = store_side.join().expect("the store side ends");
    assert_eq!(handed_over as u64, valid);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{valid} valid and {invalid} invalid rows in {seconds:.2} s: {:.0} rows/s (hash {hashes:x})",
        (valid + invalid) as f64 / seconds
    );
    Ok(())
}
