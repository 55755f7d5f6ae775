#!/usr/bin/env bash
# Long form of the reliability suite (tests/Resif.Gpu.Reliability.Tests): every count (clients, requests, kills,
# fuzz inputs) multiplied by SCALE, then the figures the suite reports, one per line.
#   tests/reliability-long.sh [SCALE]        default SCALE=10; RESIF_RELIABILITY_SEED=N replays a run
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scale="${1:-10}"
seed="${RESIF_RELIABILITY_SEED:-$RANDOM}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "reliability suite, long form: scale x$scale, seed $seed"
status=0
RESIF_RELIABILITY_SCALE="$scale" RESIF_RELIABILITY_SEED="$seed" \
    dotnet test "$root/tests/Resif.Gpu.Reliability.Tests" --nologo --logger "console;verbosity=detailed" >"$log" 2>&1 || status=$?

echo "figures:"
grep -E '^\s*FIGURE ' "$log" | sed -E 's/^\s*FIGURE /  /'
echo "tests:"
grep -E '^\s*(Total tests|Passed|Failed):' "$log" | sed -E 's/^\s*/  /' || true
if [[ $status -ne 0 ]]; then
    echo "FAILED (exit $status); failure details:"
    grep -E -A12 '^\s*Failed Resif\.' "$log" | head -120
fi
exit "$status"
