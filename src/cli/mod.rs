//! The command line: one binary, one subcommand per job.

pub mod import_measurements;

use clap::{Parser, Subcommand};

use crate::{
    config::{DatabaseArgs, ServeArgs},
    server::{self, Application},
    store,
    telemetry::{self, LogFormat},
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the gRPC API.
    Serve(ServeArgs),
    /// Apply pending database migrations (creating the database if it does not exist) and exit.
    Migrate(MigrateArgs),
    /// Import records from a file through the API of a running server.
    #[command(subcommand)]
    Import(ImportCommand),
}

/// What `import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Measurements of indicators, from a CSV file.
    Measurements(import_measurements::Args),
}

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        telemetry::init(self.log_format);
        match self.command {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::Import(ImportCommand::Measurements(args)) => {
                import_measurements::run(args).await
            }
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let pool = args.database.lazy_pool()?;
    if args.migrate {
        create_database_if_missing(&args.database).await?;
        store::migrate(&pool).await?;
        tracing::info!("migrations applied");
    }
    let app = Application::build(args.listen, pool, args.server).await?;
    tracing::info!(address = %app.local_addr(), "serving gRPC");
    app.run_until(server::shutdown_signal()).await
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
