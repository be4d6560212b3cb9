#!/usr/bin/env bash
# One command for a newcomer on a fresh Debian machine: installs what is missing, builds the
# controller, starts a local Consul 1.8.7 agent (ACLs on) and a moto server on loopback, starts the
# controller on its embedded SQLite journal with deploy/local/controller.yaml, starts a few mesh tasks
# in moto (deploy/local/demo_tasks.py), posts the events ECS would send for them, waits until they
# are registered in Consul, and prints curl lines to try.
# Usage: deploy/local/run.sh [start|stop|status]   (default: start)
# Env: BUILD_CONFIGURATION=debug|release (default release; debug builds faster, runs slower).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="$here/.state"
cd "$repo"

api_key="local-dev-webhook-key-change-me"
pidfile="$state/controller.pid"

stop_controller() {
  if [ -f "$pidfile" ]; then
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}

case "${1:-start}" in
  stop)
    stop_controller
    "$here/stack.sh" stop
    echo "local stack stopped"
    exit 0
    ;;
  status)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "controller running (pid $(cat "$pidfile"))"
    else
      echo "controller not running"
    fi
    "$here/stack.sh" status || true
    exit 0
    ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

"$here/deps.sh"
build_configuration="${BUILD_CONFIGURATION:-release}"
echo "building the controller ($build_configuration; the first build takes several minutes)..."
swift build -c "$build_configuration" --product ecs-mesh-controller
bin="$(swift build -c "$build_configuration" --show-bin-path)/ecs-mesh-controller"

"$here/stack.sh" start
# shellcheck disable=SC1091
source "$state/env"

stop_controller
mkdir -p "$state"
"$bin" check-config --config "$here/controller.yaml" >/dev/null
nohup "$bin" serve --config "$here/controller.yaml" >"$state/controller.log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 100); do
  curl -fs -o /dev/null http://127.0.0.1:8080/healthz && break
  sleep 0.1
done
curl -fs -o /dev/null http://127.0.0.1:8080/healthz || { echo "controller did not start:"; tail -20 "$state/controller.log"; exit 1; }

samples="$here/samples"
events="$state/events"
rm -rf "$events"
echo
echo "starting mesh tasks in moto (cluster apps: 2 x web, 1 x api) and posting their events:"
mapfile -t event_files < <(python3 "$here/demo_tasks.py" "$events")
for f in "${event_files[@]}"; do
  printf '  %s -> ' "$(basename "$f")"
  curl -s -w ' (HTTP %{http_code})\n' -H 'Content-Type: application/json' -H "x-api-key: $api_key" \
    --data-binary "@$f" http://127.0.0.1:8080/v1/events
done

# The workers provision a token per service and register each task; wait (bounded) until Consul
# shows both services and their sidecar proxies.
echo
echo "waiting for the registrations in Consul..."
catalog=""
for _ in $(seq 1 300); do
  catalog="$(curl -fs -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/catalog/services" || true)"
  if python3 -c 'import json,sys; s=json.loads(sys.argv[1] or "{}"); sys.exit(0 if {"web","api","web-sidecar-proxy","api-sidecar-proxy"} <= s.keys() else 1)' "$catalog" 2>/dev/null; then
    break
  fi
  catalog=""
  sleep 0.1
done
if [ -z "$catalog" ]; then
  echo "the sample tasks did not show up in Consul within 30 s; the controller log says:" >&2
  tail -30 "$state/controller.log" >&2
  exit 1
fi
echo "Consul catalog:"
curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/catalog/services?pretty" | sed 's/^/  /'
echo "web's instances:"
curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/health/service/web" |
  python3 -c 'import json,sys
for e in json.load(sys.stdin):
    s=e["Service"]; checks=", ".join(c["Name"]+"="+c["Status"] for c in e["Checks"] if c["ServiceID"])
    print("  %-60s %s:%s  node=%s  %s" % (s["ID"], s["Address"], s["Port"], e["Node"]["Node"], checks))'

cat <<MSG

The controller is running (pid $(cat "$pidfile")), logs in $state/controller.log.
  Consul:  $CONSUL_HTTP_ADDR  (token in $state/env)
  moto:    $AWS_ENDPOINT_URL

Try:
  curl -s http://127.0.0.1:8080/healthz
  curl -s http://127.0.0.1:8080/readyz
  curl -s -H 'Content-Type: application/json' -H 'x-api-key: $api_key' \\
       --data-binary @${event_files[-1]} http://127.0.0.1:8080/v1/events   # again: 200 duplicate
  curl -s -H 'Content-Type: application/json' -H 'x-api-key: wrong' \\
       --data-binary @$samples/01-web-running.json http://127.0.0.1:8080/v1/events
  source $state/env; curl -s -H "X-Consul-Token: \$CONSUL_HTTP_TOKEN" "\$CONSUL_HTTP_ADDR/v1/catalog/services?pretty"

Stop everything with: deploy/local/run.sh stop
MSG
