//! Published months: a release freezes the incidents a period (and filters) select, as
//! they stand, with the vocabulary terms and the places they resolved to, so that what it
//! answers never changes while the live data goes on being corrected. Each release is a
//! snapshot of its own, kept in memory beside the live one (with its public view when the
//! privacy settings need one) and restored from the store at start.
//!
//! **The hash.** A release's `sha256` is the SHA-256 of its canonical serialisation: its
//! incidents as the GeoJSON export writes them for a token holder
//! (`GET /v1/exports/incidents.geojson?release=ID` with a token, or
//! `athar export --release ID --out x.geojson`): anyone can recompute it from that file.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use athar_core::{Filter, Incident, Vocabularies};
use athar_gazetteer::{Community, Gazetteer};
use athar_index::Snapshot;
use athar_store::{NewRelease, Store, StoreError, StoredRelease};
use chrono::NaiveDate;
use serde::Serialize;
use sha2::Digest as _;
use utoipa::ToSchema;

use crate::export::{ExportFormat, ExportOptions, TextExport};
use crate::privacy::{Privacy, PublicView};

/// The longest release id.
pub const MAX_ID_CHARS: usize = 64;

/// What a release is: its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Manifest {
    /// Its id, a short slug (`2024-04`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// The first day of its period.
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// The last day of its period.
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// Its other filters, as a query string (`kind=attack`), or empty.
    pub filters: String,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// Who made it.
    pub created_by: Option<String>,
    /// Its incidents.
    pub incidents: u64,
    /// The SHA-256 of its canonical serialisation (see the module's documentation).
    pub sha256: String,
    /// Its withdrawal, if an admin withdrew it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
}

/// A release's withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Withdrawal {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// By whom.
    pub by: Option<String>,
    /// Why.
    pub reason: String,
}

impl Manifest {
    /// The manifest as `public` (an anonymous reader under privacy settings) may see it:
    /// who made and who withdrew it left out, and their times cut to the day, as the
    /// change log shows them (who works when is not public).
    #[must_use]
    pub fn as_seen_by(&self, public: bool) -> Self {
        let mut manifest = self.clone();
        if public {
            manifest.created_by = None;
            manifest.created_at.truncate(10);
            if let Some(withdrawal) = &mut manifest.withdrawn {
                withdrawal.by = None;
                withdrawal.at.truncate(10);
            }
        }
        manifest
    }
}

impl Withdrawal {
    /// The withdrawal of a stored release, if it was withdrawn.
    fn of(stored: &StoredRelease) -> Option<Self> {
        Some(Self {
            at: stored.withdrawn_at.clone()?,
            by: stored.withdrawn_by.clone(),
            reason: stored.withdrawn_reason.clone().unwrap_or_default(),
        })
    }
}

/// A release in memory: its manifest, its snapshot and places, and their public view.
pub struct Release {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its incidents.
    pub snapshot: Arc<Snapshot>,
    /// The places its incidents resolved to, as they stood.
    pub places: Arc<Gazetteer>,
    /// What anonymous readers see of it, when the privacy settings show them other data.
    pub public: Option<PublicView>,
}

/// Why a release was not made, or not found.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A field of the request is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The id is taken (a release is never replaced).
    #[error("there is a release '{0}' already; a release is never replaced")]
    Exists(String),
    /// No such release.
    #[error("there is no release '{0}'")]
    NotFound(String),
    /// The release was withdrawn: when, and why.
    #[error("release '{id}' was withdrawn on {}: {}", .withdrawal.at, .withdrawal.reason)]
    Withdrawn {
        /// The release.
        id: String,
        /// Its withdrawal.
        withdrawal: Withdrawal,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A frozen part of a stored release cannot be read.
    #[error("release {id}: {message}")]
    Corrupt {
        /// The release.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// Whether `id` is a release id: 1 to 64 lowercase letters, digits and hyphens, starting
/// with a letter or digit.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// A release asked for: its id, title and period, and the filters within it.
pub struct Request<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its title.
    pub title: &'a str,
    /// The incidents it holds: the period's, with the other filters.
    pub filter: Filter,
    /// The other filters as a query string, for its manifest.
    pub filters: String,
    /// Who asks.
    pub actor: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// The release a JSON object asks for (`id`, `title`, `from`, `to`, and any shared
    /// filter as in query strings, its value text), its filters read against
    /// `vocabularies` and `resolver`, for `actor`.
    pub fn from_fields(
        fields: &'a serde_json::Map<String, serde_json::Value>,
        (vocabularies, resolver): (&Vocabularies, &dyn athar_core::CommunityResolver),
        actor: Option<&'a str>,
    ) -> Result<Self, ReleaseError> {
        use serde_json::Value;
        let invalid = |field: &str, message: &str| ReleaseError::Invalid {
            field: field.to_owned(),
            message: message.to_owned(),
        };
        let text = |name: &str| match fields.get(name) {
            Some(Value::String(text)) => Ok(text.as_str()),
            None | Some(Value::Null) => Err(invalid(name, "is required")),
            Some(_) => Err(invalid(name, "must be text")),
        };
        let (id, title) = (text("id")?, text("title")?);
        let mut filter = Filter::default();
        let mut filters = Vec::new();
        for (name, value) in fields {
            if matches!(name.as_str(), "id" | "title") {
                continue;
            }
            let Value::String(value) = value else {
                return Err(invalid(name, "must be text"));
            };
            let known = filter
                .apply_parameter(name, value, vocabularies, resolver)
                .map_err(|error| invalid(&error.parameter, &error.message))?;
            if !known {
                return Err(invalid(
                    name,
                    "is not a field of a release (id, title, from, to, or a filter)",
                ));
            }
            if !matches!(name.as_str(), "from" | "to") {
                filters.push(format!(
                    "{}={}",
                    percent_encoded(name),
                    percent_encoded(value)
                ));
            }
        }
        for name in ["from", "to"] {
            if !fields.contains_key(name) {
                return Err(invalid(name, "is required: a release is of a period"));
            }
        }
        Ok(Self {
            id,
            title,
            filter,
            filters: filters.join("&"),
            actor,
        })
    }
}

/// What changed between a release and the live data (or another release) over the
/// release's period and filters.
#[derive(Debug, Serialize, ToSchema)]
pub struct Diff {
    /// Incidents on the other side only (their ids).
    pub added: Vec<uuid::Uuid>,
    /// Incidents in the release only.
    pub removed: Vec<uuid::Uuid>,
    /// Incidents on both sides whose fields differ.
    pub changed: Vec<Changed>,
    /// Incidents and casualties by kind on each side.
    pub totals: DiffTotals,
}

/// An incident changed since a release: each field that differs, as text.
#[derive(Debug, Serialize, ToSchema)]
pub struct Changed {
    /// The incident.
    pub id: uuid::Uuid,
    /// The fields, named as in imports; a re-assignment to another place shows as
    /// `community_id`.
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<athar_core::FieldChange>,
}

/// The totals of both sides of a diff, by kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffTotals {
    /// The release.
    pub release: std::collections::BTreeMap<String, crate::stats::Figures>,
    /// The live data, or the other release.
    pub against: std::collections::BTreeMap<String, crate::stats::Figures>,
}

/// The incidents of `release` against those `filter` selects from `against`.
pub fn diff(release: &Snapshot, against: &Snapshot, filter: &Filter) -> Diff {
    let mine = release.select(&Filter::default());
    let theirs = against.select(filter);
    let ids = |snapshot: &Snapshot,
               rows: &[athar_index::RowId]|
     -> HashMap<uuid::Uuid, athar_index::RowId> {
        rows.iter()
            .map(|row| (snapshot.incident(*row).id, *row))
            .collect()
    };
    let (mine_ids, their_ids) = (ids(release, &mine), ids(against, &theirs));
    let mut added: Vec<uuid::Uuid> = their_ids
        .keys()
        .filter(|id| !mine_ids.contains_key(id))
        .copied()
        .collect();
    let mut removed: Vec<uuid::Uuid> = mine_ids
        .keys()
        .filter(|id| !their_ids.contains_key(id))
        .copied()
        .collect();
    added.sort_unstable();
    removed.sort_unstable();
    let mut changed: Vec<Changed> = mine_ids
        .iter()
        .filter_map(|(id, row)| {
            let (before, after) = (
                release.incident(*row),
                against.incident(*their_ids.get(id)?),
            );
            let mut fields = athar_core::IncidentDraft::from_record(&before.record)
                .changes_to(&athar_core::IncidentDraft::from_record(&after.record));
            let (was, is) = (
                &before.record.resolution.community_id,
                &after.record.resolution.community_id,
            );
            if was != is {
                fields.push(athar_core::FieldChange {
                    field: "community_id".into(),
                    before: was.clone(),
                    after: is.clone(),
                });
            }
            (!fields.is_empty()).then_some(Changed { id: *id, fields })
        })
        .collect();
    changed.sort_unstable_by_key(|change| change.id);
    Diff {
        totals: DiffTotals {
            release: kind_totals(release, &mine),
            against: kind_totals(against, &theirs),
        },
        added,
        removed,
        changed,
    }
}

impl Diff {
    /// The diff as CSV: one row per added or removed incident, and one per changed field.
    pub fn csv(&self) -> Result<String, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["id", "change", "field", "before", "after"])?;
        for (ids, change) in [(&self.added, "added"), (&self.removed, "removed")] {
            for id in ids {
                writer.write_record([id.to_string().as_str(), change, "", "", ""])?;
            }
        }
        for incident in &self.changed {
            for field in &incident.fields {
                writer.write_record([
                    incident.id.to_string().as_str(),
                    "changed",
                    &field.field,
                    field.before.as_deref().unwrap_or_default(),
                    field.after.as_deref().unwrap_or_default(),
                ])?;
            }
        }
        let bytes = writer
            .into_inner()
            .map_err(csv::IntoInnerError::into_error)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The filter of a manifest: its period, and its other filters read back from their query
/// string against the release's vocabularies and places.
pub fn manifest_filter(
    manifest: &Manifest,
    (vocabularies, resolver): (&Vocabularies, &dyn athar_core::CommunityResolver),
) -> Filter {
    let mut filter = Filter {
        from: Some(manifest.from),
        to: Some(manifest.to),
        ..Filter::default()
    };
    for pair in manifest.filters.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        // Written by `Request::from_fields` from a filter that was read: it reads again.
        let _ = filter.apply_parameter(
            &percent_decoded(name),
            &percent_decoded(value),
            vocabularies,
            resolver,
        );
    }
    filter
}

/// `text` with its `%XX` escapes decoded.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` percent-encoded for a query string: every byte but the unreserved ones.
fn percent_encoded(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes().fold(String::new(), |mut out, byte| {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
        out
    })
}

/// The snapshot version of a release: from its hash, with the top bit set, so that it
/// never meets a live snapshot's version (a counter) in a cache key or an ETag.
fn version_of(sha256: &str) -> u64 {
    let prefix = sha256.get(..15).unwrap_or_default();
    u64::from_str_radix(prefix, 16).unwrap_or_default() | (1 << 63)
}

/// The SHA-256 (hex) of the incidents of `snapshot` as the GeoJSON export writes them.
pub fn canonical_sha256(snapshot: &Snapshot) -> String {
    let mut export = TextExport::new(
        ExportFormat::GeoJson,
        ExportOptions::default(),
        snapshot.vocabularies(),
    );
    let mut hasher = sha2::Sha256::new();
    let mut buffer = Vec::with_capacity(64 * 1024);
    export.begin(&mut buffer);
    for row in snapshot.select(&Filter::default()) {
        export.row(&snapshot.incident(row), &mut buffer);
        if buffer.len() >= 60 * 1024 {
            hasher.update(&buffer);
            buffer.clear();
        }
    }
    export.end(&mut buffer);
    hasher.update(&buffer);
    hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Incidents and casualties of `rows` of `snapshot` by kind (the kinds with incidents),
/// by slug.
pub fn kind_totals(
    snapshot: &Snapshot,
    rows: &[athar_index::RowId],
) -> std::collections::BTreeMap<String, crate::stats::Figures> {
    let mut by_kind: std::collections::BTreeMap<&athar_core::Slug, Vec<athar_index::RowId>> =
        std::collections::BTreeMap::new();
    for &row in rows {
        by_kind
            .entry(snapshot.tile_fields(row).kind)
            .or_default()
            .push(row);
    }
    by_kind
        .into_iter()
        .map(|(kind, rows)| {
            (
                kind.as_str().to_owned(),
                crate::stats::Figures::of(&snapshot.totals(&rows)),
            )
        })
        .collect()
}

/// The vocabulary terms as CSV, as `Vocabularies::from_csv` reads them.
fn vocabularies_csv(vocabularies: &Vocabularies) -> Result<String, ReleaseError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let corrupt = |error: csv::Error| ReleaseError::Corrupt {
        id: String::new(),
        message: error.to_string(),
    };
    writer
        .write_record(["vocabulary", "slug", "label_en", "label_ar"])
        .map_err(corrupt)?;
    for term in vocabularies.terms() {
        writer
            .write_record([
                term.vocabulary.as_str(),
                term.slug.as_str(),
                &term.label_en,
                &term.label_ar,
            ])
            .map_err(corrupt)?;
    }
    let bytes = writer.into_inner().map_err(|e| ReleaseError::Corrupt {
        id: String::new(),
        message: e.to_string(),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

impl Release {
    /// Its snapshot and places as a reader sees them: their public view for an anonymous
    /// reader (`public`) when the privacy settings made one.
    pub fn seen_by(&self, public: bool) -> (Arc<Snapshot>, Arc<Gazetteer>) {
        match (&self.public, public) {
            (Some(view), true) => (Arc::clone(&view.snapshot), Arc::clone(&view.places)),
            _ => (Arc::clone(&self.snapshot), Arc::clone(&self.places)),
        }
    }

    /// A release of `incidents` under `manifest`, with these vocabularies and places.
    fn new(manifest: Manifest, snapshot: Snapshot, places: Gazetteer, privacy: &Privacy) -> Self {
        let public = privacy
            .is_configured()
            .then(|| privacy.public_view(&snapshot, &places));
        Self {
            manifest,
            snapshot: Arc::new(snapshot),
            places: Arc::new(places),
            public,
        }
    }

    /// A stored release, with its incidents.
    fn restore(
        stored: StoredRelease,
        incidents: Vec<Incident>,
        privacy: &Privacy,
    ) -> Result<Self, ReleaseError> {
        let corrupt = |message: String| ReleaseError::Corrupt {
            id: stored.id.clone(),
            message,
        };
        let day = |text: &str| {
            text.parse::<NaiveDate>()
                .map_err(|e| corrupt(format!("day '{text}': {e}")))
        };
        let vocabularies = Vocabularies::from_csv(stored.vocabularies.as_bytes())
            .map_err(|e| corrupt(format!("vocabularies: {e}")))?;
        let communities: Vec<Community> = serde_json::from_str(&stored.communities)
            .map_err(|e| corrupt(format!("places: {e}")))?;
        let manifest = Manifest {
            from: day(&stored.from_day)?,
            to: day(&stored.to_day)?,
            incidents: u64::try_from(stored.incidents).unwrap_or_default(),
            withdrawn: Withdrawal::of(&stored),
            id: stored.id,
            title: stored.title,
            filters: stored.filters,
            created_at: stored.created_at,
            created_by: stored.created_by,
            sha256: stored.sha256,
        };
        let snapshot = Snapshot::build(
            version_of(&manifest.sha256),
            Arc::new(vocabularies),
            incidents,
        );
        Ok(Self::new(
            manifest,
            snapshot,
            Gazetteer::new(communities),
            privacy,
        ))
    }
}

/// The releases of a store, by id, kept in memory.
#[derive(Default)]
pub struct Releases {
    by_id: RwLock<HashMap<String, Arc<Release>>>,
}

impl Releases {
    /// Every release of `store`, with its incidents.
    pub async fn load(store: &Store, privacy: &Privacy) -> Result<Self, ReleaseError> {
        let releases = Self::default();
        releases.refresh(store, privacy).await?;
        Ok(releases)
    }

    /// Adds the releases stored since the last look (by another replica, or the CLI), and
    /// the withdrawals.
    pub async fn refresh(&self, store: &Store, privacy: &Privacy) -> Result<(), ReleaseError> {
        let changed = store
            .release_states()
            .await?
            .into_iter()
            .any(|(id, withdrawn)| {
                self.get(&id).is_none_or(|release| {
                    release.manifest.withdrawn.is_none() && withdrawn.is_some()
                })
            });
        if !changed {
            return Ok(());
        }
        for stored in store.releases().await? {
            let known = self.get(&stored.id);
            match known {
                Some(release) if release.manifest.withdrawn.is_some() => {}
                Some(release) => {
                    if let Some(withdrawal) = Withdrawal::of(&stored) {
                        let mut manifest = release.manifest.clone();
                        manifest.withdrawn = Some(withdrawal);
                        self.insert(Release {
                            manifest,
                            snapshot: Arc::clone(&release.snapshot),
                            places: Arc::clone(&release.places),
                            public: release.public.clone(),
                        });
                    }
                }
                None => {
                    let incidents = store.release_incidents(&stored.id).await?;
                    self.insert(Release::restore(stored, incidents, privacy)?);
                }
            }
        }
        Ok(())
    }

    fn insert(&self, release: Release) {
        let id = release.manifest.id.clone();
        self.by_id
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, Arc::new(release));
    }

    /// The release `id`, withdrawn or not.
    pub fn get(&self, id: &str) -> Option<Arc<Release>> {
        self.by_id
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// The release `id`, unless it was withdrawn.
    pub fn published(&self, id: &str) -> Result<Arc<Release>, ReleaseError> {
        let release = self
            .get(id)
            .ok_or_else(|| ReleaseError::NotFound(id.to_owned()))?;
        match &release.manifest.withdrawn {
            Some(withdrawal) => Err(ReleaseError::Withdrawn {
                id: id.to_owned(),
                withdrawal: withdrawal.clone(),
            }),
            None => Ok(release),
        }
    }

    /// Every manifest, newest first.
    pub fn manifests(&self) -> Vec<Manifest> {
        let mut manifests: Vec<Manifest> = self
            .by_id
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .map(|release| release.manifest.clone())
            .collect();
        manifests.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        manifests
    }

    /// Freezes the incidents `request` selects from `snapshot` (the live data as stored),
    /// with the places they resolved to in `places`, as release `request.id`.
    pub async fn create(
        &self,
        store: &Store,
        (snapshot, places): (&Snapshot, &Gazetteer),
        request: Request<'_>,
        privacy: &Privacy,
    ) -> Result<Manifest, ReleaseError> {
        if !valid_id(request.id) {
            return Err(ReleaseError::Invalid {
                field: "id".into(),
                message: format!(
                    "'{}' is not a release id: 1 to {MAX_ID_CHARS} lowercase letters, digits and hyphens",
                    request.id
                ),
            });
        }
        let (Some(from), Some(to)) = (request.filter.from, request.filter.to) else {
            return Err(ReleaseError::Invalid {
                field: "from".into(),
                message: "a release needs a period: from and to".into(),
            });
        };
        let title = request.title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(ReleaseError::Invalid {
                field: "title".into(),
                message: "is required, at most 300 characters".into(),
            });
        }
        if self.get(request.id).is_some() {
            return Err(ReleaseError::Exists(request.id.to_owned()));
        }
        let incidents: Vec<Incident> = snapshot
            .select(&request.filter)
            .into_iter()
            .map(|row| snapshot.incident(row))
            .collect();
        let mut ids: Vec<&str> = incidents
            .iter()
            .filter_map(|incident| incident.record.resolution.community_id.as_deref())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let communities: Vec<Community> = ids
            .iter()
            .filter_map(|id| places.get(id))
            .cloned()
            .collect();
        let vocabularies = Arc::clone(snapshot.vocabularies());
        // Built once: hashed, then served under the version its hash gives.
        let frozen = Snapshot::build(0, Arc::clone(&vocabularies), incidents.clone());
        let sha256 = canonical_sha256(&frozen);
        let created_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let communities_json =
            serde_json::to_string(&communities).map_err(|e| ReleaseError::Corrupt {
                id: request.id.to_owned(),
                message: e.to_string(),
            })?;
        let stored = NewRelease {
            id: request.id,
            title,
            from,
            to,
            filters: &request.filters,
            created_at: &created_at,
            created_by: request.actor,
            sha256: &sha256,
            vocabularies: &vocabularies_csv(&vocabularies)?,
            communities: &communities_json,
        };
        if !store.create_release(&stored, &incidents).await? {
            return Err(ReleaseError::Exists(request.id.to_owned()));
        }
        let manifest = Manifest {
            id: request.id.to_owned(),
            title: title.to_owned(),
            from,
            to,
            filters: request.filters,
            created_at,
            created_by: request.actor.map(str::to_owned),
            incidents: incidents.len() as u64,
            sha256,
            withdrawn: None,
        };
        drop(incidents);
        let frozen = frozen.with_version(version_of(&manifest.sha256));
        self.insert(Release::new(
            manifest.clone(),
            frozen,
            Gazetteer::new(communities),
            privacy,
        ));
        Ok(manifest)
    }

    /// Withdraws release `id` (for `by`, because of `reason`).
    pub async fn withdraw(
        &self,
        store: &Store,
        id: &str,
        (by, reason): (Option<&str>, &str),
        privacy: &Privacy,
    ) -> Result<Manifest, ReleaseError> {
        if reason.trim().is_empty() {
            return Err(ReleaseError::Invalid {
                field: "reason".into(),
                message: "is required: why the release is withdrawn".into(),
            });
        }
        if self.get(id).is_none() {
            return Err(ReleaseError::NotFound(id.to_owned()));
        }
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        store.withdraw_release(id, (&at, by, reason.trim())).await?;
        self.refresh(store, privacy).await?;
        self.get(id)
            .map(|release| release.manifest.clone())
            .ok_or_else(|| ReleaseError::NotFound(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_slugs() {
        for good in ["2024-04", "april-2024", "q1", "a"] {
            assert!(valid_id(good), "{good}");
        }
        let long = "a".repeat(MAX_ID_CHARS + 1);
        for bad in ["", "-x", "April", "2024/04", "a b", long.as_str(), "é"] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn release_versions_never_meet_live_ones() {
        let a = "0".repeat(64);
        let b = format!("{}{}", "0".repeat(14), "1".repeat(50));
        assert!(version_of(&a) >= 1 << 63);
        assert!(version_of(&b) >= 1 << 63);
        assert_ne!(version_of(&a), version_of(&b));
    }
}
