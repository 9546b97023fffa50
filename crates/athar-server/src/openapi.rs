//! The OpenAPI 3 document, generated from the handlers' annotations and the schemas below.
//!
//! Handlers build their JSON with `serde_json`; the schema types here describe those
//! bodies for the document only. `scripts/schemathesis` checks real responses against
//! them, so a schema that drifts from what a handler sends fails the tests.

#![allow(dead_code)]

use serde::Serialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The filters every query takes.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FilterParams {
    /// First day, inclusive (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date, example = "2024-04-01")]
    from: Option<String>,
    /// Last day, inclusive (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date, example = "2024-04-30")]
    to: Option<String>,
    /// An RFC 3339 interval instead of from/to: `start/end`, either end `..` for open.
    #[param(example = "2024-04-01/2024-04-30")]
    datetime: Option<String>,
    /// Kinds, comma separated (slugs or labels): attack, fire, traffic_accident, drowning, uxo, other.
    #[param(example = "attack")]
    kind: Option<String>,
    /// minLon,minLat,maxLon,maxLat in WGS84 degrees.
    #[param(example = "36.3,35.5,37.2,36.4")]
    bbox: Option<String>,
    /// The CRS of bbox: only CRS84.
    #[param(rename = "bbox-crs", value_type = Option<BboxCrs>)]
    bbox_crs: Option<String>,
    /// A community, in any spelling (Arabic or Latin), or a place's id (`geonames:…`, a p-code, `learned:…`): every incident counted under the place its name resolves to.
    #[param(example = "فطيرة")]
    community: Option<String>,
    /// A community p-code (letters then digits).
    #[param(example = "C4150")]
    pcode: Option<String>,
    /// A governorate name, any case.
    #[param(example = "Idlib")]
    admin1: Option<String>,
    /// Perpetrators, comma separated.
    perpetrator: Option<String>,
    /// Weapons, comma separated.
    weapon: Option<String>,
    /// Place types, comma separated.
    place_type: Option<String>,
    /// Causes, comma separated.
    cause: Option<String>,
    /// Vehicles, comma separated.
    vehicle: Option<String>,
}

/// The CRS a bbox may be given in.
#[derive(Serialize, ToSchema)]
pub(crate) enum BboxCrs {
    #[serde(rename = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    Crs84,
}

/// The length of a series bucket.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IntervalName {
    Day,
    Week,
    Month,
}

/// The formats of the community counts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CountsFormat {
    Json,
    Geojson,
    Csv,
}

/// The formats of incident exports.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IncidentExportFormat {
    Geojson,
    Csv,
    Gpkg,
    Kml,
}

/// The formats of community exports.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CommunityExportFormat {
    Csv,
    Geojson,
}

/// The formats of static maps.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StaticMapFormat {
    Svg,
    Png,
    Pdf,
}

/// What a static map plots.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MapView {
    Points,
    Communities,
}

/// The units of a hotspot analysis.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum HotspotUnit {
    H3,
    Community,
}

/// The statistic of a hotspot analysis.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HotspotMethod {
    GiStar,
}

/// The periods of an emerging-hotspot analysis.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TrendInterval {
    Month,
    Week,
}

/// A language of labels.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Lang {
    En,
    Ar,
}

/// The formats of items.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ItemsFormat {
    Json,
    Geojson,
}

/// An error (RFC 9457).
#[derive(Serialize, ToSchema)]
pub(crate) struct Problem {
    #[schema(example = "about:blank")]
    r#type: String,
    #[schema(example = "Bad Request")]
    title: String,
    #[schema(example = 400)]
    status: u16,
    /// What was wrong and what is allowed.
    detail: Option<String>,
    /// The query parameter at fault, for 400s.
    parameter: Option<String>,
    /// Each broken rule, for 422s.
    errors: Option<Vec<FieldErrorDoc>>,
}

/// One broken rule.
#[derive(Serialize, ToSchema)]
pub(crate) struct FieldErrorDoc {
    field: String,
    message: String,
}

/// A link.
#[derive(Serialize, ToSchema)]
pub(crate) struct Link {
    href: String,
    rel: String,
    r#type: Option<String>,
    title: Option<String>,
}

/// The landing page.
#[derive(Serialize, ToSchema)]
pub(crate) struct Landing {
    title: String,
    description: Option<String>,
    links: Vec<Link>,
}

/// The conformance classes.
#[derive(Serialize, ToSchema)]
pub(crate) struct Conformance {
    #[serde(rename = "conformsTo")]
    conforms_to: Vec<String>,
}

/// A collection.
#[derive(Serialize, ToSchema)]
pub(crate) struct Collection {
    id: String,
    title: Option<String>,
    description: Option<String>,
    links: Vec<Link>,
    #[schema(value_type = Object)]
    extent: Option<serde_json::Value>,
    #[serde(rename = "itemType")]
    item_type: Option<String>,
    crs: Option<Vec<String>>,
}

/// The collections.
#[derive(Serialize, ToSchema)]
pub(crate) struct Collections {
    links: Vec<Link>,
    collections: Vec<Collection>,
}

/// A point.
#[derive(Serialize, ToSchema)]
pub(crate) struct PointGeometry {
    #[schema(example = "Point")]
    r#type: String,
    #[schema(example = json!([36.72, 35.9]))]
    coordinates: Vec<f64>,
}

/// An incident as a GeoJSON feature; the properties are the incident fields.
#[derive(Serialize, ToSchema)]
pub(crate) struct IncidentFeature {
    #[schema(example = "Feature")]
    r#type: String,
    id: uuid::Uuid,
    geometry: Option<PointGeometry>,
    #[schema(value_type = Object)]
    properties: serde_json::Value,
    links: Option<Vec<Link>>,
}

/// A page of incidents.
#[derive(Serialize, ToSchema)]
pub(crate) struct IncidentPage {
    r#type: String,
    #[serde(rename = "numberMatched")]
    number_matched: u64,
    #[serde(rename = "numberReturned")]
    number_returned: u64,
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    links: Vec<Link>,
    features: Vec<IncidentFeature>,
}

/// Communities ranked by incidents (format=json).
#[derive(Serialize, ToSchema)]
pub(crate) struct CommunityCounts {
    from: Option<String>,
    to: Option<String>,
    total_incidents: u64,
    total_communities: u64,
    communities: Vec<athar_app::counts::CommunityEntry>,
}

/// An incident's fields (see the README), or an array of such objects.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum IncidentsBody {
    One(std::collections::HashMap<String, serde_json::Value>),
    Many(Vec<std::collections::HashMap<String, serde_json::Value>>),
}

/// One change-log entry.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChangeDoc {
    seq: i64,
    incident_id: uuid::Uuid,
    #[schema(example = "insert")]
    op: String,
    import_id: Option<uuid::Uuid>,
    actor: Option<String>,
    /// When, in UTC.
    #[schema(format = DateTime)]
    at: String,
    /// What an update changed, or every field a delete removed; none for inserts, and
    /// withheld from anonymous readers when privacy settings are configured.
    fields: Option<Vec<FieldChangeDoc>>,
}

/// One field changed by a write, as text (none: absent).
#[derive(Serialize, ToSchema)]
pub(crate) struct FieldChangeDoc {
    #[schema(example = "killed")]
    field: String,
    before: Option<String>,
    after: Option<String>,
}

/// The change log.
#[derive(Serialize, ToSchema)]
pub(crate) struct Changes {
    changes: Vec<ChangeDoc>,
    next_since: i64,
}

/// Liveness.
#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    status: String,
    incidents: Option<u64>,
    snapshot_version: Option<u64>,
    store: Option<String>,
    /// Where the first snapshot came from: `cache` or `store`.
    loaded_from: Option<String>,
    database: Option<String>,
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Athar", description = "Incident-mapping API for north-west Syria: OGC API – Features, counts by community, statistics and writes."),
    paths(
        crate::routes::ogc::landing,
        crate::routes::ogc::conformance,
        crate::routes::ogc::collections,
        crate::routes::ogc::incidents_collection,
        crate::routes::ogc::items,
        crate::routes::ogc::item,
        crate::routes::aggregates::community_counts,
        crate::routes::aggregates::stats,
        crate::routes::aggregates::series,
        crate::routes::aggregates::vocabularies,
        crate::routes::exports::incidents,
        crate::routes::exports::communities,
        crate::routes::maps::static_map,
        crate::routes::hotspots::hotspots,
        crate::routes::hotspots::trend,
        crate::routes::hotspots::tile,
        crate::routes::embed::style,
        crate::routes::embed::asset,
        crate::routes::embed::embed,
        crate::routes::embed::oembed,
        crate::routes::tiles::incidents,
        crate::routes::tiles::communities,
        crate::routes::tiles::context,
        crate::routes::tiles::incidents_tilejson,
        crate::routes::tiles::communities_tilejson,
        crate::routes::tiles::context_tilejson,
        crate::routes::communities::search,
        crate::routes::communities::resolve,
        crate::routes::communities::community,
        crate::routes::communities::review,
        crate::routes::communities::add_alias,
        crate::routes::communities::merge,
        crate::routes::communities::import_list,
        crate::routes::writes::import,
        crate::routes::writes::create,
        crate::routes::writes::edit,
        crate::routes::writes::delete,
        crate::routes::writes::changes,
        crate::routes::healthz,
        crate::routes::readyz,
    ),
    // Enums used only as parameters are not collected from the paths.
    components(schemas(
        BboxCrs,
        IntervalName,
        CountsFormat,
        IncidentExportFormat,
        CommunityExportFormat,
        StaticMapFormat,
        MapView,
        HotspotUnit,
        HotspotMethod,
        TrendInterval,
        Lang,
        ItemsFormat,
    )),
    modifiers(&BearerAuth),
)]
pub(crate) struct ApiDoc;

/// The document, as served at `/openapi.json`.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    /// Every `$ref` in the document names a schema it defines: a dangling one makes
    /// clients (and Schemathesis) skip that part of the API.
    #[test]
    fn every_reference_resolves() {
        fn walk<'a>(value: &'a serde_json::Value, refs: &mut Vec<&'a str>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                        refs.push(target);
                    }
                    map.values().for_each(|child| walk(child, refs));
                }
                serde_json::Value::Array(list) => list.iter().for_each(|child| walk(child, refs)),
                _ => {}
            }
        }
        let document = serde_json::to_value(super::document()).unwrap();
        let mut refs = Vec::new();
        walk(&document, &mut refs);
        assert!(refs.len() > 20, "{} references", refs.len());
        let dangling: Vec<&str> = refs
            .into_iter()
            .filter(|target| {
                let pointer = target.strip_prefix('#').expect("a local reference");
                document.pointer(pointer).is_none()
            })
            .collect();
        assert!(dangling.is_empty(), "dangling references: {dangling:?}");
    }
}
