#!/usr/bin/env bash
# Static checks of the deployment artefacts (deploy/terraform, deploy/Dockerfile):
#   hcl2     every .tf file parses with python-hcl2; variables/outputs documented   (pytest)
#   iam      the task role allows exactly the AWS actions the Swift code calls      (pytest)
#   checkov  terraform framework on deploy/terraform, dockerfile framework on
#            deploy/Dockerfile; any skip is an inline `#checkov:skip=<id>:<reason>`
#            next to its resource, never a command-line skip
#   tf       `terraform fmt -check` and `terraform validate`, only where terraform and an
#            offline provider mirror are installed (tf_validate.py explains)
#   docs     every doc link resolves, README under 300 lines (docs_check.py); docs/configuration.md
#            matches the keys, env names, defaults and ranges in the code (config_docs.py)
#   monitor  deploy/monitoring: promtool check rules (or a parser check), and every metric the
#            alerts and the Grafana dashboard name is one the controller exports (monitoring_check.py)
#   secrets  checkov's secrets scan of deploy/local (no sample credential in the repository)
#
# Usage: deploy/checks/run.sh            (no arguments; safe to run repeatedly)
# Exit:  0 when every check passed, 1 otherwise. Every check runs even after a failure.
#
# Tools: pinned in requirements-*.txt, installed on first use (and when a pin changes) into two
# virtualenvs under $DEPLOY_CHECKS_HOME (default ~/.cache/ecs-mesh-controller/deploy-checks).
# Two, because checkov bundles its own fork of python-hcl2 under the same module name.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
home="${DEPLOY_CHECKS_HOME:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ecs-mesh-controller/deploy-checks}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

started=$SECONDS
declare -a results=()
failed=0
count_ok=0 count_fail=0 count_skip=0
step_started=$SECONDS
record() { # name status detail: one summary line, with the seconds since the previous one
    results+=("$(printf '%-8s %-5s %4ss  %s' "$1" "$2" "$((SECONDS - step_started))" "$3")")
    step_started=$SECONDS
    case "$2" in
        ok) count_ok=$((count_ok + 1)) ;;
        FAIL) count_fail=$((count_fail + 1)); failed=1 ;;
        *) count_skip=$((count_skip + 1)) ;;
    esac
    return 0
}

# --- tools -----------------------------------------------------------------------------------
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
    echo "deploy/checks: needs Python >= 3.9 as \$PYTHON or python3" >&2
    exit 1
fi
mkdir -p "$home"

# ensure_venv DIR REQUIREMENTS: (re)creates DIR unless it was built from these exact pins.
ensure_venv() {
    local dir="$home/$1" requirements="$here/$2" stamp
    stamp="$(sha256sum "$requirements" | cut -c1-16)-$("$python" -c 'import platform; print(platform.python_version())')"
    if [[ -x "$dir/bin/python" && "$(cat "$dir/.stamp" 2>/dev/null)" == "$stamp" ]]; then
        return 0
    fi
    echo "deploy/checks: installing $(grep -v '^#' "$requirements" | xargs) into $dir"
    rm -rf "$dir"
    "$python" -m venv "$dir" \
        && "$dir/bin/pip" install --quiet --retries 10 --timeout 60 --requirement "$requirements" \
        && echo "$stamp" > "$dir/.stamp"
}

# One installer at a time (two runs sharing $home must not rebuild the same venv together).
exec 9> "$home/.lock"
flock 9
tools_ok=1
ensure_venv hcl2 requirements-hcl2.txt || { tools_ok=0; record tools FAIL "pip install -r requirements-hcl2.txt failed"; }
ensure_venv checkov requirements-checkov.txt || { tools_ok=0; record tools FAIL "pip install -r requirements-checkov.txt failed"; }
flock -u 9
version_of() { "$home/$1/bin/python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$2"; }
[[ $tools_ok == 1 ]] && record tools ok "python-hcl2 $(version_of hcl2 python-hcl2), pytest $(version_of hcl2 pytest), checkov $(version_of checkov checkov)"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# --- hcl2 + iam: pytest --------------------------------------------------------------------------
if [[ $tools_ok == 1 ]]; then
    echo "== pytest deploy/checks (python-hcl2 parse, documentation, IAM actions)"
    (cd "$here" && "$home/hcl2/bin/python" -m pytest -p no:cacheprovider -q -rfE . ) 2>&1 | tee "$scratch/pytest.log"
    status=${PIPESTATUS[0]}
    summary="$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed|error).* =+$' "$scratch/pytest.log" | tail -1 | tr -d '=' | xargs)"
    if [[ $status == 0 ]]; then record pytest ok "$summary"; else record pytest FAIL "${summary:-pytest exited $status}"; fi
fi

# --- checkov -------------------------------------------------------------------------------------
# run_checkov NAME ARGS...: the CLI report (failures only) goes to the terminal, the JSON summary
# decides: no failures, no parse errors, and something was actually checked.
run_checkov() {
    local name="$1"; shift
    echo "== checkov $name"
    "$home/checkov/bin/checkov" "$@" --skip-download --compact --quiet \
        --output cli --output json --output-file-path "console,$scratch/checkov-$name" 2>"$scratch/checkov-$name.stderr"
    local status=$?
    local verdict
    verdict="$("$python" - "$scratch/checkov-$name" "$name" <<'PY'
import json, os, sys
path = sys.argv[1]
# The secrets framework reports findings only: nothing "passed" is a clean scan, not an empty one.
may_be_empty = sys.argv[2] == "secrets"
if os.path.isdir(path):  # checkov writes a file, or a directory holding results_json.json
    path = os.path.join(path, "results_json.json")
try:
    data = json.load(open(path))
except (OSError, ValueError) as error:
    print(f"FAIL no JSON report ({error})"); sys.exit()
reports = data if isinstance(data, list) else [data]
total = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0}
for report in reports:
    for key in total:
        total[key] += report.get("summary", {}).get(key, 0)
ok = total["failed"] == 0 and total["parsing_errors"] == 0 and (may_be_empty or total["passed"] + total["failed"] > 0)
print(("ok" if ok else "FAIL"), f'passed {total["passed"]}, failed {total["failed"]}, skipped {total["skipped"]}, parse errors {total["parsing_errors"]}')
PY
)"
    if [[ $status != 0 && $verdict == ok* ]]; then
        verdict="FAIL checkov exited $status: $(tail -3 "$scratch/checkov-$name.stderr" | xargs)"
    fi
    record "checkov" "${verdict%% *}" "$name: ${verdict#* }"
}
if [[ $tools_ok == 1 ]]; then
    run_checkov terraform --directory "$repo/deploy/terraform" --framework terraform
    run_checkov dockerfile --file "$repo/deploy/Dockerfile" --framework dockerfile
fi

# --- docs, configuration reference, monitoring (plain python3) ----------------------------------
run_script() { # name script: its last line is the summary
    local name="$1" script="$2" out
    echo "== $name ($script)"
    if out="$("$python" "$here/$script" 2>&1)"; then
        echo "$out"
        record "$name" ok "$(echo "$out" | tail -1)"
    else
        echo "$out"
        record "$name" FAIL "$(echo "$out" | tail -1)"
    fi
}
run_script docs docs_check.py
run_script config config_docs.py
run_script monitor monitoring_check.py
if [[ $tools_ok == 1 ]]; then
    run_checkov secrets --directory "$repo/deploy/local" --framework secrets
fi

# --- terraform fmt / validate (optional) ---------------------------------------------------------
if command -v terraform >/dev/null 2>&1; then
    echo "== terraform fmt -check"
    if fmt_out="$(terraform fmt -check -recursive -list=true "$repo/deploy/terraform" 2>/dev/null)"; then
        record tf-fmt ok "terraform fmt -check: formatted"
    else
        echo "$fmt_out"
        record tf-fmt FAIL "not formatted: $(echo "$fmt_out" | xargs)"
    fi
    echo "== terraform validate"
    if validate_out="$("$python" "$here/tf_validate.py" 2>&1)"; then
        echo "$validate_out"
        record tf-val ok "$(echo "$validate_out" | grep -c 'Success!') root(s) valid$(echo "$validate_out" | grep -q skipped && echo ' (skipped: no provider mirror)')"
    else
        echo "$validate_out"
        record tf-val FAIL "terraform validate failed"
    fi
else
    record tf skip "terraform not installed: fmt/validate not run"
fi

# --- summary -------------------------------------------------------------------------------------
echo
echo "== deploy/checks summary ($((SECONDS - started)) s)"
printf '%s\n' "${results[@]}"
if [[ $failed == 0 ]]; then
    echo "deploy/checks: all checks passed"
else
    echo "deploy/checks: FAILED"
fi
# The plain closing line CI reads: "<word>: N passed, N failed[, N skipped]".
echo "deploy-checks: $count_ok passed, $count_fail failed$([[ $count_skip -gt 0 ]] && echo ", $count_skip skipped")"
exit $failed
