//! Tests of resolution end to end, on the bundled gazetteer and a small one: the quick
//! path, exact, alias and fuzzy matches, areas, points, p-codes, aliases and search.

use super::*;
use crate::{AdminArea, CommunityKind, CommunityStatus};

fn place(id: &str, ar: &str, en: &str, admin1: &str, lon_lat: (f64, f64)) -> Community {
    Community {
        id: id.into(),
        pcode: Some(id.into()),
        name_ar: Some(ar.into()),
        name_en: Some(en.into()),
        alternate_names: vec![],
        kind: CommunityKind::Village,
        status: CommunityStatus::Reference,
        lon_lat: Some(lon_lat),
        admin1: AdminArea {
            name: Some(admin1.into()),
            pcode: None,
        },
        admin2: AdminArea::default(),
        admin3: AdminArea::default(),
    }
}

/// Over every name of the bundled gazetteer, with no point, the place's own point,
/// and points 20 and 40 km off, and no area, its own and another: whenever the quick
/// path names a place, the full resolution names the same one, exactly.
#[test]
fn the_sole_match_is_what_full_resolution_chooses() {
    let gazetteer = Gazetteer::bundled();
    let (mut quick, mut aliases, mut slow) = (0, 0, 0);
    for community in gazetteer.communities.iter().step_by(3) {
        let areas = [None, community.admin1.name.as_deref(), Some("Aleppo")];
        let points = [None, community.lon_lat]
            .into_iter()
            .chain(community.lon_lat.map(|(lon, lat)| Some((lon + 0.2, lat))))
            .chain(community.lon_lat.map(|(lon, lat)| Some((lon, lat + 0.36))));
        for point in points {
            for admin1 in areas {
                // Aliases too: a place's names are exact matches of it, and
                // misspellings of them (a letter dropped) are often aliases of others.
                let names = community.names().flat_map(|name| {
                    let dropped: String = name.chars().skip(1).collect();
                    [name.to_owned(), dropped]
                });
                for name in names {
                    let name = name.as_str();
                    let query = Query {
                        name,
                        pcode: None,
                        admin1,
                        point,
                    };
                    let matches = gazetteer.name_matches(name);
                    let full = gazetteer.resolve_matched(&matches, &query);
                    match gazetteer.sole_match(&matches, &query) {
                        Some((index, method, score)) => {
                            quick += 1;
                            aliases += usize::from(method == Method::Alias);
                            let place = &gazetteer.community_at(index).id;
                            assert_eq!(full.community_id.as_ref(), Some(place), "{query:?}");
                            assert_eq!((full.method, full.score), (method, score));
                        }
                        None => slow += 1,
                    }
                }
            }
        }
    }
    // Both paths are exercised: places far from their point or in another area
    // take the full one.
    assert!(
        quick > 1000 && aliases > 100 && slow > 1000,
        "{quick} quick ({aliases} aliases), {slow} full"
    );
}

fn gazetteer() -> Gazetteer {
    let mut kafranbel = place("C1", "كفرنبل", "Kafr Nabl", "Idlib", (36.56, 35.61));
    kafranbel.alternate_names = vec!["Kafranbel".into()];
    Gazetteer::new([
        kafranbel,
        place("C2", "كفرنبودة", "Kafr Nabuda", "Hama", (36.50, 35.43)),
        place("C3", "الدير", "Ad Dayr", "Idlib", (36.70, 35.90)),
        place(
            "C4",
            "الدير الشرقي",
            "Ad Dayr ash Sharqi",
            "Idlib",
            (36.71, 35.91),
        ),
        // Two villages of one name in different governorates.
        place("C5", "المشيرفة", "Al Mushayrifah", "Idlib", (36.60, 35.80)),
        place("C6", "المشيرفة", "Al Mushayrifah", "Homs", (36.80, 34.60)),
    ])
}

fn resolved(
    g: &Gazetteer,
    name: &str,
    admin1: Option<&str>,
    point: Option<(f64, f64)>,
) -> Option<String> {
    g.resolve(&Query {
        name,
        pcode: None,
        admin1,
        point,
    })
    .community_id
}

#[test]
fn exact_alias_and_fuzzy_matches_carry_their_method() {
    let g = gazetteer();
    let r = g.resolve(&Query {
        name: "كَفْر نبل",
        ..Query::default()
    });
    assert_eq!(
        (r.community_id.as_deref(), r.method),
        (Some("C1"), Method::Exact)
    );
    let r = g.resolve(&Query {
        name: "Kafranbel",
        ..Query::default()
    });
    assert_eq!(
        (r.community_id.as_deref(), r.method),
        (Some("C1"), Method::Alias)
    );
    let r = g.resolve(&Query {
        name: "Kafrnabel",
        admin1: Some("Idleb"),
        ..Query::default()
    });
    assert_eq!(
        (r.community_id.as_deref(), r.method),
        (Some("C1"), Method::Fuzzy)
    );
    assert!(r.score < 0.95 && r.score > 0.7, "{}", r.score);
}

#[test]
fn a_fuzzy_match_needs_an_area_or_a_point() {
    let g = gazetteer();
    let r = g.resolve(&Query {
        name: "Kafrnabel",
        ..Query::default()
    });
    assert_eq!(r.community_id, None);
    assert!(
        r.candidates
            .iter()
            .any(|c| c.community_id == "C1" && !c.eligible)
    );
}

#[test]
fn qualified_names_never_merge_with_the_plain_one() {
    let g = gazetteer();
    assert_eq!(
        resolved(&g, "الدير", Some("Idlib"), None).as_deref(),
        Some("C3")
    );
    assert_eq!(
        resolved(&g, "الدير الشرقية", Some("Idlib"), None).as_deref(),
        Some("C4")
    );
    assert_eq!(resolved(&g, "الدير الغربي", Some("Idlib"), None), None);
    assert_eq!(resolved(&g, "كفرنبوده", Some("Idlib"), None), None);
}

#[test]
fn one_name_in_two_governorates_is_told_apart_by_area_or_point_and_otherwise_ambiguous() {
    let g = gazetteer();
    assert_eq!(
        resolved(&g, "المشيرفة", Some("Idlib"), None).as_deref(),
        Some("C5")
    );
    assert_eq!(
        resolved(&g, "المشيرفه", Some("حمص"), None).as_deref(),
        Some("C6")
    );
    assert_eq!(
        resolved(&g, "المشيرفة", None, Some((36.79, 34.61))).as_deref(),
        Some("C6")
    );
    let r = g.resolve(&Query {
        name: "المشيرفة",
        ..Query::default()
    });
    assert_eq!(r.community_id, None);
    assert!(r.reason.contains("ambiguous"), "{}", r.reason);
}

#[test]
fn a_name_matched_far_from_the_point_is_another_place() {
    let g = gazetteer();
    // كفرنبل exists, but this incident is 80 km away: a different village or a typo.
    let r = g.resolve(&Query {
        name: "كفرنبل",
        point: Some((37.3, 36.2)),
        ..Query::default()
    });
    assert_eq!(r.community_id, None);
    assert!(
        r.candidates[0].reason.contains("ruled out"),
        "{:?}",
        r.candidates
    );
}

#[test]
fn pcodes_resolve_first_and_aliases_attach_and_lists_update_in_place() {
    let mut g = gazetteer();
    assert_eq!(
        g.resolve(&Query {
            name: "anything",
            pcode: Some("c2"),
            ..Query::default()
        })
        .method,
        Method::Pcode
    );
    assert_eq!(resolved(&g, "كفر نبل الجديدة", None, None), None);
    assert!(g.add_alias("C1", "كفر نبل الجديدة"));
    assert_eq!(
        resolved(&g, "كفرنبل الجديده", None, None).as_deref(),
        Some("C1")
    );
    let mut renamed = g.get("C3").unwrap().clone();
    renamed.name_ar = Some("دير سنبل".into());
    g.upsert(renamed);
    assert_eq!(g.len(), 6);
    assert_eq!(resolved(&g, "الدير", Some("Idlib"), None), None);
    assert_eq!(resolved(&g, "دير سنبل", None, None).as_deref(), Some("C3"));
}

#[test]
fn search_finds_names_in_either_script() {
    let g = gazetteer();
    let ids = |q: &str| {
        g.search(q, 10)
            .into_iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("كفرنبل"), vec!["C1"]);
    assert_eq!(ids("kafr"), vec!["C1", "C2"]);
    assert_eq!(ids("الدير"), vec!["C3", "C4"]);
}

/// A place learned from Arabic spellings (with the romanisation Athar gave it) and one
/// learned from Latin spellings: a later spelling in the other script joins each by its
/// cross-script key, within the governorate; an Arabic name is never matched through the
/// Latin name of a place that has an Arabic one.
#[test]
fn later_spellings_in_the_other_script_join_learned_places() {
    let learned = |id: &str, ar: Option<&str>, en: Option<&str>, lon_lat| Community {
        status: CommunityStatus::Learned,
        pcode: None,
        name_ar: ar.map(str::to_owned),
        name_en: en.map(str::to_owned),
        ..place(id, "-", "-", "Idlib", lon_lat)
    };
    let martyrs = "مخيم الشهداء";
    let gazetteer = Gazetteer::new([
        learned(
            "learned:SY07:martyrs",
            Some(martyrs),
            Some(&crate::romanise(martyrs)),
            (36.70, 36.30),
        ),
        learned(
            "learned:SY07:karama",
            None,
            Some("Karama camp"),
            (36.60, 36.25),
        ),
    ]);
    let resolve = |name: &str| {
        gazetteer.resolve(&Query {
            name,
            admin1: Some("Idlib"),
            point: Some((36.605, 36.255)),
            ..Query::default()
        })
    };
    let latin = gazetteer.resolve(&Query {
        name: "Shuhada camp",
        admin1: Some("Idlib"),
        ..Query::default()
    });
    assert_eq!(
        (latin.community_id.as_deref(), latin.method),
        (Some("learned:SY07:martyrs"), Method::CrossScript),
        "{latin:?}"
    );
    let arabic = resolve("مخيم الكرامة");
    assert_eq!(
        (arabic.community_id.as_deref(), arabic.method),
        (Some("learned:SY07:karama"), Method::CrossScript),
        "{arabic:?}"
    );
    // Not a camp: no cross-script match to the camp of that name.
    assert_eq!(resolve("Karama").community_id, None);
    // مخيم سعدي has the key of the camp's romanised name (`sd#`) but is not its Arabic
    // name, nor like it letter by letter: no place.
    assert_eq!(
        crate::name::cross_script_key("مخيم سعدي"),
        crate::name::cross_script_key(&crate::romanise(martyrs))
    );
    let other = gazetteer.resolve(&Query {
        name: "مخيم سعدي",
        admin1: Some("Idlib"),
        ..Query::default()
    });
    assert_eq!(other.community_id, None, "{other:?}");
}
