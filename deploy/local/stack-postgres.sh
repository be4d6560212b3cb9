# PostgreSQL 15 for the local stack (sourced by deploy/local/stack.sh; not run on its own).
#
# One cluster per port in <repo>/.local/postgres/15-<PG_PORT> (or STACK_PG_DIR), made once by
# initdb and reused on every start, so a start costs about a second. Debian's postgresql-15
# binaries, run as the `postgres` user. TCP on 127.0.0.1 only (no Unix socket), scram-sha-256 for
# every role, fsync and synchronous_commit on: the journal tests check durability against it.
#
# Inside the cluster dir (owned by postgres, mode 700):
#   data/                 the data directory (initdb once; a half-made one is redone)
#   server.log            the server's log
#   superuser-password    the `postgres` role's password (root-owned, mode 600)
#   password              the `mesh` role's password (root-owned, mode 600)
# The `mesh` role (LOGIN CREATEDB) owns the `mesh` database; tests that want a database of their
# own create one (unique name) with MESH_TEST_POSTGRES_URL, or use MESH_TEST_POSTGRES_ADMIN_URL.
#
# Needs from stack.sh: $repo, $state, $pg_port, $wait_seconds, log, die, STOP_WAIT_SECONDS.

readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly PG_USER=postgres
readonly PG_DATABASE=mesh
readonly PG_ROLE=mesh

pg_dir_default() { printf '%s\n' "${STACK_PG_DIR:-$repo/.local/postgres/15-$pg_port}"; }

as_postgres() { runuser -u "$PG_USER" -- "$@"; }

# pg_ctl as the postgres user, with no descriptor above 2 inherited: the postmaster outlives this
# script, and a descriptor it kept open (the socket or pipe by which a test harness watches its
# child for exit, as Foundation's Process does) would keep the caller waiting for good.
pg_ctl_as_postgres() {
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      ((fd > 2)) && eval "exec $fd>&-"
    done 2>/dev/null
    exec runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" "$@"
  )
}

# Prints the postmaster's pid when the cluster in $pg_dir runs; fails otherwise.
pg_live_pid() {
  local pid cmdline
  [[ -r "$pg_dir/data/postmaster.pid" ]] || return 1
  pid="$(head -n 1 "$pg_dir/data/postmaster.pid" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == "$PG_BIN/postgres -D $pg_dir/data"* ]] || return 1
  printf '%s\n' "$pid"
}

pg_healthy() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -t 2 >/dev/null 2>&1
}

# Prints the content of a password file, making it (32 random bytes as hex) on first use.
pg_password() {
  local file="$pg_dir/$1"
  if [[ ! -s "$file" ]]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$file.tmp" && mv "$file.tmp" "$file")
  fi
  cat "$file"
}

# initdb, once: into data.tmp, then renamed, so an interrupted initdb is redone rather than reused.
pg_init_once() {
  [[ -s "$pg_dir/data/PG_VERSION" ]] && return 0
  # The postgres user must reach the cluster dir: its parents are made world-traversable.
  mkdir -p -m 755 "$(dirname "$pg_dir")"
  mkdir -p "$pg_dir"
  chown "$PG_USER:$PG_USER" "$pg_dir"
  chmod 700 "$pg_dir"
  rm -rf "$pg_dir/data" "$pg_dir/data.tmp"
  local pwfile="$pg_dir/initdb-pw"
  pg_password superuser-password >"$pwfile"
  chown "$PG_USER" "$pwfile"
  log "initdb of a PostgreSQL 15 cluster in $pg_dir/data (once)"
  if ! as_postgres "$PG_BIN/initdb" -D "$pg_dir/data.tmp" -U "$PG_USER" --pwfile="$pwfile" \
    -E UTF8 --no-locale --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
    >"$state/postgres-initdb.log" 2>&1; then
    rm -f "$pwfile"
    tail -n 20 "$state/postgres-initdb.log" >&2
    log "initdb failed (log: $state/postgres-initdb.log)"
    return 1
  fi
  rm -f "$pwfile"
  printf "\n# deploy/local/stack.sh: port, addresses and durability settings\ninclude 'mesh-stack.conf'\n" \
    >>"$pg_dir/data.tmp/postgresql.conf"
  mv "$pg_dir/data.tmp" "$pg_dir/data"
}

# Rewritten on every start (the port may change with PG_PORT when STACK_PG_DIR is fixed).
pg_write_conf() {
  cat >"$pg_dir/data/mesh-stack.conf" <<CONF
# Written by deploy/local/stack.sh on every start.
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = ''
max_connections = 200
fsync = on
synchronous_commit = on
full_page_writes = on
CONF
  chown "$PG_USER:$PG_USER" "$pg_dir/data/mesh-stack.conf"
}

# Runs SQL (stdin, or the arguments) as the superuser on database postgres. The password travels in
# the environment and the SQL on stdin, never on a command line.
pg_superuser_sql() {
  if [[ $# -gt 0 ]]; then printf '%s;\n' "$*"; else cat; fi |
    PGPASSWORD="$(pg_password superuser-password)" "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
      -h 127.0.0.1 -p "$pg_port" -U "$PG_USER" -d postgres
}

# The mesh role and database, once per cluster (marker file in the data dir).
pg_setup_once() {
  local marker="$pg_dir/data/mesh-setup.done"
  [[ -e "$marker" ]] && return 0
  pg_superuser_sql >/dev/null <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$PG_ROLE')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') \gexec
ALTER ROLE $PG_ROLE PASSWORD '$(pg_password password)';
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DATABASE', '$PG_ROLE')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DATABASE') \gexec
SQL
  touch "$marker"
}

# pg_url [DATABASE]: the mesh role's URL of DATABASE (default mesh).
pg_url() {
  printf 'postgres://%s:%s@127.0.0.1:%s/%s?sslmode=disable\n' \
    "$PG_ROLE" "$(pg_password password)" "$pg_port" "${1:-$PG_DATABASE}"
}

# Starts the cluster (pg_ctl waits until it accepts connections) and makes the role and database.
start_postgres() {
  if pg_live_pid >/dev/null; then
    log "postgres already running (pid $(pg_live_pid))"
    return
  fi
  pg_init_once || return 1
  pg_write_conf
  log "starting postgres 15 on 127.0.0.1:$pg_port ($pg_dir)"
  if ! pg_ctl_as_postgres -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t "$wait_seconds" -s start \
    </dev/null >/dev/null 2>&1; then
    log "postgres did not start; last lines of $pg_dir/server.log:"
    tail -n 30 "$pg_dir/server.log" >&2 2>/dev/null || true
    return 1
  fi
  pg_setup_once || { log "could not create the $PG_ROLE role and database"; return 1; }
}

# Fails (before anything starts) when PostgreSQL 15 or its user is missing.
pg_check_installed() {
  [[ -x "$PG_BIN/pg_ctl" ]] || die "PostgreSQL 15 not installed ($PG_BIN); run deploy/local/deps.sh"
  getent passwd "$PG_USER" >/dev/null || die "no '$PG_USER' user; run deploy/local/deps.sh"
}

# stop_postgres [fast|immediate]: pg_ctl stop in that mode (fast by default), waits, KILLs after a bound.
stop_postgres() {
  local mode="${1:-fast}" pid
  if ! pid="$(pg_live_pid)"; then
    log "postgres not running"
    return
  fi
  log "stopping postgres (pid $pid, mode $mode)"
  if ! pg_ctl_as_postgres -D "$pg_dir/data" -m "$mode" -w -t "$STOP_WAIT_SECONDS" -s stop \
    </dev/null >/dev/null 2>&1; then
    log "postgres did not stop in ${STOP_WAIT_SECONDS}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

pg_env_lines() {
  printf 'export PG_PORT=%s\n' "$pg_port"
  printf 'export MESH_TEST_POSTGRES_URL=%s\n' "$(pg_url)"
  printf 'export MESH_TEST_POSTGRES_ADMIN_URL=postgres://%s:%s@127.0.0.1:%s/postgres?sslmode=disable\n' \
    "$PG_USER" "$(pg_password superuser-password)" "$pg_port"
  printf 'export MESH_TEST_POSTGRES_PID=%s\n' "$(pg_live_pid)"
}
