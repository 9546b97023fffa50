//! What every request shares: the store, the tokens and the current snapshot.
//!
//! The snapshot is swapped whole: readers clone an `Arc` and keep it as long as they like.
//! After a write, [`AppState::catch_up`] reads the change log from the last sequence it
//! applied, loads the incidents it names and patches the snapshot; the same runs on a
//! timer, so writes made by another process (the CLI, another replica) show up too.

use std::sync::{Arc, RwLock};

use athar_core::{CommunityResolver, Vocabularies};
use athar_gazetteer::Gazetteer;
use athar_index::{Snapshot, SnapshotBuilder};
use athar_store::{Store, StoreError};

use crate::Settings;
use crate::auth::Tokens;

/// Past this many changes, catching up reloads everything instead of patching.
const PATCH_LIMIT: usize = 50_000;

/// Shared by every worker.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Community names and places.
    pub gazetteer: Arc<Gazetteer>,
    /// Known tokens.
    pub tokens: Tokens,
    /// The settings it runs with.
    pub settings: Settings,
    snapshot: RwLock<Arc<Snapshot>>,
    /// The last change-log sequence the snapshot includes; held while catching up.
    applied: tokio::sync::Mutex<i64>,
}

impl AppState {
    /// Loads the first snapshot from the store.
    pub async fn load(
        store: Store,
        tokens: Tokens,
        settings: Settings,
    ) -> Result<Self, StoreError> {
        let state = Self {
            store,
            gazetteer: Arc::new(Gazetteer::empty()),
            tokens,
            settings,
            snapshot: RwLock::new(Arc::new(Snapshot::empty(
                Arc::new(Vocabularies::defaults()),
            ))),
            applied: tokio::sync::Mutex::new(0),
        };
        state.reload().await?;
        Ok(state)
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(
            &self
                .snapshot
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn swap(&self, snapshot: Snapshot) {
        *self
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(snapshot);
    }

    /// Reloads everything from the store.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let mut applied = self.applied.lock().await;
        let seq = self.store.last_change_seq().await?;
        let vocabularies = Arc::new(self.store.vocabularies().await?);
        let mut builder = SnapshotBuilder::new(vocabularies);
        self.store
            .for_each_incident(|incident| builder.push(&incident))
            .await?;
        let version = self.snapshot().version() + 1;
        self.swap(builder.finish(version));
        *applied = seq;
        Ok(())
    }

    /// Applies the change log written since the snapshot was taken. Returns whether the
    /// snapshot changed.
    pub async fn catch_up(&self) -> Result<bool, StoreError> {
        let mut applied = self.applied.lock().await;
        let changes = self
            .store
            .changes_since(*applied, PATCH_LIMIT as i64 + 1)
            .await?;
        let Some(last) = changes.last().map(|c| c.seq) else {
            return Ok(false);
        };
        if changes.len() > PATCH_LIMIT {
            drop(applied);
            self.reload().await?;
            return Ok(true);
        }
        let mut touched: Vec<uuid::Uuid> = changes.iter().map(|c| c.incident_id).collect();
        touched.sort_unstable();
        touched.dedup();
        // Whatever still exists is (re)loaded; whatever does not was deleted.
        let upserts = self.store.load_incidents_by_ids(&touched).await?;
        let current = self.snapshot();
        let patched = current.patch(
            current.version() + 1,
            Arc::clone(current.vocabularies()),
            &upserts,
            &touched,
        );
        self.swap(patched);
        *applied = last;
        Ok(true)
    }

    /// The resolver for names in filters and imports.
    pub fn resolver(&self) -> Arc<dyn CommunityResolver> {
        Arc::clone(&self.gazetteer) as Arc<dyn CommunityResolver>
    }
}
