//! Villages in many spellings and both scripts, some in no list (issues "Communities" and
//! "One place, one incident"): a month imported through the API is counted once per
//! place under one name; Latin and Arabic spellings of a listed village find its OCHA
//! place; camps absent from every list are learned at the centroid of their incidents, one
//! place for both scripts; the review queue lists exactly the names no place was found
//! for; a merge and an attached spelling move incidents and re-rank the counts at once; a
//! re-import then changes nothing.
//!
//! `tests/fixtures/villages-2024-05.csv`, counted by hand: Saraqib 6 (سراقب ×3, مدينة
//! سراقب ×2, Saraqeb), Ariha 5 (أريحا ×3, اريحا ×2), Fatira 4 (فطيرة ×2, قرية فطيره,
//! Fatira), Kansafra 4 (كنصفرة ×2, Kansafrah, Kansafra), Ihsim 1 (احسم): all in OCHA's
//! list. Atmeh camp 3 (مخيم أطمة ×2 and Atmeh camp, with points): in no list, learned as
//! one place. The Martyrs' camp 2 (مخيم الشهداء, and Martyrs camp, a translation nothing
//! can tie to the Arabic): two learned places until a person merges them. مخيم الرحمة 2
//! and مخيم النور 1: in no list, without points.

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

const SARAQIB: &str = "C3916";
const ARIHA: &str = "C4278";
const IHSIM: &str = "C4295";
const FATIRA: &str = "C4070";
const KANSAFRA: &str = "C4309";
const ATMEH_CAMP: &str = "learned:SY07:مخيماطمه";
const MARTYRS_AR: &str = "learned:SY07:مخيمالشهداء";
const MARTYRS_EN: &str = "learned:SY07:martyrscamp";

async fn villages_are_counted_once_learned_reviewed_and_merged(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let report = import_csv(&address, VILLAGES).await;
    assert_eq!(report["accepted"], 28, "{report}");
    assert_eq!(report["rejected"], json!([]));

    // Each place once, under one name; ties share a rank.
    let (_, counts) = get(&format!("{address}{COUNTS}")).await;
    let expected: BTreeMap<String, (u64, u64)> = [
        (SARAQIB, (1, 6)),
        (ARIHA, (2, 5)),
        (FATIRA, (3, 4)),
        (KANSAFRA, (3, 4)),
        (ATMEH_CAMP, (5, 3)),
        ("مخيمالرحمه", (6, 2)),
        (IHSIM, (7, 1)),
        (MARTYRS_AR, (7, 1)),
        (MARTYRS_EN, (7, 1)),
        ("مخيمالنور", (7, 1)),
    ]
    .into_iter()
    .map(|(id, rank)| (id.to_owned(), rank))
    .collect();
    assert_eq!(ranking(&counts), expected, "{counts}");
    assert_eq!(counts["total_communities"], 10);
    // A listed place is shown by the spelling reports used, with OCHA's English name and
    // p-code.
    let saraqib = entry(&counts, SARAQIB);
    assert_eq!(saraqib["name_ar"], "سراقب");
    assert_eq!(saraqib["name_en"], "Saraqab");
    assert_eq!(saraqib["pcode"], "C3916");
    assert_eq!(saraqib["status"], "reference");
    let fatira = entry(&counts, FATIRA);
    assert_eq!(
        (fatira["name_ar"].as_str(), fatira["name_en"].as_str()),
        (Some("فطيرة"), Some("Ftireh"))
    );

    // Filtering by community means the place: any of its spellings in either script, or
    // its id.
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
    for community in ["Kansafra", "كنصفرة"] {
        let (_, items) = get(&format!(
            "{address}/collections/incidents/items?community={}",
            encoded(community)
        ))
        .await;
        assert_eq!(items["numberMatched"], 4, "{community}");
    }

    // A learned camp stands at the centroid of its incidents, one place for the Arabic
    // and the Latin spellings, named in both scripts and without a type word in front.
    let camp = entry(&counts, ATMEH_CAMP);
    assert_eq!(camp["status"], "learned");
    assert_eq!(
        (camp["name_ar"].as_str(), camp["name_en"].as_str()),
        (Some("مخيم أطمة"), Some("Atmeh camp"))
    );
    assert!(
        (camp["lon"].as_f64().unwrap() - 36.696).abs() < 1e-9,
        "{camp}"
    );
    assert!(
        (camp["lat"].as_f64().unwrap() - 36.318).abs() < 1e-9,
        "{camp}"
    );
    let (status, place) = get(&format!("{address}/v1/communities/{}", encoded(ATMEH_CAMP))).await;
    assert_eq!(status, 200, "{place}");
    assert_eq!(place["status"], "learned");
    assert_eq!(place["incidents"]["count"], 3);
    // A camp known only in Arabic is shown in English by its romanisation.
    let martyrs = entry(&counts, MARTYRS_AR);
    assert_eq!(
        (martyrs["name_ar"].as_str(), martyrs["name_en"].as_str()),
        (Some("مخيم الشهداء"), Some("Camp al-Shahda'"))
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
    let method = |id: &str, place: &str, how: &str| {
        assert_eq!(methods[id], (place.to_owned(), how.to_owned()), "{id}");
    };
    method("v01", SARAQIB, "exact");
    method("v06", SARAQIB, "alias");
    method("v17", KANSAFRA, "fuzzy");
    method("v23", FATIRA, "cross_script");
    method("v24", ATMEH_CAMP, "learned");
    method("v26", ATMEH_CAMP, "learned");
    method("v19", "-", "unresolved");

    // The review queue: exactly the names no place was found for, and the learned places.
    let (_, review) = get(&format!("{address}/v1/communities/review")).await;
    assert_eq!(
        ids(&review["unresolved"], "key"),
        [("مخيمالرحمه".to_owned(), 2), ("مخيمالنور".to_owned(), 1)].into()
    );
    assert_eq!(
        ids(&review["learned"], "community_id"),
        [
            (ATMEH_CAMP.to_owned(), 3),
            (MARTYRS_AR.to_owned(), 1),
            (MARTYRS_EN.to_owned(), 1)
        ]
        .into()
    );
    assert_eq!(review["unresolved_incidents"], 3);

    // A person knows that Martyrs camp and مخيم الشهداء are one camp: the merge re-ranks it.
    let (status, merged) = post(
        &format!("{address}/v1/communities/{}/merge", encoded(MARTYRS_EN)),
        "application/json",
        json!({ "into": MARTYRS_AR }).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["incidents_moved"], 1);
    let (_, counts) = get(&format!("{address}{COUNTS}")).await;
    let ranked = ranking(&counts);
    assert_eq!(ranked[MARTYRS_AR], (6, 2), "{counts}");
    assert!(!ranked.contains_key(MARTYRS_EN));
    let (status, _) = get(&format!("{address}/v1/communities/{}", encoded(MARTYRS_EN))).await;
    assert_eq!(status, 404);

    // An organisation's list names the Rahma camp; attaching the spelling moves its
    // incidents, which take the list's point.
    let list = "admin4Pcode,admin4Name_ar,admin4Name_en,latitude,longitude,admin1Name_en,admin1Pcode\n\
                CP9001,مخيم الرحمة,Al-Rahma camp,36.285,36.633,Idlib,SY07\n";
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
        &format!("{address}/v1/communities/CP9001/aliases"),
        "application/json",
        json!({ "name": "مخيم الرحمة" }).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{attached}");
    assert_eq!(attached["incidents_moved"], 2);
    let (_, counts) = get(&format!("{address}{COUNTS}")).await;
    let rahma = entry(&counts, "CP9001");
    assert_eq!(
        (rahma["count"].as_u64(), rahma["name_en"].as_str()),
        (Some(2), Some("Al-Rahma camp"))
    );
    assert_eq!(
        (rahma["lon"].as_f64(), rahma["lat"].as_f64()),
        (Some(36.633), Some(36.285))
    );
    let (_, review) = get(&format!("{address}/v1/communities/review")).await;
    assert_eq!(
        ids(&review["unresolved"], "key"),
        [("مخيمالنور".to_owned(), 1)].into()
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
        (Some(0), Some(0), Some(28)),
        "{again}"
    );

    // Writes need an editor; bad requests name what is wrong.
    let response = client()
        .post(format!("{address}/v1/communities/CP9001/aliases"))
        .insert_header(("Content-Type", "application/json"))
        .send_body(json!({ "name": "x" }).to_string())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let (status, _) = post(
        &format!("{address}/v1/communities/CP9001/aliases"),
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

    // A later report spells the Arabic-founded camp in Latin: it joins the place by its
    // cross-script key, and the place keeps the spelling as one of its names.
    let later = "source_id,kind,occurred_on,community,latitude,longitude,admin1\n\
                 w01,attack,2024-06-02,Shuhada camp,36.3005,36.7105,Idlib\n";
    let report = import_csv(&address, later).await;
    assert_eq!(report["accepted"], 1, "{report}");
    let (_, items) = get(&format!(
        "{address}/collections/incidents/items?community={}",
        encoded("Shuhada camp")
    ))
    .await;
    assert_eq!(
        items["numberMatched"], 3,
        "the camp's two and the new one: {items}"
    );
    let (_, place) = get(&format!("{address}/v1/communities/{}", encoded(MARTYRS_AR))).await;
    let names: Vec<&str> = place["alternate_names"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(names.contains(&"Shuhada camp"), "{place}");
}
