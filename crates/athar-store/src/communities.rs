//! Communities kept in the store: imported lists, places learned from incidents, places a
//! person confirmed, and the spellings attached to them. The bundled GeoNames gazetteer
//! is not stored; a stored row with the same id overrides it.

use athar_gazetteer::{AdminArea, Community, CommunityKind, CommunityStatus};

use crate::StoreError;

/// The columns of `communities`, in the order of inserts and selects.
pub(crate) const COLUMNS: &str = "id, pcode, name_ar, name_en, alternate_names, place_kind, status, lon, lat, admin1, admin1_pcode, admin2, admin2_pcode, admin3, admin3_pcode";

/// Numbered placeholders for [`COLUMNS`]: `$1, …, $15`.
pub(crate) fn placeholders() -> String {
    (1..=15)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statement for SQLite, whose numbered parameters are written `?N`.
pub(crate) fn for_sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Inserts a community, or (with `replace`) updates the stored one with the same id.
pub(crate) fn upsert_sql(replace: bool, now: &str) -> String {
    let conflict = if replace {
        let assignments: Vec<String> = COLUMNS
            .split(", ")
            .filter(|c| *c != "id")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            "DO UPDATE SET {}, updated_at = {now}",
            assignments.join(", ")
        )
    } else {
        "DO NOTHING".to_owned()
    };
    format!(
        "INSERT INTO communities ({COLUMNS}) VALUES ({}) ON CONFLICT (id) {conflict}",
        placeholders()
    )
}

/// Binds a community's values in [`COLUMNS`] order.
macro_rules! bind_community {
    ($query:expr, $community:expr) => {{
        let c: &athar_gazetteer::Community = $community;
        $query
            .bind(c.id.clone())
            .bind(c.pcode.clone())
            .bind(c.name_ar.clone())
            .bind(c.name_en.clone())
            .bind(serde_json::to_string(&c.alternate_names).expect("strings serialise"))
            .bind(c.kind.as_str())
            .bind(c.status.as_str())
            .bind(c.lon_lat.map(|p| p.0))
            .bind(c.lon_lat.map(|p| p.1))
            .bind(c.admin1.name.clone())
            .bind(c.admin1.pcode.clone())
            .bind(c.admin2.name.clone())
            .bind(c.admin2.pcode.clone())
            .bind(c.admin3.name.clone())
            .bind(c.admin3.pcode.clone())
    }};
}
pub(crate) use bind_community;

/// A stored community, columns in [`COLUMNS`] order.
#[derive(sqlx::FromRow)]
pub(crate) struct CommunityRow {
    id: String,
    pcode: Option<String>,
    name_ar: Option<String>,
    name_en: Option<String>,
    alternate_names: String,
    place_kind: String,
    status: String,
    lon: Option<f64>,
    lat: Option<f64>,
    admin1: Option<String>,
    admin1_pcode: Option<String>,
    admin2: Option<String>,
    admin2_pcode: Option<String>,
    admin3: Option<String>,
    admin3_pcode: Option<String>,
}

impl CommunityRow {
    pub(crate) fn into_community(self) -> Result<Community, StoreError> {
        let corrupt = |message: String| StoreError::Corrupt {
            id: format!("community {}", self.id),
            message,
        };
        Ok(Community {
            alternate_names: serde_json::from_str(&self.alternate_names)
                .map_err(|e| corrupt(format!("alternate_names: {e}")))?,
            kind: CommunityKind::parse(&self.place_kind)
                .ok_or_else(|| corrupt(format!("place_kind '{}'", self.place_kind)))?,
            status: CommunityStatus::parse(&self.status)
                .ok_or_else(|| corrupt(format!("status '{}'", self.status)))?,
            lon_lat: self.lon.zip(self.lat),
            admin1: AdminArea {
                name: self.admin1,
                pcode: self.admin1_pcode,
            },
            admin2: AdminArea {
                name: self.admin2,
                pcode: self.admin2_pcode,
            },
            admin3: AdminArea {
                name: self.admin3,
                pcode: self.admin3_pcode,
            },
            id: self.id,
            pcode: self.pcode,
            name_ar: self.name_ar,
            name_en: self.name_en,
        })
    }
}

/// What importing a community list changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CommunityCounts {
    /// Places new to the store.
    pub accepted: u64,
    /// Places whose stored row differed, now updated in place.
    pub updated: u64,
    /// Places stored exactly so already.
    pub unchanged: u64,
}
