//! When an incident happened, and how precisely that is known.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::ValueError;

/// How precisely the time of an incident is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePrecision {
    /// Only the day.
    Day,
    /// The local time to the minute.
    Minute,
}

impl TimePrecision {
    /// Parses `day` or `minute`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "day" => Some(Self::Day),
            "minute" => Some(Self::Minute),
            _ => None,
        }
    }
}

/// The local date, and the local time to the minute when it is known.
///
/// Times are kept as the local wall-clock time the report gives: an RFC 3339 value with an
/// offset keeps its own date and time, not a conversion to UTC, because reports count by
/// local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct OccurredAt {
    date: NaiveDate,
    time: Option<NaiveTime>,
}

impl OccurredAt {
    /// A day, with no time.
    pub fn day(date: NaiveDate) -> Self {
        Self { date, time: None }
    }

    /// A day and a time, truncated to the minute.
    pub fn minute(date: NaiveDate, time: NaiveTime) -> Self {
        let time = time
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(time);
        Self {
            date,
            time: Some(time),
        }
    }

    /// Parses a date, `YYYY-MM-DD`; the date must exist.
    pub fn parse_date(value: &str) -> Result<NaiveDate, ValueError> {
        let trimmed = value.trim();
        let bad = || ValueError::BadDate {
            value: value.to_owned(),
        };
        // Nearly every date is written in full, `2024-04-12`: read it digit by digit.
        // Other writings (`2024-4-12`) go to chrono's parser, which decides as before.
        if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *trimmed.as_bytes()
            && [y0, y1, y2, y3, m0, m1, d0, d1]
                .iter()
                .all(u8::is_ascii_digit)
        {
            let number = |digits: &[u8]| {
                digits
                    .iter()
                    .fold(0, |n, digit| n * 10 + u32::from(digit - b'0'))
            };
            let year = number(&[y0, y1, y2, y3]) as i32;
            return NaiveDate::from_ymd_opt(year, number(&[m0, m1]), number(&[d0, d1]))
                .ok_or_else(bad);
        }
        NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map_err(|_| bad())
    }

    /// Parses a date-time (`YYYY-MM-DDTHH:MM[:SS]`, with `T` or a space, or RFC 3339 with
    /// an offset), or a bare date, which gives day precision.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let trimmed = value.trim();
        if trimmed.len() == 10 {
            return Self::parse_date(trimmed).map(Self::day);
        }
        if let Ok(with_offset) = DateTime::parse_from_rfc3339(trimmed) {
            let local = with_offset.naive_local();
            return Ok(Self::minute(local.date(), local.time()));
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(local) = NaiveDateTime::parse_from_str(trimmed, format) {
                return Ok(Self::minute(local.date(), local.time()));
            }
        }
        Err(ValueError::BadDateTime {
            value: value.to_owned(),
        })
    }

    /// The local date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The local time, when known.
    pub fn time(&self) -> Option<NaiveTime> {
        self.time
    }

    /// Day or minute.
    pub fn precision(&self) -> TimePrecision {
        if self.time.is_some() {
            TimePrecision::Minute
        } else {
            TimePrecision::Day
        }
    }

    /// This value at day precision.
    #[must_use]
    pub fn to_day(self) -> Self {
        Self::day(self.date)
    }
}

impl std::fmt::Display for OccurredAt {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.time {
            Some(time) => write!(
                formatter,
                "{}T{:02}:{:02}",
                self.date,
                chrono::Timelike::hour(&time),
                chrono::Timelike::minute(&time)
            ),
            None => write!(formatter, "{}", self.date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Dates written in full are read digit by digit; chrono's parser, which read
        /// them before, gives the same date or the same refusal.
        #[test]
        fn full_dates_are_read_as_chrono_reads_them(
            year in 0u32..10_000,
            month in 0u32..100,
            day in 0u32..100,
            padding in proptest::sample::select(vec!["", " ", "\t"]),
        ) {
            let written = format!("{padding}{year:04}-{month:02}-{day:02}{padding}");
            let chrono = NaiveDate::parse_from_str(written.trim(), "%Y-%m-%d").ok();
            proptest::prop_assert_eq!(OccurredAt::parse_date(&written).ok(), chrono);
        }
    }

    #[test]
    fn dates_written_otherwise_are_still_read_by_chrono() {
        for (written, expected) in [
            ("2024-4-5", Some((2024, 4, 5))),
            ("24-04-05", Some((24, 4, 5))),
            ("2024-04-5", Some((2024, 4, 5))),
            ("2024-0A-05", None),
        ] {
            let expected = expected.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
            let chrono = NaiveDate::parse_from_str(written, "%Y-%m-%d").ok();
            assert_eq!(OccurredAt::parse_date(written).ok(), chrono, "{written}");
            assert_eq!(chrono, expected, "{written}");
        }
    }

    #[test]
    fn dates_that_do_not_exist_are_rejected() {
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "12/04/2024",
            "yesterday",
        ] {
            assert!(OccurredAt::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            OccurredAt::parse("2024-02-29").unwrap().precision(),
            TimePrecision::Day
        );
    }

    #[test]
    fn date_times_keep_their_local_wall_clock_to_the_minute() {
        let at = OccurredAt::parse("2024-04-12T23:45:10+03:00").unwrap();
        assert_eq!(at.to_string(), "2024-04-12T23:45");
        assert_eq!(at.precision(), TimePrecision::Minute);
        assert_eq!(
            OccurredAt::parse("2024-04-12 06:05").unwrap().to_string(),
            "2024-04-12T06:05"
        );
        assert!(OccurredAt::parse("2024-04-12T25:00").is_err());
    }
}
