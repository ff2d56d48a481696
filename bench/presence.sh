#!/usr/bin/env bash
# bench/run presence: uplink ingest throughput of ONE device-online process, against a bare
# librdkafka consumer on the same broker and topic. Loopback only, bounded in time; stops
# everything it started (trap), even on failure. See usage() and bench/results/README.md.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

MESSAGES=2000000
DEVICES=100000
PARTITIONS=auto
THREADS=2     # device-online's default
BATCH=50000  # device-online's default
TIMEOUT_S=600
BUILD=1
RECORD=1
KEEP=0
PERF=0
NOTE=""
TOPIC=bench.presence.up
TARGET_RATE=150000
TARGET_RATIO=0.5

usage() {
  cat <<EOF
usage: bench/run presence [options]
  --messages N          heartbeats pre-loaded and consumed (default $MESSAGES)
  --devices N           distinct simulated devices (default $DEVICES)
  --partitions N|auto   partitions of the bench topic (auto: sized so the mock broker's ~5 MB
                        per-partition retention keeps every record; checked after pre-load)
  --consumer_threads N  device-online --consumer_threads (default $THREADS)
  --batch N             device-online --batch (default $BATCH)
  --timeout S           limit for each phase in seconds (default $TIMEOUT_S)
  --perf                also perf-record device-online and redis-server while they ingest
                        (report kept in the run directory, whose path is printed)
  --note TEXT           free text for the results table
  --no-record           do not write bench/results/
  --no-build            use the binaries already in bazel-bin
  --keep                keep the run directory (logs, metrics) after success
Targets: >= $TARGET_RATE msg/s applied by one process and >= ${TARGET_RATIO} x the raw rate.
EOF
}

while [[ $# -gt 0 ]]; do
  arg="$1" val="" has_val=0
  shift
  if [[ "$arg" == --*=* ]]; then val="${arg#*=}" arg="${arg%%=*}" has_val=1; fi
  case "$arg" in
    --messages|--devices|--partitions|--consumer_threads|--batch|--timeout|--note)
      if ((!has_val)); then
        [[ $# -ge 1 ]] || die "$arg needs a value"
        val="$1"
        shift
      fi ;;
  esac
  case "$arg" in
    --messages) MESSAGES="$val" ;;
    --devices) DEVICES="$val" ;;
    --partitions) PARTITIONS="$val" ;;
    --consumer_threads) THREADS="$val" ;;
    --batch) BATCH="$val" ;;
    --timeout) TIMEOUT_S="$val" ;;
    --note) NOTE="$val" ;;
    --perf) PERF=1 ;;
    --no-record) RECORD=0 ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done
is_uint "$MESSAGES" && ((MESSAGES > 0)) || die "--messages must be a positive integer"
is_uint "$DEVICES" && ((DEVICES > 0 && DEVICES <= 1000000)) || die "--devices must be 1..1000000"
is_uint "$THREADS" && ((THREADS >= 1)) || die "--consumer_threads must be >= 1"
is_uint "$BATCH" && ((BATCH >= 1)) || die "--batch must be >= 1"
is_uint "$TIMEOUT_S" && ((TIMEOUT_S >= 10)) || die "--timeout must be >= 10 (seconds)"
if [[ "$PARTITIONS" == auto ]]; then
  # ~225 bytes per stored heartbeat record; keep each partition under 4 MiB of the mock's 5 MB.
  PARTITIONS=$(( (MESSAGES * 240 / 4194304 / 12 + 1) * 12 ))
fi
is_uint "$PARTITIONS" && ((PARTITIONS >= 1)) || die "--partitions must be a positive integer or auto"
((PERF == 0)) || command -v perf >/dev/null || die "--perf needs perf (apt-get install linux-perf)"
for tool in curl redis-cli awk; do command -v "$tool" >/dev/null || die "$tool is required"; done

# Binaries: bazel-bin by default; a test points FLEET_BENCH_BIN at its runfiles (same layout).
BIN="${FLEET_BENCH_BIN:-$ROOT/bazel-bin}"
KAFKA_DEV="$BIN/tools/kafka-dev/kafka-dev"
SIM="$BIN/edge/sim/fleet-sim"
RAW="$BIN/bench/raw_consumer"
ONLINE="$BIN/services/device-online/device-online"
if ((BUILD)); then
  say "building"
  (cd "$ROOT" && bazel build //tools/kafka-dev //edge/sim:fleet-sim //bench:raw_consumer \
    //services/device-online) >&2 || die "bazel build failed"
fi
for b in "$KAFKA_DEV" "$SIM" "$RAW" "$ONLINE"; do [[ -x "$b" ]] || die "$b missing (drop --no-build)"; done

# ------------------------------------------------------------------ stack (fresh, ours only)
LOAD0="$(cut -d' ' -f1 /proc/loadavg)"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench-presence.XXXXXX")"
STACK="$RUN_DIR/stack"
KAFKA_PID="" ONLINE_PID="" PERF_PID="" SUCCESS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$PERF_PID" ]] && stop_pid "$PERF_PID" perf INT
  [[ -n "$ONLINE_PID" ]] && stop_pid "$ONLINE_PID" device-online TERM
  [[ -n "$KAFKA_PID" ]] && stop_pid "$KAFKA_PID" kafka-dev TERM
  [[ -d "$STACK" ]] && "$ROOT/scripts/stack/down" --dir "$STACK" 2>/dev/null || true
  if ((SUCCESS && !KEEP && !PERF)); then
    rm -rf -- "$RUN_DIR"
  else
    say "run directory kept: $RUN_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "stack in $STACK (PostgreSQL, Redis); kafka-dev with $TOPIC:$PARTITIONS"
"$ROOT/scripts/stack/up" --dir "$STACK" --skip kafka --skip otlp >"$RUN_DIR/stack.env.out" 2>"$RUN_DIR/stack.log" \
  || { cat "$RUN_DIR/stack.log" >&2; die "stack up failed"; }
PG_URL="$(sed -n 's/^FLEET_PG_URL=//p' "$STACK/env")"
REDIS_ADDR="$(sed -n 's/^FLEET_REDIS_ADDR=//p' "$STACK/env")"
REDIS_PID="$(cat "$STACK/redis.pid")"
echo "redis $REDIS_PID" >>"$RUN_DIR/pids"
PG_PID="$(cat "$STACK/postgres.pid")"
echo "postgres $PG_PID" >>"$RUN_DIR/pids"
[[ -n "$PG_URL" && -n "$REDIS_ADDR" && -n "$REDIS_PID" ]] || die "stack env incomplete: $(cat "$STACK/env")"

"$KAFKA_DEV" --bootstrap_file="$RUN_DIR/kafka.bootstrap" --topic="$TOPIC:$PARTITIONS" \
  --topic=fleet.presence:6 </dev/null >/dev/null 2>"$RUN_DIR/kafka.log" &
KAFKA_PID=$!
echo "kafka-dev $KAFKA_PID" >>"$RUN_DIR/pids"
wait_for 30 "kafka-dev" test -s "$RUN_DIR/kafka.bootstrap"
BOOTSTRAP="$(head -n 1 "$RUN_DIR/kafka.bootstrap" | tr -d '[:space:]')"

# ------------------------------------------------------------------ 1. pre-load
say "pre-loading $MESSAGES heartbeats from $DEVICES devices"
t=$EPOCHREALTIME
timeout "$TIMEOUT_S" "$SIM" --mode=flood --messages="$MESSAGES" --devices="$DEVICES" \
  --kafka_bootstrap="$BOOTSTRAP" --uplink_topic="$TOPIC" </dev/null >"$RUN_DIR/sim.log" 2>&1 \
  || { tail -n 20 "$RUN_DIR/sim.log" >&2; die "fleet-sim flood failed"; }
PRELOAD_S="$(calc "$EPOCHREALTIME - $t")"
inspect="$("$RAW" --kafka_bootstrap="$BOOTSTRAP" --topic="$TOPIC" --inspect)" || die "topic inspection failed"
retained="$(json_num "$inspect" retained)"
produced="$(json_num "$inspect" produced)"
((produced == MESSAGES)) || die "topic holds $produced records, want $MESSAGES ($inspect)"
((retained == MESSAGES)) || die "the mock broker's retention dropped $((MESSAGES - retained)) records ($inspect); raise --partitions"
say "pre-loaded in ${PRELOAD_S}s: $inspect"

# ------------------------------------------------------------------ 2. raw consumer
say "raw librdkafka consumer"
raw="$("$RAW" --kafka_bootstrap="$BOOTSTRAP" --topic="$TOPIC" --messages="$MESSAGES" \
  --group="bench-raw-$$" --timeout="${TIMEOUT_S}s" 2>"$RUN_DIR/raw.log")" \
  || { cat "$RUN_DIR/raw.log" >&2; die "raw consumer failed"; }
RAW_RATE="$(json_num "$raw" msgs_per_s)"
RAW_CPU="$(json_num "$raw" cpu_s)"
RAW_WALL="$(json_num "$raw" first_to_last_s)"
say "raw: $raw"

# ------------------------------------------------------------------ 3. device-online
say "device-online, --consumer_threads=$THREADS --batch=$BATCH"
redis_cpu0="$(cpu_ticks "$REDIS_PID")"
"$ONLINE" --kafka_bootstrap="$BOOTSTRAP" --pg_url="$PG_URL" --redis_addr="$REDIS_ADDR" \
  --uplink_topic="$TOPIC" --consumer_group="bench-online-$$" --grpc_address=127.0.0.1:0 \
  --admin_port=0 --consumer_threads="$THREADS" --batch="$BATCH" --max_message_age=2h \
  --heartbeat_interval=10m --replica_id="bench-$$" \
  </dev/null >"$RUN_DIR/online.out" 2>"$RUN_DIR/online.log" &
ONLINE_PID=$!
echo "device-online $ONLINE_PID" >>"$RUN_DIR/pids"
wait_for 60 "device-online to serve" grep -q '"msg":"serving"' "$RUN_DIR/online.log"
ADMIN_PORT="$(grep '"msg":"serving"' "$RUN_DIR/online.log" | head -n 1 | grep -o '"admin_port":[0-9]*' | cut -d: -f2)"
[[ -n "$ADMIN_PORT" ]] || die "no admin_port in device-online's serving line"
METRICS_URL="http://127.0.0.1:$ADMIN_PORT/metrics"
# CPU baselines; taken again at the first counted message (the measured window starts there).
sample_first() {
  cpu_first="$(cpu_ticks "$ONLINE_PID")" redis_first="$(cpu_ticks "$REDIS_PID")"
  kafka_first="$(cpu_ticks "$KAFKA_PID")" pg_first="$(tree_ticks "$PG_PID")" busy_first="$(busy_ticks)"
}
t_serving=$EPOCHREALTIME
sample_first
deadline=$((SECONDS + TIMEOUT_S))
t_first="" c_first=0 total=0
while :; do
  kill -0 "$ONLINE_PID" 2>/dev/null || { tail -n 30 "$RUN_DIR/online.log" >&2; die "device-online exited"; }
  now=$EPOCHREALTIME
  if m="$(curl -sf --max-time 2 "$METRICS_URL")"; then
    total="$(uplink_total <<<"$m")"
    if ((total >= MESSAGES)); then
      # Everything done by the first sample (tiny runs): measure from "serving" instead.
      [[ -n "$t_first" ]] || t_first=$t_serving c_first=0
      t_last=$now
      break
    fi
    if [[ -z "$t_first" ]] && ((total > 0)); then
      t_first=$now c_first=$total
      sample_first
      if ((PERF)); then
        perf record -F 299 --call-graph dwarf,16384 -p "$ONLINE_PID,$REDIS_PID" -o "$RUN_DIR/perf.data" \
          >"$RUN_DIR/perf.log" 2>&1 &
        PERF_PID=$!
      fi
    fi
  fi
  ((SECONDS < deadline)) || die "device-online consumed $total of $MESSAGES within ${TIMEOUT_S}s"
  sleep 0.1
done
cpu_last="$(cpu_ticks "$ONLINE_PID")" redis_last="$(cpu_ticks "$REDIS_PID")" kafka_last="$(cpu_ticks "$KAFKA_PID")"
pg_last="$(tree_ticks "$PG_PID")" busy_last="$(busy_ticks)"
if [[ -n "$PERF_PID" ]]; then stop_pid "$PERF_PID" perf INT; PERF_PID=""; fi
ONLINE_RSS_KB="$(hwm_kb "$ONLINE_PID")" REDIS_RSS_KB="$(hwm_kb "$REDIS_PID")"
curl -sf --max-time 2 "$METRICS_URL" >"$RUN_DIR/metrics.txt" || die "final /metrics scrape failed"
thread_cpu "$ONLINE_PID" >"$RUN_DIR/online-threads.txt"
redis_commandstats "$REDIS_ADDR" >"$RUN_DIR/redis-commandstats.txt" || true
stop_pid "$ONLINE_PID" device-online TERM; ONLINE_PID=""

# ------------------------------------------------------------------ 4. report
HZ="$(getconf CLK_TCK)"
M="$RUN_DIR/metrics.txt"
applied="$(metric "$M" 'presence_uplink_messages_total{result="applied"}')"
coalesced="$(metric "$M" 'presence_uplink_messages_total{result="coalesced"}')"
stale="$(metric "$M" 'presence_uplink_messages_total{result="stale"}')"
future="$(metric "$M" 'presence_uplink_messages_total{result="future"}')"
malformed="$(metric "$M" 'presence_uplink_messages_total{result="malformed"}')"
store_errors="$(metric "$M" 'presence_store_errors_total')"
redelivered="$(metric "$M" 'presence_uplink_redelivered_total')"
batch_sum="$(metric "$M" 'presence_ingest_batch_seconds_sum' '%.6f')"
batch_count="$(metric "$M" 'presence_ingest_batch_seconds_count')"
WALL="$(calc "($t_last - $t_first) > 0.001 ? ($t_last - $t_first) : 0.001" 3)"
ONLINE_RATE="$(calc "($MESSAGES - $c_first) / $WALL" 0)"
RATIO="$(calc "$ONLINE_RATE / $RAW_RATE" 3)"
ONLINE_CPU="$(calc "$cpu_last / $HZ")"
ONLINE_CPU_WIN="$(calc "($cpu_last - $cpu_first) / $HZ")"
REDIS_CPU="$(calc "($redis_last - $redis_cpu0) / $HZ")"
REDIS_CPU_WIN="$(calc "($redis_last - $redis_first) / $HZ")"
KAFKA_CPU_WIN="$(calc "($kafka_last - $kafka_first) / $HZ")"
# Everything else that ran on the machine meanwhile: PostgreSQL, the poller, other users' builds.
PG_CPU_WIN="$(calc "($pg_last - $pg_first) / $HZ")"
OTHER_CPU_WIN="$(calc "($busy_last - $busy_first - ($cpu_last - $cpu_first) - ($redis_last - $redis_first) - ($kafka_last - $kafka_first) - ($pg_last - $pg_first)) / $HZ")"
OTHER_SHARE="$(calc "$OTHER_CPU_WIN / ($WALL * $(nproc))" 3)"
ONLINE_RSS="$(calc "$ONLINE_RSS_KB / 1024" 1)"
REDIS_RSS="$(calc "$REDIS_RSS_KB / 1024" 1)"
STORE_SHARE="$(calc "$batch_sum / ($WALL * $THREADS)" 3)"
BATCH_MS="$(calc "1000 * $batch_sum / ($batch_count > 0 ? $batch_count : 1)" 1)"
MET="$(calc "($ONLINE_RATE >= $TARGET_RATE && $RATIO >= $TARGET_RATIO) ? 1 : 0" 0)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- services libs 2>/dev/null | grep -q . && echo "+dirty" || true)"

cat <<EOF

presence ingest: $MESSAGES heartbeats, $DEVICES devices, $PARTITIONS partitions, $(nproc) cores, $COMMIT$DIRTY
  pre-load (fleet-sim flood)          ${PRELOAD_S} s
  phase                               msg/s      wall s   CPU s (window)   max RSS MB
  raw librdkafka consumer          $(printf '%10s %10s %10s' "$RAW_RATE" "$RAW_WALL" "$RAW_CPU")
  device-online (threads=$THREADS)       $(printf '%10s %10s %10s %12s' "$ONLINE_RATE" "$WALL" "$ONLINE_CPU_WIN" "$ONLINE_RSS")
  redis-server                     $(printf '%10s %10s %10s %12s' "-" "-" "$REDIS_CPU_WIN" "$REDIS_RSS")
  kafka-dev (mock broker)          $(printf '%10s %10s %10s' "-" "-" "$KAFKA_CPU_WIN")
  postgres (presence history)      $(printf '%10s %10s %10s' "-" "-" "$PG_CPU_WIN")
  everything else on the machine   $(printf '%10s %10s %10s' "-" "-" "$OTHER_CPU_WIN")   ($OTHER_SHARE of all cores; load before start: $LOAD0)
  CPU per message: device-online $(calc "1e6 * $ONLINE_CPU_WIN / $MESSAGES" 1) us, redis-server $(calc "1e6 * $REDIS_CPU_WIN / $MESSAGES" 1) us, kafka-dev $(calc "1e6 * $KAFKA_CPU_WIN / $MESSAGES" 1) us (raw consumer: $(calc "1e6 * $RAW_CPU / $MESSAGES" 1) us)
  online / raw                        $RATIO   (target >= $TARGET_RATIO; rate target >= $TARGET_RATE msg/s: $( ((MET)) && echo MET || echo MISSED))
  outcomes   applied $applied, coalesced $coalesced, stale $stale, future $future, malformed $malformed, store errors $store_errors; redelivered after a rebalance (skipped) $redelivered
  batches    $batch_count, mean ${BATCH_MS} ms in the store; store busy $STORE_SHARE of wall per consumer thread
  device-online CPU by thread (whole run, s):
$(sed 's/^/    /' "$RUN_DIR/online-threads.txt" | head -n 6)
  redis-server time by command (inside scripts too):
$(sed 's/^/    /' "$RUN_DIR/redis-commandstats.txt" | head -n 10)
EOF
if ((PERF)); then
  # Inclusive (children) time per function, by thread name: where each process spends its time.
  perf report -i "$RUN_DIR/perf.data" --children --sort comm,symbol -g none --percent-limit 0.5 \
    --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 120 >"$RUN_DIR/perf-top.txt" || true
  echo "  perf: $RUN_DIR/perf-top.txt (perf report -i $RUN_DIR/perf.data for more)"
fi

JSON="{\"bench\":\"presence\",\"date\":\"$DATE\",\"commit\":\"$COMMIT$DIRTY\",\"cores\":$(nproc),\
\"messages\":$MESSAGES,\"devices\":$DEVICES,\"partitions\":$PARTITIONS,\"consumer_threads\":$THREADS,\
\"batch\":$BATCH,\"preload_s\":$PRELOAD_S,\"raw_msgs_per_s\":$RAW_RATE,\"raw_cpu_s\":$RAW_CPU,\
\"online_msgs_per_s\":$ONLINE_RATE,\"ratio\":$RATIO,\"online_wall_s\":$WALL,\
\"online_cpu_s\":$ONLINE_CPU,\"online_cpu_window_s\":$ONLINE_CPU_WIN,\"online_rss_mb\":$ONLINE_RSS,\
\"redis_cpu_s\":$REDIS_CPU,\"redis_cpu_window_s\":$REDIS_CPU_WIN,\"redis_rss_mb\":$REDIS_RSS,\
\"kafka_cpu_window_s\":$KAFKA_CPU_WIN,\"pg_cpu_window_s\":$PG_CPU_WIN,\"other_cpu_window_s\":$OTHER_CPU_WIN,\"applied\":$applied,\"coalesced\":$coalesced,\
\"dropped\":$((stale + future + malformed)),\"redelivered\":$redelivered,\"batches\":$batch_count,\"batch_ms_mean\":$BATCH_MS,\
\"store_share\":$STORE_SHARE,\"targets_met\":$( ((MET)) && echo true || echo false)}"

if ((RECORD)); then
  record_result "$BENCH_DIR/results" "presence-$(date -u +%Y%m%d-%H%M%S).json" "$JSON" \
    "| $DATE | $COMMIT$DIRTY | $MESSAGES | $PARTITIONS | $THREADS | $BATCH | $RAW_RATE | $ONLINE_RATE | $RATIO | $ONLINE_CPU | $ONLINE_RSS | $REDIS_CPU | $REDIS_RSS | $OTHER_SHARE | ${NOTE:--} |"
fi
SUCCESS=1
echo "$JSON"
