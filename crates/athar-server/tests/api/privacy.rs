//! Location privacy: with a public precision and private fields configured, readers
//! without a token get rounded points and no notes in items, exports, tiles and maps; with
//! small-count suppression (and counts only for them), no answer gives them a withheld
//! count by any way tried; a reader token sees what is stored.

use serde_json::Value;

use crate::support::{Backend, READER_TOKEN, TestStore, client, import_csv};

const MONTH: &str = "\
source_id,kind,occurred_on,community,latitude,longitude,killed,notes
p1,attack,2024-05-02,سرمين,35.90312,36.72456,1,منزل عائلة محددة
p2,attack,2024-05-03,سرمين,35.90377,36.72411,0,
p3,attack,2024-05-04,سرمين,35.90401,36.72533,0,
p4,attack,2024-05-05,أريحا,35.81234,36.61187,2,شاهد عيان
p5,fire,2024-05-06,أريحا,35.81299,36.61111,0,
";

async fn fetch(url: &str, token: Option<&str>) -> (u16, Vec<u8>, Option<String>) {
    let mut request = client().get(url);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut response = request.send().await.unwrap();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    (response.status().as_u16(), body.to_vec(), etag)
}

async fn json(url: &str, token: Option<&str>) -> Value {
    let (status, body, _) = fetch(url, token).await;
    assert_eq!(status, 200, "{url}");
    serde_json::from_slice(&body).unwrap()
}

fn on_grid(value: f64, decimals: i32) -> bool {
    let scaled = value * 10f64.powi(decimals);
    (scaled - scaled.round()).abs() < 1e-6
}

#[actix_web::test]
async fn anonymous_readers_see_what_the_privacy_settings_allow() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.privacy = athar_app::privacy::Privacy {
        precision: athar_app::privacy::PublicPrecision::Round(2),
        private_fields: vec!["notes".into()],
        ..athar_app::privacy::Privacy::default()
    };
    let address = store.spawn_with(settings).await;
    import_csv(&address, MONTH).await;

    // Items: rounded points and no notes without a token; as stored with one.
    let items = format!("{address}/collections/incidents/items?limit=100");
    let public = json(&items, None).await;
    let trusted = json(&items, Some(READER_TOKEN)).await;
    for feature in public["features"].as_array().unwrap() {
        let [lon, lat] = [0, 1].map(|i| feature["geometry"]["coordinates"][i].as_f64().unwrap());
        assert!(on_grid(lon, 2) && on_grid(lat, 2), "{feature}");
        assert!(feature["properties"]["notes"].is_null(), "{feature}");
    }
    let p1 = trusted["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["source_id"] == "p1")
        .unwrap();
    assert_eq!(p1["geometry"]["coordinates"][0].as_f64(), Some(36.72456));
    assert_eq!(p1["properties"]["notes"], "منزل عائلة محددة");

    // Exports: the same.
    let (_, csv, _) = fetch(&format!("{address}/v1/exports/incidents.csv"), None).await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(!csv.contains("منزل عائلة محددة") && !csv.contains("36.72456"));
    assert!(csv.contains("36.72"));
    let (_, csv, _) = fetch(
        &format!("{address}/v1/exports/incidents.csv"),
        Some(READER_TOKEN),
    )
    .await;
    assert!(String::from_utf8(csv).unwrap().contains("36.72456"));

    // Tiles at zoom 14: a point of the public tile lies on the 0.01° grid.
    let tile = |lon: f64, lat: f64, z: u8| {
        let n = f64::from(1u32 << z);
        let x = ((lon + 180.0) / 360.0 * n) as u32;
        let lat_r = lat.to_radians();
        let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
            as u32;
        (x, y)
    };
    let (x, y) = tile(36.72, 35.90, 14);
    let url = format!("{address}/tiles/incidents/14/{x}/{y}.mvt");
    let (status, public_tile, public_tag) = fetch(&url, None).await;
    assert_eq!(status, 200);
    let (_, trusted_tile, trusted_tag) = fetch(&url, Some(READER_TOKEN)).await;
    assert_ne!(public_tile, trusted_tile);
    assert_ne!(public_tag, trusted_tag, "the ETag tells the two apart");
    let reader = mvt_reader::Reader::new(public_tile).unwrap();
    let features = reader.get_features_as::<i32>(0).unwrap();
    assert!(!features.is_empty());
    for feature in features {
        let geo_types::Geometry::MultiPoint(points) = feature.geometry else {
            panic!("a point")
        };
        for point in points {
            // Back from tile pixels to degrees: within a pixel (about 2 m) of the grid.
            let n = f64::from(1u32 << 14) * 4096.0;
            let lon = (f64::from(x) * 4096.0 + f64::from(point.x())) / n * 360.0 - 180.0;
            let scaled = lon * 100.0;
            assert!((scaled - scaled.round()).abs() < 0.003, "{lon}");
        }
    }

    // Static maps differ too, and say so in their ETag.
    let map = format!("{address}/maps/static.png?kind=attack&width=300&height=200");
    let (_, public_map, public_tag) = fetch(&map, None).await;
    let (_, trusted_map, trusted_tag) = fetch(&map, Some(READER_TOKEN)).await;
    assert_ne!(public_tag, trusted_tag);
    assert!(!public_map.is_empty() && !trusted_map.is_empty());

    // The change log's before and after hold exact points and notes: withheld without a
    // token.
    let corrected = MONTH.replace("منزل عائلة محددة", "منزل آخر");
    assert_eq!(import_csv(&address, &corrected).await["updated"], 1);
    let log = format!("{address}/v1/changes?since=0");
    let public = json(&log, None).await;
    let trusted = json(&log, Some(READER_TOKEN)).await;
    let fields = |log: &Value| -> Vec<Value> {
        log["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["fields"].clone())
            .collect()
    };
    assert!(fields(&public).iter().all(Value::is_null), "{public}");
    assert_eq!(
        fields(&trusted).last().unwrap(),
        &serde_json::json!([{"field": "notes", "before": "منزل عائلة محددة", "after": "منزل آخر"}])
    );
}

#[actix_web::test]
async fn a_bad_privacy_setting_stops_the_start() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.privacy.private_fields = vec!["killed".into()];
    let error = athar_server::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(
        error.to_string().contains("private field 'killed'"),
        "{error}"
    );
    // Suppression cannot hold while anonymous readers get the incidents one by one.
    let mut settings = store.settings(false);
    settings.privacy.suppress_below = 3;
    let error = athar_server::Application::build(settings)
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("--suppress-below 3") && message.contains("--public-incidents false"),
        "{message}"
    );
}

/// Taftanaz: 4 attacks in May, 1 in April; Sarmin 3 attacks; Binnish 3 attacks; Ariha 1
/// attack (withheld) and 3 fires; in June, one attack at a farm no gazetteer knows (a
/// learned place, so in the review queue).
const SUPPRESSED: &str = "\
source_id,kind,occurred_on,community,latitude,longitude,killed
t0,attack,2024-04-20,تفتناز,35.998,36.785,0
t1,attack,2024-05-02,تفتناز,35.998,36.785,1
t2,attack,2024-05-03,تفتناز,35.998,36.785,0
t3,attack,2024-05-04,تفتناز,35.998,36.785,0
t4,attack,2024-05-05,تفتناز,35.998,36.785,0
s1,attack,2024-05-02,سرمين,35.903,36.724,1
s2,attack,2024-05-03,سرمين,35.903,36.724,0
s3,attack,2024-05-04,سرمين,35.903,36.724,0
b1,attack,2024-05-06,بنش,35.951,36.711,0
b2,attack,2024-05-07,بنش,35.951,36.711,0
b3,attack,2024-05-08,بنش,35.951,36.711,0
a1,attack,2024-05-05,أريحا,35.812,36.611,2
a2,fire,2024-05-06,أريحا,35.812,36.611,0
a3,fire,2024-05-07,أريحا,35.812,36.611,0
a4,fire,2024-05-08,أريحا,35.812,36.611,0
m1,attack,2024-06-02,مزرعة الاختبار الشمالية,35.951,36.655,0
";

fn named<'a>(entries: &'a Value, name: &str) -> &'a Value {
    entries
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name_ar"].as_str().is_some_and(|n| n.contains(name)))
        .unwrap_or_else(|| panic!("{name} in {entries}"))
}

fn is_withheld(entry: &Value) -> bool {
    entry["suppressed"] == true
        && [
            "count",
            "killed",
            "injured",
            "rank",
            "previous_count",
            "change",
        ]
        .iter()
        .all(|field| entry[*field].is_null())
}

async fn status(url: &str) -> u16 {
    fetch(url, None).await.0
}

/// Every way an anonymous reader was found to work out Ariha's one attack (the counts
/// endpoint withholds it) is tried, and none gives it; a reader token still sees it.
#[actix_web::test]
async fn a_withheld_count_cannot_be_worked_out() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.privacy = athar_app::privacy::Privacy {
        suppress_below: 3,
        suppress_kinds: vec!["attack".into()],
        public_incidents: false,
        ..athar_app::privacy::Privacy::default()
    };
    let address = store.spawn_with(settings).await;
    import_csv(&address, SUPPRESSED).await;
    let may = "from=2024-05-01&to=2024-05-31";

    // The ranking: Ariha withheld, without a rank; one withheld alone would be the total
    // less the others, so the smallest shown one is withheld with it.
    let counts = json(
        &format!("{address}/v1/communities/counts?kind=attack&{may}"),
        None,
    )
    .await;
    let ranking = &counts["communities"];
    assert!(is_withheld(named(ranking, "أريحا")), "{counts}");
    let hidden: Vec<&Value> = ranking
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["suppressed"] == true)
        .collect();
    assert_eq!(hidden.len(), 2, "{counts}");
    let shown: u64 = ranking
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["count"].as_u64())
        .sum();
    assert_eq!(
        counts["total_incidents"].as_u64().unwrap() - shown,
        4,
        "the total less the shown counts is two communities' together"
    );
    // Withheld entries come last, in the order of their ids, not their counts.
    let last: Vec<&str> = ranking.as_array().unwrap()[2..]
        .iter()
        .map(|c| c["community_id"].as_str().unwrap())
        .collect();
    let mut sorted = last.clone();
    sorted.sort_unstable();
    assert_eq!(last, sorted);
    // The previous period: Taftanaz had one attack in April.
    let taftanaz = named(ranking, "تفتناز");
    assert_eq!(taftanaz["count"], 4);
    assert!(
        taftanaz["previous_count"].is_null() && taftanaz["change"].is_null(),
        "{taftanaz}"
    );
    // Every kind less fires: Ariha's all-kinds count is withheld too, fires are not.
    let all = json(&format!("{address}/v1/communities/counts?{may}"), None).await;
    assert!(is_withheld(named(&all["communities"], "أريحا")), "{all}");
    let fires = json(
        &format!("{address}/v1/communities/counts?kind=fire&{may}"),
        None,
    )
    .await;
    assert_eq!(named(&fires["communities"], "أريحا")["count"], 3);
    let both = json(
        &format!("{address}/v1/communities/counts?kind=attack,fire&{may}"),
        None,
    )
    .await;
    assert!(is_withheld(named(&both["communities"], "أريحا")), "{both}");

    // The place itself, its statistics and series by community, the review queue, the
    // community tiles, the statistics' top communities and the exports of counts.
    let ariha_id = named(&fires["communities"], "أريحا")["community_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let place = json(
        &format!(
            "{address}/v1/communities/{}?kind=attack",
            crate::support::encoded(&ariha_id)
        ),
        None,
    )
    .await;
    assert!(place["incidents"]["count"].is_null(), "{place}");
    assert_eq!(place["incidents"]["suppressed"], true);
    let community = format!("community={}", crate::support::encoded(&ariha_id));
    let stats = json(&format!("{address}/v1/stats?{community}"), None).await;
    assert_eq!(stats["kinds"]["attack"]["suppressed"], true, "{stats}");
    assert!(stats["kinds"]["attack"]["incidents"].is_null());
    assert!(
        stats["incidents"].is_null(),
        "all kinds less fires: {stats}"
    );
    assert_eq!(stats["kinds"]["fire"]["incidents"], 3);
    let series = json(
        &format!("{address}/v1/stats/series?interval=month&{community}"),
        None,
    )
    .await;
    for bucket in series["buckets"].as_array().unwrap() {
        if let Some(attack) = bucket["kinds"].get("attack") {
            assert!(attack["incidents"].is_null(), "{series}");
            assert!(bucket["incidents"].is_null(), "{series}");
        }
    }
    let june = "from=2024-06-01&to=2024-06-30";
    let review = format!("{address}/v1/communities/review?kind=attack&{june}");
    let farm = json(&review, None).await;
    let farm = named(&farm["learned"], "مزرعة");
    assert!(
        farm["count"].is_null() && farm["suppressed"] == true,
        "{farm}"
    );
    let trusted_review = json(&review, Some(READER_TOKEN)).await;
    assert_eq!(named(&trusted_review["learned"], "مزرعة")["count"], 1);
    // The communities layer flags Ariha's attacks, without counts.
    let at = athar_tiles::Tile::containing(athar_tiles::lon_lat_to_mercator(36.611, 35.812), 9);
    let (code, tile, _) = fetch(
        &format!(
            "{address}/tiles/communities/9/{}/{}.mvt?kind=attack&{may}",
            at.x, at.y
        ),
        None,
    )
    .await;
    assert_eq!(code, 200);
    let features = mvt_reader::Reader::new(tile)
        .unwrap()
        .get_features(0)
        .unwrap();
    let ariha_feature = features
        .iter()
        .filter_map(|f| f.properties.as_ref())
        .find(|p| {
            matches!(p.get("name_ar"), Some(mvt_reader::feature::Value::String(n)) if n.contains("أريحا"))
        })
        .expect("Ariha in its tile");
    assert_eq!(
        ariha_feature.get("suppressed"),
        Some(&mvt_reader::feature::Value::Bool(true))
    );
    assert!(ariha_feature.get("count").is_none(), "{ariha_feature:?}");
    let stats = json(&format!("{address}/v1/stats?kind=attack&{may}"), None).await;
    assert!(is_withheld(named(
        &stats["kinds"]["attack"]["top_communities"],
        "أريحا"
    )));
    let (_, csv, _) = fetch(
        &format!("{address}/v1/exports/communities.csv?kind=attack"),
        None,
    )
    .await;
    let csv = String::from_utf8(csv).unwrap();
    let ariha_row = csv.lines().find(|l| l.contains("أريحا")).unwrap();
    assert!(!ariha_row.split(',').any(|cell| cell == "1"), "{ariha_row}");

    // Incidents one by one, and analyses by unit, are for token holders here.
    for path in [
        format!("/collections/incidents/items?{community}"),
        "/collections/incidents/items".into(),
        "/v1/exports/incidents.csv?kind=attack".into(),
        "/tiles/incidents/0/0/0.mvt".into(),
        "/tiles/incidents.json".into(),
        "/v1/hotspots?unit=community&kind=attack".into(),
        "/v1/hotspots/trend?unit=community&kind=attack".into(),
        "/tiles/hotspots/7/77/50.mvt?unit=community".into(),
        "/maps/static.svg?view=points".into(),
        "/embed?view=points".into(),
    ] {
        assert_eq!(status(&format!("{address}{path}")).await, 401, "{path}");
    }
    // What counts only is left open: the embed page shows communities, its style has no
    // incident source, and the communities map draws.
    assert_eq!(status(&format!("{address}/embed")).await, 200);
    let style = json(&format!("{address}/styles/incidents.json"), None).await;
    assert!(style["sources"].get("incidents").is_none(), "{style}");
    assert_eq!(status(&format!("{address}/maps/static.svg")).await, 200);

    // A reader token sees every count.
    let trusted = json(
        &format!("{address}/v1/communities/counts?kind=attack&{may}"),
        Some(READER_TOKEN),
    )
    .await;
    assert_eq!(named(&trusted["communities"], "أريحا")["count"], 1);
    assert_eq!(
        named(&trusted["communities"], "تفتناز")["previous_count"],
        1
    );
    assert_eq!(
        status(&format!("{address}/collections/incidents/items")).await,
        401
    );
    let (code, _, _) = fetch(
        &format!("{address}/collections/incidents/items"),
        Some(READER_TOKEN),
    )
    .await;
    assert_eq!(code, 200);
}

/// With community precision, an incident is drawn at its place's public point; when a
/// later report moves a learned place's point, the earlier incidents move with it (the
/// public view patches every incident of a place whose public point moved).
#[actix_web::test]
async fn incidents_follow_their_learned_place() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.privacy.precision = athar_app::privacy::PublicPrecision::Community;
    let address = store.spawn_with(settings).await;
    let header = "source_id,kind,occurred_on,community,latitude,longitude\n";
    let points = |items: &Value| -> Vec<(f64, f64)> {
        items["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let c = &f["geometry"]["coordinates"];
                (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
            })
            .collect()
    };
    let items = format!("{address}/collections/incidents/items");
    import_csv(
        &address,
        &format!("{header}q1,fire,2024-05-02,مزرعة الاختبار الجنوبية,35.9034,36.7012\n"),
    )
    .await;
    assert_eq!(points(&json(&items, None).await), vec![(36.7, 35.9)]);
    import_csv(
        &address,
        &format!("{header}q2,fire,2024-05-03,مزرعة الاختبار الجنوبية,35.9377,36.7391\n"),
    )
    .await;
    // The place is at the centroid of the two rounded points; both incidents are there.
    let public = points(&json(&items, None).await);
    assert_eq!(public.len(), 2);
    for (lon, lat) in public {
        assert!(
            (lon - 36.72).abs() < 1e-9 && (lat - 35.92).abs() < 1e-9,
            "({lon}, {lat})"
        );
    }
    // A token holder sees the points as stored.
    let stored = points(&json(&items, Some(READER_TOKEN)).await);
    assert!(stored.contains(&(36.7012, 35.9034)), "{stored:?}");
}
