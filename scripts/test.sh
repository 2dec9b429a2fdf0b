#!/usr/bin/env bash
# The test command of the project: starts the local S3 servers (two Ceph RGW
# clusters, see docs/s3-test-server.md), runs `dotnet test` on the solution,
# and always stops the servers again. Extra arguments go to `dotnet test`,
# e.g. ./scripts/test.sh --filter "FullyQualifiedName~Relocation".
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

S3_SERVER="$REPO_ROOT/scripts/s3-server.sh"
STATE_DIR="${STATEPORT_S3_STATE_DIR:-$REPO_ROOT/.s3test}"
export STATEPORT_S3_STATE_DIR="$STATE_DIR"
ENV_FILE="$STATE_DIR/env"
CORPUS_DIR="$REPO_ROOT/../shared/corpus"

say() { printf '[test.sh] %s\n' "$*" >&2; }

if [[ ${CI:-} == true && ! -d $CORPUS_DIR ]]; then
    say "FAILED: CI=true but the test corpus $CORPUS_DIR is missing (expected next to the repo at ../shared/corpus)."
    exit 1
fi

started_at=$(date +%s)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    "$S3_SERVER" stop || say "warning: stopping the S3 servers failed"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting local S3 servers ($S3_SERVER start)"
if ! "$S3_SERVER" start >/dev/null; then
    say "FAILED: could not start the local S3 servers (see the log output above)."
    exit 1
fi
set -a
# shellcheck source=/dev/null
source "$ENV_FILE"
set +a
export STATEPORT_S3_ENV_FILE="$ENV_FILE"
say "S3 a: $STATEPORT_S3_A_ENDPOINT  S3 b: $STATEPORT_S3_B_ENDPOINT  (env: $ENV_FILE)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Plain console output (per-project "Passed!/Failed!" lines) instead of the
# interactive terminal logger.
export MSBUILDTERMINALLOGGER=off

log_file="$STATE_DIR/dotnet-test.log"
mkdir -p "$STATE_DIR"
set +e
dotnet test Stateport.sln -c Release "$@" 2>&1 | tee "$log_file"
rc=${PIPESTATUS[0]}
set -e

# One plain closing line for the whole run, summed over the per-project result lines
# ("Passed!  - Failed: 0, Passed: 88, Skipped: 0, Total: 88, ...").
read -r passed failed skipped < <(awk '
    /(Passed|Failed)! +- +Failed: / {
        for (i = 1; i <= NF; i++) {
            if ($i == "Failed:") { f += $(i + 1) + 0 }
            if ($i == "Passed:") { p += $(i + 1) + 0 }
            if ($i == "Skipped:") { s += $(i + 1) + 0 }
        }
    }
    END { printf "%d %d %d\n", p, f, s }' "$log_file")
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $rc -eq 0 && $passed -eq 0 ]]; then
    say "FAILED: dotnet test ran no test"
    rc=1
fi

elapsed=$(( $(date +%s) - started_at ))
if [[ $rc -eq 0 ]]; then
    say "PASSED: dotnet test succeeded (exit 0) in ${elapsed}s"
else
    say "FAILED: dotnet test exited with code $rc after ${elapsed}s"
fi
exit "$rc"
