//! Time periods (months or ISO weeks) and counts per unit and period.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::geometry::LonLat;
use crate::units::Units;

/// The fewest periods of an emerging-hotspot analysis.
pub const MIN_PERIODS: usize = 2;
/// The most periods of an emerging-hotspot analysis (ten years of weeks).
pub const MAX_PERIODS: usize = 520;

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[schema(as = TrendInterval)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// Calendar months.
    Month,
    /// ISO weeks, Monday to Sunday.
    Week,
}

/// Consecutive periods of equal interval, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Periods {
    interval: Interval,
    first_start: NaiveDate,
    count: usize,
}

impl Periods {
    /// `count` periods ending with the period that contains `last` (any day of the last
    /// month or week).
    ///
    /// # Errors
    /// [`Error::InvalidPeriodCount`] unless 2 ≤ count ≤ [`MAX_PERIODS`];
    /// [`Error::PeriodsOutOfRange`] if they would start before chrono's calendar.
    pub fn ending_at(interval: Interval, last: NaiveDate, count: usize) -> Result<Self> {
        if !(MIN_PERIODS..=MAX_PERIODS).contains(&count) {
            return Err(Error::InvalidPeriodCount { given: count });
        }
        let out_of_range = || Error::PeriodsOutOfRange {
            periods: count,
            last,
        };
        let back = count as u32 - 1;
        let first_start = match interval {
            Interval::Month => last
                .with_day(1)
                .and_then(|start| start.checked_sub_months(Months::new(back))),
            Interval::Week => last
                .checked_sub_days(Days::new(u64::from(last.weekday().num_days_from_monday())))
                .and_then(|monday| monday.checked_sub_days(Days::new(7 * u64::from(back)))),
        }
        .ok_or_else(out_of_range)?;
        // The end of the last period must exist too.
        let periods = Self {
            interval,
            first_start,
            count,
        };
        periods.checked_start(count).ok_or_else(out_of_range)?;
        Ok(periods)
    }

    /// The interval.
    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// The number of periods.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Always false: there are at least two periods.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The first day of period `index` (0 is the oldest).
    ///
    /// # Panics
    /// If `index` is greater than [`len`](Self::len).
    pub fn start(&self, index: usize) -> NaiveDate {
        assert!(index <= self.count, "period {index} of {}", self.count);
        self.checked_start(index)
            .expect("the end of the periods was checked when they were made")
    }

    /// The day after the last day of period `index`.
    ///
    /// # Panics
    /// If `index` is not less than [`len`](Self::len).
    pub fn end(&self, index: usize) -> NaiveDate {
        assert!(index < self.count, "period {index} of {}", self.count);
        self.start(index + 1)
    }

    /// The period containing `date`, if any.
    pub fn index_of(&self, date: NaiveDate) -> Option<usize> {
        let index = match self.interval {
            Interval::Month => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                months(date) - months(self.first_start)
            }
            Interval::Week => (date - self.first_start).num_days().div_euclid(7),
        };
        usize::try_from(index).ok().filter(|&i| i < self.count)
    }

    fn checked_start(&self, index: usize) -> Option<NaiveDate> {
        match self.interval {
            Interval::Month => self
                .first_start
                .checked_add_months(Months::new(u32::try_from(index).ok()?)),
            Interval::Week => self
                .first_start
                .checked_add_days(Days::new(7 * index as u64)),
        }
    }
}

/// An incident for trends: where and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatedPoint {
    /// Where.
    pub position: LonLat,
    /// When.
    pub date: NaiveDate,
}

impl From<(f64, f64, NaiveDate)> for DatedPoint {
    /// From `(longitude, latitude, date)`.
    fn from((lon, lat, date): (f64, f64, NaiveDate)) -> Self {
        Self {
            position: LonLat::new(lon, lat),
            date,
        }
    }
}

/// Incidents per unit and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceTimeCounts {
    periods: Periods,
    units: usize,
    /// `counts[unit * periods + period]`.
    counts: Vec<u32>,
    outside_area: u64,
    outside_periods: u64,
}

impl SpaceTimeCounts {
    /// Counts given by the caller, unit by unit: `counts[unit * periods.len() + period]`
    /// (for units made with [`Units::points`]).
    ///
    /// # Errors
    /// [`Error::CountsMismatch`] unless there is one count per unit and period.
    pub fn new(units: &Units, periods: Periods, counts: Vec<u32>) -> Result<Self> {
        let expected = units.len() * periods.len();
        if counts.len() != expected {
            return Err(Error::CountsMismatch {
                given: counts.len(),
                expected,
                periods: periods.len(),
            });
        }
        Ok(Self {
            periods,
            units: units.len(),
            counts,
            outside_area: 0,
            outside_periods: 0,
        })
    }

    /// The periods.
    pub fn periods(&self) -> &Periods {
        &self.periods
    }

    /// The number of units.
    pub fn units(&self) -> usize {
        self.units
    }

    /// The counts of one unit, oldest period first.
    ///
    /// # Panics
    /// If `unit` is not less than [`units`](Self::units).
    pub fn series(&self, unit: usize) -> &[u32] {
        let t = self.periods.len();
        &self.counts[unit * t..(unit + 1) * t]
    }

    /// All counts, unit by unit.
    pub fn as_slice(&self) -> &[u32] {
        &self.counts
    }

    /// Points in the periods but in no unit.
    pub fn outside_area(&self) -> u64 {
        self.outside_area
    }

    /// Points outside the periods (not located).
    pub fn outside_periods(&self) -> u64 {
        self.outside_periods
    }
}

impl Units {
    /// Counts dated points per cell unit and period.
    ///
    /// # Errors
    /// [`Error::PointsNeedCells`] for units given as points.
    pub fn count_dated_points<I, P>(&self, points: I, periods: Periods) -> Result<SpaceTimeCounts>
    where
        I: IntoIterator<Item = P>,
        P: Into<DatedPoint>,
    {
        let t = periods.len();
        let mut counts = vec![0u32; self.len() * t];
        let mut outside_area = 0u64;
        let mut outside_periods = 0u64;
        let in_periods = points.into_iter().filter_map(|point| {
            let point = point.into();
            let period = periods.index_of(point.date);
            if period.is_none() {
                outside_periods += 1;
            }
            Some((point.position, period?))
        });
        self.for_each_unit_of(in_periods, |unit, period| match unit {
            Some(unit) => {
                let count = &mut counts[unit * t + period];
                *count = count.saturating_add(1);
            }
            None => outside_area += 1,
        })?;
        Ok(SpaceTimeCounts {
            periods,
            units: self.len(),
            counts,
            outside_area,
            outside_periods,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_end_with_the_month_of_the_last_date() {
        let periods = Periods::ending_at(Interval::Month, date(2024, 3, 17), 12).unwrap();
        assert_eq!(periods.start(0), date(2023, 4, 1));
        assert_eq!(periods.end(11), date(2024, 4, 1));
        assert_eq!(periods.index_of(date(2023, 4, 1)), Some(0));
        assert_eq!(periods.index_of(date(2023, 3, 31)), None);
        assert_eq!(periods.index_of(date(2024, 2, 29)), Some(10));
        assert_eq!(periods.index_of(date(2024, 3, 31)), Some(11));
        assert_eq!(periods.index_of(date(2024, 4, 1)), None);
    }

    #[test]
    fn weeks_are_iso_weeks_from_monday() {
        // 2024-03-17 is a Sunday; its week starts on Monday 2024-03-11.
        let periods = Periods::ending_at(Interval::Week, date(2024, 3, 17), 3).unwrap();
        assert_eq!(periods.start(0), date(2024, 2, 26));
        assert_eq!(periods.end(2), date(2024, 3, 18));
        assert_eq!(periods.index_of(date(2024, 2, 25)), None);
        assert_eq!(periods.index_of(date(2024, 2, 26)), Some(0));
        assert_eq!(periods.index_of(date(2024, 3, 11)), Some(2));
        assert_eq!(periods.index_of(date(2024, 3, 18)), None);
    }

    #[test]
    fn one_period_is_not_enough() {
        assert_eq!(
            Periods::ending_at(Interval::Month, date(2024, 3, 17), 1),
            Err(Error::InvalidPeriodCount { given: 1 })
        );
    }
}
