//! Starting the server for a test, and talking to it.

use std::fmt::Write as _;

use athar_server::{Application, DatabaseUrl, Secret, Settings};
use athar_test_support::FreshDatabase;
use serde_json::Value;
use sha2::Digest as _;

#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const ADMIN_TOKEN: &str = "test-admin-token";
pub const EDITOR_TOKEN: &str = "test-editor-token";
pub const READER_TOKEN: &str = "test-reader-token";

/// Where a test's data lives; kept alive for the whole test.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub database: Option<FreshDatabase>,
}

impl TestStore {
    pub async fn new(backend: Backend) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            database: match backend {
                Backend::Sqlite => None,
                Backend::Postgres => Some(FreshDatabase::create().await),
            },
        }
    }

    pub fn settings(&self, demo: bool) -> Settings {
        let tokens = self.dir.path().join("tokens.json");
        let hex = |token: &str| {
            sha2::Sha256::digest(token.as_bytes())
                .iter()
                .fold(String::new(), |mut hex, byte| {
                    let _ = write!(hex, "{byte:02x}");
                    hex
                })
        };
        std::fs::write(
            &tokens,
            serde_json::json!([
                { "name": "field-editor", "role": "editor", "sha256": hex(EDITOR_TOKEN) },
                { "name": "analyst", "role": "reader", "sha256": hex(READER_TOKEN) },
                { "name": "former-editor", "role": "editor", "sha256": hex("expired-token"), "expires": "2020-01-01" },
            ])
            .to_string(),
        )
        .unwrap();
        Settings {
            listen: "127.0.0.1:0".into(),
            data_dir: self.dir.path().join("athar-data"),
            database_url: self.database.as_ref().map(|db| DatabaseUrl::new(db.url())),
            demo,
            admin_token: Some(Secret::new(ADMIN_TOKEN)),
            tokens_file: Some(tokens),
            ..Settings::default()
        }
    }

    pub async fn spawn_with(&self, settings: Settings) -> String {
        let application = Application::build(settings)
            .await
            .expect("the application starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        actix_web::rt::spawn(application.run_until_stopped());
        address
    }

    pub async fn spawn(&self, demo: bool) -> String {
        self.spawn_with(self.settings(demo)).await
    }
}

pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(std::time::Duration::from_mins(1))
        .finish()
}

/// A tile asked for with `accepted` as the `Accept-Encoding`: checks that it came
/// compressed as `encoding` and varying with `Accept-Encoding`, and returns it decompressed.
pub async fn compressed_tile(url: &str, accepted: &str, encoding: &str) -> Vec<u8> {
    let mut response = client()
        .get(url)
        .insert_header(("Accept-Encoding", accepted))
        .no_decompress()
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers().get("content-encoding").unwrap(),
        encoding
    );
    let vary = response.headers().get("vary").unwrap().to_str().unwrap();
    assert!(
        vary.to_ascii_lowercase().contains("accept-encoding"),
        "{vary}"
    );
    let body = response.body().await.unwrap();
    let mut plain = Vec::new();
    match encoding {
        "gzip" => {
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(body.as_ref()),
                &mut plain,
            )
            .unwrap();
        }
        "br" => brotli::BrotliDecompress(&mut body.as_ref(), &mut plain).unwrap(),
        other => panic!("no decoder for {other}"),
    }
    plain
}

/// A tile asked for as browsers ask (`gzip, deflate, br, zstd`): sent in Brotli.
pub async fn browser_tile(url: &str) -> Vec<u8> {
    compressed_tile(url, "gzip, deflate, br, zstd", "br").await
}

pub async fn body_of(
    mut response: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
        + Unpin,
    >,
) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .expect("body read");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Percent-encodes a query value (every byte but the unreserved ones).
pub fn encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn get(url: &str) -> (u16, Value) {
    body_of(client().get(url).send().await.expect("request sent")).await
}

/// Imports a CSV through the API with the admin token.
pub async fn import_csv(address: &str, csv: &str) -> Value {
    let response = client()
        .post(format!("{address}/v1/imports?source=test"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .insert_header(("Content-Type", "text/csv"))
        .send_body(csv.to_owned())
        .await
        .expect("request sent");
    let (status, report) = body_of(response).await;
    assert_eq!(status, 200, "{report}");
    report
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name(crate::support::Backend::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                super::$name(crate::support::Backend::Postgres).await;
            }
        }
    )*};
}
pub(crate) use both_backends;
