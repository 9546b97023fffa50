//! The routes, in one place for the binary and the tests.

pub(crate) mod aggregates;
pub(crate) mod communities;
pub(crate) mod duplicates;
pub(crate) mod embed;
pub(crate) mod exports;
pub(crate) mod hotspots;
pub(crate) mod intake;
pub(crate) mod maps;
pub(crate) mod ogc;
pub(crate) mod releases;
pub(crate) mod reports;
pub(crate) mod tiles;
pub(crate) mod writes;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;

/// Registers every route.
pub fn router(config: &mut web::ServiceConfig) {
    config
        // The cached tile layers first: the busiest routes, matched by prefix before any
        // pattern is tried, and outside the compression middleware, as they send gzip
        // from their cache themselves.
        .service(web::scope("/tiles/incidents").default_service(web::to(tiles::incidents)))
        .service(web::scope("/tiles/communities").default_service(web::to(tiles::communities)))
        .service(web::scope("/tiles/context").default_service(web::to(tiles::context)))
        .service(web::scope("/tiles/hotspots").default_service(web::to(hotspots::tile)))
        .service(
            web::scope("")
                .wrap(actix_web::middleware::Compress::default())
                .configure(compressed),
        );
}

/// Every other route, compressed by the middleware when the client accepts it.
fn compressed(config: &mut web::ServiceConfig) {
    config
        .service(get("/", ogc::landing))
        .service(get("/conformance", ogc::conformance))
        .service(get("/collections", ogc::collections))
        .service(get("/collections/incidents", ogc::incidents_collection))
        .service(get("/collections/incidents/items", ogc::items))
        .service(get("/collections/incidents/items/{id}", ogc::item))
        .service(get("/v1/communities", communities::search))
        .service(get("/v1/communities/counts", aggregates::community_counts))
        .service(get("/v1/communities/resolve", communities::resolve))
        .service(get("/v1/communities/review", communities::review))
        .service(
            only("/v1/communities/imports", &["POST"])
                .route(web::post().to(communities::import_list)),
        )
        .service(get("/v1/communities/{id}", communities::community))
        .service(
            only("/v1/communities/{id}/aliases", &["POST"])
                .route(web::post().to(communities::add_alias)),
        )
        .service(
            only("/v1/communities/{id}/merge", &["POST"]).route(web::post().to(communities::merge)),
        )
        .service(get("/styles/{name}", embed::style))
        .service(get("/assets/{path:.*}", embed::asset))
        .service(get("/embed", embed::embed))
        .service(get("/oembed", embed::oembed))
        .service(get("/tiles/incidents.json", tiles::incidents_tilejson))
        .service(get("/tiles/communities.json", tiles::communities_tilejson))
        .service(get("/tiles/context.json", tiles::context_tilejson))
        .service(get("/v1/stats", aggregates::stats))
        .service(get("/v1/stats/series", aggregates::series))
        .service(get("/v1/vocabularies", aggregates::vocabularies))
        .service(get("/v1/exports/incidents.{format}", exports::incidents))
        .service(get("/maps/static.{format}", maps::static_map))
        .service(get("/v1/hotspots", hotspots::hotspots))
        .service(get("/v1/hotspots/trend", hotspots::trend))
        .service(get(
            "/v1/exports/communities.{format}",
            exports::communities,
        ))
        .service(only("/v1/imports", &["POST"]).route(web::post().to(writes::import)))
        .service(only("/v1/intake/kobo", &["POST"]).route(web::post().to(intake::kobo)))
        .service(only("/v1/incidents", &["POST"]).route(web::post().to(writes::create)))
        .service(
            only("/v1/incidents/{id}", &["PATCH", "DELETE"])
                .route(web::patch().to(writes::edit))
                .route(web::delete().to(writes::delete)),
        )
        .service(get("/v1/changes", writes::changes))
        .service(get("/v1/duplicates", duplicates::list))
        .service(get("/v1/reports/monthly.json", reports::monthly))
        .service(get("/v1/reports/monthly.html", reports::monthly_html))
        .service(get("/v1/reports/monthly.pdf", reports::monthly_pdf))
        .service(get("/v1/reports/monthly/{figure}", reports::figure))
        .service(
            only("/v1/duplicates/{id}/merge", &["POST"]).route(web::post().to(duplicates::merge)),
        )
        .service(
            only("/v1/duplicates/{id}/dismiss", &["POST"])
                .route(web::post().to(duplicates::dismiss)),
        )
        .service(
            only("/v1/incidents/{id}/unmerge", &["POST"])
                .route(web::post().to(duplicates::unmerge)),
        )
        .service(get("/v1/incidents/{id}/sources", duplicates::sources))
        .service(
            only("/v1/releases", &["GET", "POST"])
                .route(web::get().to(releases::list))
                .route(web::head().to(releases::list))
                .route(web::post().to(releases::create)),
        )
        .service(get("/v1/releases/{id}/diff", releases::diff))
        .service(
            only("/v1/releases/{id}", &["GET", "DELETE"])
                .route(web::get().to(releases::release))
                .route(web::head().to(releases::release))
                .route(web::delete().to(releases::withdraw)),
        )
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .url("/openapi.json", crate::openapi::document()),
        )
        .service(web::redirect("/docs", "/docs/"))
        .service(get("/healthz", healthz))
        .service(get("/metrics", crate::observe::metrics))
        .service(get("/readyz", readyz));
}

/// A resource that answers GET and HEAD with `handler`, and 405 to anything else.
fn get<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    only(path, &["GET"])
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

/// A resource that answers its methods (GET also answers HEAD) and 405 with `Allow` to
/// anything else.
fn only(path: &str, methods: &'static [&'static str]) -> actix_web::Resource {
    let allow = if methods.contains(&"GET") {
        format!("{}, HEAD", methods.join(", "))
    } else {
        methods.join(", ")
    };
    web::resource(path).default_service(web::to(move || {
        let allow = allow.clone();
        async move {
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow))
                .content_type("application/problem+json")
                .body(
                    json!({"type": "about:blank", "title": "Method Not Allowed", "status": 405})
                        .to_string(),
                )
        }
    }))
}

/// Liveness and readiness (fields in alphabetical order, as they have always been
/// written).
#[derive(Default, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// `up` or `down` (readiness).
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
    /// Why not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'static str>,
    /// Incidents in the snapshot (liveness).
    #[serde(skip_serializing_if = "Option::is_none")]
    incidents: Option<usize>,
    /// Where the first snapshot came from: `cache` or `store`.
    #[serde(skip_serializing_if = "Option::is_none")]
    loaded_from: Option<&'static str>,
    /// The snapshot's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_version: Option<u64>,
    /// `ok`, `ready` or `not ready`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<&'static str>,
}

#[utoipa::path(get, path = "/healthz", tag = "Operations", responses((status = 200, description = "Alive, with the snapshot size", body = Health)))]
pub(crate) async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.snapshot();
    HttpResponse::Ok().json(Health {
        incidents: Some(snapshot.len()),
        loaded_from: Some(state.loaded_from()),
        snapshot_version: Some(snapshot.version()),
        status: "ok",
        store: Some(state.store.backend()),
        ..Health::default()
    })
}

#[utoipa::path(get, path = "/readyz", tag = "Operations", responses((status = 200, description = "The database answers", body = Health), (status = 503, description = "The database does not answer", body = Health)))]
pub(crate) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await;
    match ping {
        Ok(Ok(())) => HttpResponse::Ok().json(Health {
            database: Some("up"),
            status: "ready",
            ..Health::default()
        }),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(Health {
                database: Some("down"),
                status: "not ready",
                ..Health::default()
            })
        }
        Err(_) => HttpResponse::ServiceUnavailable().json(Health {
            database: Some("down"),
            detail: Some("no answer within 2 s"),
            status: "not ready",
            ..Health::default()
        }),
    }
}
