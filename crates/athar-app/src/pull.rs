//! Pulls from other systems into this store, resumable and idempotent: another Athar's
//! change log ([`sync_pull`]) and an ODK Central form's submissions ([`odk_pull`]). Each
//! remembers how far it got (`sync_cursors`) only once what it read is stored, and
//! imports through the same path as any file (one transaction a page, the same report).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use athar_core::Vocabularies;
use athar_gazetteer::Gazetteer;
use athar_ingest::{Format, ReadOptions};
use athar_store::{ImportMeta, Store};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::import::{ImportError, ImportReport, run_import_with};

/// Entries of a peer's change log read per page.
const PAGE: usize = 500;

/// A pull that failed; what was stored before it stays, and the next pull resumes there.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The other system did not answer as expected.
    #[error("{url}: {message}")]
    Http {
        /// What was asked for.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// Storing failed.
    #[error(transparent)]
    Store(#[from] athar_store::StoreError),
    /// The import failed as a whole.
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// Credentials for the other system.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// None.
    None,
    /// A bearer token.
    Bearer(String),
    /// A user and password (basic authentication).
    Basic(String, String),
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_mins(2)))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// GETs `url` as JSON: `None` for 404 and 410 (gone since) and for a redirect (an
/// incident merged into another since: the one it went into is read on its own), an
/// error for anything else but 200.
fn get_json(
    agent: &ureq::Agent,
    url: &str,
    credentials: &Credentials,
) -> Result<Option<Value>, PullError> {
    let fail = |message: String| PullError::Http {
        url: url.to_owned(),
        message,
    };
    let mut request = agent.get(url).header("Accept", "application/json");
    match credentials {
        Credentials::None => {}
        Credentials::Bearer(token) => {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        Credentials::Basic(user, password) => {
            use base64::Engine as _;
            let pair =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            request = request.header("Authorization", &format!("Basic {pair}"));
        }
    }
    let mut response = request.call().map_err(|e| fail(e.to_string()))?;
    let status = response.status().as_u16();
    match status {
        200 => response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_json()
            .map(Some)
            .map_err(|e| fail(format!("not JSON: {e}"))),
        301 | 302 | 307 | 308 | 404 | 410 => Ok(None),
        _ => Err(fail(format!(
            "answered {status}: {}",
            response
                .body_mut()
                .with_config()
                .limit(4096)
                .read_to_string()
                .unwrap_or_default()
        ))),
    }
}

/// Runs blocking HTTP off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PullError> + Send + 'static,
) -> Result<T, PullError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| PullError::Http {
            url: String::new(),
            message: e.to_string(),
        })?
}

/// What a pull did.
#[derive(Debug, Default, Serialize)]
pub struct PullReport {
    /// Pages read.
    pub pages: u64,
    /// Incidents (or submissions) read.
    pub read: u64,
    /// The imports' reports, one a page that had any to import.
    pub imports: Vec<ImportReport>,
    /// Incidents deleted here because the other system deleted them.
    pub deleted: u64,
    /// Deletions that named no incident stored here.
    pub deletions_not_found: u64,
    /// Where the next pull starts.
    pub position: String,
}

async fn import_rows(
    store: &Store,
    (vocabularies, gazetteer): (&Arc<Vocabularies>, &Arc<Gazetteer>),
    rows: Vec<Value>,
    (source, actor): (String, String),
) -> Result<ImportReport, PullError> {
    let body = serde_json::to_vec(&rows).map_err(|e| ImportError::Reader(e.to_string()))?;
    Ok(run_import_with(
        store,
        (Arc::clone(vocabularies), Arc::clone(gazetteer)),
        (Format::Json, ReadOptions::default()),
        std::io::Cursor::new(body),
        ImportMeta {
            source,
            format: "json".into(),
            file_name: None,
            actor: Some(actor),
        },
    )
    .await?)
}

/// Another Athar to mirror.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Its base URL.
    pub url: String,
    /// A token of its (a reader's is enough; without one, its anonymous view).
    pub token: Option<String>,
    /// The name its incidents' sources take here: `NAME/<its source>`.
    pub name: String,
}

/// A peer's incident (a GeoJSON feature of its items) as a row to import here.
fn peer_row(feature: &Value, name: &str) -> Option<Value> {
    let properties = feature.get("properties")?.as_object()?;
    let mut row = Map::new();
    for (key, value) in properties {
        if matches!(
            key.as_str(),
            "community_key" | "community_id" | "resolution_method" | "resolution_score"
        ) || value.is_null()
        {
            continue;
        }
        row.insert(key.clone(), value.clone());
    }
    let source = properties
        .get("source")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    row.insert("source".into(), Value::from(format!("{name}/{source}")));
    if !row.contains_key("source_id") {
        // A peer that hides source ids from this reader: its own id names the incident.
        row.insert("source_id".into(), feature.get("id")?.clone());
    }
    if let Some([lon, lat]) = feature
        .pointer("/geometry/coordinates")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        row.insert("latitude".into(), lat.clone());
        row.insert("longitude".into(), lon.clone());
    }
    Some(Value::Object(row))
}

/// Mirrors a peer's incidents through its change log (`/v1/changes`) and items, deletions
/// included, from where the last pull of this peer stopped.
pub async fn sync_pull(
    store: &Store,
    (vocabularies, gazetteer): (&Arc<Vocabularies>, &Arc<Gazetteer>),
    peer: &Peer,
) -> Result<PullReport, PullError> {
    let base = peer.url.trim_end_matches('/').to_owned();
    let cursor = format!("athar:{}:{base}", peer.name);
    let mut since: i64 = store
        .cursor(&cursor)
        .await?
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let credentials = peer
        .token
        .clone()
        .map_or(Credentials::None, Credentials::Bearer);
    let agent = agent();
    let mut report = PullReport::default();
    loop {
        let (page, next, features) = {
            let (agent, base, credentials) = (agent.clone(), base.clone(), credentials.clone());
            blocking(move || {
                let url = format!("{base}/v1/changes?since={since}&limit={PAGE}");
                let log = get_json(&agent, &url, &credentials)?.ok_or_else(|| PullError::Http {
                    url: url.clone(),
                    message: "has no change log".into(),
                })?;
                let changes: Vec<Value> = log["changes"].as_array().cloned().unwrap_or_default();
                let next = log["next_since"].as_i64().unwrap_or(since);
                // The last operation on each incident in this page decides.
                let mut last: BTreeMap<String, Value> = BTreeMap::new();
                for change in &changes {
                    if let Some(id) = change["incident_id"].as_str() {
                        last.insert(id.to_owned(), change.clone());
                    }
                }
                let mut features = Vec::new();
                for (id, change) in &last {
                    if change["op"] != "delete" {
                        let url = format!("{base}/collections/incidents/items/{id}");
                        if let Some(feature) = get_json(&agent, &url, &credentials)? {
                            features.push(feature);
                        }
                    }
                }
                Ok((last, next, features))
            })
            .await?
        };
        if page.is_empty() {
            break;
        }
        report.pages += 1;
        report.read += page.len() as u64;
        // Deletions first: a source id deleted and then used again in the same page ends
        // as the new incident, not deleted.
        for change in page.values().filter(|c| c["op"] == "delete") {
            // A delete logs every field the incident had (for token holders).
            let field = |name: &str| {
                change["fields"].as_array().and_then(|fields| {
                    fields
                        .iter()
                        .find(|f| f["field"] == name)
                        .and_then(|f| f["before"].as_str())
                        .map(str::to_owned)
                })
            };
            let source = field("source").map(|s| format!("{}/{s}", peer.name));
            let source_id =
                field("source_id").or_else(|| change["incident_id"].as_str().map(str::to_owned));
            let found = match (source, source_id) {
                (Some(source), Some(source_id)) => {
                    store.incident_by_source(&source, &source_id).await?
                }
                _ => None,
            };
            match found {
                Some(id) => {
                    store
                        .delete_incident(id, Some(&format!("sync:{}", peer.name)))
                        .await?;
                    report.deleted += 1;
                }
                None => report.deletions_not_found += 1,
            }
        }
        let rows: Vec<Value> = features
            .iter()
            .filter_map(|feature| peer_row(feature, &peer.name))
            .collect();
        if !rows.is_empty() {
            report.imports.push(
                import_rows(
                    store,
                    (vocabularies, gazetteer),
                    rows,
                    (peer.name.clone(), format!("sync:{}", peer.name)),
                )
                .await?,
            );
        }
        since = next;
        store.set_cursor(&cursor, &since.to_string()).await?;
    }
    report.position = since.to_string();
    Ok(report)
}

/// An ODK Central form to pull.
#[derive(Debug, Clone)]
pub struct OdkForm {
    /// The server's base URL.
    pub url: String,
    /// The project's number.
    pub project: u32,
    /// The form's id.
    pub form: String,
    /// A web user's e-mail and password.
    pub user: String,
    /// Its password.
    pub password: String,
}

/// When a submission last changed: its update, else its submission.
fn changed_at(row: &Value) -> Option<String> {
    let system = row.get("__system")?;
    system["updatedAt"]
        .as_str()
        .or_else(|| system["submissionDate"].as_str())
        .map(str::to_owned)
}

/// Pulls the form's submissions new or edited since the last pull through ODK Central's
/// OData feed, and imports them as `odk:FORM`.
pub async fn odk_pull(
    store: &Store,
    (vocabularies, gazetteer): (&Arc<Vocabularies>, &Arc<Gazetteer>),
    odk: &OdkForm,
) -> Result<PullReport, PullError> {
    let base = odk.url.trim_end_matches('/').to_owned();
    let cursor = format!("odk:{base}:{}:{}", odk.project, odk.form);
    let since = store.cursor(&cursor).await?;
    let mut url = format!(
        "{base}/v1/projects/{}/forms/{}.svc/Submissions?%24top=250",
        odk.project,
        urlencode(&odk.form)
    );
    if let Some(since) = &since {
        // Five minutes back from the last change seen: a submission stored a little late
        // with an earlier time is read again (importing it twice changes nothing).
        let since = chrono::DateTime::parse_from_rfc3339(since).map_or_else(
            |_| since.clone(),
            |at| {
                (at - chrono::TimeDelta::minutes(5))
                    .to_utc()
                    .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                    .to_string()
            },
        );
        let filter = format!("__system/submissionDate gt {since} or __system/updatedAt gt {since}");
        url.push_str("&%24filter=");
        url.push_str(&urlencode(&filter));
    }
    let credentials = Credentials::Basic(odk.user.clone(), odk.password.clone());
    let agent = agent();
    let mut report = PullReport::default();
    let mut latest = since.clone();
    let mut next = Some(url);
    while let Some(url) = next.take() {
        let (agent, credentials) = (agent.clone(), credentials.clone());
        let page = blocking(move || {
            get_json(&agent, &url, &credentials)?.ok_or_else(|| PullError::Http {
                url,
                message: "no such form".into(),
            })
        })
        .await?;
        let rows = page["value"].as_array().cloned().unwrap_or_default();
        // The next page, on the same server only (the credentials go with it).
        next = page["@odata.nextLink"]
            .as_str()
            .filter(|link| link.starts_with(&format!("{base}/")))
            .map(str::to_owned);
        report.pages += 1;
        report.read += rows.len() as u64;
        let mut submissions = Vec::new();
        let mut rejected_unread = Vec::new();
        for row in &rows {
            if let Some(at) = changed_at(row)
                && latest.as_ref().is_none_or(|l| at > *l)
            {
                latest = Some(at);
            }
            match crate::intake::read_submission(row, gazetteer) {
                Ok(submission) => submissions.push(submission),
                Err(error) => rejected_unread.push(error.to_string()),
            }
        }
        if !submissions.is_empty() {
            let mut imported = crate::intake::import_submissions(
                store,
                (Arc::clone(vocabularies), Arc::clone(gazetteer)),
                submissions,
                (
                    format!("odk:{}", odk.form),
                    Some(format!("odk:{}", odk.user)),
                ),
            )
            .await
            .map_err(|e| match e {
                crate::intake::IntakeError::Import(e) => PullError::Import(e),
                other @ crate::intake::IntakeError::Submission(_) => PullError::Http {
                    url: String::new(),
                    message: other.to_string(),
                },
            })?;
            imported.ignored_columns.extend(rejected_unread);
            report.imports.push(imported);
        }
    }
    if let Some(latest) = latest {
        store.set_cursor(&cursor, &latest).await?;
        report.position = latest;
    }
    Ok(report)
}

/// Percent-encodes a query value.
fn urlencode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char);
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                encoded.push('%');
                encoded.push(HEX[usize::from(byte >> 4)] as char);
                encoded.push(HEX[usize::from(byte & 15)] as char);
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_peer_feature_becomes_a_row_under_the_peer_source() {
        let feature = json!({
            "type": "Feature",
            "id": "01a2",
            "geometry": {"type": "Point", "coordinates": [36.48, 35.61]},
            "properties": {"source": "scd", "source_id": "a-1", "kind": "attack",
                           "community": "فطيرة", "community_key": "فطيره",
                           "community_id": "C4070", "resolution_method": "exact",
                           "resolution_score": 1.0, "notes": null, "killed": 1},
        });
        assert_eq!(
            peer_row(&feature, "north"),
            Some(
                json!({"source": "north/scd", "source_id": "a-1", "kind": "attack",
                        "community": "فطيرة", "killed": 1,
                        "latitude": 35.61, "longitude": 36.48})
            )
        );
        let hidden = json!({"id": "01a2", "properties": {"kind": "fire"}});
        assert_eq!(peer_row(&hidden, "north").unwrap()["source_id"], "01a2");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            urlencode("__system/updatedAt gt 2024-04-05T09:00:00.000Z"),
            "__system%2FupdatedAt%20gt%202024-04-05T09%3A00%3A00.000Z"
        );
    }
}
