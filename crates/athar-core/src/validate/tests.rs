//! Tests of validation: each rule, drafts reused and made from records, the changes
//! between two, and the content hash.

use chrono::NaiveDate;

use super::*;
use crate::{IncidentRecord, LocationPrecision, Pcode, Point, TimePrecision, Vocabularies};

/// Keys names by folding case; knows one place, "Known Town".
struct TestResolver;

impl CommunityResolver for TestResolver {
    fn key(&self, name: &str) -> String {
        name.to_lowercase()
    }
    fn resolve(&self, name: &str, _: &NameContext<'_>) -> Option<ResolvedCommunity> {
        (name == "Known Town").then(|| ResolvedCommunity {
            community_id: "C1234".into(),
            method: crate::ResolutionMethod::Exact,
            score: 1.0,
            point: Some(Point::from_degrees(36.6, 35.9).unwrap()),
            pcode: Some(Pcode::parse("C1234").unwrap()),
            admin1: Some("Idlib".into()),
            admin2: None,
            admin3: None,
        })
    }
}

#[test]
fn a_reused_draft_keeps_nothing_from_the_row_before() {
    let vocabularies = Vocabularies::defaults();
    let mut reused = draft(&[("notes", "first row's note"), ("killed", "3")]);
    reused.reset();
    for (field, value) in VALID {
        reused.set(field, value).unwrap();
    }
    reused.set("notes", "  ").unwrap();
    let fresh = draft(&[]);
    assert_eq!(reused, fresh);
    let record = reused.validate(&context(&vocabularies)).unwrap();
    assert_eq!(record.notes, None);
    assert_eq!(record.casualties.counts().killed, 0);
}

fn context(vocabularies: &Vocabularies) -> ValidationContext<'_> {
    ValidationContext {
        vocabularies,
        resolver: &TestResolver,
        default_source: None,
        today: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
    }
}

/// The fields of a valid draft, which tests add to or override.
const VALID: [(&str, &str); 6] = [
    ("source", "test"),
    ("kind", "attack"),
    ("occurred_on", "2024-04-12"),
    ("community", "Kafr Nabl"),
    ("latitude", "35.61"),
    ("longitude", "36.56"),
];

fn draft(fields: &[(&str, &str)]) -> IncidentDraft {
    let mut draft = IncidentDraft::default();
    for (field, value) in VALID.iter().chain(fields) {
        draft.set(field, value).unwrap();
    }
    draft
}

fn errors(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let vocabularies = Vocabularies::defaults();
    draft(fields)
        .validate(&context(&vocabularies))
        .expect_err("the draft should be rejected")
        .into_iter()
        .map(|e| (e.field, e.message))
        .collect()
}

fn valid(fields: &[(&str, &str)]) -> IncidentRecord {
    let vocabularies = Vocabularies::defaults();
    draft(fields)
        .validate(&context(&vocabularies))
        .expect("the draft should be valid")
}

fn fields_at_fault(fields: &[(&str, &str)]) -> Vec<String> {
    errors(fields).into_iter().map(|(field, _)| field).collect()
}

#[test]
fn changes_between_records_name_each_changed_field_with_both_texts() {
    let before = valid(&[("killed", "2"), ("notes", "قصف")]);
    let after = valid(&[("killed", "3"), ("weapon", "drone")]);
    let changes =
        IncidentDraft::from_record(&before).changes_to(&IncidentDraft::from_record(&after));
    let change = |field: &str, before: Option<&str>, after: Option<&str>| FieldChange {
        field: field.into(),
        before: before.map(str::to_owned),
        after: after.map(str::to_owned),
    };
    assert_eq!(
        changes,
        [
            change("weapon", None, Some("drone")),
            change("killed", Some("2"), Some("3")),
            change("notes", Some("قصف"), None),
        ]
    );
    let same = IncidentDraft::from_record(&before);
    assert!(same.changes_to(&same.clone()).is_empty());
}

#[test]
fn a_complete_attack_is_accepted_with_exact_location() {
    let record = valid(&[
        ("weapon", "قذائف مدفعية"),
        ("perpetrator", "government_forces"),
        ("killed", "2"),
    ]);
    assert_eq!(record.weapon.unwrap().as_str(), "artillery");
    assert_eq!(record.location_precision, LocationPrecision::Exact);
    assert_eq!(record.community_key, "kafr nabl");
    assert_eq!(record.occurred.precision(), TimePrecision::Day);
}

#[test]
fn latitude_and_longitude_out_of_range_are_rejected() {
    assert_eq!(fields_at_fault(&[("latitude", "95")]), ["latitude"]);
    assert_eq!(fields_at_fault(&[("longitude", "-181")]), ["longitude"]);
    assert_eq!(fields_at_fault(&[("longitude", "east")]), ["longitude"]);
}

#[test]
fn half_a_coordinate_pair_is_rejected() {
    let mut draft = draft(&[]);
    draft.set("longitude", "").unwrap();
    let vocabularies = Vocabularies::defaults();
    let errors = draft.validate(&context(&vocabularies)).unwrap_err();
    assert_eq!(errors[0].field, "longitude");
    assert!(errors[0].message.contains("give both or neither"));
}

#[test]
fn no_coordinates_and_an_unknown_community_is_kept_without_a_point_for_review() {
    let mut draft = draft(&[]);
    draft.set("latitude", "").unwrap();
    draft.set("longitude", "").unwrap();
    let vocabularies = Vocabularies::defaults();
    let record = draft.validate(&context(&vocabularies)).unwrap();
    assert_eq!(record.location, None);
    assert_eq!(record.location_precision, LocationPrecision::Admin);
    assert_eq!(record.community, "Kafr Nabl");
    assert_eq!(record.resolution, crate::CommunityResolution::default());
}

#[test]
fn no_coordinates_and_a_known_community_takes_its_place() {
    let mut draft = draft(&[("community", "Known Town")]);
    draft.set("latitude", "").unwrap();
    draft.set("longitude", "").unwrap();
    let vocabularies = Vocabularies::defaults();
    let record = draft.validate(&context(&vocabularies)).unwrap();
    assert_eq!(record.location_precision, LocationPrecision::Community);
    assert_eq!(record.resolution.community_id.as_deref(), Some("C1234"));
    assert_eq!(record.resolution.method, crate::ResolutionMethod::Exact);
    assert_eq!(record.community_pcode.unwrap().as_str(), "C1234");
    assert_eq!(record.admin1.as_deref(), Some("Idlib"));
}

#[test]
fn casualty_subsets_above_their_totals_are_rejected() {
    assert_eq!(
        fields_at_fault(&[("killed", "1"), ("killed_women", "2")]),
        ["killed_women"]
    );
    assert_eq!(
        fields_at_fault(&[("injured", "2"), ("injured_children", "3")]),
        ["injured_children"]
    );
    assert_eq!(fields_at_fault(&[("killed", "-1")]), ["killed"]);
    assert_eq!(fields_at_fault(&[("injured", "1.5")]), ["injured"]);
    assert_eq!(valid(&[("killed", "3.0")]).casualties.killed(), 3);
}

#[test]
fn unknown_vocabulary_terms_are_rejected_with_what_is_allowed() {
    let errors = errors(&[("weapon", "catapult")]);
    assert_eq!(errors[0].0, "weapon");
    assert!(errors[0].1.contains("allowed: "), "{}", errors[0].1);
    assert_eq!(fields_at_fault(&[("kind", "earthquake")]), ["kind"]);
    assert_eq!(fields_at_fault(&[("place_type", "castle")]), ["place_type"]);
}

#[test]
fn kind_specific_fields_on_the_wrong_kind_are_rejected() {
    assert_eq!(
        fields_at_fault(&[("kind", "fire"), ("weapon", "drone")]),
        ["weapon"]
    );
    assert_eq!(
        fields_at_fault(&[("kind", "fire"), ("perpetrator", "unknown")]),
        ["perpetrator"]
    );
    assert_eq!(
        fields_at_fault(&[("kind", "attack"), ("cause", "gas_leak")]),
        ["cause"]
    );
    assert_eq!(
        fields_at_fault(&[("kind", "fire"), ("vehicle", "car")]),
        ["vehicle"]
    );
    let accident = valid(&[
        ("kind", "traffic_accident"),
        ("vehicle", "دراجة نارية"),
        ("cause", "speeding"),
    ]);
    assert_eq!(accident.vehicle.unwrap().as_str(), "motorcycle");
}

#[test]
fn dates_must_exist_and_not_lie_in_the_future() {
    assert_eq!(
        fields_at_fault(&[("occurred_on", "2024-02-30")]),
        ["occurred_on"]
    );
    assert_eq!(
        fields_at_fault(&[("occurred_on", "2025-01-01")]),
        ["occurred_on"]
    );
    let mut no_date = draft(&[]);
    no_date.set("occurred_on", "").unwrap();
    let vocabularies = Vocabularies::defaults();
    assert_eq!(
        no_date.validate(&context(&vocabularies)).unwrap_err()[0].field,
        "occurred_on"
    );
}

#[test]
fn occurred_at_gives_minute_precision_and_must_agree_with_occurred_on() {
    let record = valid(&[("occurred_at", "2024-04-12T14:30")]);
    assert_eq!(record.occurred.to_string(), "2024-04-12T14:30");
    assert_eq!(record.occurred.precision(), TimePrecision::Minute);
    assert_eq!(
        fields_at_fault(&[("occurred_at", "2024-04-13T01:00")]),
        ["occurred_at"]
    );
    let day = valid(&[
        ("occurred_at", "2024-04-12T14:30"),
        ("time_precision", "day"),
    ]);
    assert_eq!(day.occurred.precision(), TimePrecision::Day);
    assert_eq!(
        fields_at_fault(&[("time_precision", "minute")]),
        ["time_precision"]
    );
    assert_eq!(
        fields_at_fault(&[("time_precision", "hour")]),
        ["time_precision"]
    );
}

#[test]
fn missing_source_kind_and_community_are_each_reported() {
    let mut empty = IncidentDraft::default();
    empty.set("occurred_on", "2024-01-01").unwrap();
    let vocabularies = Vocabularies::defaults();
    let fields: Vec<String> = empty
        .validate(&context(&vocabularies))
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["source", "kind", "community"]);
}

#[test]
fn a_bad_pcode_and_an_own_id_are_rejected() {
    assert_eq!(
        fields_at_fault(&[("community_pcode", "Idlib")]),
        ["community_pcode"]
    );
    assert_eq!(fields_at_fault(&[("id", "123")]), ["id"]);
    assert_eq!(
        fields_at_fault(&[("location_precision", "rough")]),
        ["location_precision"]
    );
}

#[test]
fn a_record_round_trips_through_its_draft() {
    let record = valid(&[
        ("occurred_at", "2024-04-12T14:30"),
        ("weapon", "drone"),
        ("killed", "2"),
        ("killed_children", "1"),
        ("community_pcode", "C1234"),
        ("notes", "x"),
    ]);
    let vocabularies = Vocabularies::defaults();
    let again = IncidentDraft::from_record(&record)
        .validate(&context(&vocabularies))
        .unwrap();
    assert_eq!(again, record);
}

#[test]
fn unknown_fields_cannot_be_set() {
    let error = IncidentDraft::default().set("casualties", "3").unwrap_err();
    assert!(error.message.contains("known fields: source"), "{error}");
}

#[test]
fn the_content_hash_changes_with_any_field_and_only_then() {
    let base = valid(&[("killed", "1")]);
    assert_eq!(
        base.content_hash(),
        valid(&[("killed", "1")]).content_hash()
    );
    assert_ne!(
        base.content_hash(),
        valid(&[("killed", "2")]).content_hash()
    );
    assert_ne!(
        base.content_hash(),
        valid(&[("killed", "1"), ("notes", "x")]).content_hash()
    );
}

#[test]
fn the_content_hash_is_the_same_in_every_release() {
    // Stored with every incident: a new value would make every re-import an update.
    let hashes = [
        valid(&[("killed", "1")]).content_hash(),
        valid(&[
            ("source_id", "f-17"),
            ("occurred_at", "2024-04-12T21:40"),
            ("weapon", "drone"),
            ("perpetrator", "government_forces"),
            ("killed", "3"),
            ("killed_children", "1"),
            ("injured", "5"),
            ("notes", "قصف"),
            ("community", "Known Town"),
        ])
        .content_hash(),
    ];
    assert_eq!(
        hashes,
        [14_464_744_837_622_798_479, 6_186_184_960_555_981_192]
    );
}
