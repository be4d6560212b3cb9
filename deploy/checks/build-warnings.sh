#!/usr/bin/env bash
# Builds the package (with tests) and fails when the compiler warns about this package's own
# Sources/ or Tests/. Warnings from dependencies (.build/checkouts) are not ours and do not count.
#
# Usage: deploy/checks/build-warnings.sh [--all] [--release] [extra `swift build` arguments]
#   --all      recompile every source file of this package first (CI does: CI=1 in .ci/run). An
#              incremental build prints warnings only for the files it recompiles, so without this a
#              warning in a file built earlier would pass unseen; dependencies stay cached.
#   --release  `swift build -c release` (the products, without tests: what ships) instead of the
#              debug build with tests. The optimizer reports things a debug build does not, and
#              `#if DEBUG` hides code from one of the two, so CI builds both.
# Exit: the build's status if it failed, 1 if it printed a warning of ours, else 0.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

all=""
build=(--build-tests)
while [ "$#" -gt 0 ]; do
  case "$1" in
    --all) all=1; shift ;;
    --release) build=(-c release); shift ;;
    *) break ;;
  esac
done
if [ -n "$all" ]; then
  # A newer modification time is what makes the build recompile a file.
  find Sources Tests -name '*.swift' -exec touch {} +
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift build "${build[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  exit "$status"
fi

# `path:line:column: warning: text`, where path is in this package's Sources/ or Tests/.
ours="$(grep -E '^[^ ]+:[0-9]+:[0-9]+: warning: ' "$log" | grep -F -e "$repo/Sources/" -e "$repo/Tests/" | sort -u || true)"
if [ -n "$ours" ]; then
  count="$(printf '%s\n' "$ours" | wc -l | tr -d ' ')"
  printf '\nbuild-warnings: %s compiler warning(s) in Sources/ or Tests/ (dependencies excluded):\n%s\n' "$count" "$ours" >&2
  exit 1
fi
echo "build-warnings: no compiler warnings in Sources/ or Tests/ (swift build ${build[*]} $*)"
