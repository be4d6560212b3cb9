#!/usr/bin/env bash
# Runs every test: the deployment checks (Terraform parse + checkov + IAM-vs-code, Dockerfile
# checkov), then unit tests and integration tests against a real Consul 1.8.7 agent and a moto
# server on loopback, plus the crash-safety test against the built executable; then, for a full run,
# the README's run command (deploy/local/smoke.sh: sample tasks registered in Consul, clean stop).
# Usage: deploy/local/test.sh [extra `swift test` arguments, e.g. --filter JournalTests]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

"$here/deps.sh"

"$repo/deploy/checks/run.sh"

"$here/stack.sh" start
trap '"$here/stack.sh" stop' EXIT
# shellcheck disable=SC1091
source "${STACK_STATE_DIR:-$here/.state}/env"

# The build fails on a compiler warning in our own Sources/ or Tests/; in CI (CI set, as .ci/run
# does) every file of ours is recompiled first, so no warning hides in an incremental build, and
# `swift build -c release` must print none either.
"$repo/deploy/checks/build-warnings.sh" ${CI:+--all}
# In CI the release build (what ships) must be free of warnings too.
if [ -n "${CI:-}" ]; then
  "$repo/deploy/checks/build-warnings.sh" --release
fi
MESH_CONTROLLER_BIN="$(swift build --show-bin-path)/ecs-mesh-controller"
export MESH_CONTROLLER_BIN

# The HTTP contract against a live controller (openapi-spec-validator, schemathesis, /metrics parse).
"$repo/deploy/checks/api-contract.sh"

if [ "$#" -gt 0 ]; then
  swift test --skip-build "$@"
else
  # Two runs: the integration tests drive child processes, real servers and second-long waits; on
  # a 2-core machine they would share the test process's cooperative pool with the unit tests'
  # timing-sensitive cases. Apart, neither can starve the other.
  swift test --skip-build --skip IntegrationTests
  swift test --skip-build --filter IntegrationTests
fi

# The README's run command, end to end, on the default ports the test stack used: free them first.
if [ "$#" -eq 0 ]; then
  "$here/stack.sh" stop
  "$here/smoke.sh"
fi
