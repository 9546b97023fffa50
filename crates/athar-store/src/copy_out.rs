//! Rows read from PostgreSQL's binary `COPY … TO STDOUT` stream.
//!
//! Loading a million incidents at start is mostly decoding: sqlx builds a row object with
//! its column metadata for every row and checks each value's type as it is read. The COPY
//! stream carries the same values as length-prefixed fields, which are decoded here
//! directly. Format: <https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>.

use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use crate::row::IncidentRow;

/// The signature that opens every binary COPY stream.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// A malformed stream (a bug on one side or the other, never the data's fault).
fn malformed(message: impl Into<String>) -> crate::StoreError {
    crate::StoreError::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("binary COPY stream: {}", message.into()),
    ))
}

/// Splits a binary COPY stream, fed in chunks of any size, into rows of fields.
#[derive(Default)]
pub(crate) struct TupleReader {
    /// Bytes of an incomplete header or row carried over from the previous chunk.
    pending: Vec<u8>,
    header_read: bool,
    finished: bool,
}

impl TupleReader {
    /// Feeds one chunk, calling `row` with the fields (`None` for NULL) of every complete
    /// row in it.
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        mut row: impl FnMut(&[Option<&[u8]>]) -> crate::Result<()>,
    ) -> crate::Result<()> {
        let carried;
        let mut input: &[u8] = if self.pending.is_empty() {
            chunk
        } else {
            self.pending.extend_from_slice(chunk);
            carried = std::mem::take(&mut self.pending);
            &carried
        };
        let mut fields: Vec<Option<&[u8]>> = Vec::with_capacity(32);
        loop {
            if self.finished {
                return if input.is_empty() {
                    Ok(())
                } else {
                    Err(malformed("data after the trailer"))
                };
            }
            if !self.header_read {
                let Some(rest) = header(input)? else { break };
                input = rest;
                self.header_read = true;
                continue;
            }
            fields.clear();
            match tuple(input, &mut fields)? {
                Tuple::Incomplete => break,
                Tuple::Trailer(rest) => {
                    self.finished = true;
                    input = rest;
                }
                Tuple::Row(rest) => {
                    row(&fields)?;
                    input = rest;
                }
            }
        }
        self.pending = input.to_vec();
        Ok(())
    }

    /// Whether the stream ended with its trailer and nothing was left over.
    pub(crate) fn finish(&self) -> crate::Result<()> {
        if self.finished && self.pending.is_empty() {
            Ok(())
        } else {
            Err(malformed("the stream ended before its trailer"))
        }
    }
}

fn split_at_checked(input: &[u8], at: usize) -> Option<(&[u8], &[u8])> {
    (input.len() >= at).then(|| input.split_at(at))
}

fn be_i32(bytes: &[u8]) -> i32 {
    i32::from_be_bytes(bytes.try_into().expect("four bytes"))
}

/// Reads the header; `None` when the input does not hold all of it yet.
fn header(input: &[u8]) -> crate::Result<Option<&[u8]>> {
    let Some((fixed, rest)) = split_at_checked(input, SIGNATURE.len() + 8) else {
        return Ok(None);
    };
    if &fixed[..SIGNATURE.len()] != SIGNATURE {
        return Err(malformed("no signature"));
    }
    let extension = usize::try_from(be_i32(&fixed[SIGNATURE.len() + 4..]))
        .map_err(|_| malformed("negative header extension length"))?;
    Ok(split_at_checked(rest, extension).map(|(_, rest)| rest))
}

enum Tuple<'a> {
    Incomplete,
    Trailer(&'a [u8]),
    Row(&'a [u8]),
}

fn tuple<'a>(input: &'a [u8], fields: &mut Vec<Option<&'a [u8]>>) -> crate::Result<Tuple<'a>> {
    let Some((count, mut rest)) = split_at_checked(input, 2) else {
        return Ok(Tuple::Incomplete);
    };
    let count = i16::from_be_bytes([count[0], count[1]]);
    if count == -1 {
        return Ok(Tuple::Trailer(rest));
    }
    for _ in 0..count {
        let Some((length, after)) = split_at_checked(rest, 4) else {
            return Ok(Tuple::Incomplete);
        };
        let length = be_i32(length);
        if length == -1 {
            fields.push(None);
            rest = after;
            continue;
        }
        let length = usize::try_from(length).map_err(|_| malformed("negative field length"))?;
        let Some((value, after)) = split_at_checked(after, length) else {
            return Ok(Tuple::Incomplete);
        };
        fields.push(Some(value));
        rest = after;
    }
    Ok(Tuple::Row(rest))
}

/// Decodes one row of `postgres::SELECT_COLUMNS` from its binary fields.
pub(crate) fn incident_row(fields: &[Option<&[u8]>]) -> crate::Result<IncidentRow> {
    const COLUMNS: usize = 30;
    if fields.len() != COLUMNS {
        return Err(malformed(format!(
            "{} fields in a row of {COLUMNS}",
            fields.len()
        )));
    }
    let field = |index: usize, width: Option<usize>| -> crate::Result<Option<&[u8]>> {
        match (fields[index], width) {
            (Some(bytes), Some(width)) if bytes.len() != width => Err(malformed(format!(
                "column {index} holds {} bytes, not {width}",
                bytes.len()
            ))),
            (value, _) => Ok(value),
        }
    };
    let required = |index: usize, width: Option<usize>| {
        field(index, width)?.ok_or_else(|| malformed(format!("column {index} is NULL")))
    };
    let text = |index: usize| -> crate::Result<Option<String>> {
        field(index, None)?
            .map(|bytes| {
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| malformed(format!("column {index} is not UTF-8")))
            })
            .transpose()
    };
    let required_text =
        |index: usize| text(index)?.ok_or_else(|| malformed(format!("column {index} is NULL")));
    let float = |index: usize| -> crate::Result<Option<f64>> {
        Ok(field(index, Some(8))?
            .map(|bytes| f64::from_be_bytes(bytes.try_into().expect("eight bytes"))))
    };
    let integer = |index: usize| required(index, Some(4)).map(be_i32);
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    let occurred_on = epoch
        .checked_add_signed(chrono::Duration::days(i64::from(be_i32(required(
            4,
            Some(4),
        )?))))
        .ok_or_else(|| malformed("occurred_on out of range"))?;
    let occurred_time = field(5, Some(8))?.map(|bytes| {
        let micros = i64::from_be_bytes(bytes.try_into().expect("eight bytes"));
        NaiveTime::MIN
            .overflowing_add_signed(chrono::Duration::microseconds(micros))
            .0
    });
    Ok(IncidentRow {
        id: Uuid::from_slice(required(0, Some(16))?).map_err(|e| malformed(e.to_string()))?,
        source: required_text(1)?,
        source_id: text(2)?,
        kind: required_text(3)?,
        occurred_on,
        occurred_time,
        lon: float(6)?,
        lat: float(7)?,
        location_precision: required_text(8)?,
        community: required_text(9)?,
        community_key: required_text(10)?,
        community_pcode: text(11)?,
        admin1: text(12)?,
        admin2: text(13)?,
        admin3: text(14)?,
        place_type: text(15)?,
        perpetrator: text(16)?,
        weapon: text(17)?,
        cause: text(18)?,
        vehicle: text(19)?,
        killed: integer(20)?,
        killed_women: integer(21)?,
        killed_children: integer(22)?,
        injured: integer(23)?,
        injured_women: integer(24)?,
        injured_children: integer(25)?,
        notes: text(26)?,
        community_id: text(27)?,
        resolution_method: required_text(28)?,
        resolution_score: f32::from_be_bytes(
            required(29, Some(4))?.try_into().expect("four bytes"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(rows: &[&[Option<&[u8]>]]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&0i32.to_be_bytes());
        for row in rows {
            out.extend_from_slice(&i16::try_from(row.len()).unwrap().to_be_bytes());
            for field in *row {
                match field {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(bytes) => {
                        out.extend_from_slice(&i32::try_from(bytes.len()).unwrap().to_be_bytes());
                        out.extend_from_slice(bytes);
                    }
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn read_in_chunks(bytes: &[u8], size: usize) -> crate::Result<Vec<Vec<Option<Vec<u8>>>>> {
        let mut reader = TupleReader::default();
        let mut rows = Vec::new();
        for chunk in bytes.chunks(size) {
            reader.feed(chunk, |fields| {
                rows.push(fields.iter().map(|f| f.map(<[u8]>::to_vec)).collect());
                Ok(())
            })?;
        }
        reader.finish()?;
        Ok(rows)
    }

    #[test]
    fn rows_come_out_whole_however_the_stream_is_cut() {
        let bytes = stream(&[
            &[Some(b"abc"), None, Some(b"")],
            &[None, Some(b"\x00\x01"), Some(b"xyz")],
        ]);
        let expected = vec![
            vec![Some(b"abc".to_vec()), None, Some(Vec::new())],
            vec![None, Some(vec![0, 1]), Some(b"xyz".to_vec())],
        ];
        for size in 1..=bytes.len() {
            assert_eq!(
                read_in_chunks(&bytes, size).unwrap(),
                expected,
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn a_stream_cut_short_or_without_signature_is_an_error() {
        let bytes = stream(&[&[Some(b"abc")]]);
        let mut reader = TupleReader::default();
        reader.feed(&bytes[..bytes.len() - 3], |_| Ok(())).unwrap();
        assert!(reader.finish().is_err());
        let mut reader = TupleReader::default();
        let mut unsigned = bytes.clone();
        unsigned[0] = b'X';
        assert!(reader.feed(&unsigned, |_| Ok(())).is_err());
    }
}
