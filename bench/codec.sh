#!/usr/bin/env bash
# Metadata codec benchmark (docs/benchmarks.md, "Metadata codec"):
#  1. BenchmarkDotNet, short job, in process: parse / parse+write of a ~117 MB synthetic V6 checkpoint
#     (10^6 file handles) next to a memory copy, File.Copy (cp) and File.ReadAllBytes (cat) of the same file.
#  2. Peak RSS (/usr/bin/time -v) of one read+parse+write-to-/dev/null, next to cat and cp of the file.
# Takes about 2-3 minutes on 2 cores. Usage: bench/codec.sh [extra BenchmarkDotNet args]
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build bench/Stateport.Bench -c Release -nologo -v quiet
bin=bench/Stateport.Bench/bin/Release/net10.0/Stateport.Bench
dir="${TMPDIR:-/tmp}/stateport-bench/large-1000000-42"
file="$dir/_metadata"
artifacts="${TMPDIR:-/tmp}/stateport-bench/artifacts"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
"$bin" --generate "$file" 1000000 42

echo "== BenchmarkDotNet"
"$bin" --filter '*MetadataCodecBenchmarks*' --job short --iterationCount 10 --inProcess --artifacts "$artifacts" "$@"

echo "== peak memory (3 runs each; file is $(stat -c %s "$file") bytes)"
peak() {
  local label=$1; shift
  for _ in 1 2 3; do
    /usr/bin/time -f "$label: %e s wall, max RSS %M KiB" "$@" >/dev/null 2>"$dir/time.txt" || { cat "$dir/time.txt"; exit 1; }
    tail -n 1 "$dir/time.txt"
  done
}
peak "cat file > /dev/null      " cat "$file"
peak "cat file | cat > /dev/null" sh -c "cat \"$file\" | cat"
peak "cp file copy              " cp "$file" "$dir/cp-copy"
peak "stateport parse+write     " "$bin" --roundtrip "$file"
"$bin" --roundtrip "$file"
rm -f "$dir/cp-copy" "$dir/time.txt"
