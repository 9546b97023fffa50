//! `athar`: serve the API, ingest files, run migrations.
//!
//! Exit codes: 0 success (every row accepted), 2 some rows rejected, 1 failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use athar_app::ImportReport;
use athar_ingest::Format;
use athar_server::{Application, DatabaseUrl, Secret, Settings};
use athar_store::ImportMeta;
use clap::{Parser, Subcommand};

/// Athar (أثر): incident-mapping API and vector tile server.
///
/// Without DATABASE_URL, Athar keeps its data in an embedded SQLite file,
/// DATA_DIR/athar.db, created on first start.
#[derive(Debug, Parser)]
#[command(name = "athar", version, about, long_about)]
struct Cli {
    /// PostgreSQL (PostGIS) URL, e.g. postgres://user:password@host/athar; none means the embedded store.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,

    /// Folder of the embedded store.
    #[arg(
        long,
        env = "ATHAR_DATA_DIR",
        default_value = "athar-data",
        global = true
    )]
    data_dir: PathBuf,

    /// How log lines are written: text, or json (one JSON object a line, for log
    /// collectors).
    #[arg(long, env = "ATHAR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// For people.
    Text,
    /// One JSON object a line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ATHAR_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the bundled demo month (synthetic incidents at real places) into an empty store.
        #[arg(long)]
        demo: bool,
        /// A bearer token with the admin role.
        #[arg(long, env = "ATHAR_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
        /// A JSON file of tokens: [{"name", "role": "reader|editor|admin", "sha256", "expires"}].
        #[arg(long, env = "ATHAR_TOKENS_FILE")]
        tokens_file: Option<PathBuf>,
        /// Largest import body, in bytes.
        #[arg(long, env = "ATHAR_IMPORT_LIMIT", default_value_t = 100 * 1024 * 1024)]
        import_limit: usize,
        /// Largest other request body, in bytes.
        #[arg(long, env = "ATHAR_BODY_LIMIT", default_value_t = 1024 * 1024)]
        body_limit: usize,
        /// Origins allowed to read from browsers, comma separated (default: any).
        #[arg(long, env = "ATHAR_CORS_ORIGINS", value_delimiter = ',')]
        cors_origins: Vec<String>,
        /// Memory for encoded vector tiles, in MiB (0: no cache).
        #[arg(long, env = "ATHAR_TILE_CACHE_MB", default_value_t = 64)]
        tile_cache_mb: u64,
        /// Who may frame /embed (CSP frame-ancestors sources).
        #[arg(long, env = "ATHAR_FRAME_ANCESTORS", default_value = "*")]
        frame_ancestors: String,
        /// A PostgreSQL streaming replica of the store to load snapshots from and follow
        /// the change log on (writes still go to DATABASE_URL).
        #[arg(long, env = "ATHAR_READ_DATABASE_URL", hide_env_values = true)]
        read_database_url: Option<String>,
        /// Who may read /metrics, comma separated: loopback (the default), token (any
        /// valid token), addresses or networks (10.0.0.0/8).
        #[arg(long, env = "ATHAR_METRICS_FROM", value_delimiter = ',', default_value = "loopback", value_parser = athar_server::MetricsAccess::parse)]
        metrics_from: Vec<athar_server::MetricsAccess>,
        /// Writes allowed per minute for one token (0: no limit).
        #[arg(long, env = "ATHAR_WRITE_RATE_PER_TOKEN", default_value_t = 600)]
        write_rate_per_token: u32,
        /// Writes allowed per minute from one client address (0: no limit).
        #[arg(long, env = "ATHAR_WRITE_RATE_PER_IP", default_value_t = 600)]
        write_rate_per_ip: u32,
        /// How readers without a token see points: exact, round:N (N decimals, 0 to 5) or
        /// community (the resolved place's point).
        #[arg(long, env = "ATHAR_PUBLIC_PRECISION", default_value = "exact")]
        public_precision: String,
        /// Fields hidden from readers without a token (notes, source_id, source).
        #[arg(long, env = "ATHAR_PRIVATE_FIELDS", value_delimiter = ',')]
        private_fields: Vec<String>,
        /// Per-community counts below this are withheld from readers without a token (0: none).
        #[arg(long, env = "ATHAR_SUPPRESS_BELOW", default_value_t = 0)]
        suppress_below: u64,
        /// The kinds whose small counts are withheld (default: every kind).
        #[arg(long, env = "ATHAR_SUPPRESS_KINDS", value_delimiter = ',')]
        suppress_kinds: Vec<String>,
        /// Whether readers without a token get incidents one by one (items, incident exports
        /// and tiles, maps of points, hotspots); false leaves them counts only, which
        /// --suppress-below needs.
        #[arg(long, env = "ATHAR_PUBLIC_INCIDENTS", default_value_t = true, action = clap::ArgAction::Set)]
        public_incidents: bool,
        /// Proxies whose Forwarded and X-Forwarded-* headers are believed, comma separated
        /// (default: none; such headers from anyone else are ignored).
        #[arg(long, env = "ATHAR_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Heavy reads (hotspot analyses, static maps, exports) allowed per minute from one
        /// address without a token (0: no limit).
        #[arg(long, env = "ATHAR_READ_RATE_PER_IP", default_value_t = 0)]
        read_rate_per_ip: u32,
        /// The resident memory to keep under, in MiB: past nine tenths of it, caches are
        /// emptied and heavy work is refused (503) until it is back under.
        #[arg(long, env = "ATHAR_MEMORY_LIMIT_MB", default_value_t = 2048)]
        memory_limit_mb: u64,
        /// Merge at once the pairs an import's incidents make with other sources' that
        /// score at least this (0 to 1); by default every pair waits for a person.
        #[arg(long, env = "ATHAR_MERGE_DUPLICATES_ABOVE", value_parser = score_in_unit)]
        merge_duplicates_above: Option<f32>,
    },
    /// Ingest CSV, GeoJSON or JSON files; each file is one transaction.
    Ingest {
        /// Files to ingest (.csv, .geojson, .json, or spreadsheets: .xlsx, .xls, .ods).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Source of rows that name none (default: the file's name without extension).
        #[arg(long)]
        source: Option<String>,
        /// Format, when the extension does not say.
        #[arg(long, value_parser = ["csv", "geojson", "json", "xlsx", "xls", "ods"])]
        format: Option<String>,
        /// The sheet of a workbook to read (default: the first with a header Athar
        /// recognises).
        #[arg(long)]
        sheet: Option<String>,
        /// A JSON file naming the fields of other headers and the slugs of other values:
        /// {"columns": {"header": "field"}, "values": {"field": {"value": "slug"}}}.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Print the import report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export incidents as GeoJSON, CSV (with HXL hashtags), GeoPackage or KML.
    Export {
        /// The file to write (`-` for standard output, text formats only).
        #[arg(long)]
        out: PathBuf,
        /// The format; by default the extension of --out.
        #[arg(long, value_parser = ["geojson", "csv", "gpkg", "kml"])]
        format: Option<String>,
        /// The language of the label columns beside vocabulary slugs.
        #[arg(long, value_parser = ["en", "ar"], default_value = "en")]
        lang: String,
        /// Leave out the CSV's row of HXL hashtags.
        #[arg(long)]
        no_hxl: bool,
        #[command(flatten)]
        filters: FilterArgs,
    },
    /// Run the database migrations.
    Migrate,
    /// Manage the tokens that read private data and write (kept in the store: every
    /// server of it knows a new or revoked token within a second).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a consistent copy of the store to FILE while it serves: SQLite's online copy
    /// (VACUUM INTO) for the embedded store, a pg_dump custom-format archive for PostGIS.
    Backup {
        /// The backup to write (never overwritten).
        file: PathBuf,
    },
    /// Restore a backup made by `athar backup` into an empty store: a new data folder, or
    /// a new PostgreSQL database with PostGIS and no tables.
    Restore {
        /// The backup.
        file: PathBuf,
    },
    /// Manage vocabularies.
    Vocabulary {
        #[command(subcommand)]
        command: VocabularyCommand,
    },
    /// Manage the gazetteer of communities.
    Gazetteer {
        #[command(subcommand)]
        command: GazetteerCommand,
    },
    /// Published months: frozen, citable releases.
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
    },
    /// The same incident reported by several sources: list candidate pairs, merge a pair
    /// into one event, dismiss it, or undo a merge.
    Duplicates {
        #[command(subcommand)]
        command: DuplicatesCommand,
    },
    /// Pull the submissions of a field form from where they are collected.
    Intake {
        #[command(subcommand)]
        command: IntakeCommand,
    },
    /// Mirror another Athar's incidents into this store.
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
    /// Field forms for KoboToolbox and ODK.
    Form {
        #[command(subcommand)]
        command: FormCommand,
    },
    /// Write the monthly report (as GET /v1/reports/monthly.{pdf,html,json}): the format
    /// is the extension of --out. The figures are the whole data's, as a token holder
    /// sees them.
    Report {
        /// The month, YYYY-MM (optional with --release when it covers one whole month).
        #[arg(long)]
        month: Option<String>,
        /// ar or en.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Report a published release's data instead of the live data.
        #[arg(long)]
        release: Option<String>,
        /// Where to write it: a .pdf, .html or .json file.
        #[arg(long)]
        out: PathBuf,
    },
}

// Parsed once per run: the size of the filters' variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum DuplicatesCommand {
    /// Print the candidate pairs with at least one incident under the filters, best first
    /// (JSON, as `GET /v1/duplicates`), or the decisions made (--status merged|dismissed).
    List {
        #[command(flatten)]
        filters: FilterArgs,
        /// open, merged or dismissed.
        #[arg(long, default_value = "open")]
        status: String,
        /// Pairs listed, at most 1,000.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Make one event of a pair (its id: two incident ids joined by _).
    Merge {
        /// The pair.
        pair: String,
        /// The incident that counts (default: the first reported).
        #[arg(long)]
        keep: Option<uuid::Uuid>,
        /// Who decided, for the change log.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Record that a pair are different events.
    Dismiss {
        /// The pair.
        pair: String,
        /// Who decided, for the change log.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Undo the merges of an incident.
    Unmerge {
        /// The incident.
        id: uuid::Uuid,
        /// Who decided, for the change log.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
}

#[derive(Debug, Subcommand)]
enum IntakeCommand {
    /// Pull the submissions of an ODK Central form new or edited since the last pull
    /// (its OData feed), and import them under the source odk:FORM. The web user's
    /// e-mail and password are read from ATHAR_ODK_USER and ATHAR_ODK_PASSWORD.
    Odk {
        /// The ODK Central server, e.g. https://central.example.org.
        #[arg(long)]
        url: String,
        /// The project's number.
        #[arg(long)]
        project: u32,
        /// The form's id (athar_incident for Athar's own form).
        #[arg(long)]
        form: String,
    },
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// Mirror another Athar's incidents (its change log and items, deletions included)
    /// as sources NAME/<its source>, from where the last pull of it stopped.
    Pull {
        /// The other Athar's base URL.
        url: String,
        /// A token of the other Athar (a reader's is enough; without one, only what its
        /// anonymous readers see, and deletions cannot be matched).
        #[arg(long, env = "ATHAR_SYNC_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// The name its sources take here (default: its host).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum FormCommand {
    /// Write the XLSForm for recording one incident (every field, Arabic and English
    /// labels, the vocabularies and communities as choices, Athar's checks as
    /// constraints), for KoboToolbox or ODK Central to publish.
    Xlsform {
        /// The .xlsx file to write.
        #[arg(long)]
        out: PathBuf,
        /// The languages of its labels, the default first.
        #[arg(long, default_value = "ar,en")]
        lang: String,
    },
}

#[derive(Debug, Subcommand)]
enum ReleaseCommand {
    /// Freeze the incidents of a period (--from, --to) and filters as they are now, as a
    /// release; prints its manifest as JSON.
    Create {
        /// Its id: a short slug (2024-04).
        id: String,
        /// Its title.
        #[arg(long)]
        title: String,
        #[command(flatten)]
        filters: FilterArgs,
    },
}

#[derive(Debug, Subcommand)]
enum GazetteerCommand {
    /// Import a community list (CSV with OCHA admin4 columns or plain ones: pcode,
    /// name_ar, name_en, lat, lon, admin1…); places are inserted or updated in place by id.
    Import {
        /// The list.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Make a token: printed once on standard output; only its SHA-256 is stored.
    Create {
        /// Who holds it (recorded as the actor of every change it makes).
        name: String,
        /// What it may do.
        #[arg(long, value_parser = ["reader", "editor", "admin"])]
        role: String,
        /// Its last valid day (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<chrono::NaiveDate>,
    },
    /// List the tokens: name, role, expiry, made, last used, revoked.
    List,
    /// Revoke a token: refused by every server of the store within a second.
    Revoke {
        /// Its name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum VocabularyCommand {
    /// Add or relabel terms from a CSV file with columns vocabulary,slug,label_en,label_ar.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List every term.
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server logs each request at info; the other commands only warnings and errors
    // (their progress and reports are printed). The database driver's notes on slow
    // statements (whole SQL statements) are left out unless RUST_LOG names it.
    let default = if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    };
    let asked = std::env::var("RUST_LOG").unwrap_or_else(|_| default.to_owned());
    let filter = if asked.contains("sqlx") {
        asked
    } else {
        format!("{asked},sqlx=error")
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    match actix_web::rt::System::new().block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("athar: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// The shared filters, as the API's query parameters take them.
#[derive(clap::Args, Debug, Default)]
struct FilterArgs {
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
    /// Kinds, comma separated (attack, fire, …).
    #[arg(long)]
    kind: Option<String>,
    /// west,south,east,north in degrees.
    #[arg(long, allow_hyphen_values = true)]
    bbox: Option<String>,
    /// A community: any spelling of its name, or its id.
    #[arg(long)]
    community: Option<String>,
    /// A community p-code.
    #[arg(long)]
    pcode: Option<String>,
    /// A governorate.
    #[arg(long)]
    admin1: Option<String>,
    /// Perpetrators, comma separated.
    #[arg(long)]
    perpetrator: Option<String>,
    /// Weapons, comma separated.
    #[arg(long)]
    weapon: Option<String>,
    /// Place types, comma separated.
    #[arg(long)]
    place_type: Option<String>,
    /// Causes, comma separated.
    #[arg(long)]
    cause: Option<String>,
    /// Vehicles, comma separated.
    #[arg(long)]
    vehicle: Option<String>,
}

impl FilterArgs {
    /// The filters given, by their query parameter names.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("kind", &self.kind),
            ("bbox", &self.bbox),
            ("community", &self.community),
            ("pcode", &self.pcode),
            ("admin1", &self.admin1),
            ("perpetrator", &self.perpetrator),
            ("weapon", &self.weapon),
            ("place_type", &self.place_type),
            ("cause", &self.cause),
            ("vehicle", &self.vehicle),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|value| (name, value)))
        .collect()
    }

    /// The filter, checked as the API checks its query parameters.
    fn filter(
        &self,
        vocabularies: &athar_core::Vocabularies,
        resolver: &dyn athar_core::CommunityResolver,
    ) -> anyhow::Result<athar_core::Filter> {
        let mut filter = athar_core::Filter::default();
        for (name, value) in self.pairs() {
            filter
                .apply_parameter(name, &value, vocabularies, resolver)
                .map_err(|error| anyhow::anyhow!("--{}: {error}", name.replace('_', "-")))?;
        }
        Ok(filter)
    }
}

/// A score from 0 to 1.
fn score_in_unit(value: &str) -> Result<f32, String> {
    value
        .parse::<f32>()
        .ok()
        .filter(|score| (0.0..=1.0).contains(score))
        .ok_or_else(|| format!("'{value}' is not a score from 0 to 1"))
}

/// Where the store is: PostgreSQL at a URL, or the embedded store in a folder.
struct StoreAt {
    database_url: Option<String>,
    data_dir: PathBuf,
}

impl StoreAt {
    /// Opens and migrates it.
    async fn open(&self) -> anyhow::Result<athar_store::Store> {
        Ok(athar_app::open_store(self.database_url.as_deref(), &self.data_dir).await?)
    }

    /// Where the store is.
    fn location(&self) -> anyhow::Result<athar_store::StoreLocation> {
        Ok(athar_store::StoreLocation::from_settings(
            self.database_url.as_deref(),
            &self.data_dir,
        )?)
    }
}

/// A store's location for messages: the SQLite file, or "the PostgreSQL database" (a URL
/// may hold a password).
fn location_name(location: &athar_store::StoreLocation) -> String {
    match location {
        athar_store::StoreLocation::Sqlite(path) => path.display().to_string(),
        athar_store::StoreLocation::Postgres(_) => "the PostgreSQL database".into(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = StoreAt {
        data_dir: cli.data_dir,
        database_url: cli.database_url.filter(|url| !url.trim().is_empty()),
    };
    match cli.command {
        Command::Serve {
            listen,
            demo,
            admin_token,
            tokens_file,
            import_limit,
            body_limit,
            cors_origins,
            tile_cache_mb,
            frame_ancestors,
            metrics_from,
            write_rate_per_token,
            write_rate_per_ip,
            public_precision,
            private_fields,
            suppress_below,
            suppress_kinds,
            public_incidents,
            trusted_proxies,
            read_rate_per_ip,
            memory_limit_mb,
            merge_duplicates_above,
            read_database_url,
        } => {
            let mut settings = Settings {
                data_dir: settings.data_dir,
                database_url: settings.database_url.map(DatabaseUrl::new),
                read_database_url: read_database_url
                    .filter(|url| !url.trim().is_empty())
                    .map(DatabaseUrl::new),
                ..Settings::default()
            };
            settings.trusted_proxies = trusted_proxies;
            settings.read_rate_per_ip = read_rate_per_ip;
            settings.memory_limit_mb = memory_limit_mb;
            settings.merge_duplicates_above = merge_duplicates_above;
            settings.privacy = athar_app::privacy::Privacy {
                precision: athar_app::privacy::PublicPrecision::parse(&public_precision)?,
                private_fields: private_fields
                    .into_iter()
                    .filter(|f| !f.is_empty())
                    .collect(),
                suppress_below,
                suppress_kinds: suppress_kinds
                    .into_iter()
                    .filter(|k| !k.is_empty())
                    .collect(),
                public_incidents,
            };
            settings.write_rate_per_token = write_rate_per_token;
            settings.write_rate_per_ip = write_rate_per_ip;
            settings.tile_cache_mb = tile_cache_mb;
            settings.frame_ancestors = frame_ancestors;
            settings.metrics_from = metrics_from;
            settings.listen = listen;
            settings.demo = demo;
            settings.admin_token = admin_token.filter(|t| !t.is_empty()).map(Secret::new);
            settings.tokens_file = tokens_file;
            settings.import_limit = import_limit;
            settings.body_limit = body_limit;
            settings.cors_origins = cors_origins.into_iter().filter(|o| !o.is_empty()).collect();
            let application = Application::build(settings).await?;
            eprintln!("athar: serving on http://127.0.0.1:{}", application.port());
            application.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            out,
            format,
            lang,
            no_hxl,
            filters,
        } => export(&settings, &out, format.as_deref(), &lang, !no_hxl, &filters).await,
        Command::Migrate => {
            let store = settings.open().await?;
            eprintln!("athar: {} store migrated", store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Vocabulary { command } => vocabulary(&settings, command).await,
        Command::Token { command } => token(&settings, command).await,
        Command::Backup { file } => {
            let location = settings.location()?;
            let store = settings.open().await?;
            store.backup(&location, &file).await?;
            eprintln!(
                "athar: {} backed up to {}",
                location_name(&location),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let location = settings.location()?;
            athar_store::restore(&location, &file).await?;
            // Migrations the backup's release did not have yet.
            settings.open().await?;
            eprintln!(
                "athar: {} restored into {}",
                file.display(),
                location_name(&location)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Intake {
            command: IntakeCommand::Odk { url, project, form },
        } => {
            let read = |name: &str| {
                std::env::var(name).map_err(|_| {
                    anyhow::anyhow!(
                        "{name} must hold the ODK Central web user's {}",
                        if name.ends_with("USER") {
                            "e-mail"
                        } else {
                            "password"
                        }
                    )
                })
            };
            let odk = athar_app::pull::OdkForm {
                url,
                project,
                form,
                user: read("ATHAR_ODK_USER")?,
                password: read("ATHAR_ODK_PASSWORD")?,
            };
            let store = settings.open().await?;
            let vocabularies = Arc::new(store.vocabularies().await?);
            let gazetteer = Arc::new(athar_app::load_gazetteer(&store).await?);
            let report =
                athar_app::pull::odk_pull(&store, (&vocabularies, &gazetteer), &odk).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(pull_exit(&report))
        }
        Command::Sync {
            command: SyncCommand::Pull { url, token, name },
        } => {
            let name = name.unwrap_or_else(|| {
                url.split("://")
                    .nth(1)
                    .unwrap_or(&url)
                    .split(['/', ':'])
                    .next()
                    .unwrap_or("peer")
                    .to_owned()
            });
            let peer = athar_app::pull::Peer { url, token, name };
            let store = settings.open().await?;
            let vocabularies = Arc::new(store.vocabularies().await?);
            let gazetteer = Arc::new(athar_app::load_gazetteer(&store).await?);
            let report =
                athar_app::pull::sync_pull(&store, (&vocabularies, &gazetteer), &peer).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(pull_exit(&report))
        }
        Command::Form {
            command: FormCommand::Xlsform { out, lang },
        } => {
            let languages = lang
                .split(',')
                .map(|code| code.trim().parse::<athar_core::Language>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("--lang: {e}"))?;
            let store = settings.open().await?;
            let vocabularies = store.vocabularies().await?;
            let gazetteer = athar_app::load_gazetteer(&store).await?;
            let form = athar_app::intake::xlsform(&vocabularies, &gazetteer, &languages)?;
            std::fs::write(&out, &form).with_context(|| format!("--out {}", out.display()))?;
            eprintln!(
                "wrote the XLSForm to {} ({} bytes)",
                out.display(),
                form.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            month,
            lang,
            release,
            out,
        } => report(&settings, month.as_deref(), &lang, release.as_deref(), &out).await,
        Command::Duplicates { command } => {
            use athar_app::duplicates::{self, Status};
            let store = settings.open().await?;
            let body = match command {
                DuplicatesCommand::List {
                    filters,
                    status,
                    limit,
                } => {
                    let status = Status::parse(&status).ok_or_else(|| {
                        anyhow::anyhow!("--status: '{status}' is not open, merged or dismissed")
                    })?;
                    if !(1..=duplicates::MAX_LIMIT).contains(&limit) {
                        anyhow::bail!("--limit: {limit} is not in 1..=1000");
                    }
                    if status == Status::Open {
                        let vocabularies = Arc::new(store.vocabularies().await?);
                        let gazetteer = athar_app::load_gazetteer(&store).await?;
                        let filter = filters.filter(&vocabularies, &gazetteer)?;
                        let snapshot =
                            athar_app::snapshot::load(&store, 1, Arc::clone(&vocabularies), 1)
                                .await?;
                        let decided = duplicates::decided_pairs(&store).await?;
                        serde_json::to_string_pretty(&duplicates::find(
                            &snapshot,
                            &filter,
                            limit,
                            |pair| decided.contains(pair),
                        ))?
                    } else {
                        serde_json::to_string_pretty(&duplicates::decisions(&store, status).await?)?
                    }
                }
                DuplicatesCommand::Merge { pair, keep, actor } => serde_json::to_string_pretty(
                    &duplicates::merge(&store, &pair, keep, &actor).await?,
                )?,
                DuplicatesCommand::Dismiss { pair, actor } => serde_json::to_string_pretty(
                    &duplicates::dismiss(&store, &pair, &actor).await?,
                )?,
                DuplicatesCommand::Unmerge { id, actor } => {
                    serde_json::to_string_pretty(&duplicates::unmerge(&store, id, &actor).await?)?
                }
            };
            println!("{body}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Release {
            command: ReleaseCommand::Create { id, title, filters },
        } => {
            let store = settings.open().await?;
            let vocabularies = Arc::new(store.vocabularies().await?);
            let gazetteer = athar_app::load_gazetteer(&store).await?;
            let snapshot =
                athar_app::snapshot::load(&store, 1, Arc::clone(&vocabularies), 1).await?;
            let mut fields = serde_json::Map::new();
            fields.insert("id".into(), id.into());
            fields.insert("title".into(), title.into());
            for (name, value) in filters.pairs() {
                fields.insert(name.into(), value.into());
            }
            let request = athar_app::releases::Request::from_fields(
                &fields,
                (&vocabularies, &gazetteer),
                None,
            )?;
            let privacy = athar_app::privacy::Privacy::default();
            let releases = athar_app::releases::Releases::load(&store, &privacy).await?;
            let manifest = releases
                .create(&store, (&snapshot, &gazetteer), request, &privacy)
                .await?;
            println!("{}", serde_json::to_string_pretty(&manifest)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Gazetteer {
            command: GazetteerCommand::Import { file },
        } => {
            let store = settings.open().await?;
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let report = athar_app::import_community_list(&store, input)
                .await
                .with_context(|| format!("{}: nothing was stored", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(
                if report["rejected"].as_array().is_some_and(|r| !r.is_empty()) {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                },
            )
        }
        Command::Ingest {
            files,
            source,
            format,
            sheet,
            mapping,
            json,
        } => {
            let mapping = match mapping {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("--mapping {}", path.display()))?;
                    athar_ingest::Mapping::parse(&text)
                        .map_err(|e| anyhow::anyhow!("--mapping {}: {e}", path.display()))?
                }
                None => athar_ingest::Mapping::default(),
            };
            let options = athar_ingest::ReadOptions { sheet, mapping };
            ingest(
                &settings,
                &files,
                (source.as_deref(), format.as_deref()),
                &options,
                json,
            )
            .await
        }
    }
}

async fn token(settings: &StoreAt, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let store = settings.open().await?;
    match command {
        TokenCommand::Create {
            name,
            role,
            expires,
        } => {
            anyhow::ensure!(
                !name.trim().is_empty() && name.len() <= 100 && !name.chars().any(char::is_control),
                "a token's name must be 1 to 100 printable characters"
            );
            let (token, sha256) = athar_server::new_token();
            store.create_token(&name, &role, &sha256, expires).await?;
            println!("{token}");
            eprintln!(
                "athar: token '{name}' ({role}{}) made; it is shown this once",
                expires.map_or_else(String::new, |day| format!(", valid to {day}"))
            );
        }
        TokenCommand::List => {
            println!("name\trole\texpires\tcreated\tlast used\trevoked");
            for token in store.tokens().await? {
                let or_dash = |value: Option<String>| value.unwrap_or_else(|| "-".into());
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    token.name,
                    token.role,
                    or_dash(token.expires),
                    token.created_at,
                    or_dash(token.last_used_at),
                    or_dash(token.revoked_at)
                );
            }
        }
        TokenCommand::Revoke { name } => {
            anyhow::ensure!(
                store.revoke_token(&name).await?,
                "no token named '{name}' to revoke (see athar token list)"
            );
            eprintln!("athar: token '{name}' revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn vocabulary(settings: &StoreAt, command: VocabularyCommand) -> anyhow::Result<ExitCode> {
    let store = settings.open().await?;
    match command {
        VocabularyCommand::Import { file } => {
            let reader = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let terms = athar_core::Vocabularies::from_csv(reader)
                .map_err(|error| anyhow::anyhow!("{}: {error}", file.display()))?;
            let written = store.add_terms(terms.terms(), true).await?;
            eprintln!("athar: {written} terms added or relabelled");
        }
        VocabularyCommand::List => {
            for term in store.vocabularies().await?.terms() {
                println!(
                    "{}\t{}\t{}\t{}",
                    term.vocabulary, term.slug, term.label_en, term.label_ar
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(
    settings: &StoreAt,
    out: &std::path::Path,
    format: Option<&str>,
    lang: &str,
    hxl: bool,
    filters: &FilterArgs,
) -> anyhow::Result<ExitCode> {
    use athar_app::export::{ExportFormat, ExportOptions, TextExport, write_geopackage};
    use std::io::Write as _;

    let to_stdout = out.as_os_str() == "-";
    let format = match format {
        Some(format) => format.to_owned(),
        None if to_stdout => anyhow::bail!("--format is needed when writing to standard output"),
        None => out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .with_context(|| {
                format!(
                    "{}: give --format, or a .geojson, .csv, .gpkg or .kml name",
                    out.display()
                )
            })?,
    };
    let format = ExportFormat::from_extension(&format)
        .with_context(|| format!("cannot export as '{format}'; use geojson, csv, gpkg or kml"))?;
    if to_stdout && format == ExportFormat::GeoPackage {
        anyhow::bail!("a GeoPackage is written to a file, not standard output");
    }
    let store = settings.open().await?;
    let vocabularies = Arc::new(store.vocabularies().await?);
    let gazetteer = athar_app::load_gazetteer(&store).await?;
    let filter = filters.filter(&vocabularies, &gazetteer)?;
    // Compacted as the server holds them, so that filters select exactly what the API's do.
    let snapshot = athar_app::snapshot::load(&store, 1, Arc::clone(&vocabularies), 1).await?;
    let rows = snapshot.select(&filter);
    let options = ExportOptions {
        lang: lang.parse().unwrap_or_default(),
        hxl,
    };
    let progress = if to_stdout || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(rows.len() as u64).with_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} incidents, {eta} left")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    };
    let count = rows.len();
    let incidents = rows.into_iter().map(|row| snapshot.incident(row));
    if format == ExportFormat::GeoPackage {
        if out.exists() {
            std::fs::remove_file(out)
                .with_context(|| format!("cannot replace {}", out.display()))?;
        }
        write_geopackage(out, incidents, &vocabularies, options, || progress.inc(1))
            .with_context(|| format!("{}: the GeoPackage could not be written", out.display()))?;
    } else {
        let mut sink: Box<dyn std::io::Write> = if to_stdout {
            Box::new(std::io::stdout().lock())
        } else {
            Box::new(
                std::fs::File::create(out)
                    .with_context(|| format!("cannot create {}", out.display()))?,
            )
        };
        let mut export = TextExport::new(format, options, &vocabularies);
        let mut buffer = Vec::with_capacity(1 << 20);
        export.begin(&mut buffer);
        for incident in incidents {
            export.row(&incident, &mut buffer);
            progress.inc(1);
            if buffer.len() >= 1 << 20 {
                sink.write_all(&buffer)?;
                buffer.clear();
            }
        }
        export.end(&mut buffer);
        sink.write_all(&buffer)?;
        sink.flush()?;
    }
    progress.finish_and_clear();
    if !to_stdout {
        eprintln!("athar: {count} incidents written to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Shows a progress bar for files large enough to take more than a moment.
const PROGRESS_FROM_BYTES: u64 = 4 * 1024 * 1024;

async fn ingest(
    settings: &StoreAt,
    files: &[PathBuf],
    (source, format): (Option<&str>, Option<&str>),
    options: &athar_ingest::ReadOptions,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = settings.open().await?;
    let vocabularies = Arc::new(store.vocabularies().await?);
    let mut resolver = Arc::new(athar_app::load_gazetteer(&store).await?);
    let mut reports = Vec::new();
    let mut failed = false;
    for path in files {
        match ingest_file(
            &store,
            (&vocabularies, &resolver),
            path,
            (source, format),
            options.clone(),
        )
        .await
        {
            Ok(report) => {
                // The next file resolves against the places this one taught.
                resolver = Arc::new(athar_app::load_gazetteer(&store).await?);
                if !json {
                    print_report(path, &report);
                }
                reports.push(serde_json::json!({ "file": path, "report": report }));
            }
            Err(error) => {
                failed = true;
                eprintln!(
                    "athar: {}: {error:#} (nothing from this file was stored)",
                    path.display()
                );
                reports.push(serde_json::json!({ "file": path, "error": format!("{error:#}") }));
            }
        }
    }
    if json {
        let output = match reports.as_slice() {
            [single] => single.get("report").unwrap_or(single).clone(),
            _ => serde_json::Value::Array(reports.clone()),
        };
        println!("{}", serde_json::to_string_pretty(&output)?);
    }
    let rejected = reports
        .iter()
        .any(|r| r["report"]["rejected_rows"].as_u64().is_some_and(|n| n > 0));
    Ok(if failed {
        ExitCode::from(1)
    } else if rejected {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

async fn ingest_file(
    store: &athar_store::Store,
    (vocabularies, resolver): (
        &Arc<athar_core::Vocabularies>,
        &Arc<athar_gazetteer::Gazetteer>,
    ),
    path: &Path,
    (source, format): (Option<&str>, Option<&str>),
    options: athar_ingest::ReadOptions,
) -> anyhow::Result<ImportReport> {
    let format = match format {
        Some(name) => Format::from_path(Path::new(&format!("x.{name}")))
            .with_context(|| format!("--format {name} is not a format"))?,
        None => Format::from_path(path).with_context(|| {
            "cannot tell the format from the extension; use .csv, .geojson, .json, .xlsx, \
             .xls or .ods, or --format"
        })?,
    };
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map_or(0, |m| m.len());
    let progress = if size >= PROGRESS_FROM_BYTES {
        indicatif::ProgressBar::new(size).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    progress.set_message(path.display().to_string());
    let source = source.map_or_else(
        || {
            path.file_stem()
                .map_or_else(|| "import".to_owned(), |s| s.to_string_lossy().into_owned())
        },
        str::to_owned,
    );
    let meta = ImportMeta {
        source,
        format: format.as_str().to_owned(),
        file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        actor: None,
    };
    let report = athar_app::import::run_import_with(
        store,
        (Arc::clone(vocabularies), Arc::clone(resolver)),
        (format, options),
        progress.wrap_read(file),
        meta,
    )
    .await;
    progress.finish_and_clear();
    Ok(report?)
}

fn print_report(path: &Path, report: &ImportReport) {
    println!(
        "{}: {} accepted, {} updated, {} unchanged, {} rejected",
        path.display(),
        report.accepted,
        report.updated,
        report.unchanged,
        report.rejected_rows
    );
    for rejection in &report.rejected {
        println!(
            "  row {}, {}: {}",
            rejection.row, rejection.field, rejection.message
        );
    }
    if report.rejected.len() as u64 > 0 && report.rejected_rows > report.rejected.len() as u64 {
        println!(
            "  (only the first {} problems are listed)",
            report.rejected.len()
        );
    }
    if !report.ignored_columns.is_empty() {
        println!(
            "  ignored columns (not incident fields): {}",
            report.ignored_columns.join(", ")
        );
    }
}

/// `athar report`.
async fn report(
    settings: &StoreAt,
    month: Option<&str>,
    lang: &str,
    release: Option<&str>,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    use athar_app::reports::{self, Month, document::Provenance};
    let extension = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let extension = match extension.as_deref() {
        Some(e @ ("pdf" | "html" | "json")) => e.to_owned(),
        _ => anyhow::bail!(
            "--out: '{}' must end in .pdf, .html or .json",
            out.display()
        ),
    };
    let language: athar_core::Language =
        lang.parse().map_err(|e| anyhow::anyhow!("--lang: {e}"))?;
    let store = settings.open().await?;
    let privacy = athar_app::privacy::Privacy::default();
    let (snapshot, places, manifest) = if let Some(id) = release {
        let releases = athar_app::releases::Releases::load(&store, &privacy).await?;
        let release = releases
            .published(id)
            .with_context(|| format!("--release {id}"))?;
        (
            Arc::clone(&release.snapshot),
            Arc::clone(&release.places),
            Some(release.manifest.clone()),
        )
    } else {
        let vocabularies = Arc::new(store.vocabularies().await?);
        let gazetteer = Arc::new(athar_app::load_gazetteer(&store).await?);
        let snapshot = athar_app::snapshot::load(&store, 1, vocabularies, 1).await?;
        (Arc::new(snapshot), gazetteer, None)
    };
    let month = match (month, &manifest) {
        (Some(month), _) => Month::parse(month).map_err(|e| anyhow::anyhow!("--month: {e}"))?,
        (None, Some(m)) => Month::of_period(m.from, m.to).ok_or_else(|| {
            anyhow::anyhow!("--month is needed: release {} is not one whole month", m.id)
        })?,
        (None, None) => anyhow::bail!("--month is needed: YYYY-MM, for example 2024-04"),
    };
    let viewer = athar_app::privacy::OwnedViewer::new(athar_app::privacy::Viewer::Trusted, places);
    let provenance = manifest
        .as_ref()
        .map_or(Provenance::Live, |m| Provenance::Release {
            id: &m.id,
            sha256: &m.sha256,
            from: m.from,
        });
    let bytes = if extension == "json" {
        let release = manifest.as_ref().map(|m| (m.id.as_str(), m.from));
        serde_json::to_vec_pretty(&reports::monthly(&snapshot, &viewer, &month, release))?
    } else {
        let document = reports::report_document(
            (&snapshot, &viewer),
            &month,
            language,
            provenance,
            athar_app::maps::MapView::Points,
            None,
        )?;
        if extension == "pdf" {
            document.pdf()?
        } else {
            document.html().into_bytes()
        }
    };
    std::fs::write(out, &bytes).with_context(|| format!("--out {}", out.display()))?;
    eprintln!(
        "wrote the report of {} ({}) to {} ({} bytes)",
        month.text,
        language.code(),
        out.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// A pull's exit code: 2 when a page's import rejected rows, as for `ingest`.
fn pull_exit(report: &athar_app::pull::PullReport) -> ExitCode {
    if report.imports.iter().any(|r| r.rejected_rows > 0) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
