#!/usr/bin/env bash
# Installs what the build and the local stack need on a Debian bookworm machine.
#
# Idempotent and quiet on a warm machine: apt runs only for packages that are
# missing (PostgreSQL 15 and haproxy among them; their packaged services are not
# used: stack.sh runs its own cluster and run.sh its own haproxy), pip only when moto_server or the API contract tools (deploy/checks/
# requirements-api.txt) are missing, and Consul is fetched only when
# <repo>/.local/consul holds no working 1.8.7 binary. Safe to run concurrently:
# a lock file serialises the work. Runs without a TTY (CI).
#
# Consul: bookworm carries no `consul` package; bullseye carries 1.8.7. We fetch
# the .deb through a PRIVATE apt configuration (own sources list, lists and cache
# in a temp dir, the mirror URIs copied from the machine's own Debian sources)
# and unpack it with `dpkg -x` into <repo>/.local/consul. Nothing is installed
# system-wide and the system's apt configuration is never touched.
#
# Env: CONSUL_DIR (default <repo>/.local/consul), DEBIAN_MIRROR (override the
# mirror URI read from /etc/apt), DEPS_SKIP_APT=1 / DEPS_SKIP_PIP=1 to skip steps.
# Prints the path of the consul binary on stdout (last line); progress on stderr.
set -euo pipefail

readonly CONSUL_VERSION="1.8.7"
readonly CONSUL_SUITE="bullseye"
readonly MOTO_REQUIREMENT="moto[server]==5.2.1"
# postgresql-15 (the journal's PostgreSQL back end, run by stack.sh) and haproxy (the ALB stand-in of
# run.sh --ha and the failover test) come from Debian's own suite.
readonly APT_PACKAGES=(libevent-dev libsqlite3-dev libjemalloc-dev pkg-config wrk curl ca-certificates python3-pip
  postgresql-15 haproxy)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
consul_dir="${CONSUL_DIR:-$repo/.local/consul}"
consul_bin="$consul_dir/usr/bin/consul"

log() { printf 'deps: %s\n' "$*" >&2; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# apt and pip ride out a flaky network or a busy apt lock (a fresh VM's own unattended upgrade)
# instead of failing the run: apt retries each download and waits for the lock, pip retries
# connections with a longer timeout.
readonly APT_PATIENCE=(-o Acquire::Retries=5 -o DPkg::Lock::Timeout=300)
readonly PIP_PATIENCE=(--retries 10 --timeout 60)

# Runs a command as root (directly when we are root, else through sudo).
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root for: $*"
  fi
}

# --- apt packages -------------------------------------------------------------
install_apt_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$pkg")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "apt packages present"
    return
  fi
  log "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get "${APT_PATIENCE[@]}" update -qq
  as_root apt-get "${APT_PATIENCE[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# --- moto ---------------------------------------------------------------------
moto_available() {
  command -v moto_server >/dev/null 2>&1 && python3 -c 'import moto.server' >/dev/null 2>&1
}

install_moto() {
  if moto_available; then
    log "moto_server present"
    return
  fi
  log "installing $MOTO_REQUIREMENT"
  if ! python3 -m pip install --quiet "${PIP_PATIENCE[@]}" "$MOTO_REQUIREMENT" >&2; then
    # Debian's system Python refuses pip installs (PEP 668) unless told otherwise.
    python3 -m pip install --quiet "${PIP_PATIENCE[@]}" --break-system-packages "$MOTO_REQUIREMENT" >&2
  fi
  hash -r
  moto_available || die "moto_server still not available after pip install"
}

# --- API contract tools (deploy/checks/api-contract.sh, OperatorSurfaceTests) ------
api_tools_available() {
  python3 -c 'import schemathesis, openapi_spec_validator, prometheus_client' >/dev/null 2>&1 \
    && command -v st >/dev/null 2>&1 && command -v openapi-spec-validator >/dev/null 2>&1
}

install_api_tools() {
  if api_tools_available; then
    log "schemathesis, openapi-spec-validator, prometheus_client present"
    return
  fi
  local requirements="$repo/deploy/checks/requirements-api.txt"
  log "installing $(grep -v '^#' "$requirements" | xargs)"
  if ! python3 -m pip install --quiet "${PIP_PATIENCE[@]}" --requirement "$requirements" >&2; then
    python3 -m pip install --quiet "${PIP_PATIENCE[@]}" --break-system-packages --requirement "$requirements" >&2
  fi
  hash -r
  api_tools_available || die "API contract tools still not available after pip install"
}

# --- consul -------------------------------------------------------------------
consul_ok() {
  [[ -x "$consul_bin" ]] || return 1
  local out
  # Capture first: with pipefail, an early-exiting grep would SIGPIPE consul and fail the check.
  out="$("$consul_bin" version 2>/dev/null)" || return 1
  [[ "${out%%$'\n'*}" == "Consul v${CONSUL_VERSION}" ]]
}

# Prints the first mirror URI of the machine's main Debian suite (not -security).
debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "$DEBIAN_MIRROR"
    return
  fi
  local codename uri
  # shellcheck source=/dev/null
  codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-bookworm}")"
  # deb822 stanzas: remember URIs, print them when the Suites line names the codename itself.
  uri="$(awk -v want="$codename" '
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { uris = ""; suites = ""; next }
      tolower($1) == "uris:"   { uris = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == want) suites = want }
      uris != "" && suites != "" { print uris; exit }
    ' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  if [[ -z "$uri" && -r /etc/apt/sources.list ]]; then
    # One-line format: deb [opts] URI suite components...
    uri="$(awk -v want="$codename" '
        $1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == want) { print $i; exit } break } }
      ' /etc/apt/sources.list || true)"
  fi
  [[ -n "$uri" ]] || die "no Debian mirror URI found in /etc/apt (set DEBIAN_MIRROR)"
  printf '%s\n' "$uri"
}

fetch_consul() {
  if consul_ok; then
    log "consul ${CONSUL_VERSION} present"
    return
  fi
  local mirror keyring tmp deb version
  mirror="$(debian_mirror)"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ -r "$keyring" ]] || die "missing $keyring (package debian-archive-keyring)"
  tmp="$(mktemp -d)"
  cleanup_dirs+=("$tmp")
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/deb"
  printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$CONSUL_SUITE" >"$tmp/sources.list"
  local apt_private=(
    -o "Dir::Etc::sourcelist=$tmp/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$tmp/lists"
    -o "Dir::Cache=$tmp/cache"
    -o "Dir::Cache::archives=$tmp/cache/archives"
    -o "Acquire::Languages=none"
    -o "APT::Sandbox::User=root"
  )
  log "fetching consul ${CONSUL_VERSION} from ${CONSUL_SUITE} (private apt source)"
  apt-get "${apt_private[@]}" "${APT_PATIENCE[@]}" -qq update >&2
  (cd "$tmp/deb" && apt-get "${apt_private[@]}" "${APT_PATIENCE[@]}" -qq download "consul" >&2)
  deb="$(find "$tmp/deb" -maxdepth 1 -name 'consul_*.deb' | head -n 1)"
  [[ -n "$deb" ]] || die "apt-get download consul produced no .deb"
  version="$(dpkg-deb -f "$deb" Version)"
  [[ "$version" == "${CONSUL_VERSION}"* ]] || die "expected consul ${CONSUL_VERSION}, got ${version}"
  # Unpack next to the target and swap in, so a half-written tree is never seen.
  local staging="${consul_dir}.tmp.$$"
  cleanup_dirs+=("$staging")
  rm -rf "$staging"
  dpkg -x "$deb" "$staging"
  rm -rf "$consul_dir"
  mkdir -p "$(dirname "$consul_dir")"
  mv "$staging" "$consul_dir"
  consul_ok || die "unpacked consul does not report v${CONSUL_VERSION}: $("$consul_bin" version 2>&1 | sed -n 1p)"
  log "consul ${version} unpacked into ${consul_dir}"
}

# --- promtool -----------------------------------------------------------------
# `promtool check rules` for deploy/monitoring (deploy/checks/monitoring_check.py). From the
# machine's own suite's `prometheus` package, unpacked like Consul: nothing is installed or started.
promtool_bin="$repo/.local/prometheus/usr/bin/promtool"
fetch_promtool() {
  [[ -x "$promtool_bin" ]] && "$promtool_bin" --version >/dev/null 2>&1 && return 0
  local tmp
  tmp="$(mktemp -d)"
  cleanup_dirs+=("$tmp")
  log "fetching promtool (Debian package prometheus)"
  if ! (cd "$tmp" && apt-get "${APT_PATIENCE[@]}" -qq download prometheus >&2 2>/dev/null); then
    log "prometheus package not downloadable: the monitoring check falls back to its parser check"
    return 0
  fi
  rm -rf "$repo/.local/prometheus"
  dpkg -x "$(ls "$tmp"/prometheus_*.deb | head -1)" "$tmp/x"
  mkdir -p "$(dirname "$promtool_bin")"
  mv "$tmp/x/usr/bin/promtool" "$promtool_bin"
  log "$("$promtool_bin" --version 2>&1 | sed -n 1p)"
}

# Temp and staging dirs of fetch_consul, removed on any exit.
cleanup_dirs=()
cleanup() { if [[ ${#cleanup_dirs[@]} -gt 0 ]]; then rm -rf "${cleanup_dirs[@]}"; fi; }
trap cleanup EXIT

main() {
  mkdir -p "$repo/.local"
  exec 9>"$repo/.local/deps.lock"
  flock 9
  [[ "${DEPS_SKIP_APT:-0}" == 1 ]] || install_apt_packages
  [[ "${DEPS_SKIP_PIP:-0}" == 1 ]] || install_moto
  [[ "${DEPS_SKIP_PIP:-0}" == 1 ]] || install_api_tools
  fetch_consul
  [[ "${DEPS_SKIP_APT:-0}" == 1 ]] || fetch_promtool
  log "$("$consul_bin" version 2>&1 | sed -n 1p)"
  printf '%s\n' "$consul_bin"
}

main "$@"
