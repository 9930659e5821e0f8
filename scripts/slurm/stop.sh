#!/usr/bin/env bash
# Stops the cluster scripts/slurm/start.sh started: kills the daemons whose pids it recorded
# in $CURVEGAN_SLURM_DIR/pids (default /tmp/curvegan-slurm/pids), each only if that pid still
# runs the program recorded, and nothing else; jobs still queued or running on that cluster
# are cancelled first. Its state, logs and config stay for reading.
set -euo pipefail

dir=${CURVEGAN_SLURM_DIR:-/tmp/curvegan-slurm}
pids=$dir/pids
if [ ! -f "$pids" ]; then
    echo "stop.sh: no $pids: no cluster of ours to stop"
    exit 0
fi
alive() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
# Jobs still on our cluster are cancelled first, so that no task outlives its slurmd.
if [ -f "$dir/slurm.conf" ] && grep -q '^slurmctld ' "$pids"; then
    jobs=$(SLURM_CONF=$dir/slurm.conf timeout 10 squeue --noheader --format=%A 2>/dev/null || true)
    if [ -n "$jobs" ]; then
        # shellcheck disable=SC2086
        SLURM_CONF=$dir/slurm.conf timeout 10 scancel $jobs || true
        echo "cancelled jobs: $(echo $jobs)"
        sleep 1
    fi
fi
# The last started first: slurmd, slurmctld, then munged if we started it.
tac "$pids" | while read -r name pid; do
    if alive "$pid" "$name"; then
        kill "$pid"
        for _ in $(seq 100); do alive "$pid" "$name" || break; sleep 0.1; done
        if alive "$pid" "$name"; then kill -KILL "$pid"; fi
        echo "stopped $name ($pid)"
    else
        echo "$name ($pid) was not running"
    fi
done
rm -f "$pids"
