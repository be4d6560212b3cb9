#!/usr/bin/env bash
# A PostgreSQL 15 cluster like the local stack's (deploy/local/stack-postgres.sh: made once, reused,
# postgres user, loopback only, fsync and synchronous_commit on), on a directory and port of its
# own: for tests that restart PostgreSQL, which must not disturb the stack's shared cluster.
#
# Usage: deploy/local/pg-cluster.sh DIR PORT COMMAND
#   start                  start the cluster on PORT (a copy still running from an earlier run,
#                          on any port, is stopped first); made by initdb on first use
#   stop|restart [fast|immediate]   `immediate` stops it the way a crash does
#   status                 exit 0 when it runs and accepts connections on PORT
#   createdb NAME          a new database NAME owned by the `mesh` role; prints its URL
#   dropdb NAME            drops database NAME (and the connections to it)
#   url [NAME]             prints the `mesh` role's URL of database NAME (default mesh)
# Progress on stderr. One command at a time per DIR (a lock file next to it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
readonly STOP_WAIT_SECONDS=10

log() { printf 'pg-cluster: %s\n' "$*" >&2; }
die() { printf 'pg-cluster: error: %s\n' "$*" >&2; exit 1; }

[[ $# -ge 3 ]] || die "usage: $0 DIR PORT start|stop|restart|status|createdb NAME|dropdb NAME|url [NAME]"
pg_dir="$1" pg_port="$2" command="$3"
shift 3
[[ "$pg_port" =~ ^[0-9]+$ ]] && ((pg_port > 0 && pg_port < 65536)) || die "not a port: '$pg_port'"
[[ "$pg_dir" == /* ]] || pg_dir="$PWD/$pg_dir"
wait_seconds=30
state="$pg_dir.state"

# shellcheck source=deploy/local/stack-postgres.sh
source "$here/stack-postgres.sh"

mode() {
  case "${1:-fast}" in fast | immediate) printf '%s\n' "${1:-fast}" ;; *) die "mode must be fast or immediate" ;; esac
}

# Database names are made by tests: letters, digits and underscores only.
db_name() {
  [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name must match [a-z_][a-z0-9_]*: '$1'"
  printf '%s\n' "$1"
}

mkdir -p -m 755 "$(dirname "$pg_dir")"
mkdir -p -m 700 "$state"
exec 9>"$pg_dir.lock"
flock 9

case "$command" in
  start)
    pg_check_installed
    stop_postgres fast
    start_postgres || die "postgres did not start (log: $pg_dir/server.log)"
    pg_healthy || die "postgres not accepting connections on :$pg_port"
    ;;
  stop) stop_postgres "$(mode "${1:-}")" ;;
  restart)
    stop_postgres "$(mode "${1:-}")"
    start_postgres || die "postgres did not start (log: $pg_dir/server.log)"
    pg_healthy || die "postgres not accepting connections on :$pg_port"
    ;;
  status) pg_live_pid >/dev/null && pg_healthy ;;
  createdb)
    name="$(db_name "${1:-}")"
    pg_superuser_sql "CREATE DATABASE $name OWNER $PG_ROLE" >/dev/null
    pg_url "$name"
    ;;
  dropdb) pg_superuser_sql "DROP DATABASE IF EXISTS $(db_name "${1:-}") WITH (FORCE)" >/dev/null ;;
  url) pg_url "$(db_name "${1:-$PG_DATABASE}")" ;;
  *) die "unknown command '$command'" ;;
esac
