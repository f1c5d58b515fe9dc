use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = scpf_reports::cli::Cli::parse();
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The log may be JSON for machines; the person at the terminal gets one plain line too.
            eprintln!("scpf-reports: {err:#}");
            ExitCode::FAILURE
        }
    }
}
