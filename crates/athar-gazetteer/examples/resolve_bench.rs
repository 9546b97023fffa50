//! Resolution throughput: a gazetteer of 10,000 communities (the bundled GeoNames places
//! plus generated villages with Arabic and Latin names, several sharing a name across
//! governorates), and 200,000 written names to resolve, each with a governorate and most
//! with a point: exact names, spelling variants (hamza, taa marbuta, diacritics, type
//! words, spacing), Latin names, misspellings, and names of no known place.
//!
//! With `arabic`, every name is written in Arabic; with `mixed` (the default), as pooled
//! records of many organisations are, about half are written in Latin script: the
//! English name, the romanisation of the Arabic (found by its cross-script key), and
//! misspellings of both.
//!
//!     cargo run --release -p athar-gazetteer --example resolve_bench [COMMUNITIES] [NAMES] [arabic|mixed]

use std::collections::BTreeMap;
use std::time::Instant;

use athar_gazetteer::{AdminArea, Community, CommunityKind, CommunityStatus, Gazetteer, Query};

/// A small deterministic generator (xorshift), so runs are comparable.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

const SYLLABLES_AR: [&str; 16] = [
    "كفر", "تل", "عين", "دير", "معرة", "خربة", "سر", "بن", "حز", "ان", "ور", "مين", "دا", "شي",
    "قاس", "ليا",
];
const SYLLABLES_EN: [&str; 16] = [
    "Kafr ", "Tal ", "Ayn ", "Deir ", "Maarat ", "Khirbat ", "Sar", "Bin", "Haz", "an", "war",
    "min", "da", "shi", "qas", "liya",
];
const GOVERNORATES: [&str; 4] = ["Idlib", "Aleppo", "Hama", "Latakia"];

/// A name as written, with its governorate and point.
type Written = (String, Option<String>, Option<(f64, f64)>);

fn variant(name: &str, rng: &mut Random) -> String {
    match rng.below(6) {
        0 => name.replace('ة', "ه"),
        1 => format!("قرية {name}"),
        2 => name.replace(' ', ""),
        3 => name.replacen('ا', "أ", 1),
        4 => name.chars().flat_map(|c| [c, '\u{064E}']).collect(),
        _ => name.to_owned(),
    }
}

fn misspelt(name: &str, rng: &mut Random) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() > 5 {
        let at = 1 + rng.below(chars.len() - 2);
        chars.remove(at);
    }
    chars.into_iter().collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let size: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("COMMUNITIES"));
    let names: usize = args.next().map_or(200_000, |a| a.parse().expect("NAMES"));
    let mixed = match args.next().as_deref() {
        None | Some("mixed") => true,
        Some("arabic") => false,
        Some(other) => panic!("the script mix is arabic or mixed, not {other}"),
    };
    let mut rng = Random(0x5eed);
    let mut communities = athar_gazetteer::lists::bundled();
    let mut generated = 0;
    while communities.len() < size {
        let syllables = 2 + rng.below(2);
        let picks: Vec<usize> = (0..syllables).map(|_| rng.below(16)).collect();
        let name_ar: String = picks
            .iter()
            .map(|&i| SYLLABLES_AR[i])
            .collect::<Vec<_>>()
            .join("");
        let name_en: String = picks.iter().map(|&i| SYLLABLES_EN[i]).collect();
        let admin1 = GOVERNORATES[rng.below(4)];
        generated += 1;
        communities.push(Community {
            id: format!("C{generated:05}"),
            pcode: Some(format!("C{generated:05}")),
            name_ar: Some(format!("{name_ar} {}", generated % 997)),
            name_en: Some(format!("{name_en} {}", generated % 997)),
            alternate_names: vec![],
            kind: CommunityKind::Village,
            status: CommunityStatus::Reference,
            lon_lat: Some((35.8 + rng.unit() * 2.0, 35.0 + rng.unit() * 1.8)),
            admin1: AdminArea {
                name: Some(admin1.into()),
                pcode: None,
            },
            admin2: AdminArea::default(),
            admin3: AdminArea::default(),
        });
    }
    let started = Instant::now();
    let gazetteer = Gazetteer::new(communities);
    let indexed = started.elapsed();

    // The written names: what each stands for and how it is written.
    let queries: Vec<Written> = (0..names)
        .map(|_| {
            let community = &gazetteer.communities()[rng.below(gazetteer.len())];
            let point = community
                .lon_lat
                .filter(|_| rng.below(4) > 0)
                .map(|(lon, lat)| {
                    (
                        lon + (rng.unit() - 0.5) * 0.02,
                        lat + (rng.unit() - 0.5) * 0.02,
                    )
                });
            let admin1 = community.admin1.name.clone();
            let arabic = community.name_ar.clone().unwrap_or_default();
            let english = community.name_en.clone().unwrap_or_default();
            let written = match (mixed, rng.below(10)) {
                (false, 0..=3) | (true, 0..=2) => variant(&arabic, &mut rng),
                (false, 4..=6) | (true, 3) => arabic,
                (true, 4) => english,
                (true, 5) => athar_gazetteer::romanise(&arabic),
                (true, 6) => misspelt(&english, &mut rng),
                (_, 7 | 8) => misspelt(&arabic, &mut rng),
                _ => format!("{} {}", SYLLABLES_AR[rng.below(16)], rng.below(100_000)),
            };
            (written, admin1, point)
        })
        .collect();

    let started = Instant::now();
    let mut methods: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for (name, admin1, point) in &queries {
        let one = Instant::now();
        let resolution = gazetteer.resolve(&Query {
            name,
            pcode: None,
            admin1: admin1.as_deref(),
            point: *point,
        });
        let entry = methods.entry(resolution.method.as_str()).or_default();
        entry.0 += 1;
        entry.1 += one.elapsed().as_secs_f64();
    }
    let elapsed = started.elapsed();
    println!(
        "gazetteer of {} communities indexed in {:.0} ms",
        gazetteer.len(),
        indexed.as_secs_f64() * 1e3
    );
    println!(
        "{} names ({}) resolved in {:.2} s: {:.0} names/s (one thread)",
        queries.len(),
        if mixed { "mixed script" } else { "Arabic only" },
        elapsed.as_secs_f64(),
        queries.len() as f64 / elapsed.as_secs_f64()
    );
    for (method, (count, seconds)) in methods {
        println!(
            "  {method:<10} {count:>7} names, {:>5.1} µs each",
            seconds * 1e6 / count as f64
        );
    }
}
