#!/usr/bin/env bash
# Local S3 servers for the Stateport test suite: two independent single-node
# Ceph clusters ("a" and "b"), each with its own RADOS Gateway (S3) bound to
# 127.0.0.1. See docs/s3-test-server.md.
#
#   scripts/s3-server.sh start   # install (if needed), start both, write .s3test/env
#   scripts/s3-server.sh stop    # stop both (rgw -> osd -> mon), remove state
#   scripts/s3-server.sh env     # print .s3test/env
#   scripts/s3-server.sh status  # exit 0 when both gateways answer HTTP
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATEPORT_S3_STATE_DIR:-$REPO_ROOT/.s3test}"
ENV_FILE="$STATE_DIR/env"
LOCK_FILE="$STATE_DIR/lock"
CLUSTERS=(a b)
# Preferred ports; the next free one is used when busy.
RGW_BASE_PORT="${STATEPORT_S3_BASE_PORT:-17480}"
MON_BASE_PORT="${STATEPORT_S3_MON_BASE_PORT:-17490}"
START_TIMEOUT="${STATEPORT_S3_START_TIMEOUT:-90}"
# memstore's "device size" is a quota, not an allocation: RAM is used only for data actually stored. Its
# used-bytes counter does not shrink reliably when objects are deleted (seen: OSD reported full with an empty
# data pool after ~4 GB of writes and deletes; a 16 GiB quota ran full with 1.7 GB resident after ~10 GB), and
# a full OSD makes RGW block writes instead of failing them, so the quota is far above this machine's RAM
# (256 GiB) to keep long test and benchmark sessions from stalling. Resident memory is what was really stored.
MEMSTORE_BYTES="${STATEPORT_S3_MEMSTORE_BYTES:-274877906944}"

log() { printf '[s3-server] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- install
ensure_installed() {
    if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null \
        && command -v ceph-osd >/dev/null && command -v radosgw-admin >/dev/null \
        && command -v monmaptool >/dev/null && command -v ceph >/dev/null; then
        return 0
    fi
    command -v apt-get >/dev/null || die "Ceph is not installed and apt-get is unavailable; install ceph-mon ceph-osd radosgw ceph-common"
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "Ceph is not installed; run as root or install ceph-mon ceph-osd radosgw ceph-common"
        sudo=(sudo)
    fi
    log "installing Ceph (ceph-mon ceph-osd radosgw ceph-common) via apt-get ..."
    "${sudo[@]}" apt-get update -qq </dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        ceph-mon ceph-osd radosgw ceph-common </dev/null
    command -v radosgw >/dev/null && command -v ceph-mon >/dev/null || die "Ceph installation failed"
}

# ---------------------------------------------------------------- helpers
# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    { (exec 3<>"/dev/tcp/127.0.0.1/$1"); } 2>/dev/null
}

# True when an HTTP server answers on 127.0.0.1:$1 (no curl dependency).
http_ok() {
    local port=$1 line=""
    { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 2>/dev/null || { exec 3<&-; return 1; }
    IFS= read -r -t 3 line <&3 || true
    exec 3<&-
    [[ $line == HTTP/* ]]
}

# True when process $1 exists and is not a zombie (the init of some containers
# reaps orphans only every couple of seconds).
pid_alive() {
    local st
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z ]]
}

# True when process $1 is alive and was started with config file $2 (guards
# against PID reuse before we signal it).
pid_is_ours() {
    pid_alive "$1" || return 1
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

read_pid() { [[ -f $1 ]] && cat "$1" || true; }

random_string() { # $1 = length, $2 = charset
    local out=""
    while (( ${#out} < $1 )); do
        out+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc "$2")
    done
    printf '%s' "${out:0:$1}"
}

# Picks a free port >= $1 that is not in the space-separated list $2.
pick_port() {
    local p=$1 taken=" $2 "
    while (( p < $1 + 200 )); do
        if [[ $taken != *" $p "* ]] && ! port_in_use "$p"; then
            echo "$p"; return 0
        fi
        p=$((p + 1))
    done
    die "no free port found starting at $1"
}

tail_logs() { # $1 = cluster dir
    local f
    for f in "$1"/log/*.log "$1"/log/*.out; do
        [[ -s $f ]] || continue
        log "----- tail of $f -----"
        tail -n 20 "$f" >&2 || true
    done
}

# ---------------------------------------------------------------- status
cluster_running() { # $1 = cluster name
    local d="$STATE_DIR/$1" port
    [[ -f $d/rgw_port ]] || return 1
    for p in rgw osd mon; do pid_alive "$(read_pid "$d/$p.pid")" || return 1; done
    port=$(cat "$d/rgw_port")
    http_ok "$port"
}

all_running() {
    local c
    [[ -f $ENV_FILE ]] || return 1
    for c in "${CLUSTERS[@]}"; do cluster_running "$c" || return 1; done
}

# ---------------------------------------------------------------- stop
# The state is thrown away on stop, so a graceful shutdown buys nothing:
# SIGTERM, a short grace period (radosgw alone would take ~7 s), then SIGKILL.
stop_pid() { # $1 = pid file, $2 = label, $3 = grace in tenths of a second, $4 = conf path
    local pid i
    pid=$(read_pid "$1")
    pid_is_ours "$pid" "$4" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < ${3:-10}; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
    log "$2 (pid $pid) did not exit"
}

stop_cluster() { # $1 = cluster name
    local d="$STATE_DIR/$1"
    [[ -d $d ]] || return 0
    stop_pid "$d/rgw.pid" "radosgw($1)" 5 "$d/ceph.conf"
    stop_pid "$d/osd.pid" "ceph-osd($1)" 5 "$d/ceph.conf"
    stop_pid "$d/mon.pid" "ceph-mon($1)" 5 "$d/ceph.conf"
    rm -rf "$d"
}

stop_all() {
    local c pids=()
    for c in "${CLUSTERS[@]}"; do
        stop_cluster "$c" &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    rm -f "$ENV_FILE"
}

# ---------------------------------------------------------------- start
write_conf() { # $1 dir, $2 fsid, $3 mon port, $4 rgw port
    local d=$1
    cat >"$d/ceph.conf" <<EOF
[global]
fsid = $2
mon initial members = a
mon host = [v2:127.0.0.1:$3]
public addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind msgr1 = false
ms bind msgr2 = true
ms mon client mode = crc secure
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
run dir = $d/run
admin socket = $d/run/\$cluster-\$name.asok
log file = $d/log/\$name.log
log to stderr = false
err to stderr = true
mon cluster log file = $d/log/cluster.log
debug ms = 0
keyring = $d/keyring
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
paxos propose interval = 0.1
mon data avail warn = 1
mon data avail crit = 0

[mon]
mon data = $d/mon/\$cluster-\$id

[osd]
osd data = $d/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd crush update on start = true

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$4
rgw data = $d/rgw
rgw enable usage log = false
rgw dns name = 127.0.0.1
EOF
}

# Runs a daemon in the foreground in its own session, detached from our stdio
# and from the lock file descriptor; records its PID.
launch() { # $1 pidfile, $2 outfile, rest = command
    local pidfile=$1 out=$2
    shift 2
    setsid "$@" </dev/null >"$out" 2>&1 9>&- &
    echo $! >"$pidfile"
}

ceph_cli() { # $1 dir, rest = args
    local d=$1
    shift
    timeout 20 ceph -c "$d/ceph.conf" --connect-timeout 15 "$@"
}

start_cluster() { # $1 name, $2 mon port, $3 rgw port, $4 access key, $5 secret key
    local name=$1 monport=$2 rgwport=$3 access=$4 secret=$5
    local d="$STATE_DIR/$name" fsid osd_uuid osd_id deadline
    fsid=$(cat /proc/sys/kernel/random/uuid)
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    rm -rf "$d"
    mkdir -p "$d/run" "$d/log" "$d/mon" "$d/osd" "$d/rgw"
    : >"$d/keyring"
    write_conf "$d" "$fsid" "$monport" "$rgwport"
    echo "$rgwport" >"$d/rgw_port"
    echo "$monport" >"$d/mon_port"
    local conf="$d/ceph.conf"
    deadline=$(( $(date +%s) + START_TIMEOUT ))

    # --- monitor
    monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$monport]" "$d/monmap" \
        >"$d/log/monmaptool.out" 2>&1 || { log "monmaptool failed ($name)"; return 1; }
    ceph-mon -c "$conf" --mkfs -i a --monmap "$d/monmap" >"$d/log/mon-mkfs.out" 2>&1 \
        || { log "ceph-mon --mkfs failed ($name)"; return 1; }
    launch "$d/mon.pid" "$d/log/mon.out" ceph-mon -c "$conf" -i a -f

    # --- OSD (registering it also proves the monitor is up)
    until osd_id=$(ceph_cli "$d" osd new "$osd_uuid" 2>>"$d/log/ceph-cli.out"); do
        pid_alive "$(read_pid "$d/mon.pid")" || { log "ceph-mon exited ($name)"; return 1; }
        (( $(date +%s) < deadline )) || { log "timeout waiting for ceph-mon ($name)"; return 1; }
        sleep 0.2
    done
    mkdir -p "$d/osd/ceph-$osd_id"
    ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$d/log/osd-mkfs.out" 2>&1 \
        || { log "ceph-osd --mkfs failed ($name)"; return 1; }
    launch "$d/osd.pid" "$d/log/osd.out" ceph-osd -c "$conf" -i "$osd_id" -f

    # --- gateway (it waits for the OSD itself while creating its pools)
    launch "$d/rgw.pid" "$d/log/rgw.out" radosgw -c "$conf" -n client.rgw -f
    until http_ok "$rgwport"; do
        pid_alive "$(read_pid "$d/osd.pid")" || { log "ceph-osd exited ($name)"; return 1; }
        pid_alive "$(read_pid "$d/rgw.pid")" || { log "radosgw exited ($name)"; return 1; }
        (( $(date +%s) < deadline )) || { log "timeout waiting for radosgw on port $rgwport ($name)"; return 1; }
        sleep 0.1
    done

    # --- S3 user
    until timeout 30 radosgw-admin -c "$conf" -n client.admin user create --uid=stateport \
            --display-name="Stateport tests ($name)" --access-key="$access" --secret-key="$secret" \
            >"$d/log/user-create.out" 2>&1; do
        (( $(date +%s) < deadline )) || { log "radosgw-admin user create failed ($name)"; return 1; }
        sleep 0.2
    done
    return 0
}

write_env() { # uses globals set in cmd_start
    local tmp="$ENV_FILE.tmp.$$" c upper
    : >"$tmp"
    for c in "${CLUSTERS[@]}"; do
        upper=${c^^}
        {
            echo "export STATEPORT_S3_${upper}_ENDPOINT=http://127.0.0.1:$(cat "$STATE_DIR/$c/rgw_port")"
            echo "export STATEPORT_S3_${upper}_ACCESS_KEY=$(cat "$STATE_DIR/$c/access_key")"
            echo "export STATEPORT_S3_${upper}_SECRET_KEY=$(cat "$STATE_DIR/$c/secret_key")"
        } >>"$tmp"
    done
    mv -f "$tmp" "$ENV_FILE"
}

cmd_start() {
    mkdir -p "$STATE_DIR"
    exec 9>"$LOCK_FILE"
    flock -w 300 9 || die "could not acquire $LOCK_FILE"

    if all_running; then
        write_env
        log "already running"
        cat "$ENV_FILE"
        return 0
    fi

    ensure_installed
    # Partially running or stale state: start from scratch.
    stop_all

    local t0 attempt
    t0=$(now_ms)
    for attempt in 1 2 3; do
        if start_all "$((attempt == 3))"; then
            write_env
            log "started clusters ${CLUSTERS[*]} in $(( $(now_ms) - t0 ))ms; env: $ENV_FILE"
            cat "$ENV_FILE"
            return 0
        fi
        # Most likely cause of a retryable failure: a port taken between picking and binding.
        (( attempt < 3 )) && log "start attempt $attempt failed; retrying with fresh state and ports"
    done
    die "could not start the S3 test servers (logs above; state dir $STATE_DIR)"
}

# One attempt at starting all clusters in parallel; on failure leaves nothing
# running, keeps the logs, and prints their tails when $1 is 1 (last attempt).
start_all() {
    local show_logs=${1:-1}
    local c used="" monport rgwport i=0 failed=()
    local -A mon_ports=() rgw_ports=() pids=()
    for c in "${CLUSTERS[@]}"; do
        rgwport=$(pick_port $((RGW_BASE_PORT + i)) "$used"); used+=" $rgwport"
        monport=$(pick_port $((MON_BASE_PORT + i)) "$used"); used+=" $monport"
        rgw_ports[$c]=$rgwport
        mon_ports[$c]=$monport
        i=$((i + 1))
    done

    for c in "${CLUSTERS[@]}"; do
        mkdir -p "$STATE_DIR/$c"
        (
            access=$(random_string 20 'A-Z0-9')
            secret=$(random_string 40 'A-Za-z0-9')
            # (errexit is off here because start_all runs inside `if`: check explicitly)
            start_cluster "$c" "${mon_ports[$c]}" "${rgw_ports[$c]}" "$access" "$secret" || exit 1
            printf '%s' "$access" >"$STATE_DIR/$c/access_key"
            printf '%s' "$secret" >"$STATE_DIR/$c/secret_key"
        ) 9>&- &
        pids[$c]=$!
    done

    for c in "${CLUSTERS[@]}"; do
        wait "${pids[$c]}" || failed+=("$c")
    done
    ((${#failed[@]} == 0)) && return 0
    rm -rf "$STATE_DIR/last-failure"
    for c in "${failed[@]}"; do
        log "cluster $c failed to start"
        [[ $show_logs == 1 ]] && tail_logs "$STATE_DIR/$c"
        mkdir -p "$STATE_DIR/last-failure"
        cp -r "$STATE_DIR/$c/log" "$STATE_DIR/last-failure/$c" 2>/dev/null || true
    done
    stop_all
    log "logs of the failed attempt kept in $STATE_DIR/last-failure/"
    return 1
}

cmd_stop() {
    [[ -d $STATE_DIR ]] || return 0
    exec 9>"$LOCK_FILE"
    flock -w 300 9 || die "could not acquire $LOCK_FILE"
    stop_all
    exec 9>&-
    rm -rf "$STATE_DIR"
    log "stopped"
}

cmd_env() {
    [[ -f $ENV_FILE ]] || die "$ENV_FILE not found; run: scripts/s3-server.sh start"
    cat "$ENV_FILE"
}

cmd_status() {
    if all_running; then
        log "running"
        return 0
    fi
    log "not running"
    return 1
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    status) cmd_status ;;
    *) echo "usage: $0 {start|stop|env|status}" >&2; exit 2 ;;
esac
