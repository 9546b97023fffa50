//! Candidate duplicates: incidents of different sources that are probably one event.
//!
//! Coordination networks pool the incident records of many organisations, and the same
//! attack reported by the civil defence and by a local council must count once. This
//! crate proposes the pairs a person should look at; it decides nothing, merges nothing,
//! and knows nothing of HTTP or SQL. The caller brings [`Report`]s (borrowed views of its
//! incidents), builds a [`Detector`] over them, and asks for the [`Candidate`]s of the
//! rows just imported ([`Detector::candidates_for`]) or of everything
//! ([`Detector::all_candidates`]). [`compare`] judges one pair.
//!
//! # The rules
//!
//! A pair is a candidate only if all of these hold:
//!
//! 1. **Sources and kind.** The sources differ (a source's own records are never paired:
//!    it knows its incidents apart) and the kinds are equal.
//! 2. **Place.** Points of [`LocationPrecision::Admin`] precision (an area's centre)
//!    and points outside the valid range of degrees count as no point. Then either
//!    - both have points at most [`EXACT_POINTS_KM`] (2 km) apart, or at most
//!      [`COMMUNITY_CENTRE_KM`] (5 km) apart when either point is a community centre
//!      ([`LocationPrecision::Community`]); or
//!    - both were resolved to the same community, and either of them has no point or
//!      their points are at most [`SAME_COMMUNITY_KM`] (10 km) apart.
//!
//!    A pair with no such evidence of place (no points and no common community) is never
//!    a candidate. Distances are great circles by the haversine formula on the sphere of
//!    [`MEAN_EARTH_RADIUS_KM`](athar_core::geo::MEAN_EARTH_RADIUS_KM).
//! 3. **Days and times.** The dates are at most [`MAX_DAYS_APART`] (one) day apart. When
//!    both reports give a time, the times, dates included, are at most
//!    [`MAX_MINUTES_APART`] (3 hours) apart: 23:30 and 01:00 the next day are 90 minutes
//!    apart and pair; 00:10 and 23:50 of one day are 23 hours 40 minutes apart and do not.
//!    Times are compared to the minute. A report without a time pairs with any time.
//! 4. **Casualties do not contradict.** Each of the six figures (killed, women and
//!    children killed, injured, women and children injured) is equal in both reports, or
//!    the two differ by at most [`CASUALTY_SLACK`] (2) people or by at most
//!    [`CASUALTY_SLACK_PERCENT`] (25%) of the larger: `|a − b| ≤ max(2, 25% of
//!    max(a, b))`. This is the allowance for differently rounded or differently counted
//!    figures (7 and 8, 12 and 10, 40 and 50 agree; 0 and 3, 40 and 55 do not). No figure
//!    means "unknown": a report of no casualties pairs with one of 2 killed, not 3.
//!
//! # The score
//!
//! Each candidate has a score from 0 to 1, rounded to three decimals: the sum of
//!
//! | evidence | weight |
//! |---|---|
//! | distance between the points, when both have one | [`DISTANCE_WEIGHT`] (0.30) × (1 − km / [`CLOSENESS_SCALE_KM`] (5)), not below 0; times [`COMMUNITY_CENTRE_FACTOR`] (½) when either point is a community centre |
//! | the same community | [`SAME_COMMUNITY_WEIGHT`] (0.15) |
//! | the same day, or one day apart | [`SAME_DAY_WEIGHT`] (0.20), or [`ONE_DAY_APART_WEIGHT`] (0.10) |
//! | times, when both give one | [`TIME_WEIGHT`] (0.15) × (1 − minutes / 180) |
//! | casualties equal, or only compatible | [`CASUALTIES_EQUAL_WEIGHT`] (0.20), or [`CASUALTIES_COMPATIBLE_WEIGHT`] (0.10) |
//!
//! The weights add up to 1. Each term only grows as its evidence gets stronger (nearer,
//! sooner, equal), whatever the others are, so of two pairs that differ in one respect the
//! closer one never scores less. Missing evidence (no point, no time) adds nothing rather
//! than counting against the pair. The score orders a review queue; it is not a
//! probability.
//!
//! A candidate's [`Reason`]s list every rule that held, with the measured distance and
//! time difference, so that a person sees why the pair was proposed.
//!
//! # How candidates are found
//!
//! Never by comparing all pairs: the [`Detector`] sorts the reports by kind, day and a
//! grid cell of 0.05°, and by kind, day and community; a report meets only the reports of
//! its kind, of the three days around its own, in the cells within 5 km of its point or
//! in its community. Among a million generated reports, the candidates of ten thousand
//! fresh ones took about 0.06 s when the reports spread over a year, and 0.35 s when
//! crowded into one month (32,000 a day, 315,000 candidates; `examples/detect_bench.rs`).
//!
//! # Example
//! ```
//! use athar_core::{CasualtyCounts, LocationPrecision};
//! use athar_duplicates::{Detector, Reason, Report};
//! use chrono::{NaiveDate, NaiveTime};
//! use uuid::Uuid;
//!
//! let day = NaiveDate::from_ymd_opt(2024, 4, 12).unwrap();
//! let report = |id, source, time: &str, point, killed| Report {
//!     id: Uuid::from_u128(id),
//!     source,
//!     kind: "attack",
//!     date: day,
//!     time: Some(NaiveTime::parse_from_str(time, "%H:%M").unwrap()),
//!     point: Some(point),
//!     precision: LocationPrecision::Exact,
//!     community_id: None,
//!     casualties: CasualtyCounts { killed, ..CasualtyCounts::default() },
//! };
//! let reports = [
//!     report(1, "civil-defence", "10:20", (36.5600, 35.6141), 12),
//!     // The same strike as the council saw it: 400 m away, 25 minutes later.
//!     report(2, "local-council", "10:45", (36.5640, 35.6160), 10),
//!     // The civil defence's own second strike that day, nearby: never paired with its first.
//!     report(3, "civil-defence", "11:00", (36.5610, 35.6150), 3),
//! ];
//! let detector = Detector::new(&reports);
//! let candidates = detector.all_candidates();
//! assert_eq!(candidates.len(), 1);
//! assert_eq!(candidates[0].incidents, [Uuid::from_u128(1), Uuid::from_u128(2)]);
//! assert!(candidates[0].reasons.contains(&Reason::TimesWithinMinutes(25)));
//! // After an import of the council's report alone:
//! assert_eq!(detector.candidates_for(&[1]), candidates);
//! ```
#![deny(missing_docs)]

mod candidate;
mod detector;
mod report;
mod rules;

pub use athar_core::{CasualtyCounts, LocationPrecision};
pub use candidate::{Candidate, Reason};
pub use detector::Detector;
pub use report::Report;
pub use rules::{
    CASUALTIES_COMPATIBLE_WEIGHT, CASUALTIES_EQUAL_WEIGHT, CASUALTY_SLACK, CASUALTY_SLACK_PERCENT,
    CLOSENESS_SCALE_KM, COMMUNITY_CENTRE_FACTOR, COMMUNITY_CENTRE_KM, DISTANCE_WEIGHT,
    EXACT_POINTS_KM, MAX_DAYS_APART, MAX_MINUTES_APART, ONE_DAY_APART_WEIGHT, SAME_COMMUNITY_KM,
    SAME_COMMUNITY_WEIGHT, SAME_DAY_WEIGHT, TIME_WEIGHT, compare,
};
