#!/usr/bin/env bash
# Runs the local integration stack on loopback: a Consul 1.8.7 dev agent with
# ACLs on (default deny, known master token), a moto server (AWS mocks) and a
# PostgreSQL 15 cluster (deploy/local/stack-postgres.sh: made once, reused).
#
# Usage: deploy/local/stack.sh start|stop|status|env|pg-restart|pg-stop|pg-start
#   start   start what is not running, wait (bounded) until all answer, write
#           <state>/env; when already running, only re-verify health.
#   stop    TERM all, wait, KILL after a bound; idempotent. PostgreSQL's data stays.
#   status  print each component's state; exit 0 only when all are healthy.
#   env     print the env file (`source <(deploy/local/stack.sh env)`, or source
#           deploy/local/.state/env directly).
#   pg-restart [fast|immediate]  restart PostgreSQL (a fault for tests); `immediate`
#           stops it the way a crash does (recovery from WAL on start).
#   pg-stop [fast|immediate] / pg-start  stop or start PostgreSQL alone (an outage).
#   The pg-* commands rewrite <state>/env (MESH_TEST_POSTGRES_PID changes).
#
# Env (read by `start`; the running stack remembers its own values):
#   CONSUL_PORT          Consul HTTP port (default 18500). Server RPC, serf LAN and
#                        serf WAN use CONSUL_PORT-200, -199, -198 (Consul's own
#                        offsets: 18300-18302); DNS and gRPC are disabled.
#   MOTO_PORT            moto port (default 15000).
#   PG_PORT              PostgreSQL port (default 15432).
#   STACK_PG_DIR         PostgreSQL cluster dir (default <repo>/.local/postgres/15-<PG_PORT>).
#   CONSUL_MASTER_TOKEN  ACL master (and agent) token (a fixed UUID by default).
#   STACK_WAIT_SECONDS   how long `start` waits for health (default 120: moto's Python start-up
#                        took over 30 s on a loaded machine; only a failing start waits it out).
#   STACK_STATE_DIR      state dir (default deploy/local/.state): pids, logs, data, env.
#   STACK_CONSUL_DEBUG   1: Consul serves /debug/pprof (`enable_debug`; a token with operator:read,
#                        e.g. the master token), for CPU profiles of Consul in benchmarks.
# The env file exports, besides the Consul and AWS settings, MESH_TEST_POSTGRES_URL (the `mesh`
# role on the `mesh` database), MESH_TEST_POSTGRES_ADMIN_URL (superuser), MESH_TEST_POSTGRES_PID,
# PG_PORT and MESH_TEST_STACK_STATE_DIR (for `STACK_STATE_DIR=... stack.sh pg-restart` in tests).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="${STACK_STATE_DIR:-$here/.state}"
consul_bin="$repo/.local/consul/usr/bin/consul"

readonly DEFAULT_MASTER_TOKEN="6d2a3f0e-5b1c-4e8a-9f47-0c3d8e1b2a55"
readonly STOP_WAIT_SECONDS=10

log() { printf 'stack: %s\n' "$*" >&2; }
# shellcheck source=deploy/local/stack-postgres.sh
source "$here/stack-postgres.sh"
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

# --- settings -----------------------------------------------------------------
# Requested settings come from the environment; a running stack's settings come
# from <state>/settings, so stop/status/env talk to what actually runs.
load_requested_settings() {
  consul_port="${CONSUL_PORT:-18500}"
  moto_port="${MOTO_PORT:-15000}"
  pg_port="${PG_PORT:-15432}"
  master_token="${CONSUL_MASTER_TOKEN:-$DEFAULT_MASTER_TOKEN}"
  wait_seconds="${STACK_WAIT_SECONDS:-120}"
  local p
  for p in "$consul_port" "$moto_port" "$pg_port" "$wait_seconds"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p'"
  done
  ((consul_port > 1224 && consul_port < 65536)) || die "CONSUL_PORT out of range: $consul_port"
  ((moto_port > 0 && moto_port < 65536)) || die "MOTO_PORT out of range: $moto_port"
  ((pg_port > 0 && pg_port < 65536)) || die "PG_PORT out of range: $pg_port"
  pg_dir="$(pg_dir_default)"
}

load_running_settings() {
  if [[ -r "$state/settings" ]]; then
    # shellcheck source=/dev/null
    source "$state/settings"
  fi
}

write_settings() {
  umask 077
  printf 'consul_port=%q\nmoto_port=%q\nmaster_token=%q\npg_port=%q\npg_dir=%q\n' \
    "$consul_port" "$moto_port" "$master_token" "$pg_port" "$pg_dir" >"$state/settings.tmp"
  mv "$state/settings.tmp" "$state/settings"
}

# --- processes ----------------------------------------------------------------
# Prints the pid recorded for component $1 when that process is alive and still
# the program we started (guards against pid reuse); fails otherwise.
live_pid() {
  local name="$1" pid cmdline
  [[ -r "$state/$name.pid" ]] || return 1
  pid="$(<"$state/$name.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  case "$name" in
    consul) [[ "$cmdline" == *"consul agent -dev"* ]] || return 1 ;;
    moto) [[ "$cmdline" == *moto_server* ]] || return 1 ;;
  esac
  printf '%s\n' "$pid"
}

# Whether the process just started for component $1 is still alive. Unlike live_pid it does not
# check the command line: right after `&` the child may not have exec'd its program yet (seen on
# a loaded machine), and a pid recorded seconds ago cannot have been reused.
started_alive() {
  local pid
  [[ -r "$state/$1.pid" ]] || return 1
  pid="$(<"$state/$1.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_consul() {
  if live_pid consul >/dev/null; then
    log "consul already running (pid $(live_pid consul))"
    return
  fi
  rm -rf "$state/consul-data"
  mkdir -p "$state/consul-data"
  umask 077
  cat >"$state/consul.hcl" <<HCL
# Written by deploy/local/stack.sh; regenerated on every start.
node_name   = "mesh-local"
enable_debug = $([ "${STACK_CONSUL_DEBUG:-0}" = 1 ] && echo true || echo false)
datacenter  = "dc1"
bind_addr   = "127.0.0.1"
client_addr = "127.0.0.1"
data_dir    = "$state/consul-data"
ports {
  http     = $consul_port
  https    = -1
  dns      = -1
  grpc     = -1
  server   = $((consul_port - 200))
  serf_lan = $((consul_port - 199))
  serf_wan = $((consul_port - 198))
}
acl {
  enabled                  = true
  default_policy           = "deny"
  enable_token_persistence = true
  tokens {
    master = "$master_token"
    agent  = "$master_token"
  }
}
HCL
  log "starting consul on 127.0.0.1:$consul_port"
  setsid nohup "$consul_bin" agent -dev -config-file="$state/consul.hcl" \
    </dev/null >"$state/consul.log" 2>&1 9>&- &
  printf '%s\n' "$!" >"$state/consul.pid"
  started+=(consul)
}

start_moto() {
  if live_pid moto >/dev/null; then
    log "moto already running (pid $(live_pid moto))"
    return
  fi
  log "starting moto on 127.0.0.1:$moto_port"
  setsid nohup moto_server -H 127.0.0.1 -p "$moto_port" \
    </dev/null >"$state/moto.log" 2>&1 9>&- &
  printf '%s\n' "$!" >"$state/moto.pid"
  started+=(moto)
}

# --- health -------------------------------------------------------------------
consul_healthy() {
  local leader code
  leader="$(curl -fsS --max-time 2 "http://127.0.0.1:$consul_port/v1/status/leader" 2>/dev/null)" || return 1
  [[ -n "$leader" && "$leader" != '""' ]] || return 1
  code="$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' \
    -H "X-Consul-Token: $master_token" \
    "http://127.0.0.1:$consul_port/v1/acl/token/self" 2>/dev/null)" || return 1
  [[ "$code" == 200 ]]
}

moto_healthy() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$moto_port/moto-api/" 2>/dev/null
}

# Pins ECS task status so DescribeTasks does not advance it on every call.
moto_pin_ecs_tasks() {
  curl -fsS --max-time 5 -o /dev/null -X POST \
    -H 'Content-Type: application/json' \
    -d '{"model_name":"ecs::task","transition":{"progression":"manual","times":1000000}}' \
    "http://127.0.0.1:$moto_port/moto-api/state-manager/set-transition"
}

# Components this `start` launched; a failed start stops them again.
started=()

# Fails with the component's log tail, stopping what this start launched.
fail_with_log() {
  local name="$1" why="$2" c logfile="$state/$1.log"
  [[ "$name" == postgres ]] && logfile="$pg_dir/server.log"
  log "$name: $why; last lines of $logfile:"
  tail -n 30 "$logfile" >&2 2>/dev/null || true
  for c in "${started[@]}"; do stop_component "$c" started; done
  exit 1
}

# Checks, before anything starts, that the ports of the components to start are free.
check_ports_free() {
  if ! live_pid consul >/dev/null; then
    [[ -x "$consul_bin" ]] || {
      log "consul binary missing; fetching it with deps.sh"
      DEPS_SKIP_APT=1 DEPS_SKIP_PIP=1 "$here/deps.sh" >/dev/null
    }
    local p
    for p in "$consul_port" $((consul_port - 200)) $((consul_port - 199)) $((consul_port - 198)); do
      port_in_use "$p" && die "port $p is taken by another process (set CONSUL_PORT)"
    done
  fi
  if ! pg_live_pid >/dev/null; then
    pg_check_installed
    port_in_use "$pg_port" && die "port $pg_port is taken by another process (set PG_PORT)"
  fi
  if ! live_pid moto >/dev/null; then
    command -v moto_server >/dev/null 2>&1 || die "moto_server not found (run deploy/local/deps.sh)"
    port_in_use "$moto_port" && die "port $moto_port is taken by another process (set MOTO_PORT)"
  fi
  return 0
}

# Waits until both components answer, or fails after wait_seconds.
wait_healthy() {
  local deadline=$((SECONDS + wait_seconds)) consul_up=0 moto_up=0
  while ((SECONDS < deadline)); do
    started_alive consul || fail_with_log consul "process exited during start"
    started_alive moto || fail_with_log moto "process exited during start"
    ((consul_up)) || { consul_healthy && consul_up=1; }
    ((moto_up)) || { moto_healthy && moto_up=1; }
    ((consul_up && moto_up)) && return 0
    sleep 0.2
  done
  ((consul_up)) || fail_with_log consul "no leader or ACLs not answering after ${wait_seconds}s"
  fail_with_log moto "not answering after ${wait_seconds}s"
}

write_env() {
  umask 077
  cat >"$state/env.tmp" <<ENV
export MESH_INTEGRATION=1
export CONSUL_HTTP_ADDR=http://127.0.0.1:$consul_port
export CONSUL_HTTP_TOKEN=$master_token
export AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export CONSUL_PID=$(live_pid consul)
export MOTO_PID=$(live_pid moto)
export MESH_TEST_STACK_STATE_DIR=$state
$(pg_env_lines)
ENV
  mv "$state/env.tmp" "$state/env"
}

# --- commands -----------------------------------------------------------------
cmd_start() {
  load_requested_settings
  if live_pid consul >/dev/null || live_pid moto >/dev/null; then
    local want="$consul_port/$moto_port/$master_token/$pg_port/$pg_dir"
    load_running_settings
    if [[ "$want" != "$consul_port/$moto_port/$master_token/$pg_port/$pg_dir" ]]; then
      die "stack already runs with other settings (consul $consul_port, moto $moto_port, postgres $pg_port); stop it first"
    fi
  fi
  check_ports_free
  write_settings
  start_consul
  start_moto
  # pg_ctl waits for PostgreSQL while Consul and moto come up.
  start_postgres || fail_with_log postgres "did not start"
  wait_healthy
  pg_healthy || fail_with_log postgres "not accepting connections on :$pg_port"
  moto_pin_ecs_tasks || fail_with_log moto "refused the ECS state-manager transition"
  write_env
  log "ready: consul pid $(live_pid consul) on :$consul_port, moto pid $(live_pid moto) on :$moto_port, postgres pid $(pg_live_pid) on :$pg_port"
  log "env: source $state/env"
}

# Sends TERM, waits up to STOP_WAIT_SECONDS, then KILLs.
# stop_component NAME [started]: "started" = this invocation launched it, so its recorded pid is
# trusted even before the program has exec'd (a failed start must not leave it running).
stop_component() {
  local name="$1" pid deadline
  if ! pid="$(live_pid "$name")"; then
    if [[ "${2:-}" == started ]] && started_alive "$name"; then
      pid="$(<"$state/$name.pid")"
    else
      rm -f "$state/$name.pid"
      log "$name not running"
      return
    fi
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_WAIT_SECONDS))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name ignored TERM for ${STOP_WAIT_SECONDS}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$state/$name.pid"
}

cmd_stop() {
  load_requested_settings
  load_running_settings
  stop_postgres
  stop_component moto
  stop_component consul
  rm -f "$state/env" "$state/settings"
  rm -rf "$state/consul-data"
}

cmd_status() {
  load_requested_settings
  load_running_settings
  local ok=0 pid
  if pid="$(live_pid consul)"; then
    if consul_healthy; then echo "consul: running pid $pid, healthy on :$consul_port"; else
      echo "consul: running pid $pid, NOT healthy on :$consul_port"; ok=1; fi
  else
    echo "consul: stopped"; ok=1
  fi
  if pid="$(live_pid moto)"; then
    if moto_healthy; then echo "moto: running pid $pid, healthy on :$moto_port"; else
      echo "moto: running pid $pid, NOT healthy on :$moto_port"; ok=1; fi
  else
    echo "moto: stopped"; ok=1
  fi
  if pid="$(pg_live_pid)"; then
    if pg_healthy; then echo "postgres: running pid $pid, healthy on :$pg_port ($pg_dir)"; else
      echo "postgres: running pid $pid, NOT healthy on :$pg_port ($pg_dir)"; ok=1; fi
  else
    echo "postgres: stopped ($pg_dir)"; ok=1
  fi
  return "$ok"
}

# The running stack's PostgreSQL (its settings), then the env file again.
pg_command() {
  load_requested_settings
  load_running_settings
  [[ -r "$state/settings" ]] || die "the stack is not running; run: $0 start"
  "$@"
  [[ -r "$state/env" ]] && write_env
  return 0
}
pg_mode() {
  case "${1:-fast}" in fast | immediate) printf '%s\n' "${1:-fast}" ;; *) die "mode must be fast or immediate" ;; esac
}
cmd_pg-stop() { local mode; mode="$(pg_mode "${1:-}")"; pg_command stop_postgres "$mode"; }
cmd_pg-start() { pg_command start_postgres || die "postgres did not start"; }
cmd_pg-restart() {
  local mode
  mode="$(pg_mode "${1:-}")"
  pg_command stop_postgres "$mode"
  pg_command start_postgres || die "postgres did not start"
  pg_healthy || die "postgres not accepting connections on :$pg_port after restart"
}

cmd_env() {
  [[ -r "$state/env" ]] || die "no env file; run: $0 start"
  cat "$state/env"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    start | stop | status | env | pg-restart | pg-stop | pg-start) ;;
    *) die "usage: $0 start|stop|status|env|pg-restart|pg-stop|pg-start" ;;
  esac
  mkdir -p "$state"
  # One stack command at a time (status and env only read, so they skip the lock).
  if [[ "$cmd" != status && "$cmd" != env ]]; then
    exec 9>"$state/stack.lock"
    flock 9
  fi
  shift
  "cmd_$cmd" "$@"
}

main "$@"
