#!/usr/bin/env bash
# The HA benchmark of issue #14 (item 7), in one run:
#  1. ingest at 32 connections: wrk POSTs the 1.5 KB ECS event of Tests/Benchmarks/post.lua to
#     a. the plain C evhttp server that answers 202 and stores nothing (the ceiling of this design),
#     b. one controller on its SQLite journal (WAL, synchronous=FULL),
#     c. one controller on PostgreSQL 15 (synchronous_commit on, fsync on), first committing three
#        batches at once (journal.postgres.concurrentCommits 3), then as configured (default 1),
#     d. three controllers on one PostgreSQL database behind haproxy (deploy/local/haproxy-alb.sh, the
#        ALB stand-in), as deploy/local/run.sh --ha runs them;
#     req/s, p50/p99, non-2xx and the ratio to the ceiling, as a Markdown table (no Consul or moto:
#     ingest only, as bench.sh);
#  2. with three replicas behind haproxy on a private Consul + moto stack (HABenchmarkTests): the
#     event-to-Consul latency (RUNNING event → instance passing, warm tokens; the method of
#     bench-registration.sh) and the failover times over ten leader kills.
# PostgreSQL is a private cluster (deploy/local/pg-cluster.sh, made once in .local/postgres/) on a
# free port, with a new database per configuration. Prints the date, the machine and the build.
# Do not run it while something else loads the machine (builds, tests): it would measure them.
#
# Usage: deploy/local/bench-ha.sh [seconds per wrk run, default 10] [connections, default 32]
#        BENCH_HA_SMOKE=1 deploy/local/bench-ha.sh   a few seconds per part, to check that it works
#        BENCH_HA_PARTS=ingest deploy/local/bench-ha.sh   part 1 only (ha: part 2 only; default both)
# Env:   MESH_CONTROLLER_BIN (default: a release build), BENCH_HA_SERVICES (20),
#        BENCH_HA_TASKS_PER_SERVICE (10), BENCH_RATE (events/s, 100), BENCH_HA_KILLS (10),
#        CONSUL_PORT / MOTO_PORT (the private stack's ports; free ones by default)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
duration="${1:-10}"
connections="${2:-32}"
parts="${BENCH_HA_PARTS:-ingest ha}"
# part NAME: whether BENCH_HA_PARTS asks for that part.
part() { [[ " $parts " == *" $1 "* ]]; }
if [ "${BENCH_HA_SMOKE:-0}" = 1 ]; then
  duration=2
  export BENCH_HA_SERVICES="${BENCH_HA_SERVICES:-2}" BENCH_HA_TASKS_PER_SERVICE="${BENCH_HA_TASKS_PER_SERVICE:-3}"
  export BENCH_HA_KILLS="${BENCH_HA_KILLS:-2}"
fi

# shellcheck source=deploy/local/bench-lib.sh
source "$here/bench-lib.sh"  # bench_init, free_port, wait_http, bench_controller_bin, bench_wrk, ...
bench_init mesh-bench-ha     # private state and work directories, deps, trap bench_cleanup
work="$bench_work"
pg_dir="$repo/.local/postgres/15-bench"
pg_port="$(free_port)"
pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_all
  "$here/pg-cluster.sh" "$pg_dir" "$pg_port" stop >/dev/null 2>&1 || true
  bench_cleanup
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
  wait_http "http://127.0.0.1:$port/healthz" || { tail -20 "$work/$name.log" >&2; return 1; }
}

# postgres_env NAME: the settings of a controller on a new database NAME.
postgres_env() {
  echo MESH_JOURNAL_BACKEND=postgres "MESH_JOURNAL_POSTGRES_URL=$("$here/pg-cluster.sh" "$pg_dir" "$pg_port" createdb "$1")"
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
echo "HA benchmark (issue #14), $(date -u '+%Y-%m-%d %H:%M UTC'), $(bench_header_machine), $build_label"
if part ingest; then
  echo
  echo "Ingest by journal back end: ${duration}s per run, $connections connections, 1.5 KB POST"
  echo
  echo "| server | req/s | p50 | p99 | non-2xx | of the ceiling |"
  echo "|---|---:|---:|---:|---:|---:|"

  bench_settle_disk
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

  pg1="bench_pg1_$$" pg1s="bench_pg1s_$$" pg3="bench_pg3_$$"
  # shellcheck disable=SC2046
  start_controller pg1s $(postgres_env "$pg1s") MESH_JOURNAL_POSTGRES_CONCURRENT_COMMITS=3
  measure "controller, PostgreSQL journal, 1 replica, 3 concurrent commits" "http://127.0.0.1:$port/v1/events"
  stop_all

  # shellcheck disable=SC2046
  start_controller pg1 $(postgres_env "$pg1")
  measure "controller, PostgreSQL journal, 1 replica" "http://127.0.0.1:$port/v1/events"
  stop_all

  replica_ports=()
  # shellcheck disable=SC2207
  settings=($(postgres_env "$pg3"))
  for i in 1 2 3; do
    start_controller "pg3-$i" "${settings[@]}" MESH_HA_REPLICA_ID="bench-$i"
    replica_ports+=("$port")
  done
  lb_port="$(free_port)"
  "$here/haproxy-alb.sh" "$lb_port" "${replica_ports[@]}" >"$work/haproxy.cfg"
  haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
  pids+=($!)
  # haproxy forwards once a replica passed two health checks in a row (wait_http: 20 s at most).
  wait_http "http://127.0.0.1:$lb_port/readyz"
  measure "3 controllers on one PostgreSQL journal, through haproxy" "http://127.0.0.1:$lb_port/v1/events"
  stop_all

  for database in "$pg1s" "$pg1" "$pg3"; do
    "$here/pg-cluster.sh" "$pg_dir" "$pg_port" dropdb "$database" || true
  done
  echo
  echo "load average after the ingest runs $(cut -d' ' -f1-3 /proc/loadavg)"
fi
part ha || exit 0

# Part 2: latency and failovers, three replicas behind haproxy, on a private Consul + moto.
bench_start_stack
echo "building the tests (debug; the controller under test is $bin)..." >&2
swift build --build-tests >&2
bench_settle_disk
log="$work/ha-bench-test.log"
status=0
BENCH=1 MESH_INTEGRATION=1 MESH_CONTROLLER_BIN="$bin" \
  timeout 1500 swift test --skip-build --filter HABenchmarkTests >"$log" 2>&1 || status=$?
echo
echo "Latency and failover, 3 replicas behind haproxy, Consul 1.8.7 dev agent and moto on loopback, $(date -u '+%H:%M UTC')"
echo
sed -n 's/^BENCH| \{0,1\}//p' "$log"
echo
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
if ((status != 0)); then
  echo "HABenchmarkTests failed (exit $status); last lines of its log:" >&2
  tail -n 60 "$log" >&2
  exit "$status"
fi
