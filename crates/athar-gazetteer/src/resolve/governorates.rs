//! The governorates of Syria, and the identity of one written in any of its forms.

use std::collections::HashMap;

use crate::name::community_key;

/// The governorates of Syria: OCHA p-code, and the names written for them.
const GOVERNORATES: [(&str, &[&str]); 14] = [
    ("SY01", &["Damascus", "Dimashq", "دمشق"]),
    ("SY02", &["Aleppo", "Halab", "حلب"]),
    (
        "SY03",
        &[
            "Rural Damascus",
            "Rif Dimashq",
            "Rif Dimashq Governorate",
            "ريف دمشق",
        ],
    ),
    ("SY04", &["Homs", "Hims", "حمص"]),
    ("SY05", &["Hama", "Hamah", "حماة"]),
    ("SY06", &["Latakia", "Lattakia", "Al Ladhiqiyah", "اللاذقية"]),
    ("SY07", &["Idlib", "Idleb", "إدلب"]),
    (
        "SY08",
        &[
            "Al-Hasakah",
            "Al-Hasakeh",
            "Hasakah",
            "Hasakeh",
            "Al Hasakah",
            "الحسكة",
        ],
    ),
    (
        "SY09",
        &[
            "Deir-ez-Zor",
            "Deir ez-Zor",
            "Dayr az Zawr",
            "Deir Ezzor",
            "دير الزور",
        ],
    ),
    ("SY10", &["Tartus", "Tartous", "طرطوس"]),
    (
        "SY11",
        &["Ar-Raqqa", "Raqqa", "Ar Raqqah", "Raqqah", "الرقة"],
    ),
    ("SY12", &["Daraa", "Dar'a", "Deraa", "درعا"]),
    (
        "SY13",
        &["As-Sweida", "As-Suwayda", "Sweida", "Suwayda", "السويداء"],
    ),
    ("SY14", &["Quneitra", "Al Qunaytirah", "القنيطرة"]),
];

/// The identity of a governorate written in any of its forms (name in either script, or
/// p-code): its p-code when it is one of Syria's, otherwise its key.
pub fn admin1_identity(written: &str) -> String {
    static KEYS: std::sync::OnceLock<HashMap<String, &'static str>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        GOVERNORATES
            .iter()
            .flat_map(|(pcode, names)| {
                names
                    .iter()
                    .map(|name| (community_key(name), *pcode))
                    .chain([(pcode.to_ascii_lowercase(), *pcode)])
            })
            .collect()
    });
    let key = community_key(written);
    keys.get(&key).map_or(key, |pcode| (*pcode).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn governorates_are_recognised_in_every_form() {
        for written in ["Idlib", "Idleb", "إدلب", "ادلب", "SY07"] {
            assert_eq!(admin1_identity(written), "SY07", "{written}");
        }
        assert_eq!(admin1_identity("حماه"), "SY05");
        assert_eq!(admin1_identity("Atlantis"), "atlantis");
    }
}
