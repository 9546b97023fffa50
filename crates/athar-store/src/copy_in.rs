//! Rows written as PostgreSQL's binary `COPY … FROM STDIN` stream.
//!
//! New incidents go straight into their table this way: no text for the server to parse,
//! and no staging table to pass through. Each value is the type's binary wire form
//! (`*_recv`); a geometry is EWKB. Format:
//! <https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>.

use chrono::{NaiveDate, NaiveTime, Timelike};
use uuid::Uuid;

/// The signature, flags and header extension length that open every binary COPY stream.
const HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The trailer that ends a binary COPY stream.
pub(crate) const END: [u8; 2] = (-1i16).to_be_bytes();

/// The header alone, to begin a stream whose rows come in parts.
pub(crate) const BEGIN: &[u8] = HEADER;

/// PostgreSQL's dates count days from 2000-01-01.
fn postgres_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date")
}

/// One binary COPY stream, built in memory a batch at a time.
pub(crate) struct BinaryCopy {
    bytes: Vec<u8>,
}

impl BinaryCopy {
    /// An empty stream with room for about `rows` rows of `row_bytes` each.
    pub(crate) fn with_capacity(rows: usize, row_bytes: usize) -> Self {
        let mut bytes = Vec::with_capacity(HEADER.len() + rows * row_bytes + 2);
        bytes.extend_from_slice(HEADER);
        Self { bytes }
    }

    /// A later part of a stream begun elsewhere: rows only, no header.
    pub(crate) fn continued(rows: usize, row_bytes: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(rows * row_bytes),
        }
    }

    /// The bytes so far, without the trailer: a part of a stream sent in several pieces
    /// (end it with [`END`]).
    pub(crate) fn into_part(self) -> Vec<u8> {
        self.bytes
    }

    /// Starts a row of `fields` values.
    pub(crate) fn row(&mut self, fields: i16) -> &mut Self {
        self.bytes.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn field(&mut self, value: &[u8]) -> &mut Self {
        let length = i32::try_from(value.len()).expect("a field under 2 GiB");
        self.bytes.extend_from_slice(&length.to_be_bytes());
        self.bytes.extend_from_slice(value);
        self
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.bytes.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    pub(crate) fn text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.field(value.as_bytes()),
            None => self.null(),
        }
    }

    /// A `jsonb` value: a version byte, then the JSON text.
    pub(crate) fn jsonb(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => {
                let length = i32::try_from(value.len() + 1).expect("a field under 2 GiB");
                self.bytes.extend_from_slice(&length.to_be_bytes());
                self.bytes.push(1);
                self.bytes.extend_from_slice(value.as_bytes());
                self
            }
            None => self.null(),
        }
    }

    pub(crate) fn uuid(&mut self, value: Uuid) -> &mut Self {
        self.field(value.as_bytes())
    }

    pub(crate) fn bigint(&mut self, value: i64) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    pub(crate) fn integer(&mut self, value: i32) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    pub(crate) fn real(&mut self, value: f32) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    pub(crate) fn date(&mut self, value: NaiveDate) -> &mut Self {
        let days = i32::try_from((value - postgres_epoch()).num_days())
            .expect("domain dates are years 1900 to 2100");
        self.integer(days)
    }

    pub(crate) fn time(&mut self, value: Option<NaiveTime>) -> &mut Self {
        match value {
            Some(time) => {
                let micros = i64::from(time.num_seconds_from_midnight()) * 1_000_000
                    + i64::from(time.nanosecond() / 1_000);
                self.bigint(micros)
            }
            None => self.null(),
        }
    }

    /// A point in EPSG:4326 as little-endian EWKB, or NULL.
    pub(crate) fn point(&mut self, lon_lat: Option<(f64, f64)>) -> &mut Self {
        let Some((lon, lat)) = lon_lat else {
            return self.null();
        };
        let mut ewkb = [0u8; 25];
        ewkb[0] = 1; // little endian
        ewkb[1..5].copy_from_slice(&0x2000_0001u32.to_le_bytes()); // point, with an SRID
        ewkb[5..9].copy_from_slice(&4326u32.to_le_bytes());
        ewkb[9..17].copy_from_slice(&lon.to_le_bytes());
        ewkb[17..25].copy_from_slice(&lat.to_le_bytes());
        self.field(&ewkb)
    }

    /// The finished stream, with its trailer.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&END);
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copy_out::TupleReader;

    /// The stream reads back through the decoder of `COPY … TO STDOUT`, field by field.
    #[test]
    fn a_stream_reads_back_field_by_field() {
        let id = Uuid::now_v7();
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let time = NaiveTime::from_hms_micro_opt(13, 45, 7, 250).unwrap();
        let mut copy = BinaryCopy::with_capacity(1, 64);
        copy.row(7)
            .uuid(id)
            .text(Some("سرمين"))
            .text(None)
            .date(date)
            .time(Some(time))
            .real(0.75)
            .point(Some((36.7, 35.9)));
        let bytes = copy.finish();
        let mut rows = Vec::new();
        let mut reader = TupleReader::default();
        reader
            .feed(&bytes, |fields| {
                rows.push(
                    fields
                        .iter()
                        .map(|f| f.map(<[u8]>::to_vec))
                        .collect::<Vec<_>>(),
                );
                Ok(())
            })
            .unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row[0].as_deref(), Some(id.as_bytes().as_slice()));
        assert_eq!(row[1].as_deref(), Some("سرمين".as_bytes()));
        assert_eq!(row[2], None);
        // 2024-02-29 is day 8,825 after 2000-01-01.
        assert_eq!(row[3].as_deref(), Some(8_825i32.to_be_bytes().as_slice()));
        let micros = (13 * 3600 + 45 * 60 + 7) * 1_000_000i64 + 250;
        assert_eq!(row[4].as_deref(), Some(micros.to_be_bytes().as_slice()));
        assert_eq!(row[5].as_deref(), Some(0.75f32.to_be_bytes().as_slice()));
        let ewkb = row[6].as_deref().unwrap();
        assert_eq!(ewkb.len(), 25);
        // Bit for bit: the coordinates are copied, not converted.
        assert_eq!(ewkb[9..17], 36.7f64.to_le_bytes());
        assert_eq!(ewkb[17..25], 35.9f64.to_le_bytes());
    }
}
