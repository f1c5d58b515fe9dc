//! The command line: one binary, one subcommand per job.

mod bench;
pub mod client;
mod iati;
mod import;
mod import_measurements;
pub mod report;
pub mod seed;
mod spreadsheet;

use clap::{Parser, Subcommand};

use anyhow::Context;

use crate::{
    auth,
    config::{DatabaseArgs, ServeArgs},
    server::{self, Application},
    store,
    telemetry::{self, LogFormat, traces},
    tls,
};

/// Donor contributions and programme results, reported per session to the Standing Committee on
/// Programmes and Finance.
#[derive(Debug, Parser)]
#[command(name = "scpf-reports", version, about)]
pub struct Cli {
    /// How log lines are written.
    #[arg(
        long,
        env = "SCPF_LOG_FORMAT",
        value_enum,
        default_value = "json",
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the largest command's options does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the gRPC API.
    Serve(ServeArgs),
    /// Apply pending database migrations (creating the database if it does not exist) and exit.
    Migrate(MigrateArgs),
    /// Generate a session's report through a running server, optionally finalize it, and write
    /// its exports to files (the scheduled job).
    Report(report::ReportArgs),
    /// Load the demo data set (idempotent: a second run changes nothing).
    Seed(seed::SeedArgs),
    /// Import data from a file into a running server, row by row, safely re-runnable.
    Import(import::ImportArgs),
    /// Fill a database of its own with generated data through a server started for it, and
    /// measure imports, reports, reads and exports against PostgreSQL's own limits (see
    /// BENCHMARKS.md). Prints a table and writes it as JSON.
    Bench(bench::BenchArgs),
    /// Write contributions, receipts or measurements to a CSV file with the columns the imports
    /// read.
    Export(spreadsheet::ExportArgs),
    /// IATI 2.03 activity files: import, export, and reconcile a donor's publication.
    Iati(iati::IatiArgs),
    /// Read a bearer token on standard input and print its SHA-256, the form the tokens file
    /// (SCPF_AUTH_TOKENS_FILE) holds.
    HashToken,
}

/// The importers' file readers, for the fuzz targets in `fuzz/`; not an interface of the crate.
#[doc(hidden)]
pub mod fuzzing {
    /// Reads a contributions CSV; returns how many lines became a request or a refusal.
    pub fn contributions_csv(bytes: &[u8]) -> usize {
        super::import::read_csv(bytes).map_or(0, |lines| lines.len())
    }

    /// Reads a measurements CSV; returns how many lines became a request or a refusal.
    pub fn measurements_csv(bytes: &[u8]) -> usize {
        super::import_measurements::read_from(bytes)
            .map_or(0, |(rows, errors)| rows.len() + errors.len())
    }
}

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        let traces = match &self.command {
            Command::Serve(args) => traces::otlp_provider(&args.server.telemetry)?,
            _ => None,
        };
        telemetry::init(self.log_format, traces.as_ref().map(traces::tracer));
        let result = match self.command {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::Report(args) => report::run(args).await,
            Command::Seed(args) => seed::run(args).await,
            Command::Import(args) => import::run(args).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Iati(args) => iati::run(args).await,
            Command::Export(args) => spreadsheet::export(args).await,
            Command::HashToken => hash_token(),
        };
        if let Some(provider) = traces {
            // Sends the spans still buffered.
            if let Err(err) = provider.shutdown() {
                tracing::warn!(error = %err, "the last traces could not be exported");
            }
        }
        result
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    tls::install_crypto_provider();
    if let Some(endpoint) = &args.server.telemetry.otlp_endpoint {
        tracing::info!(endpoint, "exporting traces over OTLP");
    }
    if args.database.db_statement_timeout.is_zero()
        || args.database.db_statement_timeout >= args.server.request_timeout
    {
        anyhow::bail!(
            "SCPF_DB_STATEMENT_TIMEOUT ({}) must be above zero and below SCPF_REQUEST_TIMEOUT ({}), so that no query outlives its call",
            humantime::format_duration(args.database.db_statement_timeout),
            humantime::format_duration(args.server.request_timeout)
        );
    }
    let pool = args.database.lazy_pool()?;
    if args.migrate {
        create_database_if_missing(&args.database).await?;
        store::migrate(&pool).await?;
        tracing::info!("migrations applied");
    }
    let app = Application::build(args.listen, pool, args.server).await?;
    tracing::info!(address = %app.local_addr(), metrics = %app.metrics_addr(), "serving gRPC");
    if let Some(health) = app.health_addr() {
        tracing::info!(address = %health, "serving health checks in plaintext");
    }
    app.run_until(server::shutdown_signal()).await
}

/// Reads one token from standard input (surrounding whitespace and the final newline are not
/// part of it) and prints its hash.
fn hash_token() -> anyhow::Result<()> {
    use std::io::Read;
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the token from standard input")?;
    let token = secrecy::SecretString::from(text.trim().to_owned());
    drop(text);
    use secrecy::ExposeSecret;
    if token.expose_secret().is_empty() {
        anyhow::bail!("no token on standard input");
    }
    println!("{}", auth::hash_token(&token));
    Ok(())
}

async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    create_database_if_missing(&args.database).await?;
    let pool = args.database.connect().await?;
    store::migrate(&pool).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn create_database_if_missing(database: &DatabaseArgs) -> anyhow::Result<()> {
    use sqlx::{ConnectOptions, migrate::MigrateDatabase};
    let url = database.connect_options()?.to_url_lossy().to_string();
    if !sqlx::Postgres::database_exists(&url).await? {
        sqlx::Postgres::create_database(&url).await?;
        tracing::info!("database created");
    }
    Ok(())
}
