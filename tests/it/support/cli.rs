//! Running the `scpf-reports` binary as an operator would, against a test server.

use std::path::PathBuf;

use tokio::process::Command;

/// A fresh directory under the system's temporary directory, its name starting with `prefix`.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What a run of the binary ended with.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// The binary, with no server named by the environment: each test names its own.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scpf-reports"));
    command.env_remove("SCPF_SERVER");
    command
}

/// Runs `command` to its end.
pub async fn run(command: &mut Command) -> Run {
    let output = command.output().await.unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}
