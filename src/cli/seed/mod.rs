//! `scpf-reports seed`: loads the demo data set (the founding example of Belgium's flexible
//! multi-year funding and the programmes around it) through the service's own API.
//!
//! The data goes through an in-process server on a loopback port, so it is validated, audited
//! and made idempotent exactly like any client's writes. Each request's id derives from its
//! content: running the seed twice replays every call and changes nothing.

mod contributions;
mod member_states;
mod programmes;
mod reference;

use std::{io::Write as _, time::Duration};

use anyhow::Context;
use prost::Message;
use secrecy::SecretString;
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

/// Loads every part of the demo data, references first.
async fn load(channel: Connection) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    reference::organizations(&channel, &mut tally).await?;
    reference::sessions(&channel, &mut tally).await?;
    reference::rates(&channel, &mut tally).await?;
    programmes::programmes(&channel, &mut tally).await?;
    programmes::results(&channel, &mut tally).await?;
    contributions::contributions(&channel, &mut tally).await?;
    reference::allocations(&channel, &mut tally).await?;
    member_states::member_states(&channel, &mut tally).await?;
    Ok(tally)
}
