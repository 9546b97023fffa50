//! What every request shares: the store and an immutable snapshot of the incidents.

use std::sync::{Arc, RwLock};

use athar_core::{CommunityResolver, Incident, Vocabularies};
use athar_gazetteer::Gazetteer;
use athar_store::{Store, StoreError};

/// An immutable view of every incident, swapped whole after writes.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Increases with every swap; the ETag of reads.
    pub version: u64,
    /// Every incident, ordered by date.
    pub incidents: Vec<Incident>,
    /// The vocabularies at the time.
    pub vocabularies: Arc<Vocabularies>,
}

/// Shared by every worker.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Community names and places.
    pub gazetteer: Arc<Gazetteer>,
    snapshot: RwLock<Arc<Snapshot>>,
}

impl AppState {
    /// Loads the first snapshot from the store.
    pub async fn load(store: Store) -> Result<Self, StoreError> {
        let state = Self {
            store,
            gazetteer: Arc::new(Gazetteer::empty()),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
        };
        state.refresh().await?;
        Ok(state)
    }

    /// The current snapshot. Readers hold it as long as they like; writers never wait for
    /// them.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(
            &self
                .snapshot
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Reloads everything from the store and swaps the snapshot.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let incidents = self.store.load_incidents().await?;
        let vocabularies = Arc::new(self.store.vocabularies().await?);
        let mut slot = self
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let version = slot.version + 1;
        *slot = Arc::new(Snapshot {
            version,
            incidents,
            vocabularies,
        });
        Ok(())
    }

    /// The resolver for names in filters and imports.
    pub fn resolver(&self) -> Arc<dyn CommunityResolver> {
        Arc::clone(&self.gazetteer) as Arc<dyn CommunityResolver>
    }
}
