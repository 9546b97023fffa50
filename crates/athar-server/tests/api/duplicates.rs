//! The same incidents from two sources (issue "One place, one incident"): a civil-defence
//! month of 20 attacks in Arabic, and a local council's month that repeats them with its
//! own points (100–1,500 m away), OCHA's Latin names, a day later for some, casualty
//! figures rounded otherwise, and 5 attacks of its own. `GET /v1/duplicates` must find at
//! least 19 of the 20 pairs and propose at most one false pair; only token holders see it.
//! Merged, the month counts events: the civil defence's figures plus the council's 5; the
//! merged reports redirect to their events and stay as reports of them; a re-import of
//! either source changes nothing; an unmerge restores both, a dismissal is not proposed
//! again, and every decision is in the change log with its actor.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::Value;

use crate::support::{
    ADMIN_TOKEN, Backend, EDITOR_TOKEN, READER_TOKEN, TestStore, body_of, both_backends, client,
    get,
};

both_backends!(
    the_same_incidents_from_two_sources_are_proposed_as_pairs,
    a_server_set_to_merge_above_a_score_merges_at_import
);

const OCHA: &str = include_str!("../../../../data/gazetteer/syria_communities_ocha.csv");

/// 25 OCHA communities of Idlib at least 6 km from each other: (English, Arabic, lon, lat).
fn places() -> Vec<(String, String, f64, f64)> {
    let mut reader = csv::Reader::from_reader(OCHA.as_bytes());
    let mut chosen: Vec<(String, String, f64, f64)> = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        if &record[3] != "SY07" || record[1].contains(['(', '-', '/']) {
            continue;
        }
        let (lat, lon): (f64, f64) = (record[9].parse().unwrap(), record[10].parse().unwrap());
        let far = chosen
            .iter()
            .all(|c| athar_gazetteer::distance_km((c.2, c.3), (lon, lat)) > 6.0);
        if far {
            chosen.push((record[1].to_owned(), record[2].to_owned(), lon, lat));
        }
        if chosen.len() == 25 {
            break;
        }
    }
    assert_eq!(chosen.len(), 25);
    chosen
}

async fn import(address: &str, source: &str, csv: String) -> Value {
    let response = client()
        .post(format!("{address}/v1/imports?source={source}"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .insert_header(("Content-Type", "text/csv"))
        .send_body(csv)
        .await
        .unwrap();
    let (status, report) = body_of(response).await;
    assert_eq!(status, 200, "{report}");
    report
}

async fn the_same_incidents_from_two_sources_are_proposed_as_pairs(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let places = places();
    let header = "source_id,kind,occurred_on,community,latitude,longitude,admin1,perpetrator,weapon,killed,injured\n";
    let (mut first, mut second) = (header.to_owned(), header.to_owned());
    for (i, (english, arabic, lon, lat)) in places.iter().take(20).enumerate() {
        let day = i + 1;
        let (killed, injured) = (i % 3, 4 + i % 9);
        let _ = writeln!(
            first,
            "cd-{i:02},attack,2024-04-{day:02},{arabic},{lat:.5},{lon:.5},Idlib,government_forces,artillery,{killed},{injured}"
        );
        // The council's point is 100–1,500 m off, east and north; a day later for every
        // third; injured rounded to the nearest even number or off by one.
        let shift = 0.001 + 0.000_65 * (i % 20) as f64;
        let late = if i % 3 == 0 { day + 1 } else { day };
        let rounded = if i % 2 == 0 {
            injured + 1
        } else {
            injured - injured % 2
        };
        let _ = writeln!(
            second,
            "lc-{i:02},attack,2024-04-{late:02},{english},{:.5},{:.5},Idlib,government_forces,artillery,{killed},{rounded}",
            lat + shift * 0.6,
            lon + shift * 0.6,
        );
    }
    for (i, (english, _, lon, lat)) in places.iter().skip(20).enumerate() {
        let _ = writeln!(
            second,
            "lc-own-{i},attack,2024-04-{:02},{english},{lat:.5},{lon:.5},Idlib,unknown,drone,0,1",
            3 + i * 5
        );
    }
    let report = import(&address, "civil-defence", first.clone()).await;
    assert_eq!(report["accepted"], 20);
    assert_eq!(report["duplicates"]["candidates"], 0, "{report}");
    // The second source's import finds the pairs at once, and merges none: by default
    // every pair waits for a person.
    let report = import(&address, "local-council", second.clone()).await;
    assert_eq!(report["accepted"], 25);
    assert_eq!(
        (
            report["duplicates"]["candidates"].as_u64(),
            report["duplicates"]["merged"].as_u64()
        ),
        (Some(20), Some(0)),
        "{report}"
    );
    let month = format!("{address}/v1/stats?from=2024-04-01&to=2024-04-30");
    let (_, before) = get(&month).await;
    assert_eq!(before["incidents"], 45);
    // What the month is, counted by hand: the civil defence's 20, and the council's own 5
    // (no one killed, one injured each).
    let civil_defence: (u64, u64) = (0..20u64).fold((0, 0), |(k, j), i| (k + i % 3, j + 4 + i % 9));
    let expected = (25, civil_defence.0, civil_defence.1 + 5);

    // Which incident is which report.
    let (_, items) = get(&format!("{address}/collections/incidents/items?limit=100")).await;
    let source_id: HashMap<String, String> = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["properties"]["source_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(source_id.len(), 45);

    // Anonymous readers are refused: pairs are proposed on exact points and figures.
    let (status, _) = get(&format!("{address}/v1/duplicates")).await;
    assert_eq!(status, 401);

    let response = client()
        .get(format!("{address}/v1/duplicates?limit=1000"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (status, found) = body_of(response).await;
    assert_eq!(status, 200, "{found}");
    let mut true_pairs = BTreeSet::new();
    let mut false_pairs = Vec::new();
    for candidate in found["candidates"].as_array().unwrap() {
        let [a, b] = [0, 1].map(|i| source_id[candidate["incidents"][i].as_str().unwrap()].clone());
        let (cd, lc) = if a.starts_with("cd-") { (a, b) } else { (b, a) };
        assert!(candidate["score"].as_f64().unwrap() > 0.0, "{candidate}");
        assert!(
            !candidate["reasons"].as_array().unwrap().is_empty(),
            "{candidate}"
        );
        if cd.starts_with("cd-") && lc == cd.replace("cd-", "lc-") {
            true_pairs.insert(cd);
        } else {
            false_pairs.push(format!("{cd} / {lc}: {candidate}"));
        }
    }
    println!(
        "two sources: {} of 20 true pairs found, {} false pairs proposed",
        true_pairs.len(),
        false_pairs.len()
    );
    assert!(true_pairs.len() >= 19, "{true_pairs:?}");
    assert!(false_pairs.len() <= 1, "{false_pairs:?}");
    assert_eq!(
        found["total"],
        found["candidates"].as_array().unwrap().len()
    );
    let id_of: HashMap<String, String> = source_id
        .iter()
        .map(|(id, source)| (source.clone(), id.clone()))
        .collect();

    // Filters narrow the incidents one side must match; a bad limit is a client error.
    let response = client()
        .get(format!(
            "{address}/v1/duplicates?from=2024-04-01&to=2024-04-05"
        ))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (_, early) = body_of(response).await;
    let early = early["candidates"].as_array().unwrap().len();
    assert!((4..=6).contains(&early), "{early}");
    let response = client()
        .get(format!("{address}/v1/duplicates?limit=0"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // Writes need an editor; a pair id must be one, and `keep` one of it.
    let pair = found["candidates"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = post(
        &address,
        &format!("/v1/duplicates/{pair}/merge"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = post(
        &address,
        &format!("/v1/duplicates/{pair}/merge"),
        Some(READER_TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &address,
        "/v1/duplicates/nonsense/merge",
        Some(EDITOR_TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let outside = id_of["lc-own-0"].clone();
    let (status, problem) = post(
        &address,
        &format!("/v1/duplicates/{pair}/merge"),
        Some(EDITOR_TOKEN),
        Some(serde_json::json!({ "keep": outside })),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "keep");

    // An editor merges every true pair, keeping the civil defence's report.
    for i in 0..20 {
        let (cd, lc) = (&id_of[&format!("cd-{i:02}")], &id_of[&format!("lc-{i:02}")]);
        let pair = if cd < lc {
            format!("{cd}_{lc}")
        } else {
            format!("{lc}_{cd}")
        };
        let (status, event) = post(
            &address,
            &format!("/v1/duplicates/{pair}/merge"),
            Some(EDITOR_TOKEN),
            Some(serde_json::json!({ "keep": cd })),
        )
        .await;
        assert_eq!(status, 200, "{event}");
        assert_eq!(event["incident_id"], cd.as_str());
        let sources: BTreeSet<&str> = event["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["source"].as_str().unwrap())
            .collect();
        assert_eq!(sources, BTreeSet::from(["civil-defence", "local-council"]));
    }
    let stats = |stats: &Value| {
        (
            stats["incidents"].as_u64().unwrap(),
            stats["killed"].as_u64().unwrap(),
            stats["injured"].as_u64().unwrap(),
        )
    };
    let (_, merged) = get(&month).await;
    assert_eq!(stats(&merged), expected, "{merged}");
    let (_, counts) = get(&format!(
        "{address}/v1/communities/counts?from=2024-04-01&to=2024-04-30&limit=100"
    ))
    .await;
    assert_eq!(counts["total_incidents"], 25, "{counts}");
    let (_, items) = get(&format!("{address}/collections/incidents/items?limit=100")).await;
    assert_eq!(items["numberMatched"], 25);

    // A merged report answers with its event, and is one of the event's reports, with its
    // own figures.
    let (cd, lc) = (&id_of["cd-04"], &id_of["lc-04"]);
    let response = awc::Client::builder()
        .disable_redirects()
        .finish()
        .get(format!("{address}/collections/incidents/items/{lc}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 301);
    let location = response
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        location.ends_with(&format!("/collections/incidents/items/{cd}")),
        "{location}"
    );
    // The event's item carries every report for token holders, and none for others.
    let item = |token: Option<&'static str>| {
        let url = format!("{address}/collections/incidents/items/{cd}");
        async move {
            let mut request = client().get(url);
            if let Some(token) = token {
                request = request.insert_header(("Authorization", format!("Bearer {token}")));
            }
            body_of(request.send().await.unwrap()).await.1
        }
    };
    let with_token = item(Some(READER_TOKEN)).await;
    let reported: Vec<&str> = with_token["properties"]["sources"]
        .as_array()
        .unwrap_or_else(|| panic!("{with_token}"))
        .iter()
        .map(|s| s["source_id"].as_str().unwrap())
        .collect();
    assert_eq!(reported.len(), 2, "{with_token}");
    assert!(reported.contains(&"lc-04") && reported.contains(&"cd-04"));
    assert!(item(None).await["properties"].get("sources").is_none());
    let response = client()
        .get(format!("{address}/v1/incidents/{cd}/sources"))
        .insert_header(("Authorization", format!("Bearer {READER_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (status, event) = body_of(response).await;
    assert_eq!(status, 200, "{event}");
    let council = event["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "local-council")
        .unwrap();
    assert_eq!(council["source_id"], "lc-04");
    assert_eq!(council["injured"], 9, "the council's own figure: {event}");

    // Nothing is proposed any more; the decisions name who made them.
    let open = listed(&address, "").await;
    assert_eq!(open["total"], 0, "{open}");
    let decided = listed(&address, "status=merged").await;
    assert_eq!(decided["decisions"].as_array().unwrap().len(), 20);
    assert_eq!(decided["decisions"][0]["actor"], "field-editor");

    // Either source imported again changes nothing.
    let again = import(&address, "civil-defence", first).await;
    assert_eq!(
        (again["unchanged"].as_u64(), again["accepted"].as_u64()),
        (Some(20), Some(0))
    );
    let again = import(&address, "local-council", second).await;
    assert_eq!(
        (again["unchanged"].as_u64(), again["accepted"].as_u64()),
        (Some(25), Some(0))
    );
    let (_, after) = get(&month).await;
    assert_eq!(stats(&after), expected);

    // An unmerge restores both; the pair is proposed again; dismissed, it is not.
    let (status, restored) = post(
        &address,
        &format!("/v1/incidents/{cd}/unmerge"),
        Some(EDITOR_TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["restored"], serde_json::json!([lc]));
    let (_, unmerged) = get(&month).await;
    assert_eq!(unmerged["incidents"], 26);
    let open = listed(&address, "").await;
    assert_eq!(open["total"], 1, "{open}");
    let pair = open["candidates"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = post(
        &address,
        &format!("/v1/duplicates/{pair}/dismiss"),
        Some(EDITOR_TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listed(&address, "").await["total"], 0);
    assert_eq!(
        listed(&address, "status=dismissed").await["decisions"][0]["pair"],
        pair.as_str()
    );
    let (status, _) = post(
        &address,
        &format!("/v1/incidents/{cd}/unmerge"),
        Some(EDITOR_TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 409, "nothing is merged into it any more");

    // The change log has every decision, with its actor.
    let response = client()
        .get(format!("{address}/v1/changes?limit=10000"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (_, log) = body_of(response).await;
    let ops: Vec<(&str, &str)> = log["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| matches!(c["op"].as_str(), Some("merge" | "dismiss" | "unmerge")))
        .map(|c| {
            (
                c["op"].as_str().unwrap(),
                c["actor"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    let count = |wanted: &str| ops.iter().filter(|(op, _)| *op == wanted).count();
    assert_eq!(
        (count("merge"), count("unmerge"), count("dismiss")),
        (40, 2, 2),
        "{ops:?}"
    );
    assert!(
        ops.iter().all(|(_, actor)| *actor == "field-editor"),
        "{ops:?}"
    );
}

/// With `--merge-duplicates-above`, an import merges the pairs scoring at least it at once,
/// keeping the incident that was there before; the month then counts events.
async fn a_server_set_to_merge_above_a_score_merges_at_import(backend: Backend) {
    let store = TestStore::new(backend).await;
    let mut settings = store.settings(false);
    settings.merge_duplicates_above = Some(0.5);
    let address = store.spawn_with(settings).await;
    let header = "source_id,kind,occurred_on,community,latitude,longitude,killed,injured\n";
    let first = format!(
        "{header}a1,attack,2024-04-05,سرمين,35.9040,36.7250,1,4\na2,fire,2024-04-09,بنش,35.9571,36.7137,0,0\n"
    );
    let second = format!("{header}b1,attack,2024-04-05,Sarmin,35.9050,36.7260,1,4\n");
    import(&address, "civil-defence", first).await;
    let report = import(&address, "local-council", second).await;
    assert_eq!(
        (
            report["duplicates"]["candidates"].as_u64(),
            report["duplicates"]["merged"].as_u64()
        ),
        (Some(0), Some(1)),
        "{report}"
    );
    let (_, stats) = get(&format!("{address}/v1/stats")).await;
    assert_eq!(stats["incidents"], 2, "{stats}");
    let (_, items) = get(&format!("{address}/collections/incidents/items")).await;
    let sources: Vec<&str> = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        ["civil-defence", "civil-defence"],
        "the earlier report is kept"
    );
    let merged = listed(&address, "status=merged").await;
    assert!(
        merged["decisions"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("auto-merge"),
        "{merged}"
    );
}

/// A POST with a token and a JSON body, when given.
async fn post(address: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut request = client().post(format!("{address}{path}"));
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .unwrap();
    body_of(response).await
}

/// `GET /v1/duplicates` with a query, as an analyst.
async fn listed(address: &str, query: &str) -> Value {
    let response = client()
        .get(format!("{address}/v1/duplicates?{query}"))
        .insert_header(("Authorization", format!("Bearer {READER_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (status, body) = body_of(response).await;
    assert_eq!(status, 200, "{body}");
    body
}
