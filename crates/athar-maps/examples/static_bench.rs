//! Times static map rendering: a 1200 × 800 map of north-west Syria with 600 incidents
//! around Idlib, the country and governorate outlines and 150 candidate place labels,
//! rendered 20 times per language and format.
//!
//! Run with `cargo run --release -p athar-maps --example static_bench`. The target for a
//! PNG is a median under 300 ms.

#[path = "../tests/maps/fixtures.rs"]
mod fixtures;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use athar_maps::{Format, Language, render};

const RUNS: usize = 20;

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let rank = (share * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> ExitCode {
    println!("{RUNS} runs each, 1200 × 800, 600 incidents, 150 places");
    for language in [Language::English, Language::Arabic] {
        let spec = fixtures::bench_spec(language);
        for format in [Format::Png, Format::Svg, Format::Pdf] {
            // The first rendering also loads the fonts; it is not timed.
            let mut size = match render(&spec, format) {
                Ok(bytes) => bytes.len(),
                Err(error) => {
                    eprintln!("static_bench: {error}");
                    return ExitCode::FAILURE;
                }
            };
            let mut times = Vec::with_capacity(RUNS);
            for _ in 0..RUNS {
                let start = Instant::now();
                match render(&spec, format) {
                    Ok(bytes) => size = bytes.len(),
                    Err(error) => {
                        eprintln!("static_bench: {error}");
                        return ExitCode::FAILURE;
                    }
                }
                times.push(start.elapsed());
            }
            times.sort();
            println!(
                "{:>2} {:<3}  median {:>6.1} ms  p95 {:>6.1} ms  ({} KB)",
                language.code(),
                format.extension(),
                percentile(&times, 0.5).as_secs_f64() * 1e3,
                percentile(&times, 0.95).as_secs_f64() * 1e3,
                size / 1024
            );
        }
    }
    ExitCode::SUCCESS
}
