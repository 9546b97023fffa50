//! OGC API – Features, Part 1, as documents: the landing page, the conformance classes,
//! the incidents collection, pages of incidents and one incident. Incidents are GeoJSON
//! features serialised straight from the incident (no intermediate JSON tree: a page of
//! 10,000 features is written in one pass).

use athar_core::{Filter, Incident, LocationPrecision, Pcode, Slug, TimePrecision};
use athar_index::Snapshot;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// The coordinate reference system of every geometry: longitude, latitude on WGS 84.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";

/// An incident as a GeoJSON feature; the properties are the incident's fields.
#[derive(Serialize, ToSchema)]
pub struct Feature<'a> {
    /// `Feature`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The incident's id.
    id: Uuid,
    /// Its point, if it has one.
    geometry: Option<Geometry>,
    /// Its fields.
    #[schema(value_type = Object)]
    properties: Properties<'a>,
}

/// A point.
#[derive(Serialize, ToSchema)]
pub struct Geometry {
    /// `Point`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// Longitude, latitude.
    coordinates: [f64; 2],
}

/// The fields of an incident, as they are imported.
#[derive(Serialize)]
struct Properties<'a> {
    source: &'a str,
    source_id: Option<&'a str>,
    kind: &'a Slug,
    occurred_on: NaiveDate,
    occurred_at: Option<String>,
    time_precision: TimePrecision,
    location_precision: LocationPrecision,
    community: &'a str,
    community_key: &'a str,
    community_pcode: Option<&'a Pcode>,
    admin1: Option<&'a str>,
    admin2: Option<&'a str>,
    admin3: Option<&'a str>,
    place_type: Option<&'a Slug>,
    perpetrator: Option<&'a Slug>,
    weapon: Option<&'a Slug>,
    cause: Option<&'a Slug>,
    vehicle: Option<&'a Slug>,
    killed: u32,
    killed_women: u32,
    killed_children: u32,
    injured: u32,
    injured_women: u32,
    injured_children: u32,
    notes: Option<&'a str>,
    /// The place the community name resolved to, none when unresolved.
    community_id: Option<&'a str>,
    resolution_method: athar_core::ResolutionMethod,
    resolution_score: f32,
}

/// One incident as a GeoJSON Feature with every field as a property.
pub fn feature(incident: &Incident) -> Feature<'_> {
    let record = &incident.record;
    let counts = record.casualties.counts();
    Feature {
        kind: "Feature",
        id: incident.id,
        geometry: record.location.map(|point| Geometry {
            kind: "Point",
            coordinates: [point.lon.degrees(), point.lat.degrees()],
        }),
        properties: Properties {
            source: &record.source,
            source_id: record.source_id.as_deref(),
            kind: &record.kind,
            occurred_on: record.occurred.date(),
            occurred_at: record.occurred.time().map(|_| record.occurred.to_string()),
            time_precision: record.occurred.precision(),
            location_precision: record.location_precision,
            community: &record.community,
            community_key: &record.community_key,
            community_pcode: record.community_pcode.as_ref(),
            admin1: record.admin1.as_deref(),
            admin2: record.admin2.as_deref(),
            admin3: record.admin3.as_deref(),
            place_type: record.place_type.as_ref(),
            perpetrator: record.perpetrator.as_ref(),
            weapon: record.weapon.as_ref(),
            cause: record.cause.as_ref(),
            vehicle: record.vehicle.as_ref(),
            killed: counts.killed,
            killed_women: counts.killed_women,
            killed_children: counts.killed_children,
            injured: counts.injured,
            injured_women: counts.injured_women,
            injured_children: counts.injured_children,
            notes: record.notes.as_deref(),
            community_id: record.resolution.community_id.as_deref(),
            resolution_method: record.resolution.method,
            resolution_score: record.resolution.score,
        },
    }
}

/// One incident as a GeoJSON feature with links to itself and its collection (members
/// in alphabetical order, as Athar has always written one incident).
pub fn incident_document(incident: &Incident, base: &str) -> Value {
    let mut feature = serde_json::to_value(feature(incident)).unwrap_or(Value::Null);
    let id = incident.id;
    feature["links"] = serde_json::json!([
        Link::new(
            format!("{base}/collections/incidents/items/{id}"),
            "self",
            GEOJSON,
            "This incident"
        ),
        Link::new(
            format!("{base}/collections/incidents"),
            "collection",
            JSON,
            "The collection"
        ),
    ]);
    feature
}

/// A link (fields in alphabetical order, as Athar has always written them).
#[derive(Debug, Serialize, ToSchema)]
pub struct Link {
    /// Where.
    pub href: String,
    /// How it relates.
    pub rel: &'static str,
    /// What it is.
    pub title: &'static str,
    /// Its media type.
    #[serde(rename = "type")]
    pub media_type: &'static str,
}

impl Link {
    fn new(href: String, rel: &'static str, media_type: &'static str, title: &'static str) -> Self {
        Self {
            href,
            rel,
            title,
            media_type,
        }
    }
}

/// The landing page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Landing {
    /// What the service holds.
    pub description: &'static str,
    /// This document, the API definition and documentation, conformance, collections.
    pub links: Vec<Link>,
    /// `Athar`.
    pub title: &'static str,
}

/// The landing page of the service at `base`.
pub fn landing(base: &str) -> Landing {
    Landing {
        description: "Incidents in north-west Syria: military attacks, fires, traffic accidents, drownings and more, with counts by community.",
        links: vec![
            Link::new(format!("{base}/"), "self", JSON, "This document"),
            Link::new(
                format!("{base}/openapi.json"),
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "The API definition",
            ),
            Link::new(
                format!("{base}/docs"),
                "service-doc",
                "text/html",
                "The API documentation",
            ),
            Link::new(
                format!("{base}/conformance"),
                "conformance",
                JSON,
                "Conformance classes",
            ),
            Link::new(format!("{base}/collections"), "data", JSON, "Collections"),
        ],
        title: "Athar",
    }
}

/// The conformance classes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conformance {
    /// Core, OpenAPI 3.0 and GeoJSON.
    #[serde(rename = "conformsTo")]
    pub conforms_to: [&'static str; 3],
}

/// The conformance classes Athar implements.
pub const CONFORMANCE: Conformance = Conformance {
    conforms_to: [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ],
};

/// A collection (fields in alphabetical order, as Athar has always written them).
#[derive(Debug, Serialize, ToSchema)]
pub struct Collection {
    /// CRS84.
    pub crs: [&'static str; 1],
    /// What it holds.
    pub description: &'static str,
    /// Its extent in space and time.
    pub extent: Extent,
    /// `incidents`.
    pub id: &'static str,
    /// `feature`.
    #[serde(rename = "itemType")]
    pub item_type: &'static str,
    /// Itself and its items.
    pub links: Vec<Link>,
    /// `Incidents`.
    pub title: &'static str,
}

/// The extent of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Extent {
    /// Its bounding box.
    pub spatial: SpatialExtent,
    /// Its first and last instants.
    pub temporal: TemporalExtent,
}

/// A bounding box in CRS84.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpatialExtent {
    /// West, south, east, north.
    pub bbox: [[f64; 4]; 1],
    /// CRS84.
    pub crs: &'static str,
}

/// An interval of time, open at an end that is none.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemporalExtent {
    /// First and last instants.
    pub interval: [[Option<String>; 2]; 1],
    /// The Gregorian calendar.
    pub trs: &'static str,
}

/// The incidents collection of `snapshot` on the service at `base`.
pub fn collection(base: &str, snapshot: &Snapshot) -> Collection {
    let bbox = snapshot
        .spatial_extent()
        .unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let interval = snapshot
        .date_extent()
        .map_or([None, None], |(first, last)| {
            [
                Some(format!("{first}T00:00:00Z")),
                Some(format!("{last}T23:59:59Z")),
            ]
        });
    Collection {
        crs: [CRS84],
        description: "Every recorded incident, one point each, with its kind, date, community, casualties and classification.",
        extent: Extent {
            spatial: SpatialExtent {
                bbox: [bbox],
                crs: CRS84,
            },
            temporal: TemporalExtent {
                interval: [interval],
                trs: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        id: "incidents",
        item_type: "feature",
        links: vec![
            Link::new(
                format!("{base}/collections/incidents"),
                "self",
                JSON,
                "This collection",
            ),
            Link::new(
                format!("{base}/collections/incidents/items"),
                "items",
                GEOJSON,
                "The incidents",
            ),
        ],
        title: "Incidents",
    }
}

/// The collections.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    /// The incidents.
    pub collections: [Collection; 1],
    /// Itself.
    pub links: [Link; 1],
}

/// The collections of `snapshot` on the service at `base`.
pub fn collections(base: &str, snapshot: &Snapshot) -> Collections {
    Collections {
        collections: [collection(base, snapshot)],
        links: [Link::new(
            format!("{base}/collections"),
            "self",
            JSON,
            "Collections",
        )],
    }
}

/// The formats of a page of incidents (both GeoJSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemsFormat {
    /// JSON.
    Json,
    /// GeoJSON.
    Geojson,
}

crate::params::named!(ItemsFormat {
    ItemsFormat::Json => "json",
    ItemsFormat::Geojson => "geojson",
});

/// A page of incidents.
#[derive(Serialize, ToSchema)]
pub struct Page<'a> {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// Incidents that match the filters.
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    /// Incidents in this page.
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    /// When the page was written.
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    /// This page, and the next and previous ones.
    links: Vec<Link>,
    /// The incidents.
    features: Vec<Feature<'a>>,
}

/// The page of at most `limit` incidents of `snapshot` for `filter` after the first
/// `offset`, written as JSON; `page` gives the URL of the page from an offset.
pub fn page(
    snapshot: &Snapshot,
    filter: &Filter,
    (limit, offset): (usize, usize),
    page: &dyn Fn(usize) -> String,
) -> Result<String, serde_json::Error> {
    let rows = snapshot.select(filter);
    let incidents: Vec<_> = rows
        .iter()
        .skip(offset)
        .take(limit)
        .map(|row| snapshot.incident(*row))
        .collect();
    let features: Vec<_> = incidents.iter().map(feature).collect();
    let mut links = vec![Link::new(page(offset), "self", GEOJSON, "This page")];
    if offset + features.len() < rows.len() {
        links.push(Link::new(
            page(offset + limit),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if offset > 0 {
        links.push(Link::new(
            page(offset.saturating_sub(limit)),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    serde_json::to_string(&Page {
        kind: "FeatureCollection",
        number_matched: rows.len(),
        number_returned: features.len(),
        time_stamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        links,
        features,
    })
}
