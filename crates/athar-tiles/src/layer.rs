//! One Mapbox Vector Tile layer of points, written straight into its protobuf bytes.
//!
//! A general encoder (Athar's other layers use the `fast-mvt` crate) looks every key and
//! value up by its text on every tag, allocates each new string value, and sorts its
//! tables when the layer ends. The incidents layer, with thousands of points and ten
//! properties each, spent a third of a zoom-12 tile's time there. Here the caller names
//! its keys once per layer and gets numbers for them; values are looked up without
//! allocating (strings borrowed for the layer's lifetime `'v`, numbers by value), a
//! value known to be new (an incident's id) is not looked up at all, and the tables are
//! written as they grow, in the order the specification numbers them.
//!
//! # Example
//! ```
//! use athar_tiles::layer::PointLayer;
//! let mut layer = PointLayer::new("incidents", 4096);
//! let kind = layer.key("kind");
//! let killed = layer.key("killed");
//! for (pixel, dead) in [([10, 20], 2), ([30, 40], 0)] {
//!     layer.point(pixel, |feature| {
//!         feature.string(kind, "attack").uint(killed, dead);
//!     });
//! }
//! assert_eq!(layer.len(), 2);
//! let tile: Vec<u8> = layer.encode().expect("two features");
//! assert_eq!(tile[0], 0x1a); // Tile.layers, length-delimited
//! ```

use std::collections::HashMap;

/// A key of the layer that gave it (and of no other). It enters the layer's `keys` table
/// when a feature first uses it, so that the table lists only the keys the features use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(u32);

/// A value of the layer, as numbered in its `values` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Value(u32);

/// A value that is not borrowed text, for looking it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scalar {
    UInt(u64),
    Bool(bool),
    /// A string the caller identifies by a number (see [`Properties::string_for`]).
    Token(u64),
}

/// Values below this are found by position, without hashing.
const SMALL: usize = 64;
/// `Layer.version`: version 2 of the specification.
const VERSION: u64 = 2;
/// The `MoveTo` command with a count of one: a single point.
const MOVE_TO_ONE: u64 = 1 | (1 << 3);

/// A layer of point features under construction. The lifetime `'v` is that of the
/// strings given to [`Properties::string`], which are remembered, not copied, to find
/// them again.
#[derive(Debug)]
pub struct PointLayer<'v> {
    name: String,
    extent: u32,
    /// The `keys` table as encoded `Layer.keys` fields, and how many.
    keys: Vec<u8>,
    key_count: u32,
    /// The keys asked for, and each one's number in the table (`u32::MAX`: not used yet).
    key_names: Vec<String>,
    key_numbers: Vec<u32>,
    values: Values,
    strings: HashMap<&'v str, u32, foldhash::fast::RandomState>,
    scalars: HashMap<Scalar, u32, foldhash::fast::RandomState>,
    /// `uint` values under [`SMALL`] (`u32::MAX`: not in the table yet).
    small: [u32; SMALL],
    /// The encoded `Layer.features` fields, and how many.
    features: Vec<u8>,
    feature_count: usize,
    /// One feature's packed tags, reused.
    tags: Vec<u8>,
}

impl<'v> PointLayer<'v> {
    /// An empty layer named `name`, of `extent` pixels a side.
    #[must_use]
    pub fn new(name: &str, extent: u32) -> Self {
        Self {
            name: name.to_owned(),
            extent,
            keys: Vec::new(),
            key_count: 0,
            key_names: Vec::new(),
            key_numbers: Vec::new(),
            values: Values::default(),
            strings: HashMap::default(),
            scalars: HashMap::default(),
            small: [u32::MAX; SMALL],
            features: Vec::new(),
            feature_count: 0,
            tags: Vec::new(),
        }
    }

    /// The key named `name` (the same key each time the name is asked for).
    pub fn key(&mut self, name: &str) -> Key {
        let index = self
            .key_names
            .iter()
            .position(|known| known == name)
            .unwrap_or_else(|| {
                self.key_names.push(name.to_owned());
                self.key_numbers.push(u32::MAX);
                self.key_names.len() - 1
            });
        Key(index_u32(index))
    }

    /// The number of `key` in the `keys` table, which it enters now if it is not there.
    fn key_number(&mut self, Key(key): Key) -> u32 {
        let number = &mut self.key_numbers[key as usize];
        if *number == u32::MAX {
            *number = self.key_count;
            self.key_count += 1;
            put_bytes(3, self.key_names[key as usize].as_bytes(), &mut self.keys);
        }
        *number
    }

    fn string(&mut self, text: &'v str) -> Value {
        let index = *self
            .strings
            .entry(text)
            .or_insert_with(|| self.values.push_string(text));
        Value(index)
    }

    fn string_for(&mut self, token: u64, text: &str) -> Value {
        self.scalar(Scalar::Token(token), |values| values.push_string(text))
    }

    fn uint(&mut self, number: u64) -> Value {
        match usize::try_from(number).ok().filter(|&n| n < SMALL) {
            Some(n) => {
                if self.small[n] == u32::MAX {
                    self.small[n] = self.values.push_varint(5, number);
                }
                Value(self.small[n])
            }
            None => self.scalar(Scalar::UInt(number), |values| values.push_varint(5, number)),
        }
    }

    fn bool(&mut self, flag: bool) -> Value {
        self.scalar(Scalar::Bool(flag), |values| {
            values.push_varint(7, u64::from(flag))
        })
    }

    /// The value `scalar` stands for, appended by `push` the first time.
    fn scalar(&mut self, scalar: Scalar, push: impl FnOnce(&mut Values) -> u32) -> Value {
        Value(
            *self
                .scalars
                .entry(scalar)
                .or_insert_with(|| push(&mut self.values)),
        )
    }

    /// Adds a point feature at tile pixel `[x, y]`, with the properties `properties`
    /// gives it.
    pub fn point(&mut self, [x, y]: [i32; 2], properties: impl FnOnce(&mut Properties<'_, 'v>)) {
        self.tags.clear();
        properties(&mut Properties { layer: self });
        let mut geometry = [0u8; 3 * 5];
        let mut geometry_len = 0;
        for number in [MOVE_TO_ONE, zigzag(x), zigzag(y)] {
            geometry_len += write_varint(number, &mut geometry[geometry_len..]);
        }
        let tags_field = if self.tags.is_empty() {
            0
        } else {
            field_len(self.tags.len())
        };
        // tags, then `type` = POINT (field 3, one byte each), then the geometry.
        let len = tags_field + 2 + field_len(geometry_len);
        let features = &mut self.features;
        put_key(2, 2, features);
        put_varint(len as u64, features);
        if !self.tags.is_empty() {
            put_bytes(2, &self.tags, features);
        }
        put_varint_field(3, 1, features);
        put_bytes(4, &geometry[..geometry_len], features);
        self.feature_count += 1;
    }

    /// The features added so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.feature_count
    }

    /// Whether no feature was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.feature_count == 0
    }

    /// The tile holding this one layer, or `None` when it has no feature.
    #[must_use]
    pub fn encode(self) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        let mut layer = Vec::with_capacity(
            self.features.len() + self.keys.len() + self.values.bytes.len() + self.name.len() + 16,
        );
        put_varint_field(15, VERSION, &mut layer);
        put_bytes(1, self.name.as_bytes(), &mut layer);
        layer.extend_from_slice(&self.features);
        layer.extend_from_slice(&self.keys);
        layer.extend_from_slice(&self.values.bytes);
        put_varint_field(5, u64::from(self.extent), &mut layer);
        let mut tile = Vec::with_capacity(layer.len() + 6);
        put_bytes(3, &layer, &mut tile);
        Some(tile)
    }
}

/// The `values` table as encoded `Layer.values` fields, and how many.
#[derive(Debug, Default)]
struct Values {
    bytes: Vec<u8>,
    count: u32,
}

impl Values {
    /// Appends a `Value` message with a string (`string_value`, field 1); its number.
    fn push_string(&mut self, text: &str) -> u32 {
        put_key(4, 2, &mut self.bytes);
        put_varint(field_len(text.len()) as u64, &mut self.bytes);
        put_bytes(1, text.as_bytes(), &mut self.bytes);
        self.next()
    }

    /// Appends a `Value` message with a varint field (`uint_value` 5, `bool_value` 7);
    /// its number.
    fn push_varint(&mut self, field: u32, number: u64) -> u32 {
        put_key(4, 2, &mut self.bytes);
        put_varint(1 + varint_len(number) as u64, &mut self.bytes);
        put_varint_field(field, number, &mut self.bytes);
        self.next()
    }

    fn next(&mut self) -> u32 {
        self.count += 1;
        self.count - 1
    }
}

/// The properties of the feature being added: each call adds one, a key with a value.
#[derive(Debug)]
pub struct Properties<'a, 'v> {
    layer: &'a mut PointLayer<'v>,
}

impl<'v> Properties<'_, 'v> {
    fn tag(&mut self, key: Key, Value(value): Value) -> &mut Self {
        let key = self.layer.key_number(key);
        put_varint(u64::from(key), &mut self.layer.tags);
        put_varint(u64::from(value), &mut self.layer.tags);
        self
    }

    /// A string value, found again by its text (borrowed for the layer's lifetime, not
    /// copied, to find it).
    pub fn string(&mut self, key: Key, text: &'v str) -> &mut Self {
        let value = self.layer.string(text);
        self.tag(key, value)
    }

    /// A string value the layer does not hold yet (such as an incident's id, which no
    /// other feature has): added without being looked up. A string the layer holds
    /// already is repeated in the values table, which the specification allows but
    /// advises against.
    pub fn new_string(&mut self, key: Key, text: &str) -> &mut Self {
        let value = Value(self.layer.values.push_string(text));
        self.tag(key, value)
    }

    /// A string value identified by `token`, for strings made on the fly (such as a date,
    /// by its day number): the caller's promise is that equal tokens mean equal text.
    pub fn string_for(&mut self, key: Key, token: u64, text: &str) -> &mut Self {
        let value = self.layer.string_for(token, text);
        self.tag(key, value)
    }

    /// An unsigned integer value (`Value.uint_value`).
    pub fn uint(&mut self, key: Key, number: u64) -> &mut Self {
        let value = self.layer.uint(number);
        self.tag(key, value)
    }

    /// A boolean value (`Value.bool_value`).
    pub fn bool(&mut self, key: Key, flag: bool) -> &mut Self {
        let value = self.layer.bool(flag);
        self.tag(key, value)
    }
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).expect("fewer than 2^32 entries in a layer's table")
}

fn zigzag(n: i32) -> u64 {
    u64::from(((n << 1) ^ (n >> 31)).cast_unsigned())
}

/// Writes `number` as a varint at the start of `out`, returning its length.
fn write_varint(mut number: u64, out: &mut [u8]) -> usize {
    let mut len = 0;
    while number >= 0x80 {
        out[len] = (number as u8) | 0x80;
        number >>= 7;
        len += 1;
    }
    out[len] = number as u8;
    len + 1
}

#[inline]
fn put_varint(mut number: u64, buf: &mut Vec<u8>) {
    while number >= 0x80 {
        buf.push((number as u8) | 0x80);
        number >>= 7;
    }
    buf.push(number as u8);
}

fn varint_len(number: u64) -> usize {
    (64 - (number | 1).leading_zeros() as usize).div_ceil(7)
}

/// The size of a length-delimited field of `len` bytes whose field number is under 16
/// (a one-byte key).
fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

#[inline]
fn put_key(field: u32, wire_type: u32, buf: &mut Vec<u8>) {
    put_varint(u64::from((field << 3) | wire_type), buf);
}

fn put_varint_field(field: u32, number: u64, buf: &mut Vec<u8>) {
    put_key(field, 0, buf);
    put_varint(number, buf);
}

fn put_bytes(field: u32, bytes: &[u8], buf: &mut Vec<u8>) {
    put_key(field, 2, buf);
    put_varint(bytes.len() as u64, buf);
    buf.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_as_long_as_protobuf_writes_them() {
        for (number, len) in [(0, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3)] {
            let mut bytes = [0; 10];
            assert_eq!(write_varint(number, &mut bytes), len, "{number}");
            assert_eq!(varint_len(number), len, "{number}");
        }
        assert_eq!(varint_len(u64::MAX), 10);
        let mut bytes = [0; 10];
        assert_eq!(write_varint(300, &mut bytes), 2);
        assert_eq!(bytes[..2], [0xac, 0x02]);
    }

    #[test]
    fn zigzag_interleaves_signs() {
        assert_eq!(
            [0, -1, 1, -2, 2, i32::MIN, i32::MAX].map(zigzag),
            [0, 1, 2, 3, 4, u64::from(u32::MAX), u64::from(u32::MAX) - 1]
        );
    }

    #[test]
    fn equal_values_share_one_entry_and_keys_are_numbered_once() {
        let mut layer = PointLayer::new("l", 4096);
        let a = layer.key("a");
        let b = layer.key("b");
        assert_eq!(layer.key("a"), a);
        assert_ne!(a, b);
        // Keys enter the table when used, in that order.
        assert_eq!((layer.key_number(b), layer.key_number(a)), (0, 1));
        assert_eq!(layer.key_number(b), 0);
        assert_eq!(layer.key_count, 2);
        let text = String::from("x");
        assert_eq!(layer.string(&text), layer.string("x"));
        assert_eq!(layer.uint(3), layer.uint(3));
        assert_eq!(layer.uint(1_000), layer.uint(1_000));
        assert_ne!(layer.uint(3), layer.uint(1_000));
        assert_eq!(layer.bool(true), layer.bool(true));
        assert_ne!(layer.bool(true), layer.bool(false));
        assert_eq!(
            layer.string_for(7, "2024-01-01"),
            layer.string_for(7, "ignored")
        );
        assert_ne!(Value(layer.values.push_string("x")), layer.string("x"));
        assert_eq!(layer.values.count, 7);
        assert!(layer.encode().is_none(), "no feature, no tile");
    }

    #[test]
    fn only_the_keys_features_use_are_listed() {
        let mut layer = PointLayer::new("l", 4096);
        let unused = layer.key("never-used");
        let used = layer.key("kind");
        assert_ne!(unused, used);
        layer.point([1, 2], |feature| {
            feature.string(used, "fire");
        });
        let tile = layer.encode().expect("one feature");
        let holds = |text: &[u8]| tile.windows(text.len()).any(|w| w == text);
        assert!(holds(b"kind") && holds(b"fire"));
        assert!(!holds(b"never-used"));
    }
}
