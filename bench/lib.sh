# shellcheck shell=bash
# Helpers shared by the bench/ scripts. Sourced, not executed.

die() { echo "bench: ERROR: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# calc EXPR [DECIMALS=2]: floating-point arithmetic (awk syntax, ?: allowed).
calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }

# json_num JSON KEY: the number stored under KEY in a flat one-line JSON object ("" if absent).
json_num() { grep -o "\"$2\":[-0-9.eE+]*" <<<"$1" | head -n 1 | cut -d: -f2; }

# wait_for SECONDS WHAT CMD...: polls CMD every 0.1 s; dies naming WHAT when time runs out.
wait_for() {
  local secs="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${secs}s waiting for $what"
    sleep 0.1
  done
}

# stop_pid PID NAME SIGNAL: signals one child process of ours, waits up to 15 s, then SIGKILLs it,
# and reaps it.
stop_pid() {
  local pid="$1" name="$2" sig="$3" i
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]] && break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]]; then
      say "$name (pid $pid) ignored SIG$sig for 15 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# cpu_ticks PID: utime + stime of the process (all threads), in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# tree_ticks PID: CPU ticks of PID and its direct children (PostgreSQL's backends); exited
# children are not counted.
tree_ticks() {
  local total=0 c t
  for c in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
    t="$(cpu_ticks "$c" 2>/dev/null)" || continue
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# busy_ticks: CPU ticks the whole machine spent busy (all cores, /proc/stat), for interference.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# hwm_kb PID: peak resident set size (VmHWM) in kB.
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# thread_cpu PID: CPU seconds per thread name (threads of one name summed), busiest first.
thread_cpu() {
  local hz t
  hz="$(getconf CLK_TCK)"
  for t in /proc/"$1"/task/*/stat; do
    sed -E 's/^[0-9]+ \((.*)\) /\1\t/' "$t" 2>/dev/null || true
  done | awk -F'\t' -v hz="$hz" '{
      split($2, f, " "); name = $1; gsub(/[0-9]+$/, "#", name)
      cpu[name] += (f[12] + f[13]) / hz; n[name]++ }
    END { for (k in cpu) printf "%8.2f s  %s (x%d)\n", cpu[k], k, n[k] }' | sort -rn
}

# uplink_total < METRICS: sum of presence_uplink_messages_total over every result label.
uplink_total() { awk '/^presence_uplink_messages_total\{/ { s += $2 } END { printf "%.0f", s }'; }

# metric FILE NAME [FORMAT=%.0f]: value of the sample NAME (exact, labels included); 0 if absent.
metric() {
  awk -v n="$2" -v fmt="${3:-%.0f}" '$1 == n { v = $2; found = 1 }
    END { printf fmt, found ? v : 0 }' "$1"
}

# redis_commandstats HOST:PORT: per command "calls total_s usec_per_call name", costliest first.
# Commands run inside Lua scripts are counted too (and are part of their script's time).
redis_commandstats() {
  redis-cli -h "${1%:*}" -p "${1##*:}" INFO commandstats | tr -d '\r' \
    | awk -F'[:,=]' '/^cmdstat_/ { sub(/^cmdstat_/, "", $1)
        printf "%10d calls %8.2f s %8.2f us/call  %s\n", $3, $5 / 1e6, $7, $1 }' | sort -k3 -rn
}

# record_result DIR FILE JSON ROW: writes JSON to DIR/FILE and appends ROW to DIR/README.md's
# table of runs (the table is the last thing in that file).
record_result() {
  local dir="$1" file="$2" json="$3" row="$4"
  mkdir -p "$dir"
  echo "$json" >"$dir/$file"
  [[ -f "$dir/README.md" ]] || die "$dir/README.md missing (it holds the table header)"
  echo "$row" >>"$dir/README.md"
  say "recorded $dir/$file and a row in $dir/README.md"
}
