#!/usr/bin/env bash
# Ingest on each journal back end, in one run, at 32 connections (issue #14, item 7): wrk POSTs the
# 1.5 KB ECS event of Tests/Benchmarks/post.lua to
#   1. the plain C evhttp server that answers 202 and stores nothing (the ceiling of this design),
#   2. one controller on its SQLite journal (WAL, synchronous=FULL),
#   3. one controller on PostgreSQL 15 (synchronous_commit on, fsync on),
#   4. three controllers on one PostgreSQL database behind haproxy (deploy/local/haproxy-alb.sh, the
#      ALB stand-in), as deploy/local/run.sh --ha runs them,
# and prints req/s, p50/p99, non-2xx and the ratio to the ceiling as a Markdown table. PostgreSQL is
# a private cluster (deploy/local/pg-cluster.sh, made once in .local/postgres/15-bench) on a free
# port, with a new database per configuration. No Consul or moto: ingest only, as bench.sh.
# Usage: deploy/local/bench-ha.sh [seconds per run, default 10] [connections, default 32]
# Env:   MESH_CONTROLLER_BIN (default: a release build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
duration="${1:-10}"
connections="${2:-32}"

# shellcheck source=deploy/local/bench-lib.sh
source "$here/bench-lib.sh"  # free_port, wait_http, bench_controller_bin, bench_wrk
"$here/deps.sh" >/dev/null
work="$(mktemp -d /tmp/mesh-bench-ha.XXXXXX)"
pg_dir="$repo/.local/postgres/15-bench"
pg_port="$(free_port)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$here/pg-cluster.sh" "$pg_dir" "$pg_port" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bench_controller_bin
cc -O2 -o "$work/evhttp_ceiling" Tests/Benchmarks/ceiling/evhttp_ceiling.c -levent
"$here/pg-cluster.sh" "$pg_dir" "$pg_port" start

# start_controller NAME [VAR=VALUE...]: a controller on free ports; sets `port`.
start_controller() {
  local name="$1"
  shift
  port="$(free_port)"
  env "$@" MESH_SERVER_PUBLIC_PORT="$port" MESH_SERVER_ADMIN_PORT="$(free_port)" \
    MESH_WEBHOOK_API_KEY="$bench_webhook_key" MESH_JOURNAL_PATH="$work/$name.sqlite" MESH_LOG_LEVEL=warning \
    "$bin" serve >>"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/healthz"
}

# postgres_env NAME: the settings of a controller on a new database NAME.
postgres_env() {
  echo MESH_JOURNAL_BACKEND=postgres "MESH_JOURNAL_POSTGRES_URL=$("$here/pg-cluster.sh" "$pg_dir" "$pg_port" createdb "$1")"
}

stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

# measure LABEL URL: one wrk run; prints a table row (ratio against $ceiling_rps when set).
measure() {
  local rps p50 p99 bad ratio
  read -r rps p50 p99 bad < <(bench_wrk "$2" "$connections" "$duration" "$work/wrk.log")
  ratio="$(python3 -c "import sys; c=float(sys.argv[2] or 0); print(f'{float(sys.argv[1])/c:.2f}×' if c else '1.00×')" "$rps" "${ceiling_rps:-}")"
  printf '| %s | %.0f | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "$bad" "$ratio"
  last_rps="$rps"
}

echo
echo "Ingest by journal back end, $(date -u '+%Y-%m-%d %H:%M UTC'), $(bench_header_machine), ${duration}s per run, $connections connections, 1.5 KB POST, $build_label"
echo
echo "| server | req/s | p50 | p99 | non-2xx | of the ceiling |"
echo "|---|---:|---:|---:|---:|---:|"

ceiling_port="$(free_port)"
"$work/evhttp_ceiling" "$ceiling_port" >"$work/ceiling.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$ceiling_port/"
ceiling_rps=""
measure "C evhttp ceiling (stores nothing)" "http://127.0.0.1:$ceiling_port/v1/events"
ceiling_rps="$last_rps"
stop_all

start_controller sqlite
measure "controller, SQLite journal" "http://127.0.0.1:$port/v1/events"
stop_all

# shellcheck disable=SC2046
start_controller pg1 $(postgres_env bench_pg1_$$)
measure "controller, PostgreSQL journal, 1 replica" "http://127.0.0.1:$port/v1/events"
stop_all

replica_ports=()
# shellcheck disable=SC2046
settings=($(postgres_env bench_pg3_$$))
for i in 1 2 3; do
  start_controller "pg3-$i" "${settings[@]}" MESH_HA_REPLICA_ID="bench-$i"
  replica_ports+=("$port")
done
lb_port="$(free_port)"
"$here/haproxy-alb.sh" "$lb_port" "${replica_ports[@]}" >"$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
# haproxy forwards once a replica passed two health checks in a row.
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$lb_port/readyz" && break; sleep 0.1; done
measure "3 controllers on one PostgreSQL journal, through haproxy" "http://127.0.0.1:$lb_port/v1/events"
stop_all

for database in bench_pg1_$$ bench_pg3_$$; do
  "$here/pg-cluster.sh" "$pg_dir" "$pg_port" dropdb "$database" || true
done
echo
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg); wrk output in the run's log (deleted on exit)"
