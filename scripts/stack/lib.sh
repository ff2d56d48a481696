# shellcheck shell=bash disable=SC2034
# Shared helpers for scripts/stack/{up,down,status}. Sourced, not executed.
# Layout of a stack directory DIR:
#   DIR/<name>.pid    pid (= process group id) of each server: postgres redis kafka otlp
#   DIR/<name>.port   its port (kafka: DIR/kafka.bootstrap holds host:port list)
#   DIR/logs/<name>.log
#   DIR/pg.datadir    path of the PostgreSQL data directory (under /tmp when DIR is not
#                     reachable by the postgres user)
#   DIR/env           FLEET_* variables for services, tests and the demo

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${STACK_ROOT}/.stack"
STACK_SKIP=" "
PG_BIN=/usr/lib/postgresql/15/bin
STACK_SERVERS="postgres redis kafka otlp"
READY_TIMEOUT_S="${FLEET_STACK_READY_TIMEOUT_S:-30}"

die() { echo "stack: ERROR: $*" >&2; exit 1; }
say() { echo "stack: $*" >&2; }

# Parses the common flags: --dir DIR, --skip NAME (repeatable; for debugging partial stacks).
parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; STACK_DIR="$2"; shift 2 ;;
      --dir=*) STACK_DIR="${1#--dir=}"; shift ;;
      --skip) [[ $# -ge 2 ]] || die "--skip needs a value"; STACK_SKIP+="$2 "; shift 2 ;;
      --skip=*) STACK_SKIP+="${1#--skip=} "; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown argument: $1 (try --help)" ;;
    esac
  done
  STACK_DIR="$(realpath -m -- "$STACK_DIR")"
}

skipped() { [[ "$STACK_SKIP" == *" $1 "* ]]; }

pid_of() { if [[ -f "$STACK_DIR/$1.pid" ]]; then cat "$STACK_DIR/$1.pid"; fi; }

# True when the server's recorded pid is alive (and not a zombie).
is_running() {
  local pid; pid="$(pid_of "$1")"
  [[ -n "$pid" ]] || return 1
  local state
  state="$(ps -o stat= -p "$pid" 2>/dev/null | tr -d ' ')" || return 1
  [[ -n "$state" && "$state" != Z* ]]
}

log_tail() {
  local f="$STACK_DIR/logs/$1.log"
  echo "----- last 40 lines of $f -----" >&2
  [[ -f "$f" ]] && tail -n 40 "$f" >&2 || echo "(no log)" >&2
  echo "-----" >&2
}

# A loopback TCP port below Linux's ephemeral range that nothing listens on right now.
free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# wait_until NAME CMD...: polls CMD every 0.1 s until it succeeds; fails (with NAME's log
# tail) when NAME's process dies or READY_TIMEOUT_S passes.
wait_until() {
  local name="$1"; shift
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  while ! "$@" >/dev/null 2>&1; do
    if ! is_running "$name"; then
      log_tail "$name"
      die "$name exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$name"
      die "$name not ready after ${READY_TIMEOUT_S}s"
    fi
    sleep 0.1
  done
}

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root).
as_postgres() {
  if [[ "$(id -u)" == 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

# stop_server NAME SIGNAL: sends SIGNAL to the server, waits up to 15 s, then SIGKILLs its group.
stop_server() {
  local name="$1" sig="$2" pid
  pid="$(pid_of "$name")"
  [[ -n "$pid" ]] || return 0
  if is_running "$name"; then
    kill "-$sig" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 15))
    while is_running "$name" && ((SECONDS < deadline)); do sleep 0.1; done
    if is_running "$name"; then
      say "$name (pid $pid) ignored SIG$sig for 15 s; killing"
    fi
  fi
  # Sweep what is left: direct children (PostgreSQL backends leave the group via setsid) and the
  # whole process group.
  if is_running "$name"; then
    kill -STOP "$pid" 2>/dev/null || true
    pkill -KILL -P "$pid" 2>/dev/null || true
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$STACK_DIR/$name.pid"
}

# Signal that stops each server gracefully. PostgreSQL's SIGTERM is "smart" shutdown, which
# waits for every client to disconnect; SIGINT is its "fast" shutdown.
stop_signal() { [[ "$1" == postgres ]] && echo INT || echo TERM; }

print_env() {
  cat "$STACK_DIR/env"
  say "use it with:  set -a; . $STACK_DIR/env; set +a"
}
