//! The monthly report's figures (issue 21, first part): every figure of
//! `/v1/reports/monthly.json` is what `/v1/stats` answers for the filter the report names
//! beside it, for the demo month, live and from a release; bad months are client errors.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{Backend, EDITOR_TOKEN, TestStore, body_of, both_backends, client, get};

both_backends!(the_monthly_figures_are_those_of_the_stats_they_name);

async fn the_monthly_figures_are_those_of_the_stats_they_name(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let (status, report) = get(&format!("{address}/v1/reports/monthly.json?month=2024-04")).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["month"], "2024-04");
    assert_eq!(report["release"], Value::Null);
    let kinds = report["kinds"].as_object().unwrap();
    let (_, month) = get(&format!("{address}/v1/stats?from=2024-04-01&to=2024-04-30")).await;
    let present: BTreeSet<&String> = month["kinds"].as_object().unwrap().keys().collect();
    assert_eq!(kinds.keys().collect::<BTreeSet<_>>(), present);
    assert!(kinds.contains_key("attack") && kinds.len() >= 3, "{report}");
    for (kind, figures) in kinds {
        let (_, stats) = get(&format!(
            "{address}/v1/stats?{}",
            figures["filter"].as_str().unwrap()
        ))
        .await;
        let expected = &stats["kinds"][kind];
        for field in [
            "incidents",
            "killed",
            "killed_women",
            "killed_children",
            "injured",
            "injured_women",
            "injured_children",
            "communities",
            "by_perpetrator",
            "by_weapon",
            "by_place_type",
            "by_cause",
            "by_vehicle",
        ] {
            assert_eq!(figures[field], expected[field], "{kind} {field}");
        }
        // The first five communities are the statistics'; any more are tied with the
        // fifth.
        let top = figures["top_communities"].as_array().unwrap();
        let theirs = expected["top_communities"].as_array().unwrap();
        assert_eq!(&top[..top.len().min(5)], &theirs[..], "{kind}");
        if let Some(fifth) = top.get(4) {
            assert!(
                top[5..].iter().all(|c| c["rank"] == fifth["rank"]),
                "{kind}"
            );
        }
        let (_, since_january) = get(&format!(
            "{address}/v1/stats?{}",
            figures["year_to_date_filter"].as_str().unwrap()
        ))
        .await;
        assert_eq!(
            figures["year_to_date"], since_january["kinds"][kind]["incidents"],
            "{kind}"
        );
        assert!(figures["year_to_date"].as_u64() >= figures["incidents"].as_u64());
    }

    // From a release: its id, and the same figures (nothing changed since), but for the
    // year to date, which a release of April alone cannot count.
    let response = client()
        .post(format!("{address}/v1/releases"))
        .insert_header(("Authorization", format!("Bearer {EDITOR_TOKEN}")))
        .send_json(
            &json!({"id": "2024-04", "title": "April", "from": "2024-04-01", "to": "2024-04-30"}),
        )
        .await
        .unwrap();
    assert_eq!(body_of(response).await.0, 201);
    let (status, released) = get(&format!(
        "{address}/v1/reports/monthly.json?month=2024-04&release=2024-04"
    ))
    .await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["release"], "2024-04");
    let mut live = report["kinds"].clone();
    for (kind, figures) in live.as_object_mut().unwrap() {
        assert_eq!(
            released["kinds"][kind]["year_to_date"],
            Value::Null,
            "{kind}"
        );
        figures["year_to_date"] = Value::Null;
    }
    assert_eq!(released["kinds"], live);
    // Without a month, the release's own.
    let (status, own) = get(&format!(
        "{address}/v1/reports/monthly.json?release=2024-04"
    ))
    .await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own, released);

    // Any other kind is said by its count, communities and casualties (the demo month's
    // two pieces of unexploded ordnance), in both languages.
    let (_, english) = get(&format!(
        "{address}/v1/reports/monthly.json?month=2024-04&lang=en"
    ))
    .await;
    assert_eq!(
        english["kinds"]["uxo"]["text"],
        json!([
            "Volunteers responded to two incidents in two communities in April 2024. They \
             rescued one person injured."
        ])
    );
    let (_, arabic) = get(&format!(
        "{address}/v1/reports/monthly.json?month=2024-04&lang=ar"
    ))
    .await;
    assert_eq!(
        arabic["kinds"]["uxo"]["text"],
        json!([
            "استجاب المتطوعون لـحادثتين في تجمعين خلال شهر نيسان 2024. أسعف المتطوعون مصاباً واحداً."
        ])
    );

    // The HTML report is a self-contained page under a policy that lets nothing in from
    // elsewhere (no script at all).
    let mut page = client()
        .get(format!(
            "{address}/v1/reports/monthly.html?month=2024-04&lang=ar"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let policy = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(policy.starts_with("default-src 'none'"), "{policy:?}");
    assert!(!policy.contains("script-src"), "{policy:?}");
    let html = String::from_utf8(page.body().limit(1 << 24).await.unwrap().to_vec()).unwrap();
    assert!(!html.contains("<script"), "a script in the report");

    // A month with nothing has no kinds; bad months and other filters are refused.
    let (_, empty) = get(&format!("{address}/v1/reports/monthly.json?month=1999-01")).await;
    assert_eq!(empty["kinds"], json!({}));
    for query in [
        "",
        "?month=2024-13",
        "?month=April",
        "?month=2024-04&kind=fire",
    ] {
        let (status, problem) = get(&format!("{address}/v1/reports/monthly.json{query}")).await;
        assert_eq!(status, 400, "{query}: {problem}");
    }
}
