"""Runs the chart's pods for real, without a cluster.

Started by scripts/chart-pod inside fresh mount and network namespaces (as root). It renders the
chart, then, as a kubelet would:
  - starts a PostgreSQL of its own on 127.0.0.1:5432 with the two roles the chart documents
    (the schema owner, and the server's login in scpf_reports_runtime);
  - runs each container exactly as its manifest says: the image's entrypoint with the
    container's args, only the environment of its envFrom ConfigMap and env, the Secret items
    and emptyDirs at their mount paths, as the runAsUser/runAsGroup/fsGroup of its security
    context, without privileges or capabilities, on a read-only root filesystem;
  - runs the migration Job, starts the Deployment's server, probes it on the health port as the
    startup, liveness and readiness probes would, checks every declared port answers, runs the
    report CronJob against the Service's DNS name, and stops the server with SIGTERM.
Every environment variable the chart sets must be one the binary reads (from its --help), and
every file it names must exist where the pod mounts it: a misspelt name or path fails. Then the
same run is repeated with a misspelt variable and a misspelt path, which must fail.
"""

import argparse
import base64
import copy
import datetime
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import yaml

# What the image has (Dockerfile: distroless cc, the binary at /usr/local/bin, USER 65532).
ENTRYPOINT = "/usr/local/bin/scpf-reports"
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Variables the binary reads other than through its flags.
READ_ELSEWHERE = {
    "RUST_LOG": "the log filter (tracing-subscriber's EnvFilter)",
    "OTEL_RESOURCE_ATTRIBUTES": "read by the OpenTelemetry SDK",
}
DB_HOST = "postgres.databases.svc"


def say(text):
    print(f"    {text}", file=sys.stderr, flush=True)


class Failed(Exception):
    pass


def run(command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def mount(*args):
    run(["mount", *args])


def pg_bindir():
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and os.path.exists(os.path.join(out.stdout.strip(), "initdb")):
            return out.stdout.strip()
    except FileNotFoundError:
        pass
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dirs:
        raise Failed("no PostgreSQL server binaries found")
    return dirs[-1]


class Database:
    """A private PostgreSQL on 127.0.0.1:5432 of this network namespace."""

    def __init__(self, work):
        self.dir = os.path.join(work, "postgres")
        os.makedirs(self.dir)
        shutil.chown(self.dir, "postgres")
        self.bindir = pg_bindir()
        pg = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        run(pg + [f"{self.bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--no-locale", "--no-sync"], stdout=subprocess.DEVNULL)
        run(pg + [f"{self.bindir}/pg_ctl", "-D", data, "-l", f"{self.dir}/log", "-w", "-o",
                  f"-p 5432 -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
            stdout=subprocess.DEVNULL)

    def reset(self):
        """The roles of the chart's README, without CREATEROLE for the owner, and a fresh database."""
        self.sql("DROP DATABASE IF EXISTS scpf_reports")
        for statement in [
            "DO $$ BEGIN CREATE ROLE scpf_owner LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            "DO $$ BEGIN CREATE ROLE scpf_reports_runtime NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            "DO $$ BEGIN CREATE ROLE scpf_server LOGIN IN ROLE scpf_reports_runtime; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            "CREATE DATABASE scpf_reports OWNER scpf_owner",
        ]:
            self.sql(statement)

    def sql(self, statement, db="postgres"):
        out = subprocess.run(
            [f"{self.bindir}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-U", "postgres", "-d", db, "-c", statement],
            capture_output=True, text=True)
        if out.returncode != 0:
            raise Failed(f"psql: {statement}: {out.stderr.strip()}")
        return out.stdout.strip()


def values_for(tokens):
    """Values with a chart-made Secret, so that the Secret's keys come from the chart too."""
    return {
        "secrets": {
            "existingSecret": "",
            "databaseUrl": f"postgres://scpf_server@{DB_HOST}:5432/scpf_reports",
            "migrationDatabaseUrl": f"postgres://scpf_owner@{DB_HOST}:5432/scpf_reports",
            "authTokens": tokens["file"],
            "reportToken": tokens["report"],
            "pageTokenKey": secrets.token_hex(32),
        },
    }


def render(args, values):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(values, f)
        path = f.name
    try:
        out = run([args.helm, "template", "scpf", args.chart, "--namespace", "scpf",
                   "--kube-version", "1.30.0", "--values", path],
                  capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    return [d for d in yaml.safe_load_all(out) if d]


def find(docs, kind, name=None, component=None):
    for doc in docs:
        labels = doc["metadata"].get("labels", {})
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name) and (
                component is None or labels.get("app.kubernetes.io/component") == component):
            return doc
    raise Failed(f"the chart renders no {kind} {name or component or ''}")


def binary_reads(binary, subcommand):
    """The environment variables `scpf-reports <subcommand>` reads, from its --help."""
    out = run([binary, subcommand, "--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"\[env: ([A-Z0-9_]+)", out))


class Pod:
    """One container of a pod spec, run as the kubelet would run it."""

    def __init__(self, args, work, docs, name, pod_spec, container_name):
        self.args, self.docs, self.name = args, docs, name
        self.spec = pod_spec
        self.container = next(c for c in pod_spec["containers"] if c["name"] == container_name)
        self.root = os.path.join(work, name, "root")
        self.process = None
        context = {**pod_spec.get("securityContext", {}), **self.container.get("securityContext", {})}
        self.uid = context.get("runAsUser", 0)
        self.gid = context.get("runAsGroup", self.uid)
        self.fs_group = pod_spec.get("securityContext", {}).get("fsGroup", self.gid)
        self.read_only = context.get("readOnlyRootFilesystem", False)
        self.context = context
        if context.get("runAsNonRoot") and self.uid == 0:
            raise Failed(f"{name}: runAsNonRoot without a non-root runAsUser")

    def environment(self):
        env = {"PATH": IMAGE_PATH, "HOSTNAME": f"{self.name}-0", "HOME": "/"}
        for source in self.container.get("envFrom", []):
            ref = source.get("configMapRef") or {}
            config = find(self.docs, "ConfigMap", ref.get("name"))
            env.update({k: str(v) for k, v in config.get("data", {}).items()})
        for var in self.container.get("env", []):
            if "value" not in var:
                raise Failed(f"{self.name}: env {var['name']} is not a plain value")
            env[var["name"]] = str(var["value"])
        return env

    def check_names(self, env):
        subcommand = self.container["args"][0]
        known = binary_reads(self.args.binary, subcommand)
        unknown = sorted(k for k in env if k not in known and k not in READ_ELSEWHERE
                         and k not in ("PATH", "HOSTNAME", "HOME"))
        if unknown:
            raise Failed(f"{self.name}: `scpf-reports {subcommand}` reads no variable named "
                         f"{', '.join(unknown)}")

    def prepare(self):
        root = self.root
        os.makedirs(root)
        mount("-t", "tmpfs", "-o", "mode=0755", "tmpfs", root)
        for entry in ["usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32"]:
            host = "/" + entry
            if os.path.islink(host):
                os.symlink(os.readlink(host), f"{root}/{entry}")
            elif os.path.isdir(host):
                os.makedirs(f"{root}/{entry}")
                mount("--rbind", host, f"{root}/{entry}")
                mount("-o", "remount,bind,ro", f"{root}/{entry}")
        # The image's own binary where the Dockerfile puts it.
        mount("-t", "tmpfs", "tmpfs", f"{root}/usr/local")
        os.makedirs(f"{root}/usr/local/bin")
        open(f"{root}{ENTRYPOINT}", "w").close()
        mount("--bind", self.args.binary, f"{root}{ENTRYPOINT}")
        mount("-o", "remount,bind,ro", f"{root}{ENTRYPOINT}")
        mount("-o", "remount,ro", f"{root}/usr/local")
        os.makedirs(f"{root}/etc")
        service = find(self.docs, "Service", component="server")["metadata"]
        with open(f"{root}/etc/hosts", "w") as f:
            f.write(f"127.0.0.1 localhost {DB_HOST} "
                    f"{service['name']}.{service['namespace']}.svc\n")
        with open(f"{root}/etc/nsswitch.conf", "w") as f:
            f.write("hosts: files\n")
        with open(f"{root}/etc/passwd", "w") as f:
            f.write(f"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
        with open(f"{root}/etc/group", "w") as f:
            f.write("root:x:0:\nnonroot:x:65532:\n")
        for special in ["proc", "dev"]:
            os.makedirs(f"{root}/{special}")
            mount("--rbind", f"/{special}", f"{root}/{special}")
        volumes = {v["name"]: v for v in self.spec.get("volumes", [])}
        for vm in self.container.get("volumeMounts", []):
            volume = volumes.get(vm["name"])
            if volume is None:
                raise Failed(f"{self.name}: volumeMount {vm['name']} has no volume")
            target = root + vm["mountPath"]
            os.makedirs(target, exist_ok=True)
            mount("-t", "tmpfs", "tmpfs", target)
            if "secret" in volume:
                secret_name = volume["secret"]["secretName"]
                data = find(self.docs, "Secret", secret_name).get("data", {})
                mode = volume["secret"].get("defaultMode", 0o644)
                for item in volume["secret"].get("items") or [{"key": k, "path": k} for k in data]:
                    if item["key"] not in data:
                        raise Failed(f"{self.name}: Secret {secret_name} has no key {item['key']}")
                    path = os.path.join(target, item["path"])
                    with open(path, "wb") as f:
                        f.write(base64.b64decode(data[item["key"]]))
                    os.chown(path, 0, self.fs_group)
                    os.chmod(path, item.get("mode", mode))
            elif "emptyDir" in volume or "persistentVolumeClaim" in volume:
                os.chown(target, 0, self.fs_group)
                os.chmod(target, 0o2777)
            else:
                raise Failed(f"{self.name}: volume {vm['name']} of a kind not run here")
            if vm.get("readOnly"):
                mount("-o", "remount,ro", target)
        if self.read_only:
            mount("-o", "remount,ro,bind", root)

    def command(self):
        if self.context.get("privileged"):
            raise Failed(f"{self.name}: privileged")
        drop_all = "ALL" in self.context.get("capabilities", {}).get("drop", [])
        command = ["chroot", self.root, "/usr/bin/setpriv", f"--reuid={self.uid}",
                   f"--regid={self.gid}", f"--groups={self.fs_group}"]
        if self.context.get("allowPrivilegeEscalation") is False:
            command.append("--no-new-privs")
        if drop_all:
            command += ["--inh-caps=-all", "--bounding-set=-all"]
        return command + ["--", *self.container.get("command", [ENTRYPOINT]),
                          *self.container.get("args", [])]

    def start(self, env):
        self.log = open(os.path.join(os.path.dirname(self.root), "log"), "w+")
        self.process = subprocess.Popen(self.command(), env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd="/")

    def run_to_end(self, env, timeout):
        self.start(env)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise Failed(f"{self.name} did not finish within {timeout} s:\n{self.output()}")
        if code != 0:
            raise Failed(f"{self.name} exited {code}:\n{self.output()}")

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-30:])


# The health port serves no reflection (as a kubelet needs none): grpcurl gets the proto.
HEALTH_PROTO = """syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
"""


def grpcurl(args, address, method, data=None, token=None, timeout=5):
    command = [args.grpcurl, "-plaintext", "-max-time", str(timeout)]
    if method.startswith("grpc.health.v1."):
        proto_dir = tempfile.mkdtemp()
        with open(os.path.join(proto_dir, "health.proto"), "w") as f:
            f.write(HEALTH_PROTO)
        command += ["-import-path", proto_dir, "-proto", "health.proto"]
    if token:
        command += ["-H", f"authorization: Bearer {token}"]
    if data is not None:
        command += ["-d", json.dumps(data)]
    return subprocess.run(command + [address, method], capture_output=True, text=True)


def probe(args, pod, kind):
    """One of the container's gRPC probes, with its period, timeout and failure threshold."""
    spec = pod.container.get(kind)
    if spec is None:
        raise Failed(f"{pod.name} has no {kind}")
    grpc = spec.get("grpc")
    if grpc is None:
        raise Failed(f"{pod.name}: {kind} is not a gRPC probe")
    service = grpc.get("service", "")
    failures = 0
    while True:
        if pod.process.poll() is not None:
            raise Failed(f"{pod.name} exited {pod.process.returncode} during its {kind}:\n{pod.output()}")
        answer = grpcurl(args, f"127.0.0.1:{grpc['port']}", "grpc.health.v1.Health/Check",
                         {"service": service}, timeout=spec.get("timeoutSeconds", 1))
        if answer.returncode == 0 and json.loads(answer.stdout).get("status") == "SERVING":
            say(f"{kind}: port {grpc['port']}, service {service!r}: SERVING")
            return
        failures += 1
        if failures >= spec.get("failureThreshold", 3):
            raise Failed(f"{pod.name}: {kind} failed {failures} times: {answer.stderr.strip()}\n{pod.output()}")
        time.sleep(min(spec.get("periodSeconds", 10), 2))


def forward(listen_port, target_port):
    """The Service: its port to the container's, as kube-proxy would."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen()

    def pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            b.close()

    def accept():
        while True:
            client, _ = server.accept()
            upstream = socket.create_connection(("127.0.0.1", target_port))
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


def scenario(args, work, db, docs, values, tokens):
    db.reset()
    deployment = find(docs, "Deployment", component="server")
    job = find(docs, "Job", component="migrate")

    def report_pod(docs):
        cronjob = find(docs, "CronJob", component="report")
        spec = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return cronjob, Pod(args, work, docs, "report", spec, "report")

    migrate = Pod(args, work, docs, "migrate", job["spec"]["template"]["spec"], "migrate")
    server = Pod(args, work, docs, "server", deployment["spec"]["template"]["spec"], "server")
    cronjob, report = report_pod(docs)
    envs = {}
    for pod in (migrate, server, report):
        envs[pod.name] = pod.environment()
        pod.check_names(envs[pod.name])
    for pod in (migrate, server):
        pod.prepare()
    say(f"every variable of the three containers is one `scpf-reports` reads")

    migrate.run_to_end(envs["migrate"], job["spec"].get("activeDeadlineSeconds", 600))
    say("migration Job: exit 0 (as the schema owner)")

    server.start(envs["server"])
    try:
        spec = deployment["spec"]["template"]["spec"]
        probe(args, server, "startupProbe")
        probe(args, server, "livenessProbe")
        probe(args, server, "readinessProbe")
        status = open(f"/proc/{server.process.pid}/status").read()
        uid = re.search(r"^Uid:\s+(\d+)", status, re.M).group(1)
        caps = re.search(r"^CapEff:\s+(\w+)", status, re.M).group(1)
        root_options = next(line.split()[5] for line in open(f"/proc/{server.process.pid}/mountinfo")
                            if line.split()[4] == "/")
        if uid != str(server.uid) or int(caps, 16) != 0:
            raise Failed(f"the server runs as uid {uid} with capabilities {caps}")
        if server.read_only and not root_options.startswith("ro"):
            raise Failed(f"the server's root filesystem is mounted {root_options}")
        say(f"the server runs as uid {uid}, no capabilities, root filesystem {root_options.split(',')[0]}")
        for port in server.container.get("ports", []):
            with socket.create_connection(("127.0.0.1", port["containerPort"]), timeout=2):
                pass
            say(f"port {port['name']} ({port['containerPort']}) accepts connections")
        metrics = next(p["containerPort"] for p in server.container["ports"] if p["name"] == "metrics")
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=5) as answer:
            if b"scpf_db_pool_connections" not in answer.read():
                raise Failed("the metrics endpoint does not serve the pool gauges")
        service = find(docs, "Service", component="server")
        grpc_port = next(p for p in service["spec"]["ports"] if p["name"] == "grpc")
        target = next(p["containerPort"] for p in server.container["ports"]
                      if p["name"] == grpc_port["targetPort"] or p["containerPort"] == grpc_port["targetPort"])
        if grpc_port["port"] != target:
            forward(grpc_port["port"], target)

        # The session the CronJob's `--session next` finds.
        start = datetime.date.today() + datetime.timedelta(days=30)
        created = grpcurl(args, f"127.0.0.1:{target}", "scpf.v1.SessionService/CreateSession", {
            "session": {"body": "GOVERNING_BODY_SCPF", "number": 90,
                        "start_date": str(start), "end_date": str(start + datetime.timedelta(days=1)),
                        "reporting_period_start": f"{start.year}-01-01",
                        "reporting_period_end": str(start)},
            "request_id": "chart-pod-session"}, token=tokens["admin"])
        if created.returncode != 0:
            raise Failed(f"creating a session: {created.stderr}")
        # The report is as of today's midnight by default, before this session was recorded:
        # the CronJob is rendered again with report.asOf an instant after it.
        time.sleep(1.1)
        as_of = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        cronjob, report = report_pod(render(args, {**values, "report": {"asOf": as_of}}))
        envs["report"] = report.environment()
        report.check_names(envs["report"])
        report.prepare()

        deadline = cronjob["spec"]["jobTemplate"]["spec"].get("activeDeadlineSeconds", 600)
        report.run_to_end(envs["report"], min(deadline, 300))
        out = next(vm["mountPath"] for vm in report.container["volumeMounts"] if vm["name"] == "reports")
        written = sorted(os.path.relpath(os.path.join(d, f), report.root + out)
                         for d, _, files in os.walk(report.root + out) for f in files)
        args_ = report.container["args"]
        formats = args_[args_.index("--format") + 1].split(",")
        expected = {"html": "report.html", "json": "report.json", "markdown": "report.md"}
        for fmt in formats:
            if fmt == "csv":
                if not any(w.endswith(".csv") for w in written):
                    raise Failed(f"the report CronJob wrote no CSV: {written}")
            elif not any(w.endswith(expected[fmt]) for w in written):
                raise Failed(f"the report CronJob wrote no {expected[fmt]}: {written}")
        say(f"report CronJob: exit 0, wrote {', '.join(written)}")
        finals = db.sql("SELECT count(*) FROM reports", db="scpf_reports")
        if finals != "1":
            raise Failed(f"the report CronJob stored {finals} reports")
    finally:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
            grace = deployment["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
            try:
                code = server.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                server.process.kill()
                raise Failed(f"the server did not stop within terminationGracePeriodSeconds ({grace})")
            if code != 0:
                raise Failed(f"the server exited {code} after SIGTERM:\n{server.output()}")
            say(f"SIGTERM: the server stopped, exit 0")
        for pod in (migrate, server, report):
            if os.path.ismount(pod.root):
                subprocess.run(["umount", "-R", pod.root], stderr=subprocess.DEVNULL)


def mutated(docs, what):
    docs = copy.deepcopy(docs)
    config = find(docs, "ConfigMap", component="server")
    if what == "variable":
        config["data"]["SCPF_DB_POOLSIZE"] = config["data"].pop("SCPF_DB_POOL_SIZE")
    elif what == "path":
        config["data"]["SCPF_AUTH_TOKENS_FILE"] = config["data"]["SCPF_AUTH_TOKENS_FILE"] + "s"
    return docs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--helm", required=True)
    parser.add_argument("--chart", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--grpcurl", required=True)
    parser.add_argument("--work", required=True, help="an empty directory; a tmpfs is mounted on it")
    args = parser.parse_args()
    run(["ip", "link", "set", "lo", "up"])
    work = args.work
    mount("-t", "tmpfs", "tmpfs", work)
    os.chmod(work, 0o755)
    db = Database(work)

    report_token, admin_token = secrets.token_hex(32), secrets.token_hex(32)

    def hashed(token):
        # The tokens file's own form, from the binary (as the README says to make a line).
        return run([args.binary, "hash-token"], input=token, capture_output=True,
                   text=True).stdout.strip()

    tokens = {
        "report": report_token,
        "admin": admin_token,
        "file": f"{hashed(report_token)} reporter report-cronjob\n{hashed(admin_token)} admin chart-pod\n",
    }
    values = values_for(tokens)
    docs = render(args, values)
    print("==> the chart's pods, run as the manifests say", file=sys.stderr, flush=True)
    scenario(args, os.path.join(work, "as-rendered"), db, docs, values, tokens)
    for what in ("variable", "path"):
        try:
            scenario(args, os.path.join(work, f"misspelt-{what}"), db, mutated(docs, what), values,
                     tokens)
        except Failed as err:
            first = str(err).splitlines()[0]
            print(f"==> a misspelt {what} fails the pod run, as it must: {first}", file=sys.stderr)
            continue
        raise Failed(f"the pod run passed with a misspelt {what}")
    print("==> chart pods passed", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except Failed as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
