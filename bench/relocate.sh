#!/usr/bin/env bash
# End-to-end relocate benchmark against the local Ceph RGW pair (scripts/s3-server.sh), side by side in
# one run with rclone (server-side when both ends are one remote, --transfers 16) and `aws s3 cp --recursive`.
#
#   bench/relocate.sh                 # REPS=3 (median reported), about 6-8 minutes on 2 cores
#   REPS=1 bench/relocate.sh          # quick look
#   STATEPORT_BIN=/path/to/stateport bench/relocate.sh   # measure another build (default: ./stateport's publish)
#
# Input: bench/make-savepoint-tree.cs writes a synthetic V6 canonical savepoint (2,000 files of 4-64 KB +
# ten 50 MiB files, seeded, `_metadata` last); it is uploaded to cluster A once (not measured). Measured,
# interleaved per repetition, the destination deleted after every run:
#   (1) stateport same endpoint A -> A (other bucket)   (2) rclone copy, same remote (server-side)
#   (3) aws s3 cp --recursive, same endpoint            (4) stateport A -> B    (5) rclone copy A -> B
# then stateport (same endpoint and A -> B) on trees of half and double the size, for peak memory vs size.
# Per run: wall (/usr/bin/time %e), peak RSS (%M), stateport's --json byte counters. Bytes through the host
# are counted once more, in separate untimed runs, by summing the results of the socket/read/write syscalls
# under strace (/proc/<pid>/io does not see .NET's sendmsg/recvmsg, so it cannot be used).
#
# Never stops the servers (other people's tests share them); deletes its own buckets on exit and asks
# RGW's garbage collector to free deleted tail objects at once (the servers keep objects in RAM).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPS="${REPS:-3}"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/stateport-bench/relocate}"
out="${BENCH_OUT:-$work/results.md}"
mkdir -p "$work"

# ---------------------------------------------------------------- tools and servers
missing=()
command -v rclone >/dev/null || missing+=(rclone)
command -v aws >/dev/null || missing+=(awscli)
[[ -x /usr/bin/time ]] || missing+=(time)
command -v strace >/dev/null || missing+=(strace)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi
"$repo/scripts/s3-server.sh" start >/dev/null
# shellcheck disable=SC1091
source "$repo/.s3test/env"
A=$STATEPORT_S3_A_ENDPOINT B=$STATEPORT_S3_B_ENDPOINT

if [[ -n "${STATEPORT_BIN:-}" ]]; then
  sp_bin=$STATEPORT_BIN
else
  "$repo/stateport" --version >/dev/null || { echo "stateport does not build; set STATEPORT_BIN to a published binary" >&2; exit 1; }
  sp_bin="$repo/artifacts/stateport/stateport"
fi

# aws-cli: path-style in a private config; no trailing checksums (RGW 16 rejects them).
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
: >"$AWS_CONFIG_FILE"; : >"$AWS_SHARED_CREDENTIALS_FILE"
aws configure set default.s3.addressing_style path
aws configure set default.region us-east-1
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
# Endpoints are plain http; Debian's rclone fails while AWS_CA_BUNDLE is set.
unset AWS_CA_BUNDLE
awsA_cmd=(env "AWS_ACCESS_KEY_ID=$STATEPORT_S3_A_ACCESS_KEY" "AWS_SECRET_ACCESS_KEY=$STATEPORT_S3_A_SECRET_KEY" aws --endpoint-url "$A")
awsA() { AWS_ACCESS_KEY_ID=$STATEPORT_S3_A_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$STATEPORT_S3_A_SECRET_KEY aws --endpoint-url "$A" "$@"; }
awsB() { AWS_ACCESS_KEY_ID=$STATEPORT_S3_B_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$STATEPORT_S3_B_SECRET_KEY aws --endpoint-url "$B" "$@"; }
export RCLONE_CONFIG="$work/rclone.conf"   # empty file: remotes come from the environment
: >"$RCLONE_CONFIG"
for r in A B; do
  ep=STATEPORT_S3_${r}_ENDPOINT ak=STATEPORT_S3_${r}_ACCESS_KEY sk=STATEPORT_S3_${r}_SECRET_KEY
  export "RCLONE_CONFIG_${r}_TYPE=s3" "RCLONE_CONFIG_${r}_PROVIDER=Ceph" "RCLONE_CONFIG_${r}_ENDPOINT=${!ep}" \
    "RCLONE_CONFIG_${r}_ACCESS_KEY_ID=${!ak}" "RCLONE_CONFIG_${r}_SECRET_ACCESS_KEY=${!sk}" "RCLONE_CONFIG_${r}_FORCE_PATH_STYLE=true"
done
spA=(--endpoint "$A" --access-key "$STATEPORT_S3_A_ACCESS_KEY" --secret-key "$STATEPORT_S3_A_SECRET_KEY")
spAB=(--src-endpoint "$A" --src-access-key "$STATEPORT_S3_A_ACCESS_KEY" --src-secret-key "$STATEPORT_S3_A_SECRET_KEY"
      --dst-endpoint "$B" --dst-access-key "$STATEPORT_S3_B_ACCESS_KEY" --dst-secret-key "$STATEPORT_S3_B_SECRET_KEY")

tag="spbench-$$"
src="$tag-src" dst="$tag-dst" dstb="$tag-dstb"
gc() { # free deleted RGW tail objects now instead of after rgw_gc_obj_min_wait (2 h)
  command -v radosgw-admin >/dev/null && timeout 120 radosgw-admin -c "$repo/.s3test/$1/ceph.conf" gc process --include-all >/dev/null 2>&1 || true
}
cleanup() {
  set +e
  awsA s3 rb --force "s3://$src" >/dev/null 2>&1; awsA s3 rb --force "s3://$dst" >/dev/null 2>&1
  awsB s3 rb --force "s3://$dstb" >/dev/null 2>&1
  gc a; gc b
}
trap cleanup EXIT
awsA s3 mb "s3://$src" >/dev/null; awsA s3 mb "s3://$dst" >/dev/null; awsB s3 mb "s3://$dstb" >/dev/null

# ---------------------------------------------------------------- measurement
raw="$work/runs.tsv"
printf 'size\tcase\trep\twall_s\trss_kb\tbytes_server_side\tbytes_streamed\tstateport_seconds\n' >"$raw"

# measure SIZE CASE REP cmd...: one run under /usr/bin/time.
measure() {
  local size=$1 case=$2 rep=$3; shift 3
  local log="$work/run-$size-$case-$rep"
  /usr/bin/time -f "%e %M" -o "$log.time" "$@" >"$log.out" 2>"$log.err" \
    || { echo "FAILED: $case ($size, rep $rep): $*" >&2; tail -5 "$log.err" >&2; exit 1; }
  local wall rss ss=- st=- secs=-
  read -r wall rss <"$log.time"
  if [[ $case == stateport* ]]; then
    ss=$(grep -o '"bytesServerSide": *[0-9]*' "$log.out" | grep -o '[0-9]*$')
    st=$(grep -o '"bytesStreamed": *[0-9]*' "$log.out" | grep -o '[0-9]*$')
    secs=$(grep -o '"seconds": *[0-9.]*' "$log.out" | grep -o '[0-9.]*$')
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$case" "$rep" "$wall" "$rss" "$ss" "$st" "$secs" >>"$raw"
  printf '  %-16s %-6s rep %s: %6.2f s, peak RSS %4d MB%s\n' "$case" "$size" "$rep" "$wall" $((rss / 1024)) \
    "$([[ $ss == - ]] || echo ", server-side $ss B, streamed $st B, own timer ${secs} s")" >&2
}
# traffic CASE cmd...: untimed run under strace; bytes received / sent by all read/recv and write/send calls.
declare -A traffic_in traffic_out
traffic() {
  local case=$1; shift
  local log="$work/strace-$case"
  strace -f -qq -s 0 -o "$log.txt" -e trace=read,readv,recvfrom,recvmsg,write,writev,sendto,sendmsg "$@" >"$log.out" 2>"$log.err" \
    || { echo "FAILED: traffic $case: $*" >&2; tail -5 "$log.err" >&2; exit 1; }
  read -r traffic_in[$case] traffic_out[$case] < <(awk '/= [0-9]+$/ { n = $NF + 0;
      if ($0 ~ /(read|readv|recvfrom|recvmsg)(\(| resumed>)/) i += n; else o += n } END { printf "%d %d\n", i, o }' "$log.txt")
  rm -f "$log.txt"
  printf '  traffic %-16s %6d MB in, %6d MB out (all read/recv and write/send syscalls)\n' "$case" \
    $((traffic_in[$case] / 1000000)) $((traffic_out[$case] / 1000000)) >&2
}
clearA() { awsA s3 rm --recursive --only-show-errors "s3://$dst/sp/" >/dev/null; gc a; }
clearB() { awsB s3 rm --recursive --only-show-errors "s3://$dstb/sp/" >/dev/null; gc b; }

# make_tree SMALL LARGE: generate and upload; prints the savepoint directory name.
make_tree() {
  local dir name
  dir=$(dotnet run "$repo/bench/make-savepoint-tree.cs" -- "$work/tree-$1-$2" "$1" "$2" 50 42)
  name=$(basename "$dir")
  awsA s3 cp --recursive --only-show-errors "$dir" "s3://$src/sp/$name" >&2
  echo "$name"
}
tree_bytes() { find "$work/tree-$1-$2" -type f -printf '%s\n' | awk '{s+=$1} END{print s}'; }

started=$(date +%s)
echo "stateport: $sp_bin ($("$sp_bin" --version 2>/dev/null | head -1)); $(rclone version 2>/dev/null | head -1); $(aws --version 2>&1)" >&2

# ---------------------------------------------------------------- base tree: all five cases, interleaved
echo "generating and uploading the base tree (2000 small + 10 x 50 MiB)" >&2
base=$(make_tree 2000 10); base_bytes=$(tree_bytes 2000 10)
for rep in $(seq 1 "$REPS"); do
  measure base stateport-same "$rep" "$sp_bin" relocate "s3://$src/sp/$base" "s3://$dst/sp/$base" "${spA[@]}" --json; clearA
  measure base rclone-same "$rep" rclone copy --transfers 16 "A:$src/sp/$base" "A:$dst/sp/$base"; clearA
  measure base aws-same "$rep" "${awsA_cmd[@]}" s3 cp --recursive --only-show-errors --no-progress "s3://$src/sp/$base" "s3://$dst/sp/$base"
  clearA
  measure base stateport-cross "$rep" "$sp_bin" relocate "s3://$src/sp/$base" "s3://$dstb/sp/$base" "${spAB[@]}" --json; clearB
  measure base rclone-cross "$rep" rclone copy --transfers 16 "A:$src/sp/$base" "B:$dstb/sp/$base"; clearB
done
echo "bytes through the host (strace, untimed)" >&2
traffic stateport-same "$sp_bin" relocate "s3://$src/sp/$base" "s3://$dst/sp/$base" "${spA[@]}" --json; clearA
traffic rclone-same rclone copy --transfers 16 "A:$src/sp/$base" "A:$dst/sp/$base"; clearA
traffic aws-same "${awsA_cmd[@]}" s3 cp --recursive --only-show-errors --no-progress "s3://$src/sp/$base" "s3://$dst/sp/$base"; clearA
traffic stateport-cross "$sp_bin" relocate "s3://$src/sp/$base" "s3://$dstb/sp/$base" "${spAB[@]}" --json; clearB
traffic rclone-cross rclone copy --transfers 16 "A:$src/sp/$base" "B:$dstb/sp/$base"; clearB
awsA s3 rm --recursive --only-show-errors "s3://$src/sp/" >/dev/null; gc a

# ---------------------------------------------------------------- half and double: stateport peak memory vs size
declare -A size_bytes=([base]=$base_bytes)
for spec in "half 1000 5" "double 4000 20"; do
  read -r size small large <<<"$spec"
  echo "generating and uploading the $size tree ($small small + $large x 50 MiB)" >&2
  name=$(make_tree "$small" "$large"); size_bytes[$size]=$(tree_bytes "$small" "$large")
  measure "$size" stateport-same 1 "$sp_bin" relocate "s3://$src/sp/$name" "s3://$dst/sp/$name" "${spA[@]}" --json; clearA
  measure "$size" stateport-cross 1 "$sp_bin" relocate "s3://$src/sp/$name" "s3://$dstb/sp/$name" "${spAB[@]}" --json; clearB
  awsA s3 rm --recursive --only-show-errors "s3://$src/sp/" >/dev/null; gc a
  rm -rf "$work/tree-$small-$large"
done

# ---------------------------------------------------------------- report
median() { sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -F'\t' -v s="$1" -v c="$2" -v k="$3" 'NR>1 && $1==s && $2==c {print $k}' "$raw" | median; }
{
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, REPS=$REPS (median), base tree ${base_bytes} bytes in 2,011 objects; took $(( $(date +%s) - started )) s."
  echo
  echo "| Case | Wall (s) | MB/s | time vs rclone | Peak RSS (MB) | host traffic in / out (MB) | stateport bytes server-side / streamed |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for c in stateport-same rclone-same aws-same stateport-cross rclone-cross; do
    w=$(col base $c 4); r=$(col base $c 5)
    ref=$(col base "rclone-${c##*-}" 4)
    bytes=-; [[ $c == stateport* ]] && bytes="$(col base $c 6) / $(col base $c 7)"
    printf '| %s | %.2f | %.0f | %.2f× | %.0f | %.1f / %.1f | %s |\n' "$c" "$w" "$(echo "$base_bytes / 1000000 / $w" | bc -l)" \
      "$(echo "$w / $ref" | bc -l)" "$(echo "$r / 1024" | bc -l)" "$(echo "${traffic_in[$c]} / 1000000" | bc -l)" \
      "$(echo "${traffic_out[$c]} / 1000000" | bc -l)" "$bytes"
  done
  echo
  echo "aws-same vs rclone-same: $(echo "$(col base aws-same 4) / $(col base rclone-same 4)" | bc -l | xargs printf '%.2f')×; stateport-same vs aws-same: $(echo "$(col base stateport-same 4) / $(col base aws-same 4)" | bc -l | xargs printf '%.2f')×"
  echo
  echo "| stateport peak RSS vs size | Tree bytes | Same endpoint: wall / RSS | A → B: wall / RSS |"
  echo "|---|---:|---:|---:|"
  for s in half base double; do
    printf '| %s | %s | %.2f s / %.0f MB | %.2f s / %.0f MB |\n' "$s" "${size_bytes[$s]}" "$(col $s stateport-same 4)" "$(echo "$(col $s stateport-same 5) / 1024" | bc -l)" \
      "$(col $s stateport-cross 4)" "$(echo "$(col $s stateport-cross 5) / 1024" | bc -l)"
  done
} | tee "$out"
echo "raw runs: $raw" >&2
