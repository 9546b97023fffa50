//! Athar's tile sources: what each vector tile layer holds, encoded as Mapbox Vector
//! Tiles, apart from HTTP (the server's tile routes keep parameters, caching, ETags and
//! compression), as Martin keeps its sources in `martin-core` apart from its binary.
//!
//! - [`incidents`]: incidents from the snapshot, clustered below zoom 12 (a
//!   [`incidents::ClusterIndex`] per filter).
//! - [`communities`]: one proportional symbol per community.
//! - [`context`]: the offline basemap ([`basemap`]).
//! - [`mvt`]: the layer and feature writers they share.
//! - [`tilejson`]: the tile sets served ([`tilejson::Layer`]) and their TileJSON.
#![deny(missing_docs)]

pub mod basemap;
pub mod communities;
pub mod context;
pub mod incidents;
pub mod mvt;
pub mod tilejson;

pub use mvt::TileError;

/// A source of one tile layer: the tile's bytes (one encoded layer, or several one after
/// another), or none when the tile would be empty.
pub trait TileSource {
    /// The tile `tile` of this source.
    fn tile(&self, tile: &athar_tiles::Tile) -> Result<Option<Vec<u8>>, TileError>;
}
