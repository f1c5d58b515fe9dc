//! A PostgreSQL cluster of the test's own (initdb into a temporary directory), which the test
//! may stop and start at will without touching anyone else's databases.

use std::{path::PathBuf, process::Command};

use super::process::free_port;

/// Where the PostgreSQL server binaries are: `SCPF_PG_BINDIR`, else `pg_config --bindir`, else
/// the newest `/usr/lib/postgresql/*/bin` (as scripts/lib.sh finds them).
fn bindir() -> PathBuf {
    if let Ok(dir) = std::env::var("SCPF_PG_BINDIR") {
        return dir.into();
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return dir;
        }
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .filter(|d| d.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
    });
    dirs.pop()
        .expect("no PostgreSQL server binaries (initdb, pg_ctl) found; set SCPF_PG_BINDIR")
}

/// A running private cluster; stopped and removed when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// initdb (as the `postgres` user when running as root, since PostgreSQL refuses root) and
    /// start on a free port of 127.0.0.1.
    pub fn start() -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("scpf-reliability-pg")
            .tempdir()
            .unwrap();
        let cluster = Cluster {
            bindir: bindir(),
            port: free_port(),
            dir,
        };
        if nix::unistd::Uid::effective().is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(cluster.dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown of the cluster directory");
        }
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data().display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        cluster.start_again();
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The URL of database `db` in this cluster.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Starts the stopped cluster and waits until it accepts connections.
    pub fn start_again(&self) {
        let dir = self.dir.path().display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &format!("{dir}/server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                &format!(
                    "-p {} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
                    self.port
                ),
                "start",
            ],
        );
    }

    /// Stops the cluster: `fast` ends every session with an error, `immediate` is a crash.
    pub fn stop(&self, mode: &str) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                mode,
                "-w",
                "stop",
            ],
        );
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bindir.join(program);
        let mut command = if nix::unistd::Uid::effective().is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.log_tail()
        );
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        if data.join("postmaster.pid").exists() {
            let path = self.bindir.join("pg_ctl");
            let mut command = if nix::unistd::Uid::effective().is_root() {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&path);
                c
            } else {
                Command::new(&path)
            };
            let _ = command
                .args(["-D", &data.display().to_string(), "-m", "immediate", "stop"])
                .output();
        }
    }
}
