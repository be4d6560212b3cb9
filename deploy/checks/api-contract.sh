#!/usr/bin/env bash
# The HTTP contract, checked against a LIVE controller with real Consul and moto behind it:
#   1. api/openapi.yaml is valid OpenAPI 3.1 (openapi-spec-validator);
#   2. schemathesis sends generated requests to every operation of both listeners (public with the
#      webhook API key, admin with the bearer token) and fails on any 5xx, any status, content type,
#      header or body that the spec does not document, or a controller that stops answering;
#   3. the public listener does not serve the admin paths, and /metrics parses with
#      prometheus_client's text parser.
#
# Usage: source the stack's env (deploy/local/stack.sh start), then deploy/checks/api-contract.sh
# Env:   MESH_CONTROLLER_BIN (default: the debug build), API_CONTRACT_EXAMPLES (per operation, default 50),
#        API_CONTRACT_TIMEOUT (seconds per schemathesis run, default 480: only a hang guard, with
#        room for a loaded machine).
# Exit:  0 when everything passed. Runtime: about 1-2 minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
: "${CONSUL_HTTP_ADDR:?source the stack env first (deploy/local/stack.sh start)}"
: "${AWS_ENDPOINT_URL:?source the stack env first (deploy/local/stack.sh start)}"
bin="${MESH_CONTROLLER_BIN:-$(swift build --show-bin-path)/ecs-mesh-controller}"
examples="${API_CONTRACT_EXAMPLES:-50}"
run_timeout="${API_CONTRACT_TIMEOUT:-480}"
started=$SECONDS
log() { printf 'api-contract: %s\n' "$*" >&2; }

log "validating api/openapi.yaml"
openapi-spec-validator api/openapi.yaml

work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
public_port="$(free_port)"
admin_port="$(free_port)"
random_hex() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
admin_token="contract-admin-$(random_hex)"
api_key="contract-webhook-$(random_hex)"
public="http://127.0.0.1:$public_port"
admin="http://127.0.0.1:$admin_port"

MESH_SERVER_PUBLIC_PORT="$public_port" MESH_SERVER_ADMIN_PORT="$admin_port" \
MESH_WEBHOOK_API_KEY="$api_key" MESH_ADMIN_TOKEN="$admin_token" \
MESH_JOURNAL_PATH="$work/journal.sqlite" MESH_SECRETS_PREFIX="contract-$(random_hex | cut -c1-8)" \
MESH_RESYNC_CLUSTERS=apps MESH_LOG_FORMAT=json MESH_LOG_LEVEL=info \
    "$bin" serve >"$work/controller.log" 2>&1 &
pid=$!
cleanup() {
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

deadline=$((SECONDS + 60))
until curl -fsS "$public/healthz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { log "controller exited:"; tail -n 40 "$work/controller.log" >&2; exit 1; }
    (( SECONDS < deadline )) || { log "controller not healthy after 60 s"; exit 1; }
    sleep 0.2
done

# Some state for the admin lists to show: the sample events.
for sample in deploy/local/samples/*.json; do
    curl -fsS -o /dev/null -H "x-api-key: $api_key" -H 'Content-Type: application/json' --data-binary @"$sample" "$public/v1/events"
done

failures=0
# The public listener must not serve the admin API.
for path in /v1/status /v1/tasks /v1/work /v1/journal /v1/services /metrics; do
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" "$public$path")"
    if [[ "$status" != 404 ]]; then
        log "FAIL: public listener answered $status for $path (want 404)"
        failures=$((failures + 1))
    fi
done
# /metrics is valid Prometheus text.
if ! curl -fsS -H "Authorization: Bearer $admin_token" "$admin/metrics" | python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
families = [f.name for f in text_string_to_metric_families(sys.stdin.read())]
assert "mesh_http_requests" in families, families
print(f"api-contract: /metrics parsed: {len(families)} families", file=sys.stderr)
'; then
    log "FAIL: /metrics does not parse"
    failures=$((failures + 1))
fi

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
schemathesis_run() { # name base-url header tag-args...
    local name="$1" base="$2" header="$3"
    shift 3
    log "schemathesis: $name listener ($base, $examples examples per operation)"
    if ! timeout "$run_timeout" st run api/openapi.yaml --base-url "$base" -H "$header" "$@" \
        --experimental=openapi-3.1 --checks "$checks" --hypothesis-max-examples "$examples" --hypothesis-seed 20261122 \
        --hypothesis-suppress-health-check all --request-timeout 10000 --no-color \
        >"$work/st-$name.txt" 2>&1; then
        cat "$work/st-$name.txt" >&2
        log "FAIL: schemathesis found problems on the $name listener (or timed out after ${run_timeout}s)"
        failures=$((failures + 1))
    else
        tail -n 4 "$work/st-$name.txt" >&2
    fi
}
schemathesis_run public "$public" "x-api-key: $api_key" --exclude-tag admin
schemathesis_run admin "$admin" "Authorization: Bearer $admin_token" --include-tag admin

if ! kill -0 "$pid" 2>/dev/null; then
    log "FAIL: the controller crashed during the run"
    tail -n 40 "$work/controller.log" >&2
    failures=$((failures + 1))
elif grep -q '"level":"critical"' "$work/controller.log"; then
    log "FAIL: critical log lines"
    failures=$((failures + 1))
fi

log "done in $((SECONDS - started)) s, $failures failure(s)"
(( failures == 0 ))
