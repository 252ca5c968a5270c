#!/usr/bin/env bash
# A one-node Slurm cluster for velo's tests and .ci/run, from Debian's packages, with no systemd:
# munged, slurmctld and slurmd run in the foreground in the background, their pids recorded,
# every file they write (config, munge key and socket, state, spool, logs) in one folder.
#
#   .ci/slurm.sh start  [DIR]   install if missing (root or passwordless sudo), start, print usage
#   .ci/slurm.sh status [DIR]   say what runs
#   .ci/slurm.sh stop   [DIR]   stop by pid (SIGTERM, SIGKILL after a grace), kill leftover job
#                               processes and slurmstepd, remove DIR
#
# DIR is the argument, else $VELO_SLURM_DIR, else $CARGO_TARGET_DIR/slurm, else target/slurm of
# this checkout. start and stop are idempotent: start on a running cluster prints its usage again,
# start on a half-dead one cleans it first, stop on nothing succeeds.
#
# Exit codes: 0 done; 1 the cluster did not come up (its logs are printed); 2 usage;
# 3 status: not running; 77 Slurm cannot be had here (not installable, not root): the tests turn
# it into a visible skip, and the line on stderr starting with "skip:" says why.
# Settings: VELO_SLURM_PORT (first port tried, default 6817; slurmctld and slurmd take the first
# free pair from there), VELO_SLURM_GRACE (seconds between SIGTERM and SIGKILL, default 5).
set -euo pipefail

SKIP=77
me="slurm.sh"
say() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
  local code=$1
  shift
  say "$*"
  exit "$code"
}
skip() {
  printf 'skip: %s\n' "$*" >&2
  exit "$SKIP"
}

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
cmd=$1
case "$cmd" in
  start | stop | status) ;;
  -h | --help | help) usage ;;
  *) say "unknown subcommand '$cmd' (start, stop or status)"; usage ;;
esac
[ $# -le 2 ] || usage

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${2:-${VELO_SLURM_DIR:-${CARGO_TARGET_DIR:-$repo/target}/slurm}}
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
dir=${dir%/}
conf="$dir/slurm.conf"
run="$dir/run"
grace=${VELO_SLURM_GRACE:-5}
case "$grace" in '' | *[!0-9]*) die 2 "VELO_SLURM_GRACE=$grace is not a whole number of seconds" ;; esac

# Daemons and the commands users need, and the packages that bring them.
daemons=(munged slurmctld slurmd)
needed=(munged mungekey slurmctld slurmd srun sbatch scontrol sinfo squeue scancel)
packages=(slurmctld slurmd slurm-client munge)

# --- privileges ------------------------------------------------------------------------------
# The daemons run as root (SlurmUser=root, so any user's jobs run as that user). Without root,
# re-run this script under passwordless sudo; without that either, skip.
if [ "$cmd" != status ] && [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n VELO_SLURM_PORT="${VELO_SLURM_PORT:-}" VELO_SLURM_GRACE="$grace" \
      PATH="$PATH" bash "$0" "$cmd" "$dir"
  fi
  [ "$cmd" = stop ] && [ ! -d "$run" ] && exit 0
  skip "a Slurm cluster needs root (or passwordless sudo) to run munged, slurmctld and slurmd as root; this is uid $(id -u)"
fi

# --- helpers ---------------------------------------------------------------------------------
pidfile() { printf '%s/%s.pid' "$run" "$1"; }

# The pid recorded for a daemon if that process is still this cluster's daemon (its command
# line names this folder, so a recycled pid is never taken for it).
live_pid() {
  local f pid
  f=$(pidfile "$1")
  [ -r "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/" || return 1
  printf '%s' "$pid"
}

# Is the pid gone (or a zombie)?
gone() {
  local state
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 0
  [ -z "$state" ] || [ "$state" = Z ]
}

# SIGTERM the pids, SIGKILL what is left after the grace; returns when all are gone.
terminate() {
  local pids=("$@") p left i
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    left=()
    for p in "${pids[@]}"; do gone "$p" || left+=("$p"); done
    [ ${#left[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  say "still running after ${grace}s, SIGKILL: ${left[*]}"
  kill -KILL "${left[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    left=()
    for p in "${pids[@]}"; do gone "$p" || left+=("$p"); done
    [ ${#left[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  say "could not kill: ${left[*]}"
}

# This script and its ancestors: never touched by the sweep below.
ancestors() {
  local p=$$
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    printf '%s\n' "$p"
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || break
  done
}

# Processes this cluster left: slurmstepd (it daemonises; it inherits slurmd's
# VELO_SLURM_CLUSTER) and job processes (SLURM_JOB_ID with this cluster's SLURM_CONF), including
# those a job moved to a session of their own, which proctrack/linuxproc may not find.
leftovers() {
  local mine p env
  mine=" $(ancestors | tr '\n' ' ') "
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    case "$mine" in *" $p "*) continue ;; esac
    env=$({ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null) || continue
    if grep -qxF "VELO_SLURM_CLUSTER=$dir" <<<"$env" ||
      { grep -q '^SLURM_JOB_ID=' <<<"$env" && grep -qxF "SLURM_CONF=$conf" <<<"$env"; }; then
      printf '%s\n' "$p"
    fi
  done
}

sun_path_max=107
port_in_use() {
  # Listening TCP sockets (IPv4 and IPv6) from /proc: state 0A, local port in hex.
  local hex
  hex=$(printf '%04X' "$1")
  awk -v h="$hex" 'NR > 1 { split($2, a, ":"); if (a[2] == h && $4 == "0A") found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

print_usage() {
  local ctld_port=$1 slurmd_port=$2
  printf 'export SLURM_CONF=%s\n' "$conf"
  say "one-node cluster up: node $(hostname -s), slurmctld port $ctld_port, slurmd port $slurmd_port, state in $dir"
  cat >&2 <<EOF
  use it:   export SLURM_CONF=$conf
            unset \${!SLURM_@} \${!CI_NODE_@} JOB_COMPLETION_INDEX   # sbatch passes your environment to the job
            srun hostname
            sbatch --array=0-3 -o 'out-%A_%a.txt' --wrap 'env | grep ^SLURM_ARRAY'
            squeue; scontrol show job JOBID
  stop it:  $0 stop $dir
EOF
}

status() {
  local d pid up=0
  for d in "${daemons[@]}"; do
    if pid=$(live_pid "$d"); then
      say "$d: running (pid $pid)"
      up=$((up + 1))
    else
      say "$d: not running"
    fi
  done
  if [ "$up" -eq ${#daemons[@]} ]; then
    [ -r "$conf" ] && SLURM_CONF=$conf sinfo -h -o 'node %n: %T' 2>/dev/null | sed "s/^/$me: /" >&2 || true
    return 0
  fi
  [ "$up" -eq 0 ] && return 3
  return 1
}

# Jobs are not cancelled first: the sweep below ends them and slurmstepd at once, and the state
# goes with the folder.
stop() {
  local d pid stray i
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    d=${daemons[$i]}
    if pid=$(live_pid "$d"); then
      say "stopping $d (pid $pid)"
      terminate "$pid"
    fi
  done
  mapfile -t stray < <(leftovers)
  if [ ${#stray[@]} -gt 0 ]; then
    say "killing what the cluster left: $(for p in "${stray[@]}"; do printf '%s(%s) ' "$p" "$(cat /proc/"$p"/comm 2>/dev/null)"; done)"
    terminate "${stray[@]}"
  fi
  if [ -d "$dir" ]; then
    if [ -e "$dir/.velo-slurm" ] || [ -z "$(ls -A "$dir")" ]; then
      rm -rf -- "$dir"
      say "removed $dir"
    else
      die 2 "$dir was not made by this script (no .velo-slurm in it): left as it is"
    fi
  fi
}

install_if_missing() {
  local missing=() c
  for c in "${needed[@]}"; do
    command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 ||
    skip "Slurm is not installed (${missing[*]} missing) and there is no apt-get to install ${packages[*]}"
  say "installing ${packages[*]} (missing: ${missing[*]})"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; } >"${TMPDIR:-/tmp}/velo-slurm-apt.log" 2>&1; then
    tail -n 20 "${TMPDIR:-/tmp}/velo-slurm-apt.log" >&2
    skip "apt-get could not install ${packages[*]} (log: ${TMPDIR:-/tmp}/velo-slurm-apt.log)"
  fi
  rm -f "${TMPDIR:-/tmp}/velo-slurm-apt.log"
}

# Waits up to $1 tenths of a second for the command to succeed.
wait_for() {
  local tenths=$1 i
  shift
  for ((i = 0; i < tenths; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    gone "$(cat "$(pidfile "$daemon")")" && return 1
    sleep 0.1
  done
  return 1
}

failed() {
  say "$1 did not come up; its log:"
  tail -n 30 "$dir/log/$1.log" >&2 2>/dev/null || true
  tail -n 30 "$dir/log/$1.out" >&2 2>/dev/null || true
  stop
  exit 1
}

# Starts a daemon in its own session, in the foreground in the background, and records its pid.
# fd 9 (the lock) is closed for it, stdin is /dev/null and output goes to its log, so nothing
# that captures this script's output waits for the daemon.
launch() {
  local name=$1
  shift
  setsid "$@" </dev/null >"$dir/log/$name.out" 2>&1 9>&- &
  printf '%s\n' "$!" >"$(pidfile "$name")"
}

start() {
  local host cpus mem ctld_port slurmd_port p
  install_if_missing
  if [ -d "$dir" ] && [ ! -e "$dir/.velo-slurm" ] && [ -n "$(ls -A "$dir")" ]; then
    die 2 "$dir exists and was not made by this script (no .velo-slurm in it); give an empty or new folder"
  fi
  if [ -d "$dir" ]; then
    if status 2>/dev/null && [ -r "$run/ports" ]; then
      say "already running"
      read -r ctld_port slurmd_port <"$run/ports"
      print_usage "$ctld_port" "$slurmd_port"
      return 0
    fi
    say "cleaning what a previous cluster left in $dir"
    stop
  fi
  [ $((${#dir} + 20)) -le $sun_path_max ] ||
    die 2 "the folder $dir is too long for munge's socket path (at most $((sun_path_max - 20)) characters); set VELO_SLURM_DIR to a shorter one"

  mkdir -p "$dir"
  : >"$dir/.velo-slurm" # marks the folder as this script's: only such a folder is ever removed
  mkdir -p "$run" "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  chmod 755 "$dir" "$dir/munge"

  # munge: a key of its own and a socket in the folder, so a munged of the system is not needed
  # and not disturbed. It runs as the munge user when that user can reach the folder.
  local munge_user=root
  if id munge >/dev/null 2>&1 && setpriv --reuid=munge --regid=munge --init-groups test -x "$dir/munge" 2>/dev/null; then
    munge_user=munge
  fi
  mungekey --create --keyfile="$dir/munge/munge.key" 2>/dev/null ||
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
  chown "$munge_user:" "$dir/munge" "$dir/munge/munge.key" 2>/dev/null || chown "$munge_user" "$dir/munge" "$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  local socket="$dir/munge/munge.socket.2"
  local munged_cmd=(/usr/sbin/munged -F "--socket=$socket" "--key-file=$dir/munge/munge.key"
    "--log-file=$dir/log/munged.log" "--pid-file=$dir/munge/munged.pid" "--seed-file=$dir/munge/munged.seed")
  if [ "$munge_user" = munge ]; then
    launch munged setpriv --reuid=munge --regid=munge --init-groups "${munged_cmd[@]}"
  else
    launch munged "${munged_cmd[@]}" --force
  fi
  daemon=munged
  wait_for 100 bash -c "munge -S '$socket' -n | unmunge -S '$socket'" || failed munged

  # Ports: the first free pair from VELO_SLURM_PORT (default 6817), so clusters of two checkouts
  # can run side by side.
  p=${VELO_SLURM_PORT:-6817}
  case "$p" in '' | *[!0-9]*) die 2 "VELO_SLURM_PORT=$p is not a port number" ;; esac
  while port_in_use "$p" || port_in_use $((p + 1)); do
    p=$((p + 2))
    [ "$p" -lt 65000 ] || die 1 "no free pair of TCP ports from ${VELO_SLURM_PORT:-6817}"
  done
  ctld_port=$p
  slurmd_port=$((p + 1))
  printf '%s %s\n' "$ctld_port" "$slurmd_port" >"$run/ports"

  # cred_expire (default 120 s) is also how long a requeued job waits before it may start again;
  # 10 s keeps 'scontrol requeue' tests short and is ample for a local slurmd.
  # The node as slurmd sees it, so the node is never drained for claiming more than it has.
  host=$(hostname -s)
  cpus=$(slurmd -C 2>/dev/null | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n 1)
  mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
  cpus=${cpus:-$(nproc)}
  mem=${mem:-1000}
  cat >"$conf" <<EOF
# Written by .ci/slurm.sh for a one-node test cluster; removed by '.ci/slurm.sh stop'.
ClusterName=velo
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket,cred_expire=10
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=3600
KillWait=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/state/slurmctld.pid
SlurmdPidFile=$dir/spool/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

  export SLURM_CONF=$conf
  daemon=slurmctld
  launch slurmctld env VELO_SLURM_CLUSTER="$dir" slurmctld -D -i -f "$conf"
  wait_for 200 bash -c 'scontrol ping | grep -q "is UP"' || failed slurmctld
  daemon=slurmd
  launch slurmd env VELO_SLURM_CLUSTER="$dir" slurmd -D -N "$host" -f "$conf"
  wait_for 300 bash -c '[ "$(sinfo -h -o %T)" = idle ]' || failed slurmd
  print_usage "$ctld_port" "$slurmd_port"
}

# One invocation at a time on this machine (start and stop of one folder must not interleave;
# the port choice must not race another checkout's). The daemons do not inherit the lock.
exec 9<"$0"
flock 9

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status)
    set +e
    status
    rc=$?
    [ "$rc" -eq 3 ] && say "no cluster in $dir"
    exit "$rc"
    ;;
esac
