#!/usr/bin/env bash
# Ingest benchmark: wrk POSTs a realistic 1.5 KB ECS event at 1, 32 and 128 connections against
#   1. a plain C evhttp server that answers 202 and stores nothing (the ceiling of this design), and
#   2. the controller (release build) with its durable SQLite journal (WAL, synchronous=FULL),
# in the same run, and prints req/s, p50/p99 and the ratio to the ceiling as a Markdown table.
# Usage: deploy/local/bench.sh [seconds per run, default 10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
duration="${1:-10}"

"$here/deps.sh" >/dev/null

work="$(mktemp -d /tmp/mesh-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building (release)..." >&2
swift build -c release --product ecs-mesh-controller >&2
bin="$(swift build -c release --show-bin-path)/ecs-mesh-controller"
cc -O2 -o "$work/evhttp_ceiling" Tests/Benchmarks/ceiling/evhttp_ceiling.c -levent

# shellcheck source=deploy/local/bench-lib.sh
source "$here/bench-lib.sh"  # free_port, wait_http, bench_wrk

ceiling_port="$(free_port)"
"$work/evhttp_ceiling" "$ceiling_port" >"$work/ceiling.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$ceiling_port/"

controller_port="$(free_port)"
admin_port="$(free_port)"
MESH_SERVER_PUBLIC_PORT="$controller_port" MESH_SERVER_ADMIN_PORT="$admin_port" \
MESH_WEBHOOK_API_KEY="$bench_webhook_key" MESH_JOURNAL_PATH="$work/journal.sqlite" \
MESH_LOG_LEVEL=warning "$bin" serve >"$work/controller.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$controller_port/healthz"

echo
echo "Ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), ${duration}s per run, 1.5 KB POST, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| connections | C evhttp ceiling req/s | p50 | p99 | controller (durable) req/s | p50 | p99 | non-2xx | ratio |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in 1 32 128; do
  read -r c_rps c_p50 c_p99 _ < <(bench_wrk "http://127.0.0.1:$ceiling_port/v1/events" "$c" "$duration" "$work/wrk.log")
  read -r m_rps m_p50 m_p99 m_bad < <(bench_wrk "http://127.0.0.1:$controller_port/v1/events" "$c" "$duration" "$work/wrk.log")
  ratio="$(python3 -c "print(f'{float($m_rps)/float($c_rps):.2f}' if float($c_rps) else 'n/a')")"
  printf '| %s | %.0f | %s | %s | %.0f | %s | %s | %s | %s× |\n' "$c" "$c_rps" "$c_p50" "$c_p99" "$m_rps" "$m_p50" "$m_p99" "$m_bad" "$ratio"
done
journal_rows="$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from events').fetchone()[0])" "$work/journal.sqlite" 2>/dev/null || echo '?')"
echo
echo "events journaled by the controller during the run: $journal_rows; load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
