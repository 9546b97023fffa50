//! Which incident field a column's header names: the dictionary of Arabic and English
//! headers kept as data (`data/headers.txt`, compiled in), and a mapping file for any
//! other sheet (`--mapping FILE`).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::IngestError;

const DICTIONARY: &str = include_str!("../data/headers.txt");

/// A header as it is compared: trimmed, lower case, spaces, hyphens and underscores as
/// one `_`, without Arabic diacritics or tatweel, alef, ya and ta marbuta in one form each.
pub fn normalise_header(header: &str) -> String {
    let mut name = String::with_capacity(header.len());
    let mut gap = false;
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        let c = match c {
            ' ' | '-' | '_' | '\u{a0}' => {
                gap = !name.is_empty();
                continue;
            }
            '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => continue,
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            c => c,
        };
        if gap {
            name.push('_');
            gap = false;
        }
        name.extend(c.to_lowercase());
    }
    name
}

/// The dictionary: normalised header → field.
static HEADERS: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut headers = HashMap::new();
    for field in athar_core::FIELDS {
        headers.insert(normalise_header(field), field);
    }
    for line in DICTIONARY.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (field, names) = line
            .split_once('=')
            .expect("every line of headers.txt is `field = header | …` (tested)");
        let field = athar_core::FIELDS
            .iter()
            .copied()
            .find(|f| *f == field.trim())
            .expect("headers.txt names only incident fields (tested)");
        for name in names.split('|') {
            headers.insert(normalise_header(name), field);
        }
    }
    headers
});

/// The incident field a header names, if any: the field's own name or a header of the
/// dictionary (`data/headers.txt`), in Arabic or English.
pub fn field_for_header(header: &str) -> Option<&'static str> {
    HEADERS.get(&normalise_header(header)).copied()
}

/// A mapping file for a sheet the dictionary does not cover: `{"columns": {"header":
/// "field"}, "values": {"field": {"value": "slug"}}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Normalised header → field.
    columns: HashMap<String, &'static str>,
    /// Field → the value as written → what to read instead.
    values: HashMap<&'static str, HashMap<String, String>>,
}

impl Mapping {
    /// Reads a mapping file's JSON.
    ///
    /// # Errors
    /// JSON of another shape, or a field that is not an incident field, named with where
    /// it is.
    pub fn parse(json: &str) -> Result<Self, IngestError> {
        let bad = |message: String| IngestError::Mapping(message);
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| bad(format!("not JSON: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| bad("must be an object with 'columns' and 'values'".into()))?;
        if let Some(key) = object.keys().find(|k| *k != "columns" && *k != "values") {
            return Err(bad(format!(
                "'{key}' is not a part of a mapping (use 'columns' and 'values')"
            )));
        }
        let field = |name: &str, at: &str| {
            athar_core::FIELDS
                .iter()
                .copied()
                .find(|f| *f == name)
                .ok_or_else(|| bad(format!("{at}: '{name}' is not an incident field")))
        };
        let mut mapping = Self::default();
        if let Some(columns) = object.get("columns") {
            let columns = columns
                .as_object()
                .ok_or_else(|| bad("'columns' must map headers to fields".into()))?;
            for (header, name) in columns {
                let name = name
                    .as_str()
                    .ok_or_else(|| bad(format!("columns.{header}: the field must be a string")))?;
                mapping.columns.insert(
                    normalise_header(header),
                    field(name, &format!("columns.{header}"))?,
                );
            }
        }
        if let Some(values) = object.get("values") {
            let values = values
                .as_object()
                .ok_or_else(|| bad("'values' must map fields to {value: slug}".into()))?;
            for (name, table) in values {
                let field = field(name, &format!("values.{name}"))?;
                let table = table.as_object().ok_or_else(|| {
                    bad(format!(
                        "values.{name}: must map values to what to read instead"
                    ))
                })?;
                let mut entries = HashMap::new();
                for (written, read) in table {
                    let read = read
                        .as_str()
                        .ok_or_else(|| bad(format!("values.{name}.{written}: must be a string")))?;
                    entries.insert(written.trim().to_owned(), read.to_owned());
                }
                mapping.values.insert(field, entries);
            }
        }
        Ok(mapping)
    }

    /// The field a header names under this mapping, else under the dictionary.
    pub fn field(&self, header: &str) -> Option<&'static str> {
        self.columns
            .get(&normalise_header(header))
            .copied()
            .or_else(|| field_for_header(header))
    }

    /// What to read for `value` written in `field`'s column.
    pub fn value<'a>(&'a self, field: &str, value: &'a str) -> &'a str {
        self.values
            .get(field)
            .and_then(|table| table.get(value.trim()))
            .map_or(value, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_reads_and_names_only_fields() {
        // Forces the parse (which panics on a bad line) and checks the issue's headers.
        for (header, field) in [
            ("رقم الحادثة", "source_id"),
            ("نوع الحادث", "kind"),
            ("تاريخ الحادثة", "occurred_on"),
            ("التجمع السكاني", "community"),
            ("القرية", "community"),
            ("المحافظة", "admin1"),
            ("المنطقة", "admin2"),
            ("الناحية", "admin3"),
            ("خط العرض", "latitude"),
            ("خط الطول", "longitude"),
            ("الجهة المسؤولة", "perpetrator"),
            ("نوع السلاح", "weapon"),
            ("المكان المستهدف", "place_type"),
            ("السبب", "cause"),
            ("المركبة", "vehicle"),
            ("الوفيات", "killed"),
            ("قتلى نساء", "killed_women"),
            ("قتلى أطفال", "killed_children"),
            ("الإصابات", "injured"),
            ("مصابون نساء", "injured_women"),
            ("مصابون أطفال", "injured_children"),
            ("تفاصيل", "notes"),
            ("Killed Women", "killed_women"),
            ("killed-children", "killed_children"),
            ("Lat", "latitude"),
            ("Date", "occurred_on"),
            ("Governorate", "admin1"),
            ("Community P-Code", "community_pcode"),
        ] {
            assert_eq!(field_for_header(header), Some(field), "{header}");
        }
        // Diacritics, tatweel and the forms of alef and ta marbuta do not matter.
        assert_eq!(field_for_header(" تاريـخ الحادثه "), Some("occurred_on"));
        assert_eq!(field_for_header("الاصابات"), Some("injured"));
        assert_eq!(field_for_header("رقم الهاتف"), None);
    }

    #[test]
    fn a_mapping_names_columns_and_values_and_refuses_what_is_not_a_field() {
        let mapping = Mapping::parse(
            r#"{"columns": {"Wilaya": "admin1", "Type of event": "kind"},
                "values": {"kind": {"Shelling": "attack"}}}"#,
        )
        .unwrap();
        assert_eq!(mapping.field("wilaya"), Some("admin1"));
        assert_eq!(mapping.field("Type of event"), Some("kind"));
        assert_eq!(
            mapping.field("خط العرض"),
            Some("latitude"),
            "the dictionary still applies"
        );
        assert_eq!(mapping.value("kind", " Shelling "), "attack");
        assert_eq!(mapping.value("kind", "fire"), "fire");
        let error = Mapping::parse(r#"{"columns": {"X": "casualties"}}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the mapping file: columns.X: 'casualties' is not an incident field"
        );
        assert!(Mapping::parse(r#"{"colums": {}}"#).is_err());
        assert!(Mapping::parse("[]").is_err());
    }
}
