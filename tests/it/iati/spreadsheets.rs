//! Spreadsheets both ways: `export contributions|receipts|measurements` writes the columns the
//! imports read, and a file imported into another database exports the same again.

use std::path::{Path, PathBuf};

use scpf_reports::pb;
use sqlx::PgPool;

use super::{
    client,
    export::{second_database, seed},
};
use crate::support::{TestServer, ok, rid};

async fn run(server: &TestServer, args: &[&str]) -> (Option<i32>, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .args(args)
        .args(["--server", &format!("http://{}", server.addr)])
        .env_remove("SCPF_SERVER")
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

async fn export_all(server: &TestServer, dir: &Path) -> [PathBuf; 3] {
    let mut files = Vec::new();
    for what in ["contributions", "receipts", "measurements"] {
        let out = dir.join(format!("{what}.csv"));
        let (code, text) = run(server, &["export", what, "--out", out.to_str().unwrap()]).await;
        assert_eq!(code, Some(0), "{text}");
        files.push(out);
    }
    files.try_into().unwrap()
}

/// The receipts file without its first column (receipt names are assigned by each server).
fn without_names(csv: &str) -> Vec<String> {
    csv.lines()
        .map(|l| {
            l.split_once(',')
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// Organizations, programmes and indicators of one server created again in another.
async fn copy_reference_data(from: &TestServer, to: &TestServer) {
    let orgs = ok(from
        .organizations()
        .list_organizations(pb::ListOrganizationsRequest::default()))
    .await
    .organizations;
    for o in orgs {
        let id = o.name.rsplit('/').next().unwrap().to_owned();
        ok(to
            .organizations()
            .create_organization(pb::CreateOrganizationRequest {
                organization_id: id,
                organization: Some(o),
                request_id: rid(),
            }))
        .await;
    }
    let mut pf = pb::programme_service_client::ProgrammeServiceClient::new(from.channel.clone());
    let mut pt = pb::programme_service_client::ProgrammeServiceClient::new(to.channel.clone());
    for p in ok(pf.list_programmes(pb::ListProgrammesRequest::default()))
        .await
        .programmes
    {
        let id = p.name.rsplit('/').next().unwrap().to_owned();
        ok(pt.create_programme(pb::CreateProgrammeRequest {
            programme_id: id,
            programme: Some(p),
            request_id: rid(),
        }))
        .await;
    }
    let mut rf = pb::result_service_client::ResultServiceClient::new(from.channel.clone());
    let mut rt = pb::result_service_client::ResultServiceClient::new(to.channel.clone());
    for i in ok(rf.list_indicators(pb::ListIndicatorsRequest {
        parent: "programmes/-".into(),
        ..Default::default()
    }))
    .await
    .indicators
    {
        let (parent, id) = i.name.split_once("/indicators/").unwrap();
        ok(rt.create_indicator(pb::CreateIndicatorRequest {
            parent: parent.to_owned(),
            indicator_id: id.to_owned(),
            indicator: Some(i.clone()),
            request_id: rid(),
        }))
        .await;
    }
}

#[sqlx::test(migrations = false)]
async fn a_round_trip_through_a_spreadsheet_loses_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    seed(&server, &mut iati).await;
    let dir = std::env::temp_dir().join(format!("scpf-sheets-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let [contributions, receipts, measurements] = export_all(&server, &dir.join("")).await;
    let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap();
    let (c1, r1, m1) = (read(&contributions), read(&receipts), read(&measurements));
    assert!(
        c1.contains(",EUR,1500000.00,2025-03-31=750000.00;2025-09-30=750000.00,"),
        "{c1}"
    );
    assert!(
        m1.contains(",1800.25,country=BE;sex=male,Fedasil,false,"),
        "{m1}"
    );
    assert!(r1.contains(",10.00,typo,true,"), "{r1}");

    // Into an empty database holding only the same organizations, programmes and indicators.
    let (copy_pool, copy_name) = second_database(&pool).await;
    let copy = TestServer::start(copy_pool.clone()).await;
    crate::support::fixtures::session(&copy, 36).await;
    copy_reference_data(&server, &copy).await;
    for (what, file) in [
        ("contributions", &contributions),
        ("receipts", &receipts),
        ("measurements", &measurements),
    ] {
        let (code, text) = run(&copy, &["import", what, file.to_str().unwrap()]).await;
        assert_eq!(code, Some(0), "{what}: {text}");
    }
    let back = dir.join("back");
    std::fs::create_dir_all(&back).unwrap();
    let [c2, r2, m2] = export_all(&copy, &back).await;
    assert_eq!(c1, read(&c2));
    assert_eq!(m1, read(&m2));
    assert_eq!(without_names(&r1), without_names(&read(&r2)));

    // The same receipts file into the database it came from writes nothing; an edited amount
    // becomes a correction.
    let (code, text) = run(&server, &["import", "receipts", receipts.to_str().unwrap()]).await;
    assert_eq!(code, Some(0), "{text}");
    let rows = r1.lines().count() - 1;
    assert!(
        text.contains(&format!(
            "{rows} rows: 0 recorded, 0 corrected, {rows} unchanged, 0 failed"
        )),
        "{text}"
    );
    let edited = dir.join("edited.csv");
    std::fs::write(
        &edited,
        r1.replace(",750000.00,BNP-2025-041,", ",750000.50,BNP-2025-041,"),
    )
    .unwrap();
    let (code, text) = run(&server, &["import", "receipts", edited.to_str().unwrap()]).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "{rows} rows: 0 recorded, 1 corrected, {} unchanged, 0 failed",
            rows - 1
        )),
        "{text}"
    );

    copy.stop().await;
    copy_pool.close().await;
    let drop = format!("DROP DATABASE IF EXISTS \"{copy_name}\" WITH (FORCE)");
    sqlx::QueryBuilder::<sqlx::Postgres>::new(drop)
        .build()
        .execute(&pool)
        .await
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
