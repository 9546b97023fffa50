//! Writing Mapbox Vector Tile layers with `fast-mvt`: a layer of Athar's extent, and a
//! feature whose properties are added as the layer's keys and values.

use athar_tiles::{EXTENT, Tile};
use fast_mvt::{MvtCoord, MvtFeatureBuilder, MvtGeomType, MvtLayerBuilder, MvtValueRef};

/// A tile could not be encoded.
#[derive(Debug, thiserror::Error)]
#[error("encoding a tile: {0}")]
pub struct TileError(String);

/// The error of the encoder, as a [`TileError`].
pub fn encode_error(error: &fast_mvt::MvtError) -> TileError {
    TileError(error.to_string())
}

/// A feature under construction, its properties added as the layer's keys and values.
pub struct Feature(pub MvtFeatureBuilder);

impl Feature {
    /// A point feature at a Web Mercator point.
    pub fn point(layer: MvtLayerBuilder, tile: &Tile, point: [f64; 2]) -> Result<Self, TileError> {
        let [x, y] = tile.pixel(point);
        let mut feature = layer.feature_of(MvtGeomType::Point);
        feature
            .points([MvtCoord { x, y }])
            .map_err(|e| encode_error(&e))?;
        Ok(Self(feature))
    }

    /// A polygon feature of one exterior ring of tile pixels.
    pub fn polygon(layer: MvtLayerBuilder, ring: &[[i32; 2]]) -> Result<Self, TileError> {
        let mut feature = layer.feature_of(MvtGeomType::Polygon);
        feature
            .ring(ring.iter().map(|&[x, y]| MvtCoord { x, y }), true)
            .map_err(|e| encode_error(&e))?;
        Ok(Self(feature))
    }

    fn tag(&mut self, key: &str, value: MvtValueRef<'_>) -> Result<&mut Self, TileError> {
        self.0.tag_ref(key, value).map_err(|e| encode_error(&e))?;
        Ok(self)
    }

    /// A text property.
    pub fn text(&mut self, key: &str, value: &str) -> Result<&mut Self, TileError> {
        self.tag(key, MvtValueRef::String(value))
    }

    /// A whole-number property.
    pub fn count(&mut self, key: &str, value: u64) -> Result<&mut Self, TileError> {
        self.tag(key, MvtValueRef::UInt(value))
    }

    /// A decimal property.
    pub fn number(&mut self, key: &str, value: f64) -> Result<&mut Self, TileError> {
        self.tag(key, MvtValueRef::Double(value))
    }

    /// A boolean property.
    pub fn flag(&mut self, key: &str, value: bool) -> Result<&mut Self, TileError> {
        self.tag(key, MvtValueRef::Bool(value))
    }

    /// Adds the feature to its layer.
    pub fn end(self) -> MvtLayerBuilder {
        self.0.end()
    }
}

/// A layer of the tile extent Athar uses.
pub fn layer_builder(name: &str) -> Result<MvtLayerBuilder, TileError> {
    let mut layer = MvtLayerBuilder::new(name).map_err(|e| encode_error(&e))?;
    layer.extent(fast_mvt::MvtExtent::new(EXTENT.unsigned_abs()).expect("a positive extent"));
    Ok(layer)
}
