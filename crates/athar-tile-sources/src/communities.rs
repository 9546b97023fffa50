//! The communities layer: one point per community with its counts for the filters, and
//! its names in both scripts; small counts withheld from anonymous readers are flagged,
//! not drawn.

use athar_tiles::Tile;

use crate::mvt::{Feature, TileError, layer_builder};

/// The name of the communities layer.
pub const LAYER: &str = "communities";

/// A community as the communities layer draws it.
#[derive(Debug, Clone)]
pub struct CommunityPoint {
    /// The place's id, or the key of an unresolved name.
    pub id: String,
    /// Its Arabic name.
    pub name_ar: Option<String>,
    /// Its English name.
    pub name_en: Option<String>,
    /// `reference`, `learned`, `confirmed` or `unresolved`.
    pub status: String,
    /// Its counts are too small to show an anonymous reader (see `athar_app::privacy`).
    pub withheld: bool,
    /// Incidents.
    pub count: u64,
    /// Killed.
    pub killed: u64,
    /// Injured.
    pub injured: u64,
    /// Its place among the communities with the most incidents whose counts are shown (1 for
    /// the most; ties share a place): none when its count is withheld.
    pub rank: Option<u32>,
    /// Where it is drawn, in Web Mercator metres.
    pub point: [f64; 2],
}

/// The communities of the filters, as the source of their layer.
pub struct CommunitiesSource<'a>(pub &'a [CommunityPoint]);

impl crate::TileSource for CommunitiesSource<'_> {
    fn tile(&self, tile: &Tile) -> Result<Option<Vec<u8>>, TileError> {
        communities_tile(self.0, tile)
    }
}

/// The communities of a tile (and its buffer) as proportional symbols.
fn communities_tile(
    communities: &[CommunityPoint],
    tile: &Tile,
) -> Result<Option<Vec<u8>>, TileError> {
    let bounds = tile.buffered_bounds();
    let mut layer = layer_builder(LAYER)?;
    for community in communities.iter().filter(|c| bounds.contains(c.point)) {
        let mut feature = Feature::point(layer, tile, community.point)?;
        feature.text("community_id", &community.id)?;
        for (name, value) in [
            ("name_ar", &community.name_ar),
            ("name_en", &community.name_en),
        ] {
            if let Some(value) = value {
                feature.text(name, value)?;
            }
        }
        feature.text("status", &community.status)?;
        if community.withheld {
            feature.flag("suppressed", true)?;
        } else {
            feature
                .count("count", community.count)?
                .count("killed", community.killed)?
                .count("injured", community.injured)?;
            if let Some(rank) = community.rank {
                feature.count("rank", u64::from(rank))?;
            }
        }
        layer = feature.end();
    }
    Ok((layer.num_features() > 0).then(|| layer.encode()))
}
