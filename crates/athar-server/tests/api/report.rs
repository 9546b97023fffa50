//! A month whose report is known, imported through the API: every number of `/v1/stats`
//! and the ranking of `/v1/communities/counts` must come out exactly as counted by hand
//! from `tests/fixtures/report-2024-05.csv`.

use serde_json::Value;

use crate::support::{Backend, TestStore, both_backends, get, import_csv};

const MAY: &str = include_str!("../fixtures/report-2024-05.csv");

both_backends!(
    the_stats_reproduce_the_report,
    the_ranking_counts_spellings_as_one_village,
    series_add_up_by_week_and_month
);

fn breakdown(kind: &Value, vocabulary: &str) -> Vec<(String, u64, f64)> {
    kind[format!("by_{vocabulary}")]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["slug"].as_str().unwrap_or("(not recorded)").to_owned(),
                b["count"].as_u64().unwrap(),
                b["percent"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn owned(list: &[(&str, u64, f64)]) -> Vec<(String, u64, f64)> {
    list.iter()
        .map(|(s, c, p)| ((*s).to_owned(), *c, *p))
        .collect()
}

async fn the_stats_reproduce_the_report(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let report = import_csv(&address, MAY).await;
    assert_eq!(report["accepted"], 26, "{report}");

    let (status, stats) = get(&format!("{address}/v1/stats?from=2024-05-01&to=2024-05-31")).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["incidents"], 23);
    assert_eq!(stats["communities"], 9);
    assert_eq!(
        (stats["killed"].as_u64(), stats["injured"].as_u64()),
        (Some(6), Some(24))
    );

    let attacks = &stats["kinds"]["attack"];
    assert_eq!(attacks["incidents"], 12);
    assert_eq!(attacks["communities"], 5);
    assert_eq!(attacks["label_ar"], "استهداف عسكري");
    let casualties: Vec<u64> = [
        "killed",
        "killed_women",
        "killed_children",
        "injured",
        "injured_women",
        "injured_children",
    ]
    .iter()
    .map(|field| attacks[*field].as_u64().unwrap())
    .collect();
    assert_eq!(casualties, [4, 1, 1, 16, 4, 5]);
    assert_eq!(
        breakdown(attacks, "perpetrator"),
        owned(&[
            ("government_forces", 9, 75.0),
            ("unknown", 2, 17.0),
            ("russian_forces", 1, 8.0)
        ])
    );
    assert_eq!(
        breakdown(attacks, "weapon"),
        owned(&[
            ("artillery", 7, 58.0),
            ("drone", 3, 25.0),
            ("guided_missile", 1, 8.0),
            ("rocket_launcher", 1, 8.0)
        ])
    );
    assert_eq!(
        breakdown(attacks, "place_type"),
        owned(&[
            ("agricultural_land", 6, 50.0),
            ("home", 3, 25.0),
            ("market", 1, 8.0),
            ("road", 1, 8.0),
            ("school", 1, 8.0),
        ])
    );
    assert_eq!(
        attacks["by_weapon"][0]["share"].as_f64().unwrap(),
        7.0 / 12.0
    );
    assert_eq!(attacks["by_weapon"][0]["label_ar"], "قذائف مدفعية");
    assert!(attacks["by_cause"].as_array().unwrap().is_empty());
    let top: Vec<(u64, &str, u64)> = attacks["top_communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rank"].as_u64().unwrap(),
                c["name_ar"].as_str().unwrap(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            (1, "فطيرة", 4),
            (2, "سرمين", 3),
            (3, "أريحا", 2),
            (3, "الأتارب", 2),
            (5, "دارة عزة", 1)
        ]
    );

    let fires = &stats["kinds"]["fire"];
    assert_eq!(
        (fires["incidents"].as_u64(), fires["communities"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(
        breakdown(fires, "cause"),
        owned(&[
            ("unknown", 3, 50.0),
            ("electrical_short", 2, 33.0),
            ("gas_leak", 1, 17.0)
        ])
    );
    assert_eq!(
        (fires["injured"].as_u64(), fires["injured_women"].as_u64()),
        (Some(2), Some(1))
    );

    let accidents = &stats["kinds"]["traffic_accident"];
    assert_eq!(accidents["incidents"], 4);
    assert_eq!(
        breakdown(accidents, "vehicle"),
        owned(&[
            ("motorcycle", 2, 50.0),
            ("car", 1, 25.0),
            ("truck", 1, 25.0)
        ])
    );
    assert_eq!(
        breakdown(accidents, "cause"),
        owned(&[
            ("speeding", 2, 50.0),
            ("narrow_road", 1, 25.0),
            ("vehicle_failure", 1, 25.0)
        ])
    );
    assert_eq!(
        (accidents["killed"].as_u64(), accidents["injured"].as_u64()),
        (Some(1), Some(6))
    );

    let drownings = &stats["kinds"]["drowning"];
    assert_eq!(
        (
            drownings["killed"].as_u64(),
            drownings["killed_children"].as_u64()
        ),
        (Some(1), Some(1))
    );

    // Narrowing by governorate and kind.
    let (_, aleppo) = get(&format!(
        "{address}/v1/stats?from=2024-05-01&to=2024-05-31&admin1=aleppo&kind=attack"
    ))
    .await;
    assert_eq!(aleppo["incidents"], 3);
    assert!(aleppo["kinds"]["fire"].is_null());
}

async fn the_ranking_counts_spellings_as_one_village(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    import_csv(&address, MAY).await;
    let (status, counts) = get(&format!(
        "{address}/v1/communities/counts?kind=attack&from=2024-05-01&to=2024-05-31&limit=10"
    ))
    .await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(
        (
            counts["total_incidents"].as_u64(),
            counts["total_communities"].as_u64()
        ),
        (Some(12), Some(5))
    );
    let ranking: Vec<(u64, &str, u64, u64, u64, Option<u64>, Option<i64>)> = counts["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rank"].as_u64().unwrap(),
                c["name_ar"].as_str().unwrap(),
                c["count"].as_u64().unwrap(),
                c["killed"].as_u64().unwrap(),
                c["injured"].as_u64().unwrap(),
                c["previous_count"].as_u64(),
                c["change"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        ranking,
        [
            (1, "فطيرة", 4, 1, 3, Some(1), Some(3)),
            (2, "سرمين", 3, 2, 3, Some(2), Some(1)),
            (3, "أريحا", 2, 1, 9, Some(0), Some(2)),
            (3, "الأتارب", 2, 0, 1, Some(0), Some(2)),
            (5, "دارة عزة", 1, 0, 0, Some(0), Some(1)),
        ]
    );
    // Fatira is OCHA's Ftireh (C4070), at OCHA's point, with its p-code.
    let fatira = &counts["communities"][0];
    assert!(
        (fatira["lon"].as_f64().unwrap() - 36.4853).abs() < 0.001,
        "{fatira}"
    );
    assert_eq!(fatira["pcode"], "C4070", "{fatira}");
    assert_eq!(fatira["name_en"], "Ftireh", "{fatira}");

    let (_, limited) = get(&format!(
        "{address}/v1/communities/counts?kind=attack&from=2024-05-01&to=2024-05-31&limit=2"
    ))
    .await;
    assert_eq!(limited["communities"].as_array().unwrap().len(), 2);
    assert_eq!(limited["total_communities"], 5);

    let (_, geojson) = get(&format!(
        "{address}/v1/communities/counts?kind=attack&from=2024-05-01&to=2024-05-31&format=geojson"
    ))
    .await;
    assert_eq!(geojson["type"], "FeatureCollection");
    assert_eq!(geojson["features"][0]["properties"]["count"], 4);
    assert_eq!(geojson["features"][0]["geometry"]["type"], "Point");

    let mut response = crate::support::client()
        .get(format!(
            "{address}/v1/communities/counts?kind=attack&from=2024-05-01&to=2024-05-31&format=csv"
        ))
        .send()
        .await
        .unwrap();
    let csv = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!((&rows[1][0], &rows[1][3], &rows[1][5]), ("2", "سرمين", "3"));
}

async fn series_add_up_by_week_and_month(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    import_csv(&address, MAY).await;
    let (_, months) = get(&format!(
        "{address}/v1/stats/series?interval=month&from=2024-04-01&to=2024-05-31"
    ))
    .await;
    let buckets = months["buckets"].as_array().unwrap();
    let summary: Vec<(&str, u64, u64)> = buckets
        .iter()
        .map(|b| {
            (
                b["start"].as_str().unwrap(),
                b["incidents"].as_u64().unwrap(),
                b["kinds"]["attack"]["incidents"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(summary, [("2024-04-01", 3, 3), ("2024-05-01", 23, 12)]);
    let (_, weeks) = get(&format!(
        "{address}/v1/stats/series?interval=week&from=2024-05-01&to=2024-05-31&kind=fire"
    ))
    .await;
    let weeks = weeks["buckets"].as_array().unwrap();
    // 2024-05-01 is a Wednesday: weeks start on the Mondays 29 April to 27 May.
    assert_eq!(weeks.len(), 5);
    assert_eq!(weeks[0]["start"], "2024-04-29");
    let per_week: Vec<u64> = weeks
        .iter()
        .map(|b| b["incidents"].as_u64().unwrap())
        .collect();
    assert_eq!(per_week, [1, 1, 2, 1, 1]);
    let (status, problem) = get(&format!("{address}/v1/stats/series?interval=hour")).await;
    assert_eq!(
        (status, problem["parameter"].as_str()),
        (400, Some("interval"))
    );
}
