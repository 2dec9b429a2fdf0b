#!/usr/bin/env bash
# Codec mutation fuzzing, longer than the CI budget (docs/reliability.md, "Codec fuzzing").
# Runs FuzzTests (tests/Stateport.Metadata.Tests/Fuzzing) in Release with the budget given here and prints
# the counts: inputs, parsed-and-round-tripped, rejected, inputs/s, per mutator, top rejection reasons.
#
# Usage: bench/fuzz.sh [inputs] [seconds] [seed] [start-index]
#   inputs   default 1000000      seconds  default 600 (whichever ends first)
#   seed     default 20251121 (the CI seed); use another one to explore new inputs
#   start    default 0; with inputs=1 it replays the single input a failure reported as (seed, index)
# Failing inputs are saved to $TMPDIR/stateport-fuzz/seed-S-index-I.bin.
set -euo pipefail
cd "$(dirname "$0")/.."

export STATEPORT_FUZZ_INPUTS="${1:-1000000}"
export STATEPORT_FUZZ_SECONDS="${2:-600}"
export STATEPORT_FUZZ_SEED="${3:-20251121}"
export STATEPORT_FUZZ_START="${4:-0}"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== fuzzing: $STATEPORT_FUZZ_INPUTS inputs or $STATEPORT_FUZZ_SECONDS s, seed $STATEPORT_FUZZ_SEED, from index $STATEPORT_FUZZ_START"
dotnet test tests/Stateport.Metadata.Tests -c Release \
  --filter FullyQualifiedName~FuzzTests \
  --logger "console;verbosity=detailed"
