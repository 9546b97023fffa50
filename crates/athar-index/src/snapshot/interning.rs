//! Interning: strings and vocabulary terms stored once and referred to by number, and
//! the arena that holds the free texts.

use std::collections::HashMap;

use athar_core::Slug;

use super::{NO_TERM, NONE, Snapshot};

/// Strings stored once, referred to by number.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    pub(crate) strings: Vec<Box<str>>,
    pub(super) ids: HashMap<Box<str>, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = u32::try_from(self.strings.len()).expect("fewer than 4 billion distinct strings");
        self.strings.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    pub(super) fn intern_optional(&mut self, value: Option<&str>) -> u32 {
        value.map_or(NONE, |value| self.intern(value))
    }

    pub(super) fn find(&self, value: &str) -> Option<u32> {
        self.ids.get(value).copied()
    }

    pub(super) fn get(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(AsRef::as_ref)
    }
}

/// A span of the text arena; `start == NONE` means absent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextRef {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl Snapshot {
    pub(super) fn slug_id(&mut self, slug: Option<&Slug>) -> u16 {
        let Some(slug) = slug else { return NO_TERM };
        if let Some(id) = self.slug_ids.get(slug) {
            return *id;
        }
        let id = u16::try_from(self.slugs.len()).expect("fewer than 65,535 vocabulary terms");
        self.slugs.push(slug.clone());
        self.slug_ids.insert(slug.clone(), id);
        id
    }

    pub(super) fn store_text(&mut self, value: Option<&str>) -> TextRef {
        match value {
            None => TextRef {
                start: NONE,
                len: 0,
            },
            Some(value) => {
                let start = u32::try_from(self.text.len()).expect("text arena under 4 GiB");
                self.text.push_str(value);
                TextRef {
                    start,
                    len: value.len() as u32,
                }
            }
        }
    }
}
