#!/usr/bin/env bash
# Starts a real single-node Slurm cluster on localhost (Debian's slurm-wlm and munge), private
# to this run — its own munge key and socket, its own ports, state and logs in a temporary
# folder — runs the given command against it (SLURM_CONF exported), and tears it all down,
# whatever the command's outcome. Used by tests/sweep.rs; needs root (the daemons run as root).
#   tests/slurm/single_node.sh COMMAND [ARGS...]
set -euo pipefail

for tool in munged slurmctld slurmd sbatch sinfo; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "single_node.sh: $tool is missing: run scripts/install-tools.sh (Debian's slurm-wlm and munge)" >&2
        exit 3
    }
done

work=$(mktemp -d /tmp/sf-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "${SF_SLURM_KEEP:-}" ]; then echo "single_node.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Ports from this process's id, so parallel runs and a leftover cluster do not collide.
base=$((20000 + ($$ % 20000)))

dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
munged --force --foreground --key-file="$work/munge.key" --socket="$work/munge.sock" \
    --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge.seed" \
    >"$work/munged.out" 2>&1 &
pids+=($!)

mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<CONF
ClusterName=spikeforge
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

# munged's socket first.
for _ in $(seq 100); do [ -S "$work/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -c -i >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost >"$work/slurmd.out" 2>&1 &
pids+=($!)

# The node up and idle.
up=""
for _ in $(seq 300); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qx 'idle'; then up=1; break; fi
    sleep 0.2
done
if [ -z "$up" ]; then
    echo "single_node.sh: the node did not come up within 60 s; slurmctld log:" >&2
    tail -20 "$work/slurmctld.log" >&2 || true
    echo "slurmd log:" >&2
    tail -20 "$work/slurmd.log" >&2 || true
    exit 4
fi

"$@"
