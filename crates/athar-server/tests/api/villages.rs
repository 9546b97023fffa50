//! Villages in many spellings, some in no list (issue "Communities"): a month imported
//! through the API is counted once per place under one name; villages absent from every
//! list are learned at the centroid of their incidents; the review queue lists exactly the
//! names no place was found for; a merge and an attached spelling move incidents and
//! re-rank the counts at once; a re-import then changes nothing.
//!
//! `tests/fixtures/villages-2024-05.csv`, counted by hand: Saraqib 6 (سراقب ×3, مدينة
//! سراقب ×2, Saraqeb), Ariha 5 (أريحا ×3, اريحا ×2), Ihsim 1 (احسم): all in the bundled
//! gazetteer. Fatira 3 (فطيرة ×2, قرية فطيره), Kansafra 2 + 2 (كنصفرة, and Kansafra in
//! Latin, which nothing can tie to the Arabic): in no list, with points. Al-Bara 2
//! (البارة) and Kafr Lata 1 (كفرلاتا): in no list, without points.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::support::{
    ADMIN_TOKEN, Backend, TestStore, body_of, both_backends, client, encoded, get, import_csv,
};

const VILLAGES: &str = include_str!("../fixtures/villages-2024-05.csv");
const COUNTS: &str = "/v1/communities/counts?kind=attack&from=2024-05-01&to=2024-05-31&limit=100";

both_backends!(villages_are_counted_once_learned_reviewed_and_merged);

async fn post(url: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = client()
        .post(url)
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .expect("request sent");
    body_of(response).await
}

/// community_id → (rank, count) of the ranking.
fn ranking(counts: &Value) -> BTreeMap<String, (u64, u64)> {
    counts["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["community_id"].as_str().unwrap().to_owned(),
                (c["rank"].as_u64().unwrap(), c["count"].as_u64().unwrap()),
            )
        })
        .collect()
}

fn entry<'a>(counts: &'a Value, id: &str) -> &'a Value {
    counts["communities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["community_id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in {counts}"))
}

fn ids(list: &Value, field: &str) -> BTreeSet<(String, u64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[field].as_str().unwrap().to_owned(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

const SARAQIB: &str = "geonames:164816";
const ARIHA: &str = "geonames:172994";
const IHSIM: &str = "geonames:174144";
const FATIRA: &str = "learned:SY07:فطيره";
const KANSAFRA_AR: &str = "learned:SY07:كنصفره";
const KANSAFRA_EN: &str = "learned:SY07:kansafra";

async fn villages_are_counted_once_learned_reviewed_and_merged(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let report = import_csv(&address, VILLAGES).await;
    assert_eq!(report["accepted"], 22, "{report}");
    assert_eq!(report["rejected"], json!([]));

    // Each place once, under one name; ties share a rank.
    let (_, counts) = get(&format!("{address}{COUNTS}")).await;
    let expected: BTreeMap<String, (u64, u64)> = [
        (SARAQIB, (1, 6)),
        (ARIHA, (2, 5)),
        (FATIRA, (3, 3)),
        (KANSAFRA_AR, (4, 2)),
        (KANSAFRA_EN, (4, 2)),
        ("الباره", (4, 2)),
        (IHSIM, (7, 1)),
        ("كفرلاتا", (7, 1)),
    ]
    .into_iter()
    .map(|(id, rank)| (id.to_owned(), rank))
    .collect();
    assert_eq!(ranking(&counts), expected, "{counts}");
    assert_eq!(counts["total_communities"], 8);
    let saraqib = entry(&counts, SARAQIB);
    assert_eq!(saraqib["name_ar"], "سراقب");
    assert_eq!(saraqib["name_en"], "Saraqib");
    assert_eq!(saraqib["status"], "reference");

    // Filtering by community means the place: any of its spellings, or its id.
    for community in ["Saraqeb", "مدينة سراقب", SARAQIB] {
        let (status, items) = get(&format!(
            "{address}/collections/incidents/items?community={}&limit=100",
            encoded(community)
        ))
        .await;
        assert_eq!(
            (status, items["numberMatched"].as_u64()),
            (200, Some(6)),
            "{community}"
        );
    }
    let (_, items) = get(&format!(
        "{address}/collections/incidents/items?community={}",
        encoded("البارة")
    ))
    .await;
    assert_eq!(items["numberMatched"], 2);

    // A learned village stands at the centroid of its incidents.
    let fatira = entry(&counts, FATIRA);
    assert_eq!(fatira["status"], "learned");
    assert_eq!(fatira["name_ar"], "فطيرة");
    assert!(
        (fatira["lon"].as_f64().unwrap() - 36.482).abs() < 1e-9,
        "{fatira}"
    );
    assert!(
        (fatira["lat"].as_f64().unwrap() - 35.647).abs() < 1e-9,
        "{fatira}"
    );
    let (status, place) = get(&format!("{address}/v1/communities/{}", encoded(FATIRA))).await;
    assert_eq!(status, 200, "{place}");
    assert_eq!(place["status"], "learned");
    assert_eq!(place["incidents"]["count"], 3);
    assert!(
        (place["lon"].as_f64().unwrap() - 36.482).abs() < 1e-9,
        "{place}"
    );

    // Every incident records how its name was resolved.
    let (_, items) = get(&format!("{address}/collections/incidents/items?limit=100")).await;
    let methods: BTreeMap<String, (String, String)> = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["source_id"].as_str().unwrap().to_owned(),
                (
                    p["community_id"].as_str().unwrap_or("-").to_owned(),
                    p["resolution_method"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    assert_eq!(methods["v01"], (SARAQIB.to_owned(), "exact".to_owned()));
    assert_eq!(methods["v06"], (SARAQIB.to_owned(), "alias".to_owned()));
    assert_eq!(methods["v14"], (FATIRA.to_owned(), "learned".to_owned()));
    assert_eq!(methods["v19"], ("-".to_owned(), "unresolved".to_owned()));

    // The review queue: exactly the names no place was found for, and the learned places.
    let (_, review) = get(&format!("{address}/v1/communities/review")).await;
    assert_eq!(
        ids(&review["unresolved"], "key"),
        [("الباره".to_owned(), 2), ("كفرلاتا".to_owned(), 1)].into()
    );
    assert_eq!(
        ids(&review["learned"], "community_id"),
        [
            (FATIRA.to_owned(), 3),
            (KANSAFRA_AR.to_owned(), 2),
            (KANSAFRA_EN.to_owned(), 2)
        ]
        .into()
    );
    assert_eq!(review["unresolved_incidents"], 3);

    // A person sees that Kansafra and كنصفرة are one village: the merge re-ranks it third.
    let (status, merged) = post(
        &format!("{address}/v1/communities/{}/merge", encoded(KANSAFRA_EN)),
        "application/json",
        json!({ "into": KANSAFRA_AR }).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["incidents_moved"], 2);
    let (_, counts) = get(&format!("{address}{COUNTS}")).await;
    let ranked = ranking(&counts);
    assert_eq!(ranked[KANSAFRA_AR], (3, 4), "{counts}");
    assert_eq!(ranked[FATIRA], (4, 3));
    assert!(!ranked.contains_key(KANSAFRA_EN));
    let (status, _) = get(&format!(
        "{address}/v1/communities/{}",
        encoded(KANSAFRA_EN)
    ))
    .await;
    assert_eq!(status, 404);

    // An organisation's list names Al-Bara; attaching the spelling moves its incidents,
    // which take the list's point.
    let list = "admin4Pcode,admin4Name_ar,admin4Name_en,latitude,longitude,admin1Name_en,admin1Pcode\n\
                C4240,البارة,Al Bara,35.685,36.533,Idlib,SY07\n";
    let (status, listed) = post(
        &format!("{address}/v1/communities/imports"),
        "text/csv",
        list.to_owned(),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        (listed["accepted"].as_u64(), listed["rejected"].clone()),
        (Some(1), json!([]))
    );
    let (status, attached) = post(
        &format!("{address}/v1/communities/C4240/aliases"),
        "application/json",
        json!({ "name": "البارة" }).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{attached}");
    assert_eq!(attached["incidents_moved"], 2);
    let (_, counts) = get(&format!("{address}{COUNTS}")).await;
    let bara = entry(&counts, "C4240");
    assert_eq!(
        (bara["count"].as_u64(), bara["name_en"].as_str()),
        (Some(2), Some("Al Bara"))
    );
    assert_eq!(
        (bara["lon"].as_f64(), bara["lat"].as_f64()),
        (Some(36.533), Some(35.685))
    );
    let (_, review) = get(&format!("{address}/v1/communities/review")).await;
    assert_eq!(
        ids(&review["unresolved"], "key"),
        [("كفرلاتا".to_owned(), 1)].into()
    );

    // The same month imported again changes nothing: the stored resolutions are what a
    // fresh import now finds.
    let again = import_csv(&address, VILLAGES).await;
    assert_eq!(
        (
            again["accepted"].as_u64(),
            again["updated"].as_u64(),
            again["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(22)),
        "{again}"
    );

    // Writes need an editor; bad requests name what is wrong.
    let response = client()
        .post(format!("{address}/v1/communities/C4240/aliases"))
        .insert_header(("Content-Type", "application/json"))
        .send_body(json!({ "name": "x" }).to_string())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let (status, _) = post(
        &format!("{address}/v1/communities/C4240/aliases"),
        "application/json",
        "{}".into(),
    )
    .await;
    assert_eq!(status, 422);
    let (status, problem) = post(
        &format!("{address}/v1/communities/{}/merge", encoded(SARAQIB)),
        "application/json",
        json!({ "into": ARIHA }).to_string(),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let (status, _) = post(
        &format!("{address}/v1/communities/nowhere/aliases"),
        "application/json",
        json!({ "name": "x" }).to_string(),
    )
    .await;
    assert_eq!(status, 404);
}
