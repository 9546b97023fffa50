//! Published months: a release answers the same bytes after later edits, deletions and
//! additions, after a restart and on a second server over the same store; its hash is the
//! SHA-256 of its GeoJSON export; a withdrawn release answers 410 with the reason.

use serde_json::{Value, json};
use sha2::Digest as _;

/// OCHA's Sarmin and Idleb (the bundled gazetteer's ids).
const SARMIN: &str = "C3953";
const IDLIB: &str = "C3871";

use crate::support::{
    ADMIN_TOKEN, Backend, EDITOR_TOKEN, TestStore, body_of, both_backends, client,
};

both_backends!(a_release_never_changes);

/// Bytes and the headers that matter of a GET, with an optional token.
async fn fetch(url: &str, token: Option<&str>) -> (u16, Vec<u8>, String) {
    let mut request = client().get(url);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut response = request.send().await.expect("request sent");
    let cache = response
        .headers()
        .get("cache-control")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    (response.status().as_u16(), body.to_vec(), cache)
}

async fn send(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let request = match method {
        "POST" => client().post(url),
        "PATCH" => client().patch(url),
        "DELETE" => client().delete(url),
        other => panic!("{other}"),
    }
    .insert_header(("Authorization", format!("Bearer {token}")));
    let response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .expect("request sent");
    body_of(response).await
}

/// What a release answers, by URL path and query.
const PINNED: [&str; 17] = [
    "/v1/stats?release=2024-04",
    "/v1/stats?release=2024-04&kind=attack",
    "/v1/stats/series?release=2024-04&interval=week",
    "/v1/communities/counts?release=2024-04",
    "/v1/communities/counts?release=2024-04&format=csv",
    "/v1/communities/counts?release=2024-04&format=geojson",
    "/collections/incidents/items?release=2024-04&limit=1000",
    "/tiles/incidents/8/154/100.mvt?release=2024-04",
    "/tiles/communities/8/154/100.mvt?release=2024-04",
    "/v1/exports/incidents.csv?release=2024-04",
    "/v1/exports/incidents.geojson?release=2024-04",
    "/v1/exports/incidents.kml?release=2024-04",
    "/v1/exports/incidents.gpkg?release=2024-04",
    "/v1/exports/communities.csv?release=2024-04",
    "/maps/static.png?release=2024-04&width=300&height=200",
    "/maps/static.svg?release=2024-04&view=communities&lang=ar",
    "/v1/hotspots?release=2024-04",
];

async fn answers(address: &str) -> Vec<(String, u16, Vec<u8>)> {
    let mut answers = Vec::new();
    for path in PINNED {
        let (status, mut body, _) = fetch(&format!("{address}{path}"), None).await;
        if path.starts_with("/collections") {
            // Pages say when they were written.
            let mut page: Value = serde_json::from_slice(&body).unwrap();
            page["timeStamp"] = Value::Null;
            // Links name the server they came from.
            body = page.to_string().replace(address, "ADDRESS").into_bytes();
        }
        answers.push((path.to_owned(), status, body));
    }
    answers
}

/// The paths whose answers differ.
fn differing(before: &[(String, u16, Vec<u8>)], after: &[(String, u16, Vec<u8>)]) -> Vec<String> {
    before
        .iter()
        .zip(after)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            let at = a.2.iter().zip(&b.2).take_while(|(x, y)| x == y).count();
            let near = |body: &[u8]| {
                String::from_utf8_lossy(&body[at.saturating_sub(120)..(at + 120).min(body.len())])
                    .into_owned()
            };
            format!(
                "{} ({} -> {}), from byte {at}: {} | {}",
                a.0,
                a.1,
                b.1,
                near(&a.2),
                near(&b.2)
            )
        })
        .collect()
}

async fn a_release_never_changes(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    // A second server over the same store, already running: a replica.
    let second = store.spawn(false).await;
    let april =
        json!({"id": "2024-04", "title": "April 2024", "from": "2024-04-01", "to": "2024-04-30"});
    // The demo month names only listed places and one camp; a village in no list, with no
    // point, is added so that a spelling can be attached after publication.
    let extra = "source_id,kind,occurred_on,community,admin1\n\
                 x-unlisted,attack,2024-04-15,قرية لا وجود لها,Idlib\n";
    let report = crate::support::import_csv(&address, extra).await;
    assert_eq!(report["accepted"], 1, "{report}");

    let (status, manifest) = send(
        "POST",
        &format!("{address}/v1/releases"),
        EDITOR_TOKEN,
        Some(april.clone()),
    )
    .await;
    assert_eq!(status, 201, "{manifest}");
    let incidents = manifest["incidents"].as_u64().unwrap();
    assert!(incidents > 10, "{manifest}");
    assert_eq!(manifest["created_by"], "field-editor");
    // An id is never reused; a bad one, or no period, is refused naming the field.
    let (status, _) = send(
        "POST",
        &format!("{address}/v1/releases"),
        EDITOR_TOKEN,
        Some(april.clone()),
    )
    .await;
    assert_eq!(status, 409);
    for (body, field) in [
        (
            json!({"id": "April/2024", "title": "x", "from": "2024-04-01", "to": "2024-04-30"}),
            "id",
        ),
        (json!({"id": "x", "title": "x", "to": "2024-04-30"}), "from"),
        (
            json!({"id": "x", "title": "x", "from": "2024-04-01", "to": "2024-04-30", "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, problem) = send(
            "POST",
            &format!("{address}/v1/releases"),
            EDITOR_TOKEN,
            Some(body),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let (status, _, _) = fetch(&format!("{address}/v1/stats?release=2099-01"), None).await;
    assert_eq!(status, 404);

    let before = answers(&address).await;
    for (path, status, _) in &before {
        assert_eq!(*status, 200, "{path}");
    }
    let (_, _, cache) = fetch(&format!("{address}/v1/stats?release=2024-04"), None).await;
    assert_eq!(cache, "public, max-age=31536000, immutable");
    let (_, _, cache) = fetch(
        &format!("{address}/styles/incidents.json?release=2024-04"),
        None,
    )
    .await;
    assert_eq!(cache, "public, max-age=31536000, immutable");
    let (_, _, cache) = fetch(&format!("{address}/embed?release=2024-04"), None).await;
    assert_eq!(cache, "public, max-age=31536000, immutable");
    let (_, _, cache) = fetch(&format!("{address}/v1/stats"), None).await;
    assert_eq!(cache, "public, max-age=60");

    // The hash is the SHA-256 of the GeoJSON export a token holder gets.
    let (status, export, _) = fetch(
        &format!("{address}/v1/exports/incidents.geojson?release=2024-04"),
        Some(EDITOR_TOKEN),
    )
    .await;
    assert_eq!(status, 200);
    let digest = sha2::Sha256::digest(&export)
        .iter()
        .fold(String::new(), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        });
    assert_eq!(digest, manifest["sha256"], "the manifest's hash");

    // The live data changes: an April incident edited, another deleted, one added.
    let (_, live_before, _) = fetch(
        &format!("{address}/v1/stats?from=2024-04-01&to=2024-04-30"),
        None,
    )
    .await;
    let (_, page) = crate::support::get(&format!(
        "{address}/collections/incidents/items?from=2024-04-01&to=2024-04-30&limit=2"
    ))
    .await;
    let ids: Vec<&str> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| feature["id"].as_str().unwrap())
        .collect();
    let (status, edited) = send(
        "PATCH",
        &format!("{address}/v1/incidents/{}", ids[0]),
        EDITOR_TOKEN,
        Some(json!({"killed": 7, "notes": "corrected after publication"})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    let (status, _) = send(
        "DELETE",
        &format!("{address}/v1/incidents/{}", ids[1]),
        EDITOR_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, added) = send(
        "POST",
        &format!("{address}/v1/incidents"),
        EDITOR_TOKEN,
        Some(json!({"source_id": "late-1", "kind": "fire", "occurred_on": "2024-04-20", "community": "سرمين", "latitude": 35.9, "longitude": 36.72})),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    // A learned place is merged into another: its incidents move to it.
    let (_, review) = crate::support::get(&format!("{address}/v1/communities/review")).await;
    let learned = review["learned"][0]["community_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, merged) = send(
        "POST",
        &format!(
            "{address}/v1/communities/{}/merge",
            crate::support::encoded(&learned)
        ),
        EDITOR_TOKEN,
        Some(json!({"into": SARMIN})),
    )
    .await;
    assert_eq!(status, 200, "{merged}");
    assert!(merged["incidents_moved"].as_u64().unwrap() > 0, "{merged}");
    // The spelling of a name no place was found for is attached to a reference place
    // (Idlib): its incidents move there.
    let other = &review["unresolved"][0];
    let spelling = other["name_ar"].as_str().unwrap().to_owned();
    let (status, aliased) = send(
        "POST",
        &format!("{address}/v1/communities/{IDLIB}/aliases"),
        EDITOR_TOKEN,
        Some(json!({ "name": spelling })),
    )
    .await;
    assert_eq!(status, 200, "{aliased}");
    assert!(
        aliased["incidents_moved"].as_u64().unwrap() > 0,
        "{aliased}"
    );
    let (_, live_after, _) = fetch(
        &format!("{address}/v1/stats?from=2024-04-01&to=2024-04-30"),
        None,
    )
    .await;
    assert_ne!(live_before, live_after, "the live month changed");

    // The diff names exactly what changed since publication.
    let (status, diff) = crate::support::get(&format!("{address}/v1/releases/2024-04/diff")).await;
    assert_eq!(status, 200, "{diff}");
    let new_id = added["ids"][0].as_str().map(str::to_owned);
    assert_eq!(diff["removed"], json!([ids[1]]), "{diff}");
    if let Some(new_id) = new_id {
        assert_eq!(diff["added"], json!([new_id]), "{diff}");
    } else {
        assert_eq!(diff["added"].as_array().unwrap().len(), 1, "{diff}");
    }
    let changed = diff["changed"].as_array().unwrap();
    let edited_fields: Vec<&str> = changed
        .iter()
        .find(|change| change["id"] == ids[0])
        .expect("the edited incident")["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["field"].as_str().unwrap())
        .collect();
    assert!(
        edited_fields.contains(&"killed") && edited_fields.contains(&"notes"),
        "{edited_fields:?}"
    );
    let moved = changed
        .iter()
        .filter(|change| {
            change["fields"].as_array().unwrap().iter().any(|field| {
                field["field"] == "community_id"
                    && field["before"] == learned.as_str()
                    && field["after"] == SARMIN
            })
        })
        .count() as u64;
    assert_eq!(moved, merged["incidents_moved"].as_u64().unwrap(), "{diff}");
    let attached = changed
        .iter()
        .filter(|change| {
            change["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|field| field["field"] == "community_id" && field["after"] == IDLIB)
        })
        .count() as u64;
    assert_eq!(
        attached,
        aliased["incidents_moved"].as_u64().unwrap(),
        "{diff}"
    );
    assert_ne!(diff["totals"]["release"], diff["totals"]["against"]);
    let (status, csv, _) = fetch(
        &format!("{address}/v1/releases/2024-04/diff?format=csv"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("id,change,field,before,after"), "{csv}");
    assert!(csv.contains(&format!("{},removed", ids[1])), "{csv}");
    let after = answers(&address).await;
    assert_eq!(
        differing(&before, &after),
        Vec::<String>::new(),
        "the release did not"
    );

    // The replica learns of the release from the store (within a few polls), and answers
    // the same; so does a server started now (a restart).
    let mut waited = 0;
    while crate::support::get(&format!("{second}/v1/releases/2024-04"))
        .await
        .0
        != 200
    {
        assert!(waited < 100, "the replica never saw the release");
        waited += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A vocabulary term is relabelled in the store; servers started from now on read it.
    let stored = athar_app::open_store(
        store
            .database
            .as_ref()
            .map(athar_test_support::FreshDatabase::url),
        &store.dir.path().join("athar-data"),
    )
    .await
    .unwrap();
    let mut term = stored
        .vocabularies()
        .await
        .unwrap()
        .terms()
        .find(|term| term.slug.as_str() == "artillery")
        .unwrap()
        .clone();
    term.label_en = "Artillery, relabelled after publication".into();
    stored.add_terms([&term], true).await.unwrap();
    let restarted = store.spawn(false).await;
    let (_, live_export, _) = fetch(
        &format!("{restarted}/v1/exports/incidents.csv?from=2024-04-01&to=2024-04-30"),
        None,
    )
    .await;
    assert!(
        String::from_utf8_lossy(&live_export).contains("relabelled after publication"),
        "the live data reads the new label"
    );
    assert_eq!(
        differing(&before, &answers(&restarted).await),
        Vec::<String>::new()
    );
    let elsewhere = answers(&second).await;
    assert_eq!(differing(&before, &elsewhere), Vec::<String>::new());
    let (status, listed) = crate::support::get(&format!("{second}/v1/releases")).await;
    assert_eq!(status, 200);
    assert_eq!(listed["releases"][0]["sha256"], manifest["sha256"]);
    let (status, one) = crate::support::get(&format!("{second}/v1/releases/2024-04")).await;
    assert_eq!(status, 200, "{one}");
    assert!(
        one["totals"]["attack"]["incidents"].as_u64().unwrap() > 0,
        "{one}"
    );

    // Only an admin withdraws, with a reason; then it is gone, and says why.
    let url = format!("{address}/v1/releases/2024-04");
    let (status, _) = send("DELETE", &url, EDITOR_TOKEN, Some(json!({"reason": "x"}))).await;
    assert_eq!(status, 403);
    let (status, _) = send("DELETE", &url, ADMIN_TOKEN, Some(json!({}))).await;
    assert_eq!(status, 422);
    let (status, withdrawn) = send(
        "DELETE",
        &url,
        ADMIN_TOKEN,
        Some(json!({"reason": "a duplicate counted twice"})),
    )
    .await;
    assert_eq!(status, 200, "{withdrawn}");
    let (status, problem) =
        crate::support::get(&format!("{address}/v1/stats?release=2024-04")).await;
    assert_eq!(status, 410);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("a duplicate counted twice"),
        "{problem}"
    );
    let (_, listed) = crate::support::get(&format!("{address}/v1/releases")).await;
    assert_eq!(
        listed["releases"][0]["withdrawn"]["reason"],
        "a duplicate counted twice"
    );
}
