//! A snapshot written to disk and read back, so that a restart need not reload every
//! incident from the store.
//!
//! The file holds the compact rows, the interned strings, the slugs and the text arena,
//! with the identity of the store it came from and the change-log sequence it includes.
//! Reading checks every reference (string ids, slug ids, text spans) and rejects the file
//! on any inconsistency; the caller then reloads from the store. The R-tree and the
//! community table are rebuilt on reading (about half a second per million incidents).

use std::io::{self, Read, Write};
use std::sync::Arc;

use athar_core::{Slug, Vocabularies};

use crate::snapshot::{NO_TERM, NONE, Row, Snapshot, SnapshotBuilder, TextRef};

const MAGIC: &[u8; 16] = b"ATHAR-SNAPSHOT\0\x02";

/// The longest text (or text arena) a file may declare: 16 GiB.
const LIMIT: u64 = 1 << 34;

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

struct Writer<W>(W);

impl<W: Write> Writer<W> {
    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }
    fn u8(&mut self, value: u8) -> io::Result<()> {
        self.bytes(&[value])
    }
    fn u16(&mut self, value: u16) -> io::Result<()> {
        self.bytes(&value.to_le_bytes())
    }
    fn u32(&mut self, value: u32) -> io::Result<()> {
        self.bytes(&value.to_le_bytes())
    }
    fn u64(&mut self, value: u64) -> io::Result<()> {
        self.bytes(&value.to_le_bytes())
    }
    fn text(&mut self, value: &str) -> io::Result<()> {
        self.u64(value.len() as u64)?;
        self.bytes(value.as_bytes())
    }
}

struct Reader<R>(R);

impl<R: Read> Reader<R> {
    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut buffer = [0u8; N];
        self.0.read_exact(&mut buffer)?;
        Ok(buffer)
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> io::Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn text(&mut self, limit: u64) -> io::Result<String> {
        let length = self.u64()?;
        if length > limit {
            return Err(invalid("a text is longer than the file allows"));
        }
        let mut bytes = Vec::new();
        (&mut self.0).take(length).read_to_end(&mut bytes)?;
        if bytes.len() as u64 != length {
            return Err(invalid("the file ends inside a text"));
        }
        String::from_utf8(bytes).map_err(|_| invalid("a text is not UTF-8"))
    }
}

impl Snapshot {
    /// Writes the snapshot, with the store's identity and the change-log sequence it
    /// includes.
    pub fn write_cache(&self, output: impl Write, store_id: &str, seq: i64) -> io::Result<()> {
        let mut out = Writer(io::BufWriter::new(output));
        out.bytes(MAGIC)?;
        out.text(store_id)?;
        out.u64(seq as u64)?;
        out.u64(self.strings.strings.len() as u64)?;
        for string in &self.strings.strings {
            out.text(string)?;
        }
        out.u64(self.slugs.len() as u64)?;
        for slug in &self.slugs {
            out.text(slug.as_str())?;
        }
        out.text(&self.text)?;
        out.u64(self.rows.len() as u64)?;
        for row in &self.rows {
            out.bytes(row.id.as_bytes())?;
            out.u64(row.lon.to_bits())?;
            out.u64(row.lat.to_bits())?;
            out.u32(row.mercator[0].to_bits())?;
            out.u32(row.mercator[1].to_bits())?;
            out.u32(row.date as u32)?;
            for value in [
                row.source,
                row.community,
                row.community_key,
                row.pcode,
                row.admin[0],
                row.admin[1],
                row.admin[2],
                row.community_id,
            ] {
                out.u32(value)?;
            }
            for span in [row.source_id, row.notes] {
                out.u32(span.start)?;
                out.u32(span.len)?;
            }
            for value in [
                row.minute,
                row.kind,
                row.place_type,
                row.perpetrator,
                row.weapon,
                row.cause,
                row.vehicle,
            ] {
                out.u16(value)?;
            }
            for value in row.casualties {
                out.u16(value)?;
            }
            out.u8(row.location_precision)?;
            out.u8(row.resolution)?;
            out.u16(row.score)?;
        }
        out.0.flush()
    }

    /// Reads a snapshot written by [`Self::write_cache`]. `Ok(None)` when it came from
    /// another store; an error when it is damaged or of another format.
    pub fn read_cache(
        input: impl Read,
        store_id: &str,
        vocabularies: Arc<Vocabularies>,
        version: u64,
    ) -> io::Result<Option<(Self, i64)>> {
        let mut input = Reader(io::BufReader::new(input));
        if &input.array::<16>()? != MAGIC {
            return Err(invalid("not an Athar snapshot of this format"));
        }
        if input.text(1024)? != store_id {
            return Ok(None);
        }
        let seq = input.u64()? as i64;
        let mut builder = SnapshotBuilder::new(vocabularies);
        let snapshot = &mut builder.snapshot;
        let strings = input.u64()?;
        for _ in 0..strings {
            let string = input.text(LIMIT)?;
            let id = snapshot.strings.intern(&string);
            if id as usize + 1 != snapshot.strings.strings.len() {
                return Err(invalid("a string appears twice"));
            }
        }
        let slugs = input.u64()?;
        for _ in 0..slugs {
            let slug = Slug::parse(&input.text(64)?).map_err(|e| invalid(&e.to_string()))?;
            let id = u16::try_from(snapshot.slugs.len()).map_err(|_| invalid("too many slugs"))?;
            snapshot.slug_ids.insert(slug.clone(), id);
            snapshot.slugs.push(slug);
        }
        snapshot.text = input.text(LIMIT)?;
        let rows = input.u64()?;
        let string_ok = |id: u32, snapshot: &Snapshot| {
            id == NONE || (id as usize) < snapshot.strings.strings.len()
        };
        let slug_ok =
            |id: u16, snapshot: &Snapshot| id == NO_TERM || (id as usize) < snapshot.slugs.len();
        snapshot.rows.reserve_exact(
            usize::try_from(rows)
                .map_err(|_| invalid("too many rows"))?
                .min(1 << 28),
        );
        for _ in 0..rows {
            let id = uuid::Uuid::from_bytes(input.array()?);
            let lon = f64::from_bits(input.u64()?);
            let lat = f64::from_bits(input.u64()?);
            let mercator = [f32::from_bits(input.u32()?), f32::from_bits(input.u32()?)];
            let date = input.u32()? as i32;
            let mut ids = [0u32; 8];
            for slot in &mut ids {
                *slot = input.u32()?;
            }
            let mut spans = [TextRef {
                start: NONE,
                len: 0,
            }; 2];
            for span in &mut spans {
                *span = TextRef {
                    start: input.u32()?,
                    len: input.u32()?,
                };
            }
            let mut terms = [0u16; 7];
            for slot in &mut terms {
                *slot = input.u16()?;
            }
            let mut casualties = [0u16; 6];
            for slot in &mut casualties {
                *slot = input.u16()?;
            }
            let location_precision = input.u8()?;
            let resolution = input.u8()?;
            let score = input.u16()?;
            let valid = ids.iter().all(|id| string_ok(*id, snapshot))
                && ids[0] != NONE
                && ids[1] != NONE
                && ids[2] != NONE
                && terms[1..].iter().all(|id| slug_ok(*id, snapshot))
                && terms[1] != NO_TERM
                && spans.iter().all(|span| {
                    span.start == NONE
                        || (span.start as usize)
                            .checked_add(span.len as usize)
                            .is_some_and(|end| {
                                snapshot.text.is_char_boundary(span.start as usize)
                                    && end <= snapshot.text.len()
                                    && snapshot.text.is_char_boundary(end)
                            })
                })
                && location_precision <= 2
                && usize::from(resolution) < athar_core::ResolutionMethod::ALL.len()
                && score <= 10_000;
            if !valid {
                return Err(invalid("a row refers to something the file does not hold"));
            }
            snapshot.rows.push(Row {
                id,
                lon,
                lat,
                mercator,
                date,
                source: ids[0],
                community: ids[1],
                community_key: ids[2],
                pcode: ids[3],
                admin: [ids[4], ids[5], ids[6]],
                source_id: spans[0],
                notes: spans[1],
                minute: terms[0],
                kind: terms[1],
                place_type: terms[2],
                perpetrator: terms[3],
                weapon: terms[4],
                cause: terms[5],
                vehicle: terms[6],
                casualties,
                location_precision,
                community_id: ids[7],
                resolution,
                score,
            });
        }
        let mut rest = [0u8; 1];
        if input.0.read(&mut rest)? != 0 {
            return Err(invalid("the file goes on after the last row"));
        }
        Ok(Some((builder.finish(version), seq)))
    }
}
