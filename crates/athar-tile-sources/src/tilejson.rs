//! The tile sets Athar serves and their TileJSON 3.0.0 documents: what each layer holds
//! and its fields, so that a client (MapLibre, QGIS, GDAL) can style it without a tile.

use std::collections::BTreeMap;

use athar_index::Snapshot;
use serde::Serialize;

/// The tile sets served from the snapshot and the basemap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Incidents, clustered below the cluster zoom.
    Incidents,
    /// One point per community, with its counts for the filters.
    Communities,
    /// The offline basemap: boundaries and places.
    Context,
}

impl Layer {
    /// Its name in tile URLs (`/tiles/{name}/…`) and, but for the basemap, its layer's.
    pub fn name(self) -> &'static str {
        match self {
            Self::Incidents => crate::incidents::LAYER,
            Self::Communities => crate::communities::LAYER,
            Self::Context => "context",
        }
    }

    /// The layer named `name`, if it is one.
    pub fn named(name: &str) -> Option<Self> {
        [Self::Incidents, Self::Communities, Self::Context]
            .into_iter()
            .find(|layer| layer.name() == name)
    }

    /// Its tile URL template on the server at `base`, carrying `query` (`?…`, or none).
    pub fn tile_template(self, base: &str, query: &str) -> String {
        format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{query}", self.name())
    }
}

/// A TileJSON 3.0.0 document. (The fields are in alphabetical order, the order Athar has
/// always written them in.)
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TileJson {
    /// GeoNames' attribution.
    pub attribution: &'static str,
    /// West, south, east, north.
    pub bounds: [f64; 4],
    /// Longitude, latitude and zoom of the centre.
    #[schema(value_type = Vec<f64>)]
    pub center: (f64, f64, u8),
    /// What the tile set holds.
    pub description: &'static str,
    /// The deepest zoom.
    pub maxzoom: u8,
    /// The shallowest zoom.
    pub minzoom: u8,
    /// `Athar {layer}`.
    pub name: String,
    /// `3.0.0`.
    pub tilejson: &'static str,
    /// The tile URL template.
    pub tiles: [String; 1],
    /// The vector layers in the tiles and their fields.
    pub vector_layers: Vec<VectorLayer>,
}

/// A vector layer of a tile set.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VectorLayer {
    /// Each field and its type (`String`, `Number`, `Boolean`, or a description).
    pub fields: BTreeMap<String, String>,
    /// The layer's name.
    pub id: String,
    /// The deepest zoom.
    pub maxzoom: u8,
    /// The shallowest zoom.
    pub minzoom: u8,
}

impl VectorLayer {
    fn new(id: &str, fields: BTreeMap<String, String>) -> Self {
        Self {
            fields,
            id: id.to_owned(),
            maxzoom: athar_tiles::MAX_ZOOM,
            minzoom: 0,
        }
    }
}

/// The TileJSON of `layer` whose tiles are at `template` (a URL with `{z}/{x}/{y}`), over
/// `snapshot` (its extent, and the kinds the incidents' clusters count).
pub fn tilejson(layer: Layer, snapshot: &Snapshot, template: String) -> TileJson {
    // The incidents' extent, or north-west Syria when there are none yet.
    let [west, south, east, north] = match layer {
        Layer::Context => [35.6, 32.3, 42.4, 37.4],
        _ => snapshot
            .spatial_extent()
            .unwrap_or([35.7, 35.0, 38.5, 36.9]),
    };
    TileJson {
        attribution: athar_gazetteer::GAZETTEER_ATTRIBUTION,
        bounds: [west, south, east, north],
        center: (f64::midpoint(west, east), f64::midpoint(south, north), 8),
        description: match layer {
            Layer::Incidents => "Incidents: one point each from zoom 12, clusters below",
            Layer::Communities => "Communities with their incident counts",
            Layer::Context => {
                "Offline basemap: the country, its governorates and places (Natural Earth, GeoNames)"
            }
        },
        maxzoom: athar_tiles::MAX_ZOOM,
        minzoom: 0,
        name: format!("Athar {}", layer.name()),
        tilejson: "3.0.0",
        tiles: [template],
        vector_layers: vector_layers(layer, snapshot),
    }
}

/// The vector layers of a tile set and their fields.
fn vector_layers(layer: Layer, snapshot: &Snapshot) -> Vec<VectorLayer> {
    if layer == Layer::Context {
        let named = |kind: &str| {
            let mut fields: BTreeMap<String, String> = ["name_en", "name_ar"]
                .into_iter()
                .map(|name| (name.to_owned(), "String".to_owned()))
                .collect();
            fields.insert("kind".to_owned(), kind.to_owned());
            fields
        };
        return vec![
            VectorLayer::new("boundaries", named("String: country or governorate")),
            VectorLayer::new(
                "places",
                named("String: city, town, village, camp or neighbourhood"),
            ),
        ];
    }
    vec![VectorLayer::new(layer.name(), fields(layer, snapshot))]
}

/// The fields of the incidents or communities layer.
fn fields(layer: Layer, snapshot: &Snapshot) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut add = |name: &str, kind: &str| {
        fields.insert(name.to_owned(), kind.to_owned());
    };
    match layer {
        Layer::Context => {}
        Layer::Incidents => {
            for name in [
                "id",
                "kind",
                "occurred_on",
                "community",
                "community_id",
                "perpetrator",
                "weapon",
                "place_type",
            ] {
                add(name, "String");
            }
            for name in ["killed", "injured", "count", "expansion_zoom"] {
                add(name, "Number");
            }
            add("cluster", "Boolean");
            for term in snapshot
                .vocabularies()
                .terms_of(athar_core::VocabularyName::Kind)
            {
                add(term.slug.as_str(), "Number");
            }
        }
        Layer::Communities => {
            for name in ["community_id", "name_ar", "name_en", "status"] {
                add(name, "String");
            }
            for name in ["count", "killed", "injured"] {
                add(name, "Number");
            }
        }
    }
    fields
}
