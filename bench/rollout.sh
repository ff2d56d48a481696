#!/usr/bin/env bash
# bench/run rollout: one firmware campaign of N devices run by the task service against fleet-sim
# (device-online for presence, device-config for the targets, kafka-dev with a SHARED downlink
# topic): devices started per minute, progress events applied per second, time to 100%
# SUCCEEDED, task service and PostgreSQL CPU per device. Loopback only, bounded in time; stops
# everything it started (trap), even on failure. See usage() and bench/results/README.md.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=bench/record.sh
source "$BENCH_DIR/record.sh"

DEVICES=100000
BATCH_SIZE=""
MAX_IN_FLIGHT=20000
TICK="100ms"
CONSUMER_THREADS=2
SWEEP_BATCH=2000
MAX_CANDIDATES=5000
PRESENCE_PARALLEL=8
STEP_TIME="100ms"
REBOOT_TIME="2s"
HB_INTERVAL_S=30
UP_PARTITIONS=12
DOWN_PARTITIONS=16
DURATION_S=360
TIMEOUT_S=180
BUILD=1
RECORD=1
KEEP=0
NOTE=""
UP_TOPIC=bench.rollout.up
DOWN_TOPIC=bench.rollout.down

usage() {
  cat <<EOF
usage: bench/run rollout [options]
  --devices N            simulated, registered and targeted devices (1..100000, default $DEVICES)
  --batch_size B         campaign spec.rollout.batch_size (default: N, one batch)
  --max_in_flight M      campaign spec.rollout.max_in_flight (default $MAX_IN_FLIGHT)
  --tick_interval D      task --tick_interval (default $TICK)
  --consumer_threads T   task --consumer_threads (default $CONSUMER_THREADS)
  --sweep_batch S        task --sweep_batch (default $SWEEP_BATCH)
  --max_candidates C     task --max_candidates (default $MAX_CANDIDATES)
  --presence_parallel P  task --presence_parallel (default $PRESENCE_PARALLEL)
  --step_time D          fleet-sim --firmware_step_time (default $STEP_TIME)
  --reboot_time D        fleet-sim --firmware_reboot_time (default $REBOOT_TIME)
  --heartbeat_interval S fleet-sim and device-online heartbeat interval in seconds (default $HB_INTERVAL_S)
  --up_partitions P      partitions of the uplink topic (default $UP_PARTITIONS; kafka-dev keeps only
                         ~5 MB per partition, so a lagging consumer loses records: see uplink_resets)
  --duration S           limit of the measured rollout in seconds; partial progress is reported
                         when cut (default $DURATION_S)
  --timeout S            limit of each setup phase in seconds (default $TIMEOUT_S)
  --note TEXT            free text for the results table
  --no-record            do not write bench/results/
  --no-build             use the binaries already in bazel-bin
  --keep                 keep the run directory (logs, samples, metrics) after success
Setup (not measured): PostgreSQL (databases fleet_task, fleet_presence, fleet_registry), Redis,
kafka-dev ($UP_TOPIC:$UP_PARTITIONS, shared downlink $DOWN_TOPIC:$DOWN_PARTITIONS), device-config
(N devices imported), device-online, fleet-sim (N devices), the task service; waits until
device-online has seen a heartbeat from (about) every device. Measured: CreateCampaign (explicit
ids dev-000000..) -> every execution SUCCEEDED (GetCampaign polled every second).
EOF
}

while [[ $# -gt 0 ]]; do
  arg="$1" val="" has_val=0
  shift
  if [[ "$arg" == --*=* ]]; then val="${arg#*=}" arg="${arg%%=*}" has_val=1; fi
  case "$arg" in
    --devices|--batch_size|--max_in_flight|--tick_interval|--consumer_threads|--sweep_batch|\
    --max_candidates|--presence_parallel|--step_time|--reboot_time|--heartbeat_interval|--duration|\
    --up_partitions|--timeout|--note)
      if ((!has_val)); then
        [[ $# -ge 1 ]] || die "$arg needs a value"
        val="$1"
        shift
      fi ;;
  esac
  case "$arg" in
    --devices) DEVICES="$val" ;;
    --batch_size) BATCH_SIZE="$val" ;;
    --max_in_flight) MAX_IN_FLIGHT="$val" ;;
    --tick_interval) TICK="$val" ;;
    --consumer_threads) CONSUMER_THREADS="$val" ;;
    --sweep_batch) SWEEP_BATCH="$val" ;;
    --max_candidates) MAX_CANDIDATES="$val" ;;
    --presence_parallel) PRESENCE_PARALLEL="$val" ;;
    --step_time) STEP_TIME="$val" ;;
    --reboot_time) REBOOT_TIME="$val" ;;
    --heartbeat_interval) HB_INTERVAL_S="$val" ;;
    --duration) DURATION_S="$val" ;;
    --up_partitions) UP_PARTITIONS="$val" ;;
    --timeout) TIMEOUT_S="$val" ;;
    --note) NOTE="$val" ;;
    --no-record) RECORD=0 ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done
BATCH_SIZE="${BATCH_SIZE:-$DEVICES}"
is_uint "$DEVICES" && ((DEVICES >= 1 && DEVICES <= 100000)) || die "--devices must be 1..100000"
is_uint "$BATCH_SIZE" && ((BATCH_SIZE >= 1 && BATCH_SIZE <= 100000)) || die "--batch_size must be 1..100000"
is_uint "$MAX_IN_FLIGHT" && ((MAX_IN_FLIGHT >= 1)) || die "--max_in_flight must be >= 1"
is_uint "$CONSUMER_THREADS" && ((CONSUMER_THREADS >= 1 && CONSUMER_THREADS <= 32)) || die "--consumer_threads must be 1..32"
is_uint "$SWEEP_BATCH" && ((SWEEP_BATCH >= 1)) || die "--sweep_batch must be >= 1"
is_uint "$MAX_CANDIDATES" && ((MAX_CANDIDATES >= 1)) || die "--max_candidates must be >= 1"
is_uint "$PRESENCE_PARALLEL" && ((PRESENCE_PARALLEL >= 1 && PRESENCE_PARALLEL <= 64)) || die "--presence_parallel must be 1..64"
is_uint "$HB_INTERVAL_S" && ((HB_INTERVAL_S >= 1)) || die "--heartbeat_interval must be >= 1 (seconds)"
is_uint "$UP_PARTITIONS" && ((UP_PARTITIONS >= 1 && UP_PARTITIONS <= 256)) || die "--up_partitions must be 1..256"
is_uint "$DURATION_S" && ((DURATION_S >= 10)) || die "--duration must be >= 10 (seconds)"
is_uint "$TIMEOUT_S" && ((TIMEOUT_S >= 10)) || die "--timeout must be >= 10 (seconds)"
for d in "$TICK" "$STEP_TIME" "$REBOOT_TIME"; do
  [[ "$d" =~ ^[0-9]+(\.[0-9]+)?(ms|s)$ ]] || die "durations must look like 100ms or 2s, got '$d'"
done
for tool in curl awk redis-cli; do command -v "$tool" >/dev/null || die "$tool is required"; done
PSQL_BIN=/usr/lib/postgresql/15/bin/psql
[[ -x "$PSQL_BIN" ]] || die "$PSQL_BIN missing"

BIN="${FLEET_BENCH_BIN:-$ROOT/bazel-bin}"
LOAD="$BIN/bench/rollout_load"
REG_LOAD="$BIN/bench/registry_load"
TASK="$BIN/services/task/task"
ONLINE="$BIN/services/device-online/device-online"
DEVCFG="$BIN/services/device-config/device-config"
KAFKA_DEV="$BIN/tools/kafka-dev/kafka-dev"
SIM="$BIN/edge/sim/fleet-sim"
if ((BUILD)); then
  say "building"
  (cd "$ROOT" && bazel build //bench:rollout_load //bench:registry_load //services/task \
    //services/device-online //services/device-config //tools/kafka-dev //edge/sim:fleet-sim) >&2 \
    || die "bazel build failed"
fi
for b in "$LOAD" "$REG_LOAD" "$TASK" "$ONLINE" "$DEVCFG" "$KAFKA_DEV" "$SIM"; do
  [[ -x "$b" ]] || die "$b missing (drop --no-build)"
done

# ------------------------------------------------------------------ stack (fresh, ours only)
LOAD0="$(cut -d' ' -f1 /proc/loadavg)"
UPTIME0="$(uptime)"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench-rollout.XXXXXX")"
STACK="$RUN_DIR/stack"
TASK_PID="" ONLINE_PID="" DEVCFG_PID="" KAFKA_PID="" SIM_PID="" POLL_PID="" SUCCESS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$POLL_PID" ]] && stop_pid "$POLL_PID" rollout_load TERM
  [[ -n "$TASK_PID" ]] && stop_pid "$TASK_PID" task TERM
  [[ -n "$SIM_PID" ]] && stop_pid "$SIM_PID" fleet-sim TERM
  [[ -n "$ONLINE_PID" ]] && stop_pid "$ONLINE_PID" device-online TERM
  [[ -n "$DEVCFG_PID" ]] && stop_pid "$DEVCFG_PID" device-config TERM
  [[ -n "$KAFKA_PID" ]] && stop_pid "$KAFKA_PID" kafka-dev TERM
  [[ -d "$STACK" ]] && "$ROOT/scripts/stack/down" --dir "$STACK" >/dev/null 2>&1 || true
  if ((SUCCESS && !KEEP)); then rm -rf -- "$RUN_DIR"; else say "run directory kept: $RUN_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "stack in $STACK (PostgreSQL, Redis); kafka-dev with $UP_TOPIC:$UP_PARTITIONS and $DOWN_TOPIC:$DOWN_PARTITIONS"
"$ROOT/scripts/stack/up" --dir "$STACK" --skip kafka --skip otlp >"$RUN_DIR/stack.env.out" 2>"$RUN_DIR/stack.log" \
  || { cat "$RUN_DIR/stack.log" >&2; die "stack up failed"; }
PG_URL="$(sed -n 's/^FLEET_PG_URL=//p' "$STACK/env")"
REDIS_ADDR="$(sed -n 's/^FLEET_REDIS_ADDR=//p' "$STACK/env")"
PG_PID="$(cat "$STACK/postgres.pid")"
REDIS_PID="$(cat "$STACK/redis.pid")"
echo "postgres $PG_PID" >>"$RUN_DIR/pids"
echo "redis $REDIS_PID" >>"$RUN_DIR/pids"
[[ -n "$PG_URL" && -n "$REDIS_ADDR" ]] || die "stack env incomplete: $(cat "$STACK/env")"
PG_BASE="${PG_URL%/*}"
for db in fleet_task fleet_presence fleet_registry; do
  "$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 "$PG_URL" -c "CREATE DATABASE $db" >/dev/null || die "CREATE DATABASE $db failed"
done
TASK_PG="$PG_BASE/fleet_task"
psql() { "$PSQL_BIN" -X -q -At -v ON_ERROR_STOP=1 "$TASK_PG" "$@"; }

"$KAFKA_DEV" --bootstrap_file="$RUN_DIR/kafka.bootstrap" --topic="$UP_TOPIC:$UP_PARTITIONS" \
  --topic="$DOWN_TOPIC:$DOWN_PARTITIONS" --topic=fleet.presence:6 </dev/null >/dev/null 2>"$RUN_DIR/kafka.log" &
KAFKA_PID=$!
echo "kafka-dev $KAFKA_PID" >>"$RUN_DIR/pids"
wait_for 30 "kafka-dev" test -s "$RUN_DIR/kafka.bootstrap"
BOOTSTRAP="$(head -n 1 "$RUN_DIR/kafka.bootstrap" | tr -d '[:space:]')"

# serving_port LOG KEY: the port named KEY in the service's "serving" log line.
serving_port() { grep '"msg":"serving"' "$1" | head -n 1 | grep -o "\"$2\":[0-9]*" | cut -d: -f2; }

"$DEVCFG" --pg_url="$PG_BASE/fleet_registry" --grpc_address=127.0.0.1:0 --admin_port=0 --kafka_bootstrap= \
  </dev/null >"$RUN_DIR/devcfg.out" 2>"$RUN_DIR/devcfg.log" &
DEVCFG_PID=$!
echo "device-config $DEVCFG_PID" >>"$RUN_DIR/pids"
"$ONLINE" --kafka_bootstrap="$BOOTSTRAP" --pg_url="$PG_BASE/fleet_presence" --redis_addr="$REDIS_ADDR" \
  --uplink_topic="$UP_TOPIC" --consumer_group="bench-online-$$" --grpc_address=127.0.0.1:0 \
  --admin_port=0 --heartbeat_interval="${HB_INTERVAL_S}s" --downlink_template="$DOWN_TOPIC" \
  --replica_id="bench-$$" </dev/null >"$RUN_DIR/online.out" 2>"$RUN_DIR/online.log" &
ONLINE_PID=$!
echo "device-online $ONLINE_PID" >>"$RUN_DIR/pids"
wait_for 60 "device-config to serve" grep -q '"msg":"serving"' "$RUN_DIR/devcfg.log"
wait_for 60 "device-online to serve" grep -q '"msg":"serving"' "$RUN_DIR/online.log"
DEVCFG_TARGET="127.0.0.1:$(serving_port "$RUN_DIR/devcfg.log" grpc_port)"
ONLINE_TARGET="127.0.0.1:$(serving_port "$RUN_DIR/online.log" grpc_port)"
ONLINE_METRICS="http://127.0.0.1:$(serving_port "$RUN_DIR/online.log" admin_port)/metrics"

say "importing $DEVICES devices into device-config"
out="$("$REG_LOAD" --target="$DEVCFG_TARGET" --mode=import --devices="$DEVICES" --deadline="${TIMEOUT_S}s" \
  2>"$RUN_DIR/import.log")" || { cat "$RUN_DIR/import.log" >&2; die "import failed"; }
say "import: $out"

"$SIM" --kafka_bootstrap="$BOOTSTRAP" --devices="$DEVICES" --uplink_topic="$UP_TOPIC" \
  --heartbeat_interval="${HB_INTERVAL_S}s" --downlink_template="$DOWN_TOPIC" --downlink_group="bench-sim-$$" \
  --firmware_step_time="$STEP_TIME" --firmware_reboot_time="$REBOOT_TIME" --control_port=0 \
  --port_file="$RUN_DIR/sim.port" </dev/null >"$RUN_DIR/sim.out" 2>"$RUN_DIR/sim.log" &
SIM_PID=$!
echo "fleet-sim $SIM_PID" >>"$RUN_DIR/pids"
wait_for 30 "fleet-sim control port" test -s "$RUN_DIR/sim.port"
SIM_URL="http://127.0.0.1:$(head -n 1 "$RUN_DIR/sim.port" | tr -d '[:space:]')"
t_sim=$EPOCHREALTIME

MAX_TARGETS=$((DEVICES > 1000 ? DEVICES : 1000))
TASK_ARGS=(--pg_url="$TASK_PG" --grpc_address=127.0.0.1:0 --admin_port=0 --kafka_bootstrap="$BOOTSTRAP"
  --uplink_topic="$UP_TOPIC" --downlink_template="$DOWN_TOPIC" --kafka_group="bench-task-$$"
  --device_online="$ONLINE_TARGET" --device_config="$DEVCFG_TARGET" --tick_interval="$TICK"
  --consumer_threads="$CONSUMER_THREADS" --sweep_batch="$SWEEP_BATCH" --max_candidates="$MAX_CANDIDATES"
  --presence_parallel="$PRESENCE_PARALLEL" --max_targets="$MAX_TARGETS" --kafka_session_timeout=6s)
"$TASK" "${TASK_ARGS[@]}" </dev/null >"$RUN_DIR/task.out" 2>"$RUN_DIR/task.log" &
TASK_PID=$!
echo "task $TASK_PID" >>"$RUN_DIR/pids"
wait_for 60 "task to serve" grep -q '"msg":"serving"' "$RUN_DIR/task.log"
TARGET="127.0.0.1:$(serving_port "$RUN_DIR/task.log" grpc_port)"
TASK_METRICS="http://127.0.0.1:$(serving_port "$RUN_DIR/task.log" admin_port)/metrics"
HZ="$(getconf CLK_TCK)"

# pg_db_ticks DB: CPU ticks of the PostgreSQL backends connected to database DB (live ones).
pg_db_ticks() {
  local total=0 c t
  for c in $(ps -o pid= --ppid "$PG_PID" 2>/dev/null); do
    grep -qa " $1 " "/proc/$c/cmdline" 2>/dev/null || continue
    t="$(cpu_ticks "$c" 2>/dev/null)" || continue
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# Every device heartbeats once per interval (first one at a random point of the first interval):
# wait until device-online applied about one heartbeat per device, so presence says online.
say "waiting for device-online to see the fleet (heartbeat interval ${HB_INTERVAL_S}s)"
t_warm=$EPOCHREALTIME
deadline=$((SECONDS + TIMEOUT_S))
while :; do
  seen="$(curl -sf --max-time 2 "$ONLINE_METRICS" | uplink_total || echo 0)"
  # ... and one full interval (+10% jitter) since the simulator started: every device has sent.
  ((${seen:-0} >= DEVICES)) && awk -v a="$EPOCHREALTIME" -v b="$t_sim" -v i="$HB_INTERVAL_S" 'BEGIN { exit !(a - b >= 1.1 * i + 0.5) }' && break
  ((SECONDS < deadline)) || die "device-online applied only $seen heartbeats of $DEVICES devices within ${TIMEOUT_S}s"
  sleep 1
done
# The task's uplink consumers must have joined their group too (3-5 s on kafka-dev).
sleep 2
WARM_S="$(calc "$EPOCHREALTIME - $t_warm" 1)"
say "device-online saw $seen heartbeats after ${WARM_S}s"

# ------------------------------------------------------------------ measured: the campaign
curl -sf --max-time 2 "$TASK_METRICS" >"$RUN_DIR/metrics0.txt" || die "/metrics scrape failed"
tk0="$(cpu_ticks "$TASK_PID")" pg0="$(tree_ticks "$PG_PID")" sim0="$(cpu_ticks "$SIM_PID")"
kafka0="$(cpu_ticks "$KAFKA_PID")" on0="$(cpu_ticks "$ONLINE_PID")" redis0="$(cpu_ticks "$REDIS_PID")"
dc0="$(cpu_ticks "$DEVCFG_PID")" busy0="$(busy_ticks)" pgt0="$(pg_db_ticks fleet_task)"
say "CreateCampaign: $DEVICES devices, batch_size $BATCH_SIZE, batch_interval 0, max_in_flight $MAX_IN_FLIGHT"
t0=$EPOCHREALTIME
created="$("$LOAD" --target="$TARGET" --mode=create --devices="$DEVICES" --batch_size="$BATCH_SIZE" \
  --max_in_flight="$MAX_IN_FLIGHT" --deadline="${TIMEOUT_S}s" 2>"$RUN_DIR/create.log")" \
  || { cat "$RUN_DIR/create.log" >&2; die "creating the campaign failed"; }
say "created: $created"
CAMPAIGN="$(grep -o '"campaign":"[^"]*"' <<<"$created" | cut -d'"' -f4)"
CREATE_MS="$(json_num "$created" create_campaign_ms)"
[[ "$(json_num "$created" total)" == "$DEVICES" ]] || die "the campaign does not count $DEVICES devices: $created"

# Poll in the background so that progress can be reported while it runs.
"$LOAD" --target="$TARGET" --mode=poll --campaign="$CAMPAIGN" --duration="${DURATION_S}s" --interval=500ms \
  --samples="$RUN_DIR/samples.txt" >"$RUN_DIR/poll.json" 2>"$RUN_DIR/poll.log" &
POLL_PID=$!
echo "rollout_load $POLL_PID" >>"$RUN_DIR/pids"
deadline=$((SECONDS + DURATION_S + 30))
next_report=$((SECONDS + 30))
while kill -0 "$POLL_PID" 2>/dev/null; do
  ((SECONDS < deadline)) || die "rollout_load did not stop within $((DURATION_S + 30)) s"
  if ((SECONDS >= next_report)) && [[ -s "$RUN_DIR/samples.txt" ]]; then
    say "progress (t state queued in_flight succeeded failed timed_out skipped canceled total): $(tail -n 1 "$RUN_DIR/samples.txt")"
    next_report=$((SECONDS + 30))
  fi
  sleep 0.5
done
rc=0
wait "$POLL_PID" || rc=$?
POLL_PID=""
t_end=$EPOCHREALTIME
tk1="$(cpu_ticks "$TASK_PID")" pg1="$(tree_ticks "$PG_PID")" sim1="$(cpu_ticks "$SIM_PID")"
kafka1="$(cpu_ticks "$KAFKA_PID")" on1="$(cpu_ticks "$ONLINE_PID")" redis1="$(cpu_ticks "$REDIS_PID")"
dc1="$(cpu_ticks "$DEVCFG_PID")" busy1="$(busy_ticks)" pgt1="$(pg_db_ticks fleet_task)"
poll="$(cat "$RUN_DIR/poll.json")"
((rc == 0 || rc == 1)) && [[ -n "$poll" ]] || { cat "$RUN_DIR/poll.log" >&2; die "polling failed (exit $rc)"; }
say "poll: $poll"
curl -sf --max-time 2 "$TASK_METRICS" >"$RUN_DIR/metrics1.txt" || die "/metrics scrape failed"
SIM_STATS="$(curl -sf --max-time 2 "$SIM_URL/stats" || echo '{}')"
TASK_RSS="$(calc "$(hwm_kb "$TASK_PID") / 1024" 1)"
thread_cpu "$TASK_PID" >"$RUN_DIR/task-threads.txt"
# Where PostgreSQL's time went: the task tables' sizes and churn.
TABLES="$(psql -F ' ' -c "SELECT relname, n_tup_ins, n_tup_upd, n_dead_tup FROM pg_stat_user_tables
  ORDER BY n_tup_ins + n_tup_upd DESC LIMIT 4" | awk '{ printf "%s%s ins %s upd %s dead %s", sep, $1, $2, $3, $4; sep = "; " }')"

# delta NAME: growth of the task metric sample NAME over the measured window.
delta() { echo $(( $(metric "$RUN_DIR/metrics1.txt" "$1") - $(metric "$RUN_DIR/metrics0.txt" "$1") )); }
APPLIED="$(delta 'task_device_reports_total{outcome="applied"}')"
# Progress reports folded into a newer one of the same poll batch (handled, not written on their own).
SUPERSEDED="$(delta 'task_device_reports_total{outcome="superseded"}')"
CONFIRMED="$(delta 'task_device_reports_total{outcome="version_confirmed"}')"
IGNORED="$(delta 'task_device_reports_total{outcome="ignored"}')"
STALE="$(delta 'task_device_reports_total{outcome="dropped_stale"}')"
STORE_ERR="$(delta 'task_device_reports_total{outcome="store_error"}')"
SENT="$(delta 'task_rollout_total{kind="sent"}')"
DEFERRED="$(delta 'task_rollout_total{kind="deferred_offline"}')"
TICKS="$(delta 'task_rollout_total{kind="tick"}')"
TICK_ERR="$(delta 'task_rollout_total{kind="error"}')"

# ------------------------------------------------------------------ report
WALL="$(calc "$t_end - $t0" 3)"
STATE="$(grep -o '"state":"[A-Z_]*"' <<<"$poll" | cut -d'"' -f4)"
STARTED="$(json_num "$poll" started)"
SUCCEEDED="$(json_num "$poll" succeeded)"
SUSTAINED="$(json_num "$poll" sustained_per_min)"
BEST60="$(json_num "$poll" best60_per_min)"
ALL_STARTED_S="$(json_num "$poll" all_started_s)"
SUCC100_S="$(json_num "$poll" succeeded_100_s)"
CUT="$(grep -o '"cut_short":[a-z]*' <<<"$poll" | cut -d: -f2)"
EVENTS_PER_S="$(calc "$APPLIED / $WALL" 0)"
TK_CPU="$(calc "($tk1 - $tk0) / $HZ")"
PG_CPU="$(calc "($pg1 - $pg0) / $HZ")"
PG_TASK_CPU="$(calc "($pgt1 - $pgt0) / $HZ")"
SIM_CPU="$(calc "($sim1 - $sim0) / $HZ")"
KAFKA_CPU="$(calc "($kafka1 - $kafka0) / $HZ")"
ON_CPU="$(calc "($on1 - $on0) / $HZ")"
REDIS_CPU="$(calc "($redis1 - $redis0) / $HZ")"
DC_CPU="$(calc "($dc1 - $dc0) / $HZ")"
OTHER_CPU="$(calc "($busy1 - $busy0 - ($tk1 - $tk0) - ($pg1 - $pg0) - ($sim1 - $sim0) - ($kafka1 - $kafka0) - ($on1 - $on0) - ($redis1 - $redis0) - ($dc1 - $dc0)) / $HZ")"
OTHER_SHARE="$(calc "$OTHER_CPU / ($WALL * $(nproc))" 3)"
PER_DEV_DIV=$((STARTED > 0 ? STARTED : 1))
TK_MS_DEV="$(calc "1e3 * $TK_CPU / $PER_DEV_DIV" 3)"
PG_MS_DEV="$(calc "1e3 * $PG_CPU / $PER_DEV_DIV" 3)"
PG_TASK_MS_DEV="$(calc "1e3 * $PG_TASK_CPU / $PER_DEV_DIV" 3)"
LOAD1="$(cut -d' ' -f1 /proc/loadavg)"
UPTIME1="$(uptime)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- services libs edge 2>/dev/null | grep -q . && echo "+dirty" || true)"
# Dispatch ramp: time until min(max_in_flight, N) devices were started (before any slot could be
# reused), as devices per minute.
RAMP_N=$((MAX_IN_FLIGHT < DEVICES ? MAX_IN_FLIGHT : DEVICES))
RAMP_S="$(awk -v n="$RAMP_N" '$4 + $5 + $6 + $7 >= n { print $1; exit }' "$RUN_DIR/samples.txt" 2>/dev/null)"
RAMP_PER_MIN="$( [[ -n "$RAMP_S" ]] && calc "60 * $RAMP_N / $RAMP_S" 0 || echo -1)"
RAMP_S="${RAMP_S:--1}"
# Uplink records the task service never saw: kafka-dev's retention dropped them while it lagged.
UPLINK_RESETS="$(grep -c 'Offset out of range' "$RUN_DIR/task.log" || true)"
# started devices at each full 30 s of the poll (from the samples file).
PROGRESS="$(awk '{ t = int($1 / 30); if (t != last) { started = $4 + $5 + $6 + $7; printf "%d/%d@%ds ", started, $5, $1; last = t } }' \
  "$RUN_DIR/samples.txt" 2>/dev/null || true)"

cat <<EOF

rollout: $DEVICES devices, batch_size $BATCH_SIZE, batch_interval 0, max_in_flight $MAX_IN_FLIGHT; task --tick_interval $TICK --consumer_threads $CONSUMER_THREADS --sweep_batch $SWEEP_BATCH --max_candidates $MAX_CANDIDATES --presence_parallel $PRESENCE_PARALLEL; sim step $STEP_TIME reboot $REBOOT_TIME heartbeat ${HB_INTERVAL_S}s; $UP_TOPIC:$UP_PARTITIONS, shared downlink $DOWN_TOPIC:$DOWN_PARTITIONS; $(nproc) cores, $COMMIT$DIRTY
  before: $UPTIME0
  after:  $UPTIME1
  setup: device-online saw the fleet ${WARM_S}s after the task service started; CreateCampaign $CREATE_MS ms
  campaign $CAMPAIGN: $STATE after $WALL s (cut short at ${DURATION_S}s: $CUT)
    started (SENT or later) $STARTED of $DEVICES; succeeded $SUCCEEDED; failed $(json_num "$poll" failed), timed out $(json_num "$poll" timed_out), skipped $(json_num "$poll" skipped)
    dispatch ramp: first $RAMP_N devices (min(max_in_flight, N)) started $RAMP_S s after CreateCampaign = $RAMP_PER_MIN devices/min
    devices started per minute: sustained (10% -> 90%) $SUSTAINED, best 60 s $BEST60, overall $(json_num "$poll" overall_per_min); first start $(json_num "$poll" first_start_s) s, all started $ALL_STARTED_S s
    time to 50% SUCCEEDED $(json_num "$poll" succeeded_50_s) s, to 100% SUCCEEDED $SUCC100_S s (-1 = not reached)
    every 30 s, started/succeeded@elapsed: $PROGRESS
  task: sends $SENT, deferred offline $DEFERRED, ticks $TICKS, tick errors $TICK_ERR
        device reports: applied $APPLIED ($EVENTS_PER_S/s over the run), folded into a newer one $SUPERSEDED, version confirmed $CONFIRMED, ignored $IGNORED, stale $STALE, store errors $STORE_ERR
        uplink offset resets (records dropped by kafka-dev retention before the task service read them): $UPLINK_RESETS
  CPU during the campaign (s): task $TK_CPU, postgres $PG_CPU (backends of fleet_task: $PG_TASK_CPU), fleet-sim $SIM_CPU, kafka-dev $KAFKA_CPU, device-online $ON_CPU, redis $REDIS_CPU, device-config $DC_CPU, others $OTHER_CPU ($OTHER_SHARE of all cores)
  per started device: task $TK_MS_DEV ms CPU, postgres $PG_MS_DEV ms CPU (fleet_task backends $PG_TASK_MS_DEV ms); task peak RSS $TASK_RSS MB
  tables (task database): $TABLES
  fleet-sim: $SIM_STATS
  task CPU by thread (whole run, s):
$(sed 's/^/    /' "$RUN_DIR/task-threads.txt" | head -n 8)
EOF

JSON="{\"bench\":\"rollout\",\"date\":\"$DATE\",\"commit\":\"$COMMIT$DIRTY\",\"cores\":$(nproc),\
\"load_before\":$LOAD0,\"load_after\":$LOAD1,\"devices\":$DEVICES,\"batch_size\":$BATCH_SIZE,\
\"max_in_flight\":$MAX_IN_FLIGHT,\"tick_interval\":\"$TICK\",\"consumer_threads\":$CONSUMER_THREADS,\
\"sweep_batch\":$SWEEP_BATCH,\"max_candidates\":$MAX_CANDIDATES,\"step_time\":\"$STEP_TIME\",\
\"reboot_time\":\"$REBOOT_TIME\",\"heartbeat_interval_s\":$HB_INTERVAL_S,\"create_campaign_ms\":$CREATE_MS,\
\"state\":\"$STATE\",\"wall_s\":$WALL,\"cut_short\":$CUT,\"started\":$STARTED,\"succeeded\":$SUCCEEDED,\
\"failed\":$(json_num "$poll" failed),\"timed_out\":$(json_num "$poll" timed_out),\
\"ramp_n\":$RAMP_N,\"ramp_s\":$RAMP_S,\"ramp_per_min\":$RAMP_PER_MIN,\"uplink_resets\":$UPLINK_RESETS,\"up_partitions\":$UP_PARTITIONS,\"sustained_per_min\":$SUSTAINED,\"best60_per_min\":$BEST60,\"all_started_s\":$ALL_STARTED_S,\
\"succeeded_50_s\":$(json_num "$poll" succeeded_50_s),\"succeeded_100_s\":$SUCC100_S,\"sends\":$SENT,\"deferred_offline\":$DEFERRED,\
\"reports_applied\":$APPLIED,\"reports_superseded\":$SUPERSEDED,\"events_per_s\":$EVENTS_PER_S,\"versions_confirmed\":$CONFIRMED,\
\"store_errors\":$STORE_ERR,\"tick_errors\":$TICK_ERR,\"task_cpu_s\":$TK_CPU,\"pg_cpu_s\":$PG_CPU,\
\"sim_cpu_s\":$SIM_CPU,\"kafka_cpu_s\":$KAFKA_CPU,\"online_cpu_s\":$ON_CPU,\"task_ms_per_device\":$TK_MS_DEV,\
\"pg_ms_per_device\":$PG_MS_DEV,\"pg_task_cpu_s\":$PG_TASK_CPU,\"other_share\":$OTHER_SHARE,\"task_rss_mb\":$TASK_RSS}"

if ((RECORD)); then
  record_in_table "$BENCH_DIR/results" "rollout-$(date -u +%Y%m%d-%H%M%S).json" "$JSON" \
    "| $DATE | $COMMIT$DIRTY | $DEVICES | $MAX_IN_FLIGHT | $TICK | $STATE | $STARTED | $RAMP_PER_MIN | $SUSTAINED | $BEST60 | $ALL_STARTED_S | $SUCC100_S | $EVENTS_PER_S | $TK_MS_DEV | $PG_MS_DEV | $OTHER_SHARE | $LOAD0 / $LOAD1 | ${NOTE:--} |" rollout
fi
SUCCESS=1
echo "$JSON"
