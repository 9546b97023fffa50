//! The rules a pair of reports must meet to be a candidate, and its score.
//!
//! [`assess`] checks the rules in order of cost (sources and kinds, days, times, place,
//! casualties) and keeps what it measured; [`Assessment::candidate`] turns that into the
//! reasons and the score. [`compare`] and the [`Detector`](crate::Detector) both go
//! through them, so a pair is judged the same however it was found.

use athar_core::geo::MEAN_EARTH_RADIUS_KM;
use athar_core::{CasualtyCounts, LocationPrecision, LonLat};
use chrono::{Datelike, Timelike};
use uuid::Uuid;

use crate::{Candidate, Reason, Report};

/// Two exact points pair when at most this far apart, in kilometres.
pub const EXACT_POINTS_KM: f64 = 2.0;

/// Two points pair when at most this far apart, in kilometres, if either of them is the
/// centre of a community ([`LocationPrecision::Community`]) rather than a reported point.
pub const COMMUNITY_CENTRE_KM: f64 = 5.0;

/// Two reports resolved to the same community pair when their points (if both have one)
/// are at most this far apart, in kilometres.
pub const SAME_COMMUNITY_KM: f64 = 10.0;

/// Reports pair when their dates are at most this many days apart.
pub const MAX_DAYS_APART: i32 = 1;

/// Reports that both give a time pair only when the times, dates included, are at most
/// this many minutes apart (23:30 and 01:00 the next day are 90 minutes apart).
pub const MAX_MINUTES_APART: i64 = 180;

/// Two casualty figures that differ by at most this many people do not contradict each
/// other, whatever their size.
pub const CASUALTY_SLACK: u32 = 2;

/// Two casualty figures that differ by at most this percentage of the larger do not
/// contradict each other.
pub const CASUALTY_SLACK_PERCENT: u32 = 25;

/// The weight of the distance between the points: in full at 0 km, falling linearly to
/// nothing at [`CLOSENESS_SCALE_KM`].
pub const DISTANCE_WEIGHT: f64 = 0.30;

/// The distance, in kilometres, at which points no longer add to the score.
pub const CLOSENESS_SCALE_KM: f64 = COMMUNITY_CENTRE_KM;

/// The share of [`DISTANCE_WEIGHT`] given when either point is a community centre, which
/// says less about where the incident happened than a reported point.
pub const COMMUNITY_CENTRE_FACTOR: f64 = 0.5;

/// The weight of both reports being resolved to the same community.
pub const SAME_COMMUNITY_WEIGHT: f64 = 0.15;

/// The weight of both reports being of the same day.
pub const SAME_DAY_WEIGHT: f64 = 0.20;

/// The weight of the reports being one day apart.
pub const ONE_DAY_APART_WEIGHT: f64 = 0.10;

/// The weight of the times, when both reports give one: in full when equal, falling
/// linearly to nothing at [`MAX_MINUTES_APART`].
pub const TIME_WEIGHT: f64 = 0.15;

/// The weight of equal casualties (all six figures).
pub const CASUALTIES_EQUAL_WEIGHT: f64 = 0.20;

/// The weight of casualties that differ but do not contradict each other.
pub const CASUALTIES_COMPATIBLE_WEIGHT: f64 = 0.10;

/// Kilometres per degree of latitude on the sphere distances are measured on.
pub(crate) const KM_PER_DEGREE_OF_LATITUDE: f64 =
    MEAN_EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

/// The minute of day of a report without a time.
const NO_TIME: u16 = u16::MAX;

/// The community number of a report not resolved to one.
const NO_COMMUNITY: u32 = u32::MAX;

/// The numbers that stand for a report's source, kind and community: equal numbers for
/// equal strings among the reports compared.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Numbers {
    pub source: u32,
    pub kind: u32,
    pub community: Option<u32>,
}

/// What the rules read of a report, in one cache line (64 bytes): the strings as
/// [`Numbers`], the point and time as plain numbers. The detector keeps a copy in each of
/// its indexes, in the index's order, so that a search reads them front to back.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    /// The point, if it counts as one (not admin precision, valid degrees); NaN when none.
    point: LonLat,
    casualties: CasualtyCounts,
    /// Days since the Common Era (chrono's count).
    pub day: i32,
    source: u32,
    kind: u32,
    /// [`NO_COMMUNITY`] when unresolved.
    community: u32,
    /// Minutes since midnight, [`NO_TIME`] when unknown.
    minute_of_day: u16,
    /// Whether the point is a community centre.
    centre: bool,
}

const _: () = assert!(size_of::<Facts>() == 64);

impl Facts {
    pub fn of(report: &Report<'_>, numbers: Numbers) -> Self {
        let point = match report.precision {
            LocationPrecision::Admin => None,
            LocationPrecision::Exact | LocationPrecision::Community => report
                .point
                .map(LonLat::from)
                .filter(|point| point.is_valid()),
        };
        Self {
            point: point.unwrap_or(LonLat::new(f64::NAN, f64::NAN)),
            casualties: report.casualties,
            day: report.date.num_days_from_ce(),
            source: numbers.source,
            kind: numbers.kind,
            community: numbers.community.unwrap_or(NO_COMMUNITY),
            minute_of_day: report.time.map_or(NO_TIME, |time| {
                (time.num_seconds_from_midnight() / 60) as u16
            }),
            centre: report.precision == LocationPrecision::Community,
        }
    }

    /// The point, if it counts as one.
    pub fn point(&self) -> Option<LonLat> {
        (!self.point.lat.is_nan()).then_some(self.point)
    }

    /// Minutes since the start of day 0, when the time is known.
    fn minute(&self) -> Option<i64> {
        (self.minute_of_day != NO_TIME)
            .then(|| i64::from(self.day) * 1440 + i64::from(self.minute_of_day))
    }
}

/// The distance within which two points alone place two reports together, when
/// either of them is a community centre (`centre`) or neither.
fn limit_km(centre: bool) -> f64 {
    if centre {
        COMMUNITY_CENTRE_KM
    } else {
        EXACT_POINTS_KM
    }
}

/// What the rules measured of a pair that meets them all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assessment {
    distance_km: Option<f64>,
    /// Whether either point is a community centre (when both have points).
    centre: bool,
    /// Whether the points alone place the reports together (within their limit), as
    /// opposed to the community they share.
    pub by_distance: bool,
    same_community: bool,
    days_apart: i32,
    minutes_apart: Option<i64>,
    casualties: Agreement,
}

/// How two reports' casualties agree, when they do not contradict each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agreement {
    /// All six figures equal.
    Equal,
    /// Some differ, none by more than rounding explains.
    Compatible,
}

/// The rules, cheapest first; `None` when any fails.
pub(crate) fn assess(a: &Facts, b: &Facts) -> Option<Assessment> {
    if a.source == b.source || a.kind != b.kind {
        return None;
    }
    let days_apart = (a.day - b.day).abs();
    if days_apart > MAX_DAYS_APART {
        return None;
    }
    let minutes_apart = match (a.minute(), b.minute()) {
        (Some(x), Some(y)) if (x - y).abs() > MAX_MINUTES_APART => return None,
        (Some(x), Some(y)) => Some((x - y).abs()),
        _ => None,
    };
    let same_community = a.community != NO_COMMUNITY && a.community == b.community;
    let centre = a.centre || b.centre;
    let limit_km = limit_km(centre);
    let distance_km = match (a.point(), b.point()) {
        (Some(p), Some(q)) => {
            // No point is nearer than its difference in latitude: most pairs the grid
            // offers are turned away here, without trigonometry.
            let reach_km = if same_community {
                SAME_COMMUNITY_KM
            } else {
                limit_km
            };
            if (p.lat - q.lat).abs() * KM_PER_DEGREE_OF_LATITUDE > reach_km {
                return None;
            }
            Some(p.haversine_km(q, MEAN_EARTH_RADIUS_KM))
        }
        _ => None,
    };
    let by_distance = distance_km.is_some_and(|d| d <= limit_km);
    let by_community = same_community && distance_km.is_none_or(|d| d <= SAME_COMMUNITY_KM);
    if !(by_distance || by_community) {
        return None;
    }
    let casualties = if a.casualties == b.casualties {
        Agreement::Equal
    } else if casualties_compatible(&a.casualties, &b.casualties) {
        Agreement::Compatible
    } else {
        return None;
    };
    Some(Assessment {
        distance_km,
        centre,
        by_distance,
        same_community,
        days_apart,
        minutes_apart,
        casualties,
    })
}

/// Whether two casualty figures do not contradict each other: equal, or differing by at
/// most [`CASUALTY_SLACK`] people or [`CASUALTY_SLACK_PERCENT`] of the larger.
pub(crate) fn figures_compatible(a: u32, b: u32) -> bool {
    let (smaller, larger) = if a <= b { (a, b) } else { (b, a) };
    let difference = larger - smaller;
    difference <= CASUALTY_SLACK
        || u64::from(difference) * 100 <= u64::from(larger) * u64::from(CASUALTY_SLACK_PERCENT)
}

fn casualties_compatible(a: &CasualtyCounts, b: &CasualtyCounts) -> bool {
    [
        (a.killed, b.killed),
        (a.killed_women, b.killed_women),
        (a.killed_children, b.killed_children),
        (a.injured, b.injured),
        (a.injured_women, b.injured_women),
        (a.injured_children, b.injured_children),
    ]
    .into_iter()
    .all(|(x, y)| figures_compatible(x, y))
}

/// Rounded to three decimals.
fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

impl Assessment {
    /// The score of the pair, 0–1, before rounding.
    fn score(&self) -> f64 {
        let mut score = 0.0;
        if let Some(distance) = self.distance_km {
            let closeness = (1.0 - distance / CLOSENESS_SCALE_KM).max(0.0);
            let factor = if self.centre {
                COMMUNITY_CENTRE_FACTOR
            } else {
                1.0
            };
            score += DISTANCE_WEIGHT * closeness * factor;
        }
        if self.same_community {
            score += SAME_COMMUNITY_WEIGHT;
        }
        score += if self.days_apart == 0 {
            SAME_DAY_WEIGHT
        } else {
            ONE_DAY_APART_WEIGHT
        };
        if let Some(minutes) = self.minutes_apart {
            score += TIME_WEIGHT * (1.0 - minutes as f64 / MAX_MINUTES_APART as f64);
        }
        score += match self.casualties {
            Agreement::Equal => CASUALTIES_EQUAL_WEIGHT,
            Agreement::Compatible => CASUALTIES_COMPATIBLE_WEIGHT,
        };
        score
    }

    /// The candidate of the reports with ids `a` and `b`, the smaller id first.
    pub fn candidate(&self, a: Uuid, b: Uuid) -> Candidate {
        let mut reasons = Vec::with_capacity(7);
        reasons.extend([Reason::DifferentSources, Reason::SameKind]);
        if let Some(distance) = self.distance_km {
            reasons.push(Reason::WithinKm(round3(distance)));
        }
        if self.same_community {
            reasons.push(Reason::SameCommunity);
        }
        reasons.push(if self.days_apart == 0 {
            Reason::SameDay
        } else {
            Reason::OneDayApart
        });
        if let Some(minutes) = self.minutes_apart {
            reasons.push(Reason::TimesWithinMinutes(minutes as u32));
        }
        reasons.push(match self.casualties {
            Agreement::Equal => Reason::CasualtiesEqual,
            Agreement::Compatible => Reason::CasualtiesCompatible,
        });
        Candidate {
            incidents: if a <= b { [a, b] } else { [b, a] },
            reasons,
            score: round3(self.score()).clamp(0.0, 1.0) as f32,
        }
    }
}

/// The candidate two reports make, or `None` when any rule fails (see the crate's
/// documentation for the rules). The same judgement the [`Detector`](crate::Detector)
/// makes, for one pair; symmetric.
///
/// # Example
/// ```
/// use athar_core::{CasualtyCounts, LocationPrecision};
/// use athar_duplicates::{compare, Reason, Report};
/// use chrono::NaiveDate;
/// use uuid::Uuid;
///
/// let civil_defence = Report {
///     id: Uuid::from_u128(1),
///     source: "civil-defence",
///     kind: "attack",
///     date: NaiveDate::from_ymd_opt(2024, 4, 12).unwrap(),
///     time: None,
///     point: Some((36.5600, 35.6141)),
///     precision: LocationPrecision::Exact,
///     community_id: Some("C4150"),
///     casualties: CasualtyCounts { killed: 7, ..CasualtyCounts::default() },
/// };
/// // The local council counts 8 killed, a day later, 900 m north.
/// let council = Report {
///     id: Uuid::from_u128(2),
///     source: "local-council",
///     date: NaiveDate::from_ymd_opt(2024, 4, 13).unwrap(),
///     point: Some((36.5600, 35.6222)),
///     casualties: CasualtyCounts { killed: 8, ..CasualtyCounts::default() },
///     ..civil_defence
/// };
/// let candidate = compare(&civil_defence, &council).unwrap();
/// assert!(candidate.reasons.contains(&Reason::OneDayApart));
/// assert!(candidate.reasons.contains(&Reason::CasualtiesCompatible));
/// // Reported by the civil defence twice: never a candidate.
/// assert!(compare(&civil_defence, &Report { source: "civil-defence", ..council }).is_none());
/// ```
pub fn compare(a: &Report<'_>, b: &Report<'_>) -> Option<Candidate> {
    // Between two reports, 0 stands for `a`'s strings, and for `b`'s when equal to them.
    let numbers_a = Numbers {
        source: 0,
        kind: 0,
        community: a.community_id.map(|_| 0),
    };
    let numbers_b = Numbers {
        source: u32::from(a.source != b.source),
        kind: u32::from(a.kind != b.kind),
        community: b
            .community_id
            .map(|id| u32::from(a.community_id != Some(id))),
    };
    assess(&Facts::of(a, numbers_a), &Facts::of(b, numbers_b))
        .map(|assessment| assessment.candidate(a.id, b.id))
}
