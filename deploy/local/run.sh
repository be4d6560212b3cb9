#!/usr/bin/env bash
# One command for a newcomer on a fresh Debian machine: installs what is missing, builds the
# controller, starts a local Consul 1.8.7 agent (ACLs on) and a moto server on loopback, starts the
# controller on its embedded SQLite journal with deploy/local/controller.yaml, replays the sample
# events and prints curl lines to try.
# Usage: deploy/local/run.sh [start|stop|status]   (default: start)
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
echo "building the controller (release; the first build takes several minutes)..."
swift build -c release --product ecs-mesh-controller
bin="$(swift build -c release --show-bin-path)/ecs-mesh-controller"

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
echo
echo "replaying the sample events:"
for f in "$samples"/*.json; do
  printf '  %s -> ' "$(basename "$f")"
  curl -s -w ' (HTTP %{http_code})\n' -H 'Content-Type: application/json' -H "x-api-key: $api_key" \
    --data-binary "@$f" http://127.0.0.1:8080/v1/events
done

cat <<MSG

The controller is running (pid $(cat "$pidfile")), logs in $state/controller.log.
  Consul:  $CONSUL_HTTP_ADDR  (token in $state/env)
  moto:    $AWS_ENDPOINT_URL

Try:
  curl -s http://127.0.0.1:8080/healthz
  curl -s http://127.0.0.1:8080/readyz
  curl -s -H 'Content-Type: application/json' -H 'x-api-key: $api_key' \\
       --data-binary @$samples/01-web-running.json http://127.0.0.1:8080/v1/events
  curl -s -H 'Content-Type: application/json' -H 'x-api-key: wrong' \\
       --data-binary @$samples/01-web-running.json http://127.0.0.1:8080/v1/events

Stop everything with: deploy/local/run.sh stop
MSG
