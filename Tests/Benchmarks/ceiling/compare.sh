#!/usr/bin/env bash
# Compares the plain C evhttp ceiling with the Swift HTTPServer echo server (handler answers
# 202 at once) under wrk, at 1, 32 and 128 connections, with the ~1.5 KB event of post.lua.
#
#   Tests/Benchmarks/ceiling/compare.sh [duration, default 5s]
#
# Needs cc, libevent-dev, wrk. Builds the Swift server in release mode (shared .build).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
duration="${1:-5s}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cc -O2 "$here/evhttp_ceiling.c" -levent -o "$work/evhttp_ceiling"
(cd "$root" && swift build -c release --product bench-echo-server 2>&1 | grep -E "error|Compiling|Build" || true)
swift_server="$root/.build/release/bench-echo-server"

wait_for_port() { # prints the port the server announced
  for _ in $(seq 200); do
    if grep -q "listening on" "$work/server.out"; then
      sed -n 's/listening on //p' "$work/server.out"; return; fi
    sleep 0.05
  done
  echo "server did not start" >&2; exit 1
}

run() { # $1 = label, $2 = server binary
  local port pid
  "$2" 0 >"$work/server.out" 2>&1 &
  pid=$!
  port="$(wait_for_port)"
  for connections in 1 32 128; do
    local threads=2; [ "$connections" = 1 ] && threads=1
    local out; out="$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root/Tests/Benchmarks/post.lua" "http://127.0.0.1:$port")"
    printf '%-8s c=%-4s %12s req/s   avg %-9s p50 %-9s p99 %s\n' "$1" "$connections" \
      "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
      "$(awk '/Latency/ && !/Distribution/ {print $2; exit}' <<<"$out")" \
      "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run "C" "$work/evhttp_ceiling"
run "Swift" "$swift_server"
