//! The cross-script test set (`tests/data/cross_script_set.csv`, see its README): spellings
//! in Arabic and Latin script of 71 communities of Idlib and Aleppo, each with the OCHA
//! p-code it must resolve to against the bundled gazetteer, and names that must resolve to
//! nothing (qualifiers a place does not carry, camps named after villages, homonyms without
//! a point, places of another governorate). Prints precision and recall, by script and by
//! method; any wrong place fails the test (precision must be 100%), and recall is held to a
//! floor.

use std::collections::BTreeMap;

use athar_gazetteer::{Gazetteer, Method, Query};

/// The recall the set is held to. Measured: see the printed figures and BENCHMARKS.md.
const RECALL_FLOOR: f64 = 0.90;

struct Row {
    pcode: Option<String>,
    name: String,
    script: String,
    admin1: String,
    point: Option<(f64, f64)>,
    note: String,
}

fn rows() -> Vec<Row> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cross_script_set.csv"
    );
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            let number = |i: usize| record[i].trim().parse::<f64>().ok();
            Row {
                pcode: Some(record[0].to_owned()).filter(|p| p != "none"),
                name: record[1].to_owned(),
                script: record[2].to_owned(),
                admin1: record[3].to_owned(),
                point: number(4).zip(number(5)),
                note: record[6].to_owned(),
            }
        })
        .collect()
}

#[test]
fn spellings_in_both_scripts_resolve_to_their_ocha_place_and_never_to_another() {
    let gazetteer = Gazetteer::bundled();
    let rows = rows();
    assert!(rows.len() >= 400, "{}", rows.len());
    let communities: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r.pcode.as_deref()).collect();
    assert!(communities.len() >= 40, "{}", communities.len());

    let (mut right, mut wrong, mut missed, mut negatives_held) = (0, 0, 0, 0);
    let mut wrong_rows = Vec::new();
    let mut by_script: BTreeMap<(String, bool), (u32, u32)> = BTreeMap::new();
    let mut by_method: BTreeMap<&'static str, u32> = BTreeMap::new();
    for row in &rows {
        let resolution = gazetteer.resolve(&Query {
            name: &row.name,
            admin1: Some(&row.admin1),
            point: row.point,
            ..Query::default()
        });
        // The place's p-code: bundled places are keyed by it.
        let found = resolution
            .community_id
            .as_deref()
            .and_then(|id| gazetteer.get(id))
            .map(|c| c.pcode.clone().unwrap_or_else(|| c.id.clone()));
        let tally = by_script
            .entry((row.script.clone(), row.point.is_some()))
            .or_default();
        match (&row.pcode, &found) {
            (Some(wanted), Some(got)) if wanted == got => {
                right += 1;
                tally.0 += 1;
                *by_method.entry(resolution.method.as_str()).or_default() += 1;
            }
            (Some(_), None) => {
                missed += 1;
                tally.1 += 1;
                println!(
                    "  unresolved: {} ({}): {}",
                    row.name, row.admin1, resolution.reason
                );
            }
            (None, None) => negatives_held += 1,
            (_, Some(got)) => {
                wrong += 1;
                wrong_rows.push(format!(
                    "{} ({}, point {:?}) → {got} by {:?}, expected {:?}: {} [{}]",
                    row.name,
                    row.admin1,
                    row.point,
                    resolution.method,
                    row.pcode,
                    resolution.reason,
                    row.note
                ));
            }
        }
    }
    let positives = rows.iter().filter(|r| r.pcode.is_some()).count();
    let negatives = rows.len() - positives;
    let precision = f64::from(right) / f64::from(right + wrong).max(1.0);
    let recall = f64::from(right) / positives as f64;
    println!(
        "cross-script set: {positives} spellings of {} communities, {negatives} names that must not resolve",
        communities.len()
    );
    println!(
        "precision {:.1}% ({right} right, {wrong} wrong), recall {:.1}% ({right} of {positives}; {missed} unresolved), negatives held {negatives_held} of {negatives}",
        precision * 100.0,
        recall * 100.0
    );
    for ((script, with_point), (hit, miss)) in &by_script {
        println!(
            "  {script:5} {:13} resolved {hit:3} of {:3}",
            if *with_point {
                "with a point"
            } else {
                "no point"
            },
            hit + miss
        );
    }
    println!("  by method: {by_method:?}");
    assert!(
        wrong_rows.is_empty(),
        "wrong places:\n{}",
        wrong_rows.join("\n")
    );
    assert!(
        recall >= RECALL_FLOOR,
        "recall {recall:.3} under the floor {RECALL_FLOOR}"
    );
    // The rule that joins scripts does real work here: some spellings resolve by it alone.
    assert!(
        by_method
            .get(Method::CrossScript.as_str())
            .copied()
            .unwrap_or(0)
            >= 15
    );
}
