#!/usr/bin/env bash
# Throw-away PostgreSQL, Redis and an S3 API on loopback, for the test pass that runs on them.
#
#   bash scripts/ci-services.sh run COMMAND [ARG...]
#   bash scripts/ci-services.sh install     (only the Debian packages, then exit)
#
# installs Debian's `postgresql` and `redis-server` when missing (as root, or with
# password-less sudo, like scripts/install-chromium.sh), starts a fresh PostgreSQL cluster
# (initdb in a temporary directory, a role `studio` with CREATEDB, because pytest-django
# creates and drops its own test database) and a Redis without persistence, each on a free
# port (5432 / 6379 when free), and an S3-compatible server (moto in server mode, from
# requirements-dev.txt, run by $S3_PYTHON, default .venv/bin/python) on a free port, runs
# COMMAND with DATABASE_URL, REDIS_URL and TEST_S3_ENDPOINT_URL set (the storage tests make
# their buckets there, tests/s3.py), then stops all three and deletes their files, whatever
# COMMAND did. Exits with COMMAND's status.
#
# Durability is off (fsync, full_page_writes, synchronous_commit; Redis saves nothing): the
# data lives for one run and speed matters more.
set -euo pipefail

say() { echo "ci-services: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

mode="${1:-}"
{ [ "$mode" = "run" ] && [ $# -ge 2 ]; } || [ "$mode" = "install" ] ||
    die "usage: $0 run COMMAND [ARG...] | $0 install"
shift

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    sudo=(false)
fi

pg_bindir() {
    # Debian keeps the server programs out of PATH, under /usr/lib/postgresql/<major>/bin.
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return 0
    return 1
}

install_missing() {
    local packages=()
    pg_bindir >/dev/null || packages+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
    [ ${#packages[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "${packages[*]} missing and there is no apt-get"
    [ "${sudo[0]:-}" = "false" ] && die "${packages[*]} missing: run as root or with sudo"
    say "installing ${packages[*]} (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    local attempt
    for attempt in 1 2 3; do
        if "${sudo[@]}" apt-get update -qq &&
            "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; then
            return 0
        fi
        say "apt-get failed (attempt $attempt of 3)"
        sleep $((attempt * 5))
    done
    die "could not install ${packages[*]}"
}

free_port() {
    # The preferred port when nothing listens there, else one the kernel picks.
    python3 - "$1" <<'EOF'
import socket, sys

def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return s.getsockname()[1]

print(free(int(sys.argv[1])) or free(0))
EOF
}

install_missing
[ "$mode" = "install" ] && exit 0
bindir="$(pg_bindir)" || die "no PostgreSQL server programs found"

work="$(mktemp -d "${TMPDIR:-/tmp}/studio-ci-services.XXXXXX")"
chmod 0755 "$work"
pgdata="$work/pg"
mkdir -p "$pgdata"

# PostgreSQL refuses to run as root: as root, its files and process belong to `postgres`.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user to run the server as"
    chown postgres: "$pgdata"
    as_pg=(runuser -u postgres --)
fi

pg_port="$(free_port 5432)"
redis_port="$(free_port 6379)"
s3_port="$(free_port 8400)"
pg_started=false
redis_started=false
s3_pid=""

cleanup() {
    local status=$?
    if $pg_started; then
        "${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if $redis_started && [ -f "$work/redis.pid" ]; then
        kill "$(cat "$work/redis.pid")" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$(cat "$work/redis.pid" 2>/dev/null)" 2>/dev/null || break
            sleep 0.1
        done
    fi
    if [ -n "$s3_pid" ]; then
        kill "$s3_pid" 2>/dev/null || true
        wait "$s3_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') on 127.0.0.1:$pg_port"
"${as_pg[@]}" "$bindir/initdb" -D "$pgdata" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log" >&2; die "initdb failed"; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 start \
    -o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || { cat "$pgdata/server.log" >&2; die "PostgreSQL did not start"; }
pg_started=true
"${as_pg[@]}" "$bindir/psql" -h "$pgdata" -p "$pg_port" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE studio LOGIN CREATEDB PASSWORD 'studio'" \
    -c "CREATE DATABASE studio OWNER studio" >/dev/null

say "Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$redis_port"
redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save '' \
    --appendonly no --dir "$work" --pidfile "$work/redis.pid" --logfile "$work/redis.log" \
    >/dev/null
redis_started=true
for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
done
redis-cli -p "$redis_port" ping >/dev/null 2>&1 || {
    cat "$work/redis.log" >&2
    die "Redis did not start"
}

s3_python="${S3_PYTHON:-.venv/bin/python}"
if "$s3_python" -c "import moto.server" 2>/dev/null; then
    say "S3 API (moto $("$s3_python" -c 'import moto; print(moto.__version__)')) on 127.0.0.1:$s3_port"
    "$s3_python" -m moto.server -H 127.0.0.1 -p "$s3_port" >"$work/s3.log" 2>&1 &
    s3_pid=$!
    for _ in $(seq 100); do
        python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$s3_port/', timeout=1)" \
            >/dev/null 2>&1 && break
        sleep 0.1
    done
    kill -0 "$s3_pid" 2>/dev/null || { cat "$work/s3.log" >&2; die "the S3 API did not start"; }
    export TEST_S3_ENDPOINT_URL="http://127.0.0.1:$s3_port"
else
    say "no moto in $s3_python: the storage tests start their own S3 API"
fi

export DATABASE_URL="postgres://studio:studio@127.0.0.1:$pg_port/studio"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
say "running: $*"
set +e
"$@"
status=$?
set -e
exit "$status"
