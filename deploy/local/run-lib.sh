# Shared by deploy/local/run.sh and its variants (sourced, not run): credentials, stopping
# a process by its pid file, and the demo (tasks in moto, their events, waiting for Consul).
# Needs: $here (deploy/local), $state (its .state dir); the stack's env (CONSUL_HTTP_ADDR, ...).

# Waits are bounded by time, not by a count of polls (a poll itself can take seconds on a loaded
# machine); only a failing start waits a bound out. RUN_WAIT_SECONDS sets each bound (default 120).
wait_seconds="${RUN_WAIT_SECONDS:-120}"

# wait_for COMMAND...: runs COMMAND every 0.2 s until it succeeds (returns 0) or wait_seconds pass (1).
wait_for() {
  local deadline=$((SECONDS + wait_seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Installs what is missing, builds the controller (BUILD_CONFIGURATION, default release) and sets
# `bin` to it, starts the stack (Consul, moto, PostgreSQL) and exports its env.
build_and_start_stack() {
  "$here/deps.sh"
  local build_configuration="${BUILD_CONFIGURATION:-release}"
  echo "building the controller ($build_configuration; the first build takes several minutes)..."
  swift build -c "$build_configuration" --product ecs-mesh-controller
  bin="$(swift build -c "$build_configuration" --show-bin-path)/ecs-mesh-controller"
  "$here/stack.sh" start
  # shellcheck disable=SC1091
  source "$state/env"
}

# ensure_secret FILE: 32 random bytes as hex, written once (mode 600) and kept across runs.
ensure_secret() {
  [ -s "$1" ] && return 0
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$1")
}

# stop_pidfile FILE: TERM the process named in FILE, wait up to 10 s, then KILL; removes FILE.
stop_pidfile() {
  local pid
  [ -f "$1" ] || return 0
  pid="$(cat "$1")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -f "$1"
}

# http_ok URL: whether URL answers 2xx now.
http_ok() { curl -fs -o /dev/null --max-time 5 "$1"; }

# post_demo_events PUBLIC_URL API_KEY: starts the demo tasks in moto (demo_tasks.py) and posts their
# events to PUBLIC_URL; sets event_files and events (the directory).
post_demo_events() {
  local public="$1" api_key="$2" f
  events="$state/events"
  rm -rf "$events"
  echo
  echo "starting tasks in moto (cluster apps: 2 x web, 1 x api in the mesh, 1 x batch outside it) and posting their events:"
  mapfile -t event_files < <(python3 "$here/demo_tasks.py" "$events")
  for f in "${event_files[@]}"; do
    printf '  %s -> ' "$(basename "$f")"
    curl -s -w ' (HTTP %{http_code})\n' -H 'Content-Type: application/json' -H "x-api-key: $api_key" \
      --data-binary "@$f" "$public/v1/events"
  done
}

catalog_complete() {
  local catalog
  catalog="$(curl -fs -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/catalog/services")" || return 1
  python3 -c 'import json,sys; s=json.loads(sys.argv[1] or "{}"); sys.exit(0 if {"web","api","web-sidecar-proxy","api-sidecar-proxy"} <= s.keys() else 1)' "$catalog" 2>/dev/null
}

# wait_for_demo_catalog LOG...: the workers provision a token per service and register each task;
# waits (bounded) until Consul shows both services and their sidecar proxies, then prints the
# catalog. On a timeout prints the tail of each LOG and fails.
wait_for_demo_catalog() {
  local log
  echo
  echo "waiting for the registrations in Consul..."
  if ! wait_for catalog_complete; then
    echo "the sample tasks did not show up in Consul within $wait_seconds s; the controller log says:" >&2
    for log in "$@"; do tail -30 "$log" >&2; done
    return 1
  fi
  echo "Consul catalog:"
  curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/catalog/services?pretty" | sed 's/^/  /'
  echo "web's instances:"
  curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/health/service/web" |
    python3 -c 'import json,sys
for e in json.load(sys.stdin):
    s=e["Service"]; checks=", ".join(c["Name"]+"="+c["Status"] for c in e["Checks"] if c["ServiceID"])
    print("  %-60s %s:%s  node=%s  %s" % (s["ID"], s["Address"], s["Port"], e["Node"]["Node"], checks))'
}

# demo_task_id EVENT_FILE: the task ID (last part of the ARN) of an event file.
demo_task_id() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detail"]["taskArn"].rsplit("/",1)[-1])' "$1"
}
