#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine, for curvegan's Slurm tests and for trying
# `curvegan sweep --backend slurm` without a real cluster. Needs root and the Debian packages
# slurm-wlm and munge.
#
# Everything it writes (slurm.conf, state, spool, logs, pid files) goes under
# $CURVEGAN_SLURM_DIR (default /tmp/curvegan-slurm), except the munge key, which munge reads from
# /etc/munge/munge.key: made (1 KiB random, owner munge, mode 400) only when there is none.
# munged is started only when no munge daemon answers. The pids of the daemons this script
# starts go to $CURVEGAN_SLURM_DIR/pids, and scripts/slurm/stop.sh kills those and no other.
#
# Idempotent: when our cluster is up already, it says so and exits 0. It waits until `sinfo`
# shows the node idle (at most $CURVEGAN_SLURM_TIMEOUT seconds, default 60); on failure it
# prints the daemons' logs and exits 1. Clients find the cluster through SLURM_CONF:
#
#   scripts/slurm/start.sh && export SLURM_CONF=/tmp/curvegan-slurm/slurm.conf
set -euo pipefail

dir=${CURVEGAN_SLURM_DIR:-/tmp/curvegan-slurm}
timeout=${CURVEGAN_SLURM_TIMEOUT:-60}
conf=$dir/slurm.conf
pids=$dir/pids
export SLURM_CONF=$conf

die() { echo "start.sh: $*" >&2; exit 1; }

missing=()
for cmd in slurmctld slurmd sinfo sbatch squeue scontrol munged munge unmunge setpriv; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$cmd")
done
if [ ${#missing[@]} -gt 0 ]; then
    die "missing ${missing[*]}: install the Debian packages slurm-wlm and munge (apt-get install -y slurm-wlm munge)"
fi
[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their users)"
PATH=$PATH:/usr/sbin

# True when process $1 is alive and runs the program named $2.
alive() { [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

node_state() { timeout 10 sinfo --noheader --nodes=localhost --format=%T 2>/dev/null | head -n1; }

if [ -f "$pids" ]; then
    up=1 some=0
    while read -r name pid; do
        if alive "$pid" "$name"; then some=1; else up=0; fi
    done <"$pids"
    grep -q '^slurmctld ' "$pids" && grep -q '^slurmd ' "$pids" || up=0
    if [ "$up" = 1 ] && [ "$(node_state)" = idle ]; then
        echo "our Slurm cluster is already up (pids in $pids); export SLURM_CONF=$conf"
        exit 0
    fi
    # None of the recorded daemons runs (a reboot, say): the record is stale.
    [ "$some" = 0 ] || die "the cluster recorded in $pids is not up and idle: run scripts/slurm/stop.sh first"
    rm -f "$pids"
fi

mkdir -p "$dir"/{state,spool,log,run}
: >"$pids"

# munge: one daemon per machine, shared with anything else using munge; started only if none
# answers.
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    key=/etc/munge/munge.key
    mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 700 /etc/munge
    if [ ! -s "$key" ]; then
        (umask 077 && dd if=/dev/urandom of="$key" bs=1024 count=1 status=none)
        chown munge:munge "$key"
        chmod 400 "$key"
    fi
    rm -f /run/munge/munged.pid
    setpriv --reuid=munge --regid=munge --init-groups munged
    for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    pid=$(cat /run/munge/munged.pid 2>/dev/null || true)
    alive "$pid" munged || die "munged did not start; see /var/log/munge/munged.log"
    echo "munged $pid" >>"$pids"
fi

cat >"$conf" <<CONF
# A one-node cluster written by curvegan's scripts/slurm/start.sh.
ClusterName=curvegan
SlurmctldHost=localhost
AuthType=auth/munge
# A requeued job waits the credential lifetime (default 120 s) before it starts again.
AuthInfo=cred_expire=10
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
MpiDefault=none
# Schedule pending jobs every second, not every minute: a test cluster, with short jobs.
SchedulerParameters=sched_interval=1,bf_interval=1
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

logs() {
    for f in "$dir"/log/*.log; do echo "--- $f" >&2; tail -n 40 "$f" >&2; done
}

# Both daemons fork and write their pid files; -i: ignore a previous state of ours.
start_daemon() {
    local name=$1
    shift
    rm -f "$dir/run/$name.pid"
    "$name" "$@" || { logs; die "$name failed to start"; }
    for _ in $(seq 50); do [ -s "$dir/run/$name.pid" ] && break; sleep 0.1; done
    local pid
    pid=$(cat "$dir/run/$name.pid" 2>/dev/null || true)
    alive "$pid" "$name" || { logs; die "$name did not start"; }
    echo "$name $pid" >>"$pids"
}
start_daemon slurmctld -f "$conf" -i
start_daemon slurmd -f "$conf" -N localhost

for _ in $(seq "$timeout"); do
    if [ "$(node_state)" = idle ]; then
        echo "Slurm cluster up: node localhost idle, $(nproc) CPUs (pids in $pids)"
        echo "export SLURM_CONF=$conf"
        exit 0
    fi
    sleep 1
done
logs
die "the node is not idle after $timeout s (state: $(node_state || true)); scripts/slurm/stop.sh stops what started"
