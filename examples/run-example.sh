#!/usr/bin/env bash
# The main job on the synthetic example, no S3 needed:
#   1. inspect the downloaded checkpoint (its _metadata still points at s3://flink-prod/...),
#   2. rewrite those paths to where the files are now (offline),
#   3. verify it is restorable from there,
#   4. relocate it to a new directory (copy exactly what it references, rewrite, verify),
#   5. verify the copy: self-contained, nothing under the old location, SST footers sane.
# Usage: examples/run-example.sh [WORK_DIR]   (default: a new temporary directory)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stateport="$repo/stateport"
job=8f7c1e2d9a4b4c3e8d2f1a0b9c8d7e6f
work="${1:-$(mktemp -d)}"
work="$(mkdir -p "$work" && cd "$work" && pwd)"
rm -rf "$work/checkpoints" "$work/restored"
mkdir -p "$work/checkpoints"
cp -r "$repo/examples/synthetic-checkpoint/$job" "$work/checkpoints/"
chk="$work/checkpoints/$job/chk-42"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step stateport inspect "$chk"
"$stateport" inspect "$chk"

step stateport rewrite "$chk" "$chk/_metadata.local" --map s3://flink-prod/checkpoints="file:$work/checkpoints"
"$stateport" rewrite "$chk" "$chk/_metadata.local" --map s3://flink-prod/checkpoints="file:$work/checkpoints"
mv "$chk/_metadata.local" "$chk/_metadata"

step stateport verify "$chk"
"$stateport" verify "$chk"

step stateport relocate "$chk" "$work/restored/chk-42"
"$stateport" relocate "$chk" "$work/restored/chk-42"

step stateport verify "$work/restored/chk-42" --self-contained --deep --forbid-prefix "file:$work/checkpoints"
"$stateport" verify "$work/restored/chk-42" --self-contained --deep --forbid-prefix "file:$work/checkpoints"

printf '\nDone: %s holds a verified, self-contained copy (work dir %s).\n' "$work/restored/chk-42" "$work"
