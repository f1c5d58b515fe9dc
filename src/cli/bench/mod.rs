//! `scpf-reports bench`: fills a database of its own with generated data through the service,
//! and measures the service against PostgreSQL's own limits in the same run: imports against
//! plain COPY, reports against the hand-written SQL of their totals, reads against
//! `pgbench -S`, and the server's peak memory while it streams a large export or listing.
//! Prints one table and writes it as JSON. See BENCHMARKS.md.

mod generate;
mod load;
mod measure;
mod server;

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::PgConnectOptions;

use self::{
    generate::{Generator, Sizes},
    server::Server,
};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The database the bench owns: it is DROPPED and created again, as is the same name with
    /// `_pgbench` appended. Its name must contain `bench`.
    #[arg(long, env = "SCPF_BENCH_DATABASE_URL", hide_env_values = true, value_parser = secret)]
    pub database_url: SecretString,

    /// Contributions to reach, in steps: the import, the COPY and the report are measured at
    /// each step.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    pub contributions: Vec<usize>,

    /// Donors (three in four are Member States).
    #[arg(long, default_value_t = 200)]
    pub donors: usize,

    /// Currencies donors pay in (at most 30), each with a monthly rate to the dollar.
    #[arg(long, default_value_t = 30)]
    pub currencies: usize,

    #[arg(long, default_value_t = 2000)]
    pub programmes: usize,

    #[arg(long, default_value_t = 50_000)]
    pub indicators: usize,

    #[arg(long, default_value_t = 500_000)]
    pub measurements: usize,

    /// The generator's seed: the same seed gives the same data.
    #[arg(long, default_value_t = 20_250_625)]
    pub seed: u64,

    /// How long each read measurement runs, per number of concurrent clients.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub duration: Duration,

    /// Concurrent clients of the read measurements (and of pgbench).
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    pub clients: Vec<usize>,

    /// pgbench's scale factor (100,000 accounts each) for `pgbench -S`.
    #[arg(long, default_value_t = 10)]
    pub pgbench_scale: u32,

    /// The pgbench program; looked for on PATH and in the PostgreSQL installation when not
    /// given. Without one, the pgbench rows are left out.
    #[arg(long)]
    pub pgbench: Option<PathBuf>,

    /// Where to write the table as JSON.
    #[arg(long, default_value = "bench.json")]
    pub json: PathBuf,
}

fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_owned()))
}

/// One measured figure, with what it is compared with.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figure {
    pub group: &'static str,
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    /// The figure it is compared with (COPY, the SQL, pgbench, the server's own time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// `value / limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub goal: String,
    /// Whether the goal is met, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

impl Figure {
    fn new(group: &'static str, name: impl Into<String>, value: f64, unit: &'static str) -> Self {
        Figure {
            group,
            name: name.into(),
            value,
            unit,
            limit: None,
            ratio: None,
            goal: String::new(),
            met: None,
            detail: serde_json::Value::Null,
        }
    }

    fn against(mut self, limit: f64) -> Self {
        self.limit = Some(limit);
        self.ratio = (limit != 0.0).then(|| self.value / limit);
        self
    }

    /// A goal on the ratio: at least (`min`) or at most.
    fn goal_ratio(mut self, text: &str, holds: impl FnOnce(f64) -> bool) -> Self {
        self.goal = text.to_owned();
        self.met = self.ratio.map(holds);
        self
    }

    /// A goal on the value itself.
    fn goal_value(mut self, text: &str, holds: impl FnOnce(f64) -> bool) -> Self {
        self.goal = text.to_owned();
        self.met = Some(holds(self.value));
        self
    }

    fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Everything a run measured, as written to JSON.
#[derive(Debug, serde::Serialize)]
pub struct Run {
    pub machine: serde_json::Value,
    pub seed: u64,
    pub sizes: Sizes,
    pub contribution_steps: Vec<usize>,
    pub figures: Vec<Figure>,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    crate::tls::install_crypto_provider();
    let options: PgConnectOptions =
        args.database_url.expose_secret().parse().map_err(|_| {
            anyhow::anyhow!("the bench database URL is not a valid postgres:// URL")
        })?;
    let name = options
        .get_database()
        .context("the bench database URL names no database")?
        .to_owned();
    anyhow::ensure!(
        name.contains("bench"),
        "the bench drops and recreates its database: give it one whose name contains `bench`, not {name:?}"
    );
    let admin = options.clone().database("postgres");
    store::bench::recreate_database(&admin, &name).await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.clone())
        .await
        .context("connecting to the bench database")?;

    let mut steps = args.contributions.clone();
    steps.sort_unstable();
    steps.dedup();
    let sizes = Sizes {
        donors: args.donors.max(4),
        currencies: args.currencies.clamp(1, 30),
        programmes: args.programmes.max(1),
        indicators: args.indicators,
        measurements: args.measurements,
    };
    let program = std::env::current_exe().context("finding this program")?;
    eprintln!("bench: starting the server on database {name}");
    let log = args.json.with_extension("server.log");
    let server = Server::start(
        &program,
        args.database_url.expose_secret(),
        Duration::from_secs(600),
        &log,
    )
    .await
    .with_context(|| format!("see the server's log in {}", log.display()))?;
    let mut generator = Generator::new(args.seed, sizes);
    let mut figures = Vec::new();

    let result = measure_all(&server, &args, &pool, &mut generator, &steps, &mut figures).await;
    result.with_context(|| format!("see the server's log in {}", log.display()))?;
    if let Some(pgbench) = measure::find_pgbench(args.pgbench.as_deref()) {
        let pgbench_db = format!("{name}_pgbench");
        store::bench::recreate_database(&admin, &pgbench_db).await?;
        measure::pgbench(
            &pgbench,
            &options.clone().database(&pgbench_db),
            &args,
            &mut figures,
        )
        .await?;
    } else {
        eprintln!("bench: no pgbench found; its rows are left out");
    }
    measure::compare_reads_with_pgbench(&mut figures);

    let run = Run {
        machine: measure::machine(&pool).await?,
        seed: args.seed,
        sizes,
        contribution_steps: steps,
        figures,
    };
    print_table(&run);
    std::fs::write(&args.json, serde_json::to_string_pretty(&run)?)
        .with_context(|| format!("writing {}", args.json.display()))?;
    eprintln!("bench: wrote {}", args.json.display());
    Ok(())
}

/// Every measurement through the server, in order.
async fn measure_all(
    server: &Server,
    args: &BenchArgs,
    pool: &sqlx::PgPool,
    generator: &mut Generator,
    steps: &[usize],
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    measure::reference_data(server, generator, figures).await?;
    measure::measurements(server, generator, figures).await?;
    let mut loaded = 0;
    for &target in steps {
        let rows = generator.contributions(target.saturating_sub(loaded));
        measure::import_step(server, pool, args.seed, target, rows, figures).await?;
        loaded = target;
        measure::report_step(server, pool, target, figures).await?;
    }
    measure::reads(server, args, loaded, figures).await?;
    measure::streaming(server, loaded, figures).await?;
    Ok(())
}

fn print_table(run: &Run) {
    let number = |v: f64| {
        if v.abs() >= 100.0 {
            format!("{v:.0}")
        } else if v.abs() >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.3}")
        }
    };
    println!(
        "{:<8} {:<72} {:>12} {:<6} {:>12} {:>6}  goal",
        "group", "measurement", "value", "unit", "limit", "ratio"
    );
    for f in &run.figures {
        let goal = match f.met {
            Some(true) => format!("{} (met)", f.goal),
            Some(false) => format!("{} (MISSED)", f.goal),
            None => f.goal.clone(),
        };
        println!(
            "{:<8} {:<72} {:>12} {:<6} {:>12} {:>6}  {}",
            f.group,
            f.name,
            number(f.value),
            f.unit,
            f.limit.map(number).unwrap_or_default(),
            f.ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
            goal
        );
    }
}
