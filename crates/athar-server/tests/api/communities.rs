//! The gazetteer over HTTP: search in either script, resolution with its reasons, one
//! place with the demo incidents counted under its names, and bad parameters.

use std::collections::HashSet;

use athar_app::DEMO_CSV;
use athar_gazetteer::community_key;
use serde_json::Value;

use crate::support::{Backend, TestStore, both_backends, encoded, get};

both_backends!(
    places_are_found_by_name_in_either_script,
    names_resolve_with_method_score_and_reasons,
    a_place_counts_the_incidents_reported_under_any_of_its_names,
    bad_community_parameters_are_client_errors,
);

async fn places_are_found_by_name_in_either_script(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let (status, found) = get(&format!("{address}/v1/communities?q={}", encoded("سراقب"))).await;
    assert_eq!(status, 200, "{found}");
    let first = &found["communities"][0];
    assert_eq!(first["name_en"], "Saraqab");
    assert_eq!(first["pcode"], "C3916");
    assert_eq!(first["admin1"]["name"], "Idlib");
    let attribution = found["attribution"].as_str().unwrap();
    assert!(
        attribution.contains("GeoNames") && attribution.contains("OCHA"),
        "{attribution}"
    );
    let (_, found) = get(&format!("{address}/v1/communities?q=saraq&limit=5")).await;
    let names: Vec<&str> = found["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name_en"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Saraqab"), "{names:?}");
    assert!(names.len() <= 5);
}

async fn names_resolve_with_method_score_and_reasons(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let resolve = |query: String| {
        let address = address.clone();
        async move { get(&format!("{address}/v1/communities/resolve?{query}")).await }
    };
    let (status, exact) = resolve(format!("name={}", encoded("مدينة سَراقب"))).await;
    assert_eq!(status, 200, "{exact}");
    assert_eq!(exact["method"], "exact");
    assert_eq!(exact["community"]["name_en"], "Saraqab");
    assert_eq!(exact["score"], 1.0);

    let (_, alias) = resolve("name=Saraqeb&admin1=Idleb".into()).await;
    assert_eq!(alias["method"], "alias");
    assert_eq!(alias["community_id"], exact["community_id"]);

    // Saraqib's own name, but written for a point 80 km away: not resolved, and the
    // candidate says why.
    let (_, far) = resolve(format!("name={}&lon=37.7&lat=36.5", encoded("سراقب"))).await;
    assert_eq!(far["method"], "unresolved");
    assert_eq!(far["community_id"], Value::Null);
    let reason = far["candidates"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("ruled out") && reason.contains("km"),
        "{reason}"
    );

    // A Latin spelling finds the village its Arabic name names, and says by which rule.
    let (_, cross) = resolve("name=Fatira&admin1=Idlib".into()).await;
    assert_eq!(cross["method"], "cross_script", "{cross}");
    assert_eq!(cross["community_id"], "C4070");
    let reason = cross["reason"].as_str().unwrap();
    assert!(reason.contains("cross-script key 'ftr'"), "{reason}");
    let (_, kansafra) = resolve("name=Kansafra&admin1=Idlib".into()).await;
    assert_eq!(kansafra["community_id"], "C4309", "{kansafra}");
    // A qualifier the place does not carry is another place: no guess.
    let (_, east) = resolve("name=Kansafra%20East&admin1=Idlib".into()).await;
    assert_eq!(east["method"], "unresolved", "{east}");

    let (_, nothing) = resolve(format!("name={}", encoded("قرية لا وجود لها"))).await;
    assert_eq!(nothing["method"], "unresolved");
    assert_eq!(nothing["candidates"], Value::Array(vec![]));
}

async fn a_place_counts_the_incidents_reported_under_any_of_its_names(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let (_, found) = get(&format!("{address}/v1/communities?q={}", encoded("سرمين"))).await;
    let sarmin = &found["communities"][0];
    let id = sarmin["id"].as_str().unwrap();
    let (status, place) = get(&format!("{address}/v1/communities/{}", encoded(id))).await;
    assert_eq!(status, 200, "{place}");
    // The reference: demo rows whose community name keys to one of the place's names
    // ("سرمين" and "بلدة سرمين" both do).
    let names: HashSet<String> = std::iter::once(&place["name_ar"])
        .chain(std::iter::once(&place["name_en"]))
        .chain(place["alternate_names"].as_array().unwrap())
        .filter_map(Value::as_str)
        .map(community_key)
        .collect();
    let mut reader = csv::Reader::from_reader(DEMO_CSV);
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "community")
        .unwrap();
    let expected = reader
        .records()
        .map(Result::unwrap)
        .filter(|row| names.contains(&community_key(&row[column])))
        .count();
    assert!(expected >= 22, "{expected}");
    assert_eq!(
        place["incidents"]["count"].as_u64().unwrap() as usize,
        expected
    );
    let (_, filtered) = get(&format!(
        "{address}/v1/communities/{}?kind=fire",
        encoded(id)
    ))
    .await;
    assert!(filtered["incidents"]["count"].as_u64().unwrap() < expected as u64);
}

async fn bad_community_parameters_are_client_errors(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    for (path, parameter, status) in [
        ("/v1/communities", "q", 400),
        ("/v1/communities?q=%21%21", "q", 400),
        ("/v1/communities?q=x&kind=attack", "kind", 400),
        ("/v1/communities?q=x&limit=0", "limit", 400),
        ("/v1/communities/resolve", "name", 400),
        ("/v1/communities/resolve?name=x&lon=200&lat=1", "lon", 400),
        ("/v1/communities/resolve?name=x&lon=36", "lat", 400),
        (
            "/v1/communities/resolve?name=x&from=2024-01-01",
            "from",
            400,
        ),
    ] {
        let (got, problem) = get(&format!("{address}{path}")).await;
        assert_eq!(got, status, "{path}: {problem}");
        assert_eq!(problem["parameter"], parameter, "{path}: {problem}");
    }
    let (status, _) = get(&format!("{address}/v1/communities/geonames%3A0")).await;
    assert_eq!(status, 404);
    // The OpenAPI document describes the three endpoints, and schemathesis (run by the
    // test command) exercises them from it.
    let (_, document) = get(&format!("{address}/openapi.json")).await;
    for path in [
        "/v1/communities",
        "/v1/communities/resolve",
        "/v1/communities/{id}",
    ] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "{path} is not documented"
        );
    }
}
