//! `scpf-reports seed`: loads the demo data set (the founding example of Belgium's flexible
//! multi-year funding and the programmes around it) through the service's own API.
//!
//! The data is the files under `demo/`, compiled into the binary: contributions, receipts and
//! measurements in the formats their imports read, and read by the imports' own parsers; the
//! rest in one CSV file per resource. It goes through an in-process server on a loopback port,
//! so it is validated, audited and made idempotent exactly like any client's writes. Each
//! request's id derives from its content: running the seed twice replays every call and
//! changes nothing.

mod imported;
mod member_states;
mod programmes;
mod reference;

use std::{io::Write as _, time::Duration};

use anyhow::Context;
use prost::Message;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};
use uuid::Uuid;

pub(crate) use super::client::Connection;
use super::client::Credential;
use crate::{
    auth,
    config::{DatabaseArgs, ServerSettings},
    pb,
    server::Application,
    store,
};

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Namespace of the seed's request ids (a fixed, random UUID).
const SEED_NAMESPACE: Uuid = Uuid::from_u128(0x9d2e_41b7_7c0a_4e55_b3f1_6a8c_2e90_d417);

/// A request id that is the same whenever the request is the same.
pub(crate) fn request_id<M: Message>(method: &str, message: &M) -> String {
    let mut key = method.as_bytes().to_vec();
    key.extend(message.encode_to_vec());
    Uuid::new_v5(&SEED_NAMESPACE, &key).to_string()
}

/// What one seeded call did.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub written: usize,
    pub already_there: usize,
}

impl Tally {
    /// Counts a call's outcome: ALREADY_EXISTS means an earlier seed (or a person) made it.
    pub fn record<T>(
        &mut self,
        what: &str,
        result: Result<T, tonic::Status>,
    ) -> anyhow::Result<Option<T>> {
        match result {
            Ok(v) => {
                self.written += 1;
                Ok(Some(v))
            }
            Err(s) if s.code() == Code::AlreadyExists => {
                self.already_there += 1;
                Ok(None)
            }
            Err(s) => Err(anyhow::anyhow!(
                "seeding {what}: {:?}: {}",
                s.code(),
                s.message()
            )),
        }
    }
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    crate::tls::install_crypto_provider();
    let pool = args.database.connect().await?;
    store::migrate(&pool).await?;
    // The private server accepts one token, made now and known to this process only; the
    // audit trail names its writes `seed`.
    let token = SecretString::from(Uuid::new_v4().simple().to_string());
    let mut tokens = tempfile::NamedTempFile::new().context("creating the seed's tokens file")?;
    writeln!(tokens, "{} admin seed", auth::hash_token(&token))?;
    let mut settings = ServerSettings {
        health_interval: Duration::from_secs(60),
        ..ServerSettings::defaults()
    };
    settings.auth.auth_tokens_file = Some(tokens.path().to_owned());
    settings.telemetry.metrics_listen = "127.0.0.1:0".parse()?;
    let app = Application::build("127.0.0.1:0".parse()?, pool, settings).await?;
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))?
        .connect()
        .await
        .context("connecting to the in-process server")?;
    let credential = Credential::bearer(&token, Duration::from_secs(60))?;
    let outcome = load(InterceptedService::new(channel, credential)).await;
    let _ = stop.send(());
    server.await??;
    let tally = outcome?;
    tracing::info!(
        applied = tally.written,
        already_there = tally.already_there,
        "demo data loaded"
    );
    eprintln!(
        "demo data: {} writes applied (a repeated run replays them), {} already present",
        tally.written, tally.already_there
    );
    Ok(())
}

/// Shorthand for a money message.
pub(crate) fn money(currency: &str, amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        currency_code: currency.to_owned(),
        amount: amount.to_owned(),
    })
}

/// One file of the demo data, compiled into the binary so that the seed runs from any
/// directory and in the container image.
struct DemoFile {
    /// Its name under `demo/`.
    name: &'static str,
    text: &'static str,
}

macro_rules! demo_file {
    ($name:literal) => {
        DemoFile {
            name: $name,
            text: include_str!(concat!("../../../demo/", $name)),
        }
    };
}

// The files, in the order the seed loads them (see demo/README.md).
const ORGANIZATIONS: DemoFile = demo_file!("organizations.csv");
const SESSIONS: DemoFile = demo_file!("sessions.csv");
const EXCHANGE_RATES: DemoFile = demo_file!("exchange_rates.csv");
const PROGRAMMES: DemoFile = demo_file!("programmes.csv");
const INDICATORS: DemoFile = demo_file!("indicators.csv");
const MEASUREMENTS: DemoFile = demo_file!("measurements.csv");
const CONTRIBUTIONS: DemoFile = demo_file!("contributions.csv");
const RECEIPTS: DemoFile = demo_file!("receipts.csv");
const ALLOCATIONS: DemoFile = demo_file!("allocations.csv");
const SCALES: DemoFile = demo_file!("scales_of_assessment.csv");
const COUNCIL_ACTS: DemoFile = demo_file!("council_acts.csv");
const PAYMENT_PLANS: DemoFile = demo_file!("payment_plans.csv");

impl DemoFile {
    /// Its rows, each read by the header into `T`; a row that does not fit names its line.
    fn rows<T: DeserializeOwned>(&self) -> anyhow::Result<Vec<T>> {
        csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(self.text.as_bytes())
            .deserialize()
            .enumerate()
            .map(|(i, row)| row.with_context(|| self.line(i as u64 + 2)))
            .collect()
    }

    /// Where a line is, for a message: `demo/sessions.csv line 3`.
    fn line(&self, line: u64) -> String {
        format!("demo/{} line {line}", self.name)
    }
}

/// An enum column: its value without the proto prefix (`GOVERNMENT` for
/// `ORGANIZATION_KIND_GOVERNMENT`); empty is unspecified.
fn enum_field<E: Into<i32>>(
    value: &str,
    prefix: &str,
    from_name: fn(&str) -> Option<E>,
) -> anyhow::Result<i32> {
    if value.is_empty() {
        return Ok(0);
    }
    from_name(&format!("{prefix}{value}"))
        .map(Into::into)
        .with_context(|| format!("{value:?} is not one of the {prefix}* values"))
}

/// A list column: `BE;LU;CD`.
fn list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A column of pairs, in the order written: `belgium=FUNDING;iom=IMPLEMENTING`.
fn pairs(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    list(text)
        .iter()
        .map(|pair| {
            let (key, value) = pair
                .split_once('=')
                .with_context(|| format!("{pair:?} is not KEY=VALUE"))?;
            Ok((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// Loads every part of the demo data, references first.
async fn load(channel: Connection) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    reference::organizations(&channel, &mut tally).await?;
    reference::sessions(&channel, &mut tally).await?;
    reference::rates(&channel, &mut tally).await?;
    programmes::programmes(&channel, &mut tally).await?;
    programmes::indicators(&channel, &mut tally).await?;
    imported::measurements(&channel, &mut tally).await?;
    imported::contributions(&channel, &mut tally).await?;
    imported::receipts(&channel, &mut tally).await?;
    reference::allocations(&channel, &mut tally).await?;
    member_states::member_states(&channel, &mut tally).await?;
    Ok(tally)
}
