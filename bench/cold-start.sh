#!/usr/bin/env bash
# Cold start of `stateport inspect` on a ~200 KB _metadata, beside `cat` of the same file (same run).
# Target (issue 2): <= 150 ms wall. Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="${1:-$repo/../shared/corpus/example-beam-on-flink-1.12-rocksdb-incremental-494ff0-chk-6/chk-6/_metadata}"
command -v hyperfine >/dev/null || { echo "hyperfine missing: apt-get install -y hyperfine" >&2; exit 1; }
"$repo/stateport" --version >/dev/null   # build (self-contained, precompiled) if needed, outside the measurement
bin="$repo/artifacts/stateport/stateport"
echo "file: $file ($(stat -c %s "$file") bytes)"
hyperfine -N --warmup 3 --runs 30 --export-markdown "${BENCH_OUT:-/dev/stdout}" \
  "cat $file" "$bin inspect $file" "$bin inspect --json $file"
