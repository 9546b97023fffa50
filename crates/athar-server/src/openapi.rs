//! The OpenAPI 3 document, generated from the handlers' annotations and the types they
//! return (each beside the code that makes it). `tests/tests/clients.rs` runs Schemathesis
//! against the real binary, so a schema that drifts from what a handler sends fails the
//! tests.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, Required};
use utoipa::{IntoParams, OpenApi};

/// The filters every query takes ([`athar_core::FILTER_PARAMETERS`]), as parameters.
pub(crate) struct FilterParams;

/// Each filter's description and example, by name.
const FILTER_DOCS: [(&str, &str, Option<&str>); 14] = [
    (
        "from",
        "First day, inclusive (YYYY-MM-DD).",
        Some("2024-04-01"),
    ),
    (
        "to",
        "Last day, inclusive (YYYY-MM-DD).",
        Some("2024-04-30"),
    ),
    (
        "datetime",
        "An RFC 3339 interval instead of from/to: `start/end`, either end `..` for open.",
        Some("2024-04-01/2024-04-30"),
    ),
    (
        "kind",
        "Kinds, comma separated (slugs or labels): attack, fire, traffic_accident, drowning, uxo, other.",
        Some("attack"),
    ),
    (
        "bbox",
        "minLon,minLat,maxLon,maxLat in WGS84 degrees.",
        Some("36.3,35.5,37.2,36.4"),
    ),
    ("bbox-crs", "The CRS of bbox: only CRS84.", None),
    (
        "community",
        "A community, in any spelling (Arabic or Latin), or a place's id (`geonames:…`, a p-code, `learned:…`): every incident counted under the place its name resolves to.",
        Some("فطيرة"),
    ),
    (
        "pcode",
        "A community p-code (letters then digits).",
        Some("C4150"),
    ),
    ("admin1", "A governorate name, any case.", Some("Idlib")),
    ("perpetrator", "Perpetrators, comma separated.", None),
    ("weapon", "Weapons, comma separated.", None),
    ("place_type", "Place types, comma separated.", None),
    ("cause", "Causes, comma separated.", None),
    ("vehicle", "Vehicles, comma separated.", None),
];

impl IntoParams for FilterParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        FILTER_DOCS
            .iter()
            .map(|(name, description, example)| {
                let mut schema = ObjectBuilder::new().schema_type(SchemaType::Type(Type::String));
                match *name {
                    "from" | "to" => {
                        schema = schema.format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)));
                    }
                    "bbox-crs" => {
                        schema = schema.enum_values(Some([athar_app::features::CRS84]));
                    }
                    _ => {}
                }
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(*description))
                    .schema(Some(schema.build()))
                    .example(example.map(serde_json::Value::from))
                    .build()
            })
            .collect()
    }
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
        crate::routes::releases::create,
        crate::routes::releases::list,
        crate::routes::releases::release,
        crate::routes::releases::withdraw,
        crate::routes::releases::diff,
        crate::routes::duplicates::list,
        crate::routes::intake::kobo,
        crate::routes::reports::monthly,
        crate::routes::reports::monthly_html,
        crate::routes::reports::monthly_pdf,
        crate::routes::reports::figure,
        crate::routes::duplicates::merge,
        crate::routes::duplicates::dismiss,
        crate::routes::duplicates::unmerge,
        crate::routes::duplicates::sources,
        crate::routes::healthz,
        crate::observe::metrics,
        crate::routes::readyz,
    ),
    // Enums used only as parameters are not collected from the paths.
    components(schemas(
        athar_core::Language,
        athar_app::counts::Format,
        athar_app::counts::FileFormat,
        athar_app::export::ExportFormat,
        athar_app::features::ItemsFormat,
        athar_app::hotspots::Unit,
        athar_app::hotspots::Method,
        athar_app::maps::MapView,
        athar_hotspots::Interval,
        athar_index::Interval,
        athar_maps::Format,
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
    /// Every filter the server reads is documented, once, and nothing else is.
    #[test]
    fn every_filter_is_documented() {
        let mut documented: Vec<&str> = super::FILTER_DOCS
            .iter()
            .map(|(name, _, _)| *name)
            .collect();
        let mut read = athar_core::FILTER_PARAMETERS.to_vec();
        documented.sort_unstable();
        read.sort_unstable();
        assert_eq!(documented, read);
    }

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
