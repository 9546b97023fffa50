//! Communities kept in the store: imported lists, places learned from incidents, places a
//! person confirmed, and the spellings attached to them. The bundled GeoNames gazetteer
//! is not stored; a stored row with the same id overrides it.

use athar_gazetteer::{AdminArea, Community, CommunityKind, CommunityStatus};

use sqlx::AssertSqlSafe;

use crate::{BeginWrite, Result, Store, StoreError, sqlite};

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

impl Store {
    /// Every stored community (imported lists, learned and confirmed places), by id.
    pub async fn communities(&self) -> Result<Vec<Community>> {
        let sql = format!("SELECT {COLUMNS} FROM communities ORDER BY id");
        let rows: Vec<CommunityRow> = match self {
            Self::Postgres(pool) => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?,
        };
        rows.into_iter().map(CommunityRow::into_community).collect()
    }

    /// Every spelling a person attached to a place, as (community id, name), oldest first.
    pub async fn community_aliases(&self) -> Result<Vec<(String, String)>> {
        const SQL: &str = "SELECT community_id, name FROM community_aliases ORDER BY created_at, community_id, key";
        Ok(match self {
            Self::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        })
    }

    /// Writes a community list in one transaction: places new to the store are inserted,
    /// stored ones with other values updated in place (by id), equal ones left alone.
    pub async fn upsert_communities(&self, list: &[Community]) -> Result<CommunityCounts> {
        let stored: std::collections::HashMap<String, Community> = self
            .communities()
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut counts = CommunityCounts::default();
        let mut changed = Vec::new();
        for community in list {
            match stored.get(&community.id) {
                None => counts.accepted += 1,
                Some(existing) if existing == community => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.updated += 1,
            }
            changed.push(community);
        }
        macro_rules! write_all {
            ($pool:expr, $sql:expr) => {{
                let sql: String = $sql;
                let mut tx = $pool.begin_write().await?;
                for community in changed {
                    bind_community!(sqlx::query(AssertSqlSafe(sql.clone())), community)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }};
        }
        match self {
            Self::Postgres(pool) => write_all!(pool, upsert_sql(true, "now()")),
            Self::Sqlite(pool) => write_all!(pool, for_sqlite(&upsert_sql(true, sqlite::NOW))),
        }
        Ok(counts)
    }

    /// Attaches a spelling (with its key) to a place, by `actor`. Returns false when that
    /// spelling was attached to it already.
    pub async fn add_community_alias(
        &self,
        community_id: &str,
        name: &str,
        key: &str,
        actor: Option<&str>,
    ) -> Result<bool> {
        const SQL: &str = "INSERT INTO community_aliases (community_id, name, key, actor) VALUES ($1, $2, $3, $4) ON CONFLICT (community_id, key) DO NOTHING";
        let added = match self {
            Self::Postgres(pool) => sqlx::query(SQL)
                .bind(community_id)
                .bind(name)
                .bind(key)
                .bind(actor)
                .execute(pool)
                .await?
                .rows_affected(),
            Self::Sqlite(pool) => sqlx::query(AssertSqlSafe(for_sqlite(SQL)))
                .bind(community_id)
                .bind(name)
                .bind(key)
                .bind(actor)
                .execute(pool)
                .await?
                .rows_affected(),
        };
        Ok(added > 0)
    }
    /// Removes a stored community merged into `into`, moving the spellings attached to it
    /// there. Returns false when it was not stored.
    pub async fn remove_community(&self, id: &str, into: &str) -> Result<bool> {
        const MOVE: &str = "INSERT INTO community_aliases (community_id, name, key, actor)
             SELECT $2, name, key, actor FROM community_aliases WHERE community_id = $1
             ON CONFLICT (community_id, key) DO NOTHING";
        const FORGET: &str = "DELETE FROM community_aliases WHERE community_id = $1";
        const REMOVE: &str = "DELETE FROM communities WHERE id = $1";
        macro_rules! run {
            ($pool:expr, $sql:expr) => {{
                let mut tx = $pool.begin_write().await?;
                sqlx::query(AssertSqlSafe($sql(MOVE)))
                    .bind(id)
                    .bind(into)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(AssertSqlSafe($sql(FORGET)))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let removed = sqlx::query(AssertSqlSafe($sql(REMOVE)))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                removed > 0
            }};
        }
        Ok(match self {
            Self::Postgres(pool) => run!(pool, str::to_owned),
            Self::Sqlite(pool) => run!(pool, for_sqlite),
        })
    }
}
