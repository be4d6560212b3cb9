# Shared helpers of the benchmark scripts (sourced, not run): a private Consul + moto stack, the
# controller binary, starting and stopping the controller, and reading Consul's indexes.
#
# The caller sets `here` (deploy/local) and runs `bench_init PREFIX` first. Stack ports come from
# CONSUL_PORT / MOTO_PORT / PG_PORT when set (a helper's own ports), free ones otherwise.
# shellcheck shell=bash

# Makes the private state directory and the cleanup trap; fetches the dependencies.
bench_init() {  # prefix
  "$here/deps.sh" >/dev/null
  bench_state="$(mktemp -d "/tmp/$1-stack.XXXXXX")"
  chmod 755 "$bench_state"  # PostgreSQL's cluster below it is made as the postgres user
  bench_work="$(mktemp -d "/tmp/$1.XXXXXX")"
  controller_pid=""
  trap bench_cleanup EXIT
}

bench_cleanup() {
  [ -n "${controller_pid:-}" ] && bench_stop_controller
  bench_stop_stack
  rm -rf "$bench_state" "$bench_work"
}

free_port() { python3 "$here/free_port.py"; }  # also frees Consul's ports below it

wait_http() {  # url
  for _ in $(seq 1 400); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.05
  done
  echo "server at $1 did not start" >&2; return 1
}

# A private stack (own Consul dev agent and moto, own state directory), so that other test runs and
# the state they leave behind do not share the servers being measured. Exports its env.
bench_start_stack() {
  STACK_STATE_DIR="$bench_state" CONSUL_PORT="${CONSUL_PORT:-$(free_port)}" MOTO_PORT="${MOTO_PORT:-$(free_port)}" \
    PG_PORT="${PG_PORT:-$(free_port)}" STACK_PG_DIR="${STACK_PG_DIR:-$bench_state/postgres}" "$here/stack.sh" start >&2
  # shellcheck disable=SC1091
  source "$bench_state/env"
}

bench_stop_stack() {
  STACK_STATE_DIR="$bench_state" "$here/stack.sh" stop >/dev/null 2>&1 || true
}

# Writes out the machine's dirty pages (`sync`) before a measurement. A build just before (the
# release controller, the test bundle) leaves hundreds of megabytes for the kernel to write back
# during the run, and every journal commit's fsync queues behind them. On this VM (2026-12-06, one
# binary, alternating runs of bench-registration.sh after writing 600 MB): warm p99 68.0 ms and
# 202 p99 65.8 ms without the sync, 15.4 / 15.8 ms and 9.2 / 9.9 ms with it.
bench_settle_disk() {
  echo "writing out $(awk '/^Dirty:/ {print $2, $3}' /proc/meminfo) of dirty pages before measuring (sync)..." >&2
  sync
}

# Sets `bin` and `build_label`: MESH_CONTROLLER_BIN when set, else a fresh release build.
bench_controller_bin() {
  if [ -n "${MESH_CONTROLLER_BIN:-}" ]; then
    bin="$MESH_CONTROLLER_BIN"  # e.g. a debug build, to try a script quickly; the docs' figures use release
    build_label="binary $bin"
  else
    echo "building the controller (release)..." >&2
    swift build -c release --product ecs-mesh-controller >&2
    bin="$(swift build -c release --show-bin-path)/ecs-mesh-controller"
    build_label="release build of $(git -C "$here" rev-parse --short HEAD)"
  fi
}

bench_webhook_key="bench-key-0123456789abcdef"
bench_admin_token="bench-admin-token-0123456789abcdef"

# Starts the controller on free ports (`port`, `admin_port`) with the journal at `journal`
# (default: in the work directory). Extra MESH_* settings go in the environment of the call:
#   MESH_RESYNC_ENABLED=false bench_start_controller
bench_start_controller() {
  port="${port:-$(free_port)}"
  admin_port="${admin_port:-$(free_port)}"
  journal="${journal:-$bench_work/journal.sqlite}"
  bench_settle_disk
  MESH_SERVER_PUBLIC_PORT="$port" MESH_SERVER_ADMIN_PORT="$admin_port" \
  MESH_WEBHOOK_API_KEY="$bench_webhook_key" MESH_ADMIN_TOKEN="$bench_admin_token" MESH_JOURNAL_PATH="$journal" \
  MESH_SECRETS_PREFIX="${MESH_SECRETS_PREFIX:-bench}" MESH_LOG_LEVEL="${MESH_LOG_LEVEL:-warning}" \
    "$bin" serve >>"$bench_work/controller.log" 2>&1 &
  controller_pid=$!
  wait_http "http://127.0.0.1:$port/healthz"
}

bench_stop_controller() {
  kill "$controller_pid" 2>/dev/null || true; wait "$controller_pid" 2>/dev/null || true; controller_pid=""
}

consul_index() {  # sum of the catalog's and the health checks' X-Consul-Index
  local total=0 path value
  for path in /v1/catalog/services /v1/health/state/any; do
    value="$(curl -s -D - -o /dev/null -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR$path" \
             | awk 'tolower($1)=="x-consul-index:" {print $2}' | tr -d '\r')"
    total=$((total + ${value:-0}))
  done
  echo "$total"
}

bench_header_machine() {  # "2 cores, x86_64, load average …, commit abc1234"
  echo "$(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$here" rev-parse --short HEAD)"
}

# bench_wrk URL CONNECTIONS SECONDS LOG: wrk POSTs Tests/Benchmarks/post.lua's 1.5 KB event (API key
# $bench_webhook_key) to URL for SECONDS; appends wrk's output to LOG; prints "rps p50 p99 non2xx".
bench_wrk() {
  local url="$1" connections="$2" seconds="$3" log="$4" threads=2 out rps p50 p99 bad
  [ "$connections" -lt 2 ] && threads=1
  out="$(BENCH_API_KEY="$bench_webhook_key" wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
        -s "$here/../../Tests/Benchmarks/post.lua" "$url" 2>&1)"
  echo "$out" >>"$log"
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  bad="$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")"
  echo "${rps:-0} ${p50:-?} ${p99:-?} ${bad:-0}"
}
