//! `athar`: serve the API, ingest files, run migrations.
//!
//! Exit codes: 0 success (every row accepted), 2 some rows rejected, 1 failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use athar_ingest::Format;
use athar_server::{
    Application, DatabaseUrl, ImportReport, Secret, Settings, open_store, run_import,
};
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

    #[command(subcommand)]
    command: Command,
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
        /// The folder holding the front-end packages (`npm ci --prefix web`).
        #[arg(long, env = "ATHAR_WEB_DIR", default_value = "web")]
        web_dir: PathBuf,
        /// Who may frame /embed (CSP frame-ancestors sources).
        #[arg(long, env = "ATHAR_FRAME_ANCESTORS", default_value = "*")]
        frame_ancestors: String,
    },
    /// Ingest CSV, GeoJSON or JSON files; each file is one transaction.
    Ingest {
        /// Files to ingest (.csv, .geojson, .json).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Source of rows that name none (default: the file's name without extension).
        #[arg(long)]
        source: Option<String>,
        /// Format, when the extension does not say.
        #[arg(long, value_parser = ["csv", "geojson", "json"])]
        format: Option<String>,
        /// Print the import report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the database migrations.
    Migrate,
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
enum VocabularyCommand {
    /// Add or relabel terms from a CSV file with columns vocabulary,slug,label_en,label_ar.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List every term.
    List,
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match actix_web::rt::System::new().block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("athar: {error:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = Settings {
        data_dir: cli.data_dir,
        database_url: cli
            .database_url
            .filter(|url| !url.trim().is_empty())
            .map(DatabaseUrl::new),
        ..Settings::default()
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
            web_dir,
            frame_ancestors,
        } => {
            settings.tile_cache_mb = tile_cache_mb;
            settings.web_dir = web_dir;
            settings.frame_ancestors = frame_ancestors;
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
        Command::Migrate => {
            let store = open_store(&settings).await?;
            eprintln!("athar: {} store migrated", store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Vocabulary { command } => vocabulary(&settings, command).await,
        Command::Gazetteer {
            command: GazetteerCommand::Import { file },
        } => {
            let store = open_store(&settings).await?;
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let report = athar_server::import_community_list(&store, input)
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
            json,
        } => {
            ingest(
                &settings,
                &files,
                source.as_deref(),
                format.as_deref(),
                json,
            )
            .await
        }
    }
}

async fn vocabulary(settings: &Settings, command: VocabularyCommand) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
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

/// Shows a progress bar for files large enough to take more than a moment.
const PROGRESS_FROM_BYTES: u64 = 4 * 1024 * 1024;

async fn ingest(
    settings: &Settings,
    files: &[PathBuf],
    source: Option<&str>,
    format: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let vocabularies = Arc::new(store.vocabularies().await?);
    let mut resolver = Arc::new(athar_server::load_gazetteer(&store).await?);
    let mut reports = Vec::new();
    let mut failed = false;
    for path in files {
        match ingest_file(&store, &vocabularies, &resolver, path, source, format).await {
            Ok(report) => {
                // The next file resolves against the places this one taught.
                resolver = Arc::new(athar_server::load_gazetteer(&store).await?);
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
    vocabularies: &Arc<athar_core::Vocabularies>,
    resolver: &Arc<athar_gazetteer::Gazetteer>,
    path: &Path,
    source: Option<&str>,
    format: Option<&str>,
) -> anyhow::Result<ImportReport> {
    let format = match format {
        Some("csv") => Format::Csv,
        Some("geojson") => Format::GeoJson,
        Some("json") => Format::Json,
        _ => Format::from_path(path).with_context(|| {
            "cannot tell the format from the extension; use .csv, .geojson or .json, or --format"
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
    let report = run_import(
        store,
        Arc::clone(vocabularies),
        Arc::clone(resolver),
        format,
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
