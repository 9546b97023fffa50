//! Patching: a new snapshot from a few changes, merged into a copy of the rows, the
//! R-tree and the community table.

use std::collections::HashMap;
use std::sync::Arc;

use athar_core::{Incident, Vocabularies};
use rstar::RTree;
use uuid::Uuid;

use super::communities::CommunityInfo;
use super::interning::Interner;
use super::tiles::Entry;
use super::{Row, RowId, Snapshot};

impl Snapshot {
    /// A new snapshot: this one with `upserts` added or replacing the rows of the same id,
    /// and `deletions` removed. Cheaper than a build from the store: the rows are copied,
    /// not reloaded. A few changes are merged into the sorted rows, the R-tree and the
    /// community table; many (over a quarter of the rows) rebuild the index and the table.
    #[must_use]
    pub fn patch(
        &self,
        version: u64,
        vocabularies: Arc<Vocabularies>,
        upserts: &[Incident],
        deletions: &[Uuid],
    ) -> Self {
        let mut replaced: Vec<Uuid> = upserts
            .iter()
            .map(|i| i.id)
            .chain(deletions.iter().copied())
            .collect();
        replaced.sort_unstable();
        replaced.dedup();
        let mut next = Self {
            version,
            vocabularies,
            rows: Vec::new(),
            strings: Interner {
                strings: self.strings.strings.clone(),
                ids: self.strings.ids.clone(),
            },
            slugs: self.slugs.clone(),
            slug_ids: self.slug_ids.clone(),
            text: self.text.clone(),
            tree: RTree::new(),
            communities: Vec::new(),
            community_of_key: HashMap::new(),
        };
        let mut added: Vec<Row> = upserts.iter().map(|i| next.compact(i)).collect();
        if replaced.len().saturating_mul(4) > self.rows.len() {
            next.rows = self
                .rows
                .iter()
                .filter(|row| replaced.binary_search(&row.id).is_err())
                .copied()
                .collect();
            next.rows.extend(added);
            next.index();
            return next;
        }
        added.sort_unstable_by_key(Row::order);
        // Merge the added rows into the kept ones, noting where each old row went (`None`:
        // removed) and where the added ones landed.
        next.rows.reserve_exact(self.rows.len() + added.len());
        let mut moved: Vec<Option<RowId>> = Vec::with_capacity(self.rows.len());
        let mut landed: Vec<RowId> = Vec::with_capacity(added.len());
        let mut removed: Vec<RowId> = Vec::new();
        let mut incoming = added.iter().peekable();
        for (index, row) in self.rows.iter().enumerate() {
            while let Some(new) = incoming.next_if(|new| new.order() < row.order()) {
                landed.push(next.rows.len() as RowId);
                next.rows.push(*new);
            }
            if replaced.binary_search(&row.id).is_ok() {
                moved.push(None);
                removed.push(index as RowId);
            } else {
                moved.push(Some(next.rows.len() as RowId));
                next.rows.push(*row);
            }
        }
        for new in incoming {
            landed.push(next.rows.len() as RowId);
            next.rows.push(*new);
        }
        let mut tree = self.tree.clone();
        for &index in &removed {
            if let Some(entry) = Entry::located(&self.rows[index as usize], index) {
                tree.remove(&entry);
            }
        }
        for point in &mut tree {
            point.data.row = moved[point.data.row as usize].expect("removed rows left the tree");
        }
        for &index in &landed {
            if let Some(entry) = Entry::located(&next.rows[index as usize], index) {
                tree.insert(entry);
            }
        }
        next.tree = tree;
        // Only the communities that lost or gained rows are gathered again.
        let mut touched: Vec<u32> = removed
            .iter()
            .map(|&index| self.rows[index as usize].group())
            .chain(added.iter().map(Row::group))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        let is_touched = |group: u32| touched.binary_search(&group).is_ok();
        let mut communities: Vec<(u32, CommunityInfo)> = self
            .community_of_key
            .iter()
            .filter(|(group, _)| !is_touched(**group))
            .map(|(group, index)| (*group, self.communities[*index as usize].clone()))
            .collect();
        communities.extend(next.gather_communities(is_touched));
        next.set_communities(communities);
        next
    }
}
