#!/usr/bin/env bash
# bench/run config-fanout: one "global" template change pushed by device-config over kafka-dev to
# N simulated devices (fleet-sim), until every device reported the new effective hash. Shared
# downlink topic (no per-device topics). Loopback only, bounded in time; stops everything it
# started (trap), even on failure. See usage() and bench/results/README.md.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=bench/record.sh
source "$BENCH_DIR/record.sh"

DEVICES=10000
PUSH_RATE=2000
MAX_IN_FLIGHT=2000
SET_THREADS=4
DOWN_PARTITIONS=16
TIMEOUT_S=240
BUILD=1
RECORD=1
KEEP=0
NOTE=""
UP_TOPIC=bench.config.up
DOWN_TOPIC=bench.config.down

usage() {
  cat <<EOF
usage: bench/run config-fanout [options]
  --devices N              simulated and registered devices (1..100000, default $DEVICES)
  --push_rate R            device-config --push_rate, pushes started per second (default $PUSH_RATE)
  --push_max_in_flight M   device-config --push_max_in_flight (default $MAX_IN_FLIGHT)
  --set_threads T          client threads of the initial SetDesiredConfig calls (default $SET_THREADS)
  --down_partitions P      partitions of the shared downlink topic (default $DOWN_PARTITIONS)
  --timeout S              limit for each phase in seconds (default $TIMEOUT_S)
  --note TEXT              free text for the results table
  --no-record              do not write bench/results/
  --no-build               use the binaries already in bazel-bin
  --keep                   keep the run directory (logs, metrics) after success
Setup (not the measured part): import the devices, SetDesiredConfig on each (same body), wait
until all are in sync. Measured: PutConfigTemplate "global" -> every device reported the new
effective hash (PostgreSQL device_config.reported_hash).
EOF
}

while [[ $# -gt 0 ]]; do
  arg="$1" val="" has_val=0
  shift
  if [[ "$arg" == --*=* ]]; then val="${arg#*=}" arg="${arg%%=*}" has_val=1; fi
  case "$arg" in
    --devices|--push_rate|--push_max_in_flight|--set_threads|--down_partitions|--timeout|--note)
      if ((!has_val)); then
        [[ $# -ge 1 ]] || die "$arg needs a value"
        val="$1"
        shift
      fi ;;
  esac
  case "$arg" in
    --devices) DEVICES="$val" ;;
    --push_rate) PUSH_RATE="$val" ;;
    --push_max_in_flight) MAX_IN_FLIGHT="$val" ;;
    --set_threads) SET_THREADS="$val" ;;
    --down_partitions) DOWN_PARTITIONS="$val" ;;
    --timeout) TIMEOUT_S="$val" ;;
    --note) NOTE="$val" ;;
    --no-record) RECORD=0 ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done
is_uint "$DEVICES" && ((DEVICES >= 1 && DEVICES <= 100000)) || die "--devices must be 1..100000"
[[ "$PUSH_RATE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--push_rate must be a positive number"
is_uint "$MAX_IN_FLIGHT" && ((MAX_IN_FLIGHT >= 1)) || die "--push_max_in_flight must be >= 1"
is_uint "$SET_THREADS" && ((SET_THREADS >= 1 && SET_THREADS <= 64)) || die "--set_threads must be 1..64"
is_uint "$DOWN_PARTITIONS" && ((DOWN_PARTITIONS >= 1)) || die "--down_partitions must be >= 1"
is_uint "$TIMEOUT_S" && ((TIMEOUT_S >= 10)) || die "--timeout must be >= 10 (seconds)"
for tool in curl awk; do command -v "$tool" >/dev/null || die "$tool is required"; done
PSQL_BIN=/usr/lib/postgresql/15/bin/psql
[[ -x "$PSQL_BIN" ]] || die "$PSQL_BIN missing"

BIN="${FLEET_BENCH_BIN:-$ROOT/bazel-bin}"
LOAD="$BIN/bench/registry_load"
DEVCFG="$BIN/services/device-config/device-config"
KAFKA_DEV="$BIN/tools/kafka-dev/kafka-dev"
SIM="$BIN/edge/sim/fleet-sim"
if ((BUILD)); then
  say "building"
  (cd "$ROOT" && bazel build //bench:registry_load //services/device-config //tools/kafka-dev \
    //edge/sim:fleet-sim) >&2 || die "bazel build failed"
fi
for b in "$LOAD" "$DEVCFG" "$KAFKA_DEV" "$SIM"; do [[ -x "$b" ]] || die "$b missing (drop --no-build)"; done

# ------------------------------------------------------------------ stack (fresh, ours only)
LOAD0="$(cut -d' ' -f1 /proc/loadavg)"
UPTIME0="$(uptime)"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench-fanout.XXXXXX")"
STACK="$RUN_DIR/stack"
DEVCFG_PID="" KAFKA_PID="" SIM_PID="" SUCCESS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$DEVCFG_PID" ]] && stop_pid "$DEVCFG_PID" device-config TERM
  [[ -n "$SIM_PID" ]] && stop_pid "$SIM_PID" fleet-sim TERM
  [[ -n "$KAFKA_PID" ]] && stop_pid "$KAFKA_PID" kafka-dev TERM
  [[ -d "$STACK" ]] && "$ROOT/scripts/stack/down" --dir "$STACK" >/dev/null 2>&1 || true
  if ((SUCCESS && !KEEP)); then rm -rf -- "$RUN_DIR"; else say "run directory kept: $RUN_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "stack in $STACK (PostgreSQL); kafka-dev with $UP_TOPIC:12 and $DOWN_TOPIC:$DOWN_PARTITIONS"
"$ROOT/scripts/stack/up" --dir "$STACK" --skip redis --skip kafka --skip otlp >"$RUN_DIR/stack.env.out" 2>"$RUN_DIR/stack.log" \
  || { cat "$RUN_DIR/stack.log" >&2; die "stack up failed"; }
PG_URL="$(sed -n 's/^FLEET_PG_URL=//p' "$STACK/env")"
PG_PID="$(cat "$STACK/postgres.pid")"
echo "postgres $PG_PID" >>"$RUN_DIR/pids"
[[ -n "$PG_URL" ]] || die "stack env incomplete: $(cat "$STACK/env")"
psql() { "$PSQL_BIN" -X -q -At -v ON_ERROR_STOP=1 "$PG_URL" "$@"; }

"$KAFKA_DEV" --bootstrap_file="$RUN_DIR/kafka.bootstrap" --topic="$UP_TOPIC:12" \
  --topic="$DOWN_TOPIC:$DOWN_PARTITIONS" </dev/null >/dev/null 2>"$RUN_DIR/kafka.log" &
KAFKA_PID=$!
echo "kafka-dev $KAFKA_PID" >>"$RUN_DIR/pids"
wait_for 30 "kafka-dev" test -s "$RUN_DIR/kafka.bootstrap"
BOOTSTRAP="$(head -n 1 "$RUN_DIR/kafka.bootstrap" | tr -d '[:space:]')"

"$DEVCFG" --pg_url="$PG_URL" --grpc_address=127.0.0.1:0 --admin_port=0 --kafka_bootstrap="$BOOTSTRAP" \
  --uplink_topic="$UP_TOPIC" --downlink_template="$DOWN_TOPIC" --kafka_group="bench-devcfg-$$" \
  --presence_topic= --device_online= --push_rate="$PUSH_RATE" --push_max_in_flight="$MAX_IN_FLIGHT" \
  </dev/null >"$RUN_DIR/devcfg.out" 2>"$RUN_DIR/devcfg.log" &
DEVCFG_PID=$!
echo "device-config $DEVCFG_PID" >>"$RUN_DIR/pids"
wait_for 60 "device-config to serve" grep -q '"msg":"serving"' "$RUN_DIR/devcfg.log"
serving="$(grep '"msg":"serving"' "$RUN_DIR/devcfg.log" | head -n 1)"
GRPC_PORT="$(grep -o '"grpc_port":[0-9]*' <<<"$serving" | cut -d: -f2)"
ADMIN_PORT="$(grep -o '"admin_port":[0-9]*' <<<"$serving" | cut -d: -f2)"
[[ -n "$GRPC_PORT" && -n "$ADMIN_PORT" ]] || die "no ports in device-config's serving line: $serving"
TARGET="127.0.0.1:$GRPC_PORT"
METRICS_URL="http://127.0.0.1:$ADMIN_PORT/metrics"

"$SIM" --kafka_bootstrap="$BOOTSTRAP" --devices="$DEVICES" --uplink_topic="$UP_TOPIC" \
  --downlink_template="$DOWN_TOPIC" --downlink_group="bench-sim-$$" --control_port=0 \
  --port_file="$RUN_DIR/sim.port" </dev/null >"$RUN_DIR/sim.out" 2>"$RUN_DIR/sim.log" &
SIM_PID=$!
echo "fleet-sim $SIM_PID" >>"$RUN_DIR/pids"
wait_for 30 "fleet-sim control port" test -s "$RUN_DIR/sim.port"
SIM_URL="http://127.0.0.1:$(head -n 1 "$RUN_DIR/sim.port" | tr -d '[:space:]')"
HZ="$(getconf CLK_TCK)"

# ------------------------------------------------------------------ setup: register, configure, sync
say "importing $DEVICES devices"
out="$("$LOAD" --target="$TARGET" --mode=import --devices="$DEVICES" --deadline="${TIMEOUT_S}s" 2>"$RUN_DIR/import.log")" \
  || { cat "$RUN_DIR/import.log" >&2; die "import failed"; }
say "import: $out"
IMPORT_S="$(json_num "$out" import_s)"

# in_sync_count: devices whose reported version is their desired version (> 0).
in_sync_count() { psql -c "SELECT count(*) FROM device_config WHERE desired_version > 0 AND reported_version = desired_version"; }

say "SetDesiredConfig on $DEVICES devices ($SET_THREADS threads); pushes start at once"
t_setup=$EPOCHREALTIME
out="$("$LOAD" --target="$TARGET" --mode=set-desired --devices="$DEVICES" --threads="$SET_THREADS" \
  --body='{"telemetry":{"interval_s":30},"agent":{"log_level":"info"}}' 2>"$RUN_DIR/set.log")" \
  || { cat "$RUN_DIR/set.log" >&2; echo "$out" >&2; die "SetDesiredConfig failed"; }
say "set-desired: $out"
SET_RATE="$(json_num "$out" calls_per_s)"
SET_P99="$(json_num "$out" p99_ms)"
deadline=$((SECONDS + TIMEOUT_S))
while (( $(in_sync_count) < DEVICES )); do
  ((SECONDS < deadline)) || die "only $(in_sync_count) of $DEVICES in sync ${TIMEOUT_S}s after SetDesiredConfig (sim: $(curl -sf "$SIM_URL/stats"))"
  sleep 0.5
done
SYNC0_S="$(calc "$EPOCHREALTIME - $t_setup")"
say "all $DEVICES devices in sync ${SYNC0_S}s after the first SetDesiredConfig"
sleep 1.5  # one PushMetrics refresh period, so the baseline below is current

# ------------------------------------------------------------------ measured: template change
curl -sf --max-time 2 "$METRICS_URL" >"$RUN_DIR/metrics0.txt" || die "/metrics scrape failed"
sent0="$(metric "$RUN_DIR/metrics0.txt" config_push_sent_total)"
dc0="$(cpu_ticks "$DEVCFG_PID")" sim0="$(cpu_ticks "$SIM_PID")" kafka0="$(cpu_ticks "$KAFKA_PID")"
pg0="$(tree_ticks "$PG_PID")" busy0="$(busy_ticks)"
say "PutConfigTemplate global"
t0=$EPOCHREALTIME
put="$("$LOAD" --target="$TARGET" --mode=put-template --template=global \
  --body='{"telemetry":{"interval_s":60},"ntp":{"servers":["pool.ntp.org"]}}' 2>"$RUN_DIR/put.log")" \
  || { cat "$RUN_DIR/put.log" >&2; die "PutConfigTemplate failed"; }
say "put-template: $put"
PUT_MS="$(json_num "$put" put_ms)"
HASH="$(grep -o '"effective_hash":"[0-9a-f]*"' <<<"$put" | cut -d'"' -f4)"
[[ ${#HASH} == 64 ]] || die "no effective hash after the template change: $put"
new_hash_count() { psql -c "SELECT count(*) FROM device_config WHERE reported_hash = '$HASH'"; }
deadline=$((SECONDS + TIMEOUT_S))
t_half="" t_90=""
while :; do
  n="$(new_hash_count)"
  now=$EPOCHREALTIME
  [[ -z "$t_half" ]] && ((n * 2 >= DEVICES)) && t_half=$now
  [[ -z "$t_90" ]] && ((n * 10 >= DEVICES * 9)) && t_90=$now
  ((n >= DEVICES)) && break
  ((SECONDS < deadline)) || die "only $n of $DEVICES reported the new hash within ${TIMEOUT_S}s"
  sleep 0.2
done
t_all=$now
dc1="$(cpu_ticks "$DEVCFG_PID")" sim1="$(cpu_ticks "$SIM_PID")" kafka1="$(cpu_ticks "$KAFKA_PID")"
pg1="$(tree_ticks "$PG_PID")" busy1="$(busy_ticks)"
sleep 1.2  # PushMetrics refresh
curl -sf --max-time 2 "$METRICS_URL" >"$RUN_DIR/metrics1.txt" || die "/metrics scrape failed"
sent1="$(metric "$RUN_DIR/metrics1.txt" config_push_sent_total)"
send_errors="$(metric "$RUN_DIR/metrics1.txt" config_push_send_errors_total)"
SIM_STATS="$(curl -sf --max-time 2 "$SIM_URL/stats" || echo '{}')"
# When each device's answer was stored, relative to the end of PutConfigTemplate (server clock =
# this machine's clock).
put_done="$(grep -o '"put_done_unix":[0-9.]*' <<<"$put" | cut -d: -f2)"
read -r ACK_P50 ACK_P90 ACK_P99 ACK_MIN <<<"$(psql -F ' ' -c "SELECT
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric, 3),
  round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s)::numeric, 3),
  round(percentile_cont(0.99) WITHIN GROUP (ORDER BY s)::numeric, 3),
  round(min(s)::numeric, 3)
  FROM (SELECT extract(epoch FROM reported_time) - $put_done AS s FROM device_config
        WHERE reported_hash = '$HASH') x")"
sample="$(curl -sf --max-time 2 "$SIM_URL/devices/dev-$(printf '%06d' $((DEVICES / 2)))/config" || echo '{}')"
grep -q "$HASH" <<<"$sample" || die "the simulated device does not hold the new hash: $sample"
DC_RSS="$(calc "$(hwm_kb "$DEVCFG_PID") / 1024" 1)"
thread_cpu "$DEVCFG_PID" >"$RUN_DIR/devcfg-threads.txt"

# ------------------------------------------------------------------ report
ALL_S="$(calc "$t_all - $t0" 3)"
HALF_S="$(calc "$t_half - $t0" 3)"
P90_S="$(calc "$t_90 - $t0" 3)"
PUSHES=$((sent1 - sent0))
RATE="$(calc "$DEVICES / $ALL_S" 0)"
DC_CPU="$(calc "($dc1 - $dc0) / $HZ")"
SIM_CPU="$(calc "($sim1 - $sim0) / $HZ")"
KAFKA_CPU="$(calc "($kafka1 - $kafka0) / $HZ")"
PG_CPU="$(calc "($pg1 - $pg0) / $HZ")"
OTHER_CPU="$(calc "($busy1 - $busy0 - ($dc1 - $dc0) - ($sim1 - $sim0) - ($kafka1 - $kafka0) - ($pg1 - $pg0)) / $HZ")"
OTHER_SHARE="$(calc "$OTHER_CPU / ($ALL_S * $(nproc))" 3)"
LOAD1="$(cut -d' ' -f1 /proc/loadavg)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- services libs edge 2>/dev/null | grep -q . && echo "+dirty" || true)"

cat <<EOF

config-fanout: $DEVICES devices, --push_rate $PUSH_RATE --push_max_in_flight $MAX_IN_FLIGHT, shared downlink $DOWN_TOPIC:$DOWN_PARTITIONS, $(nproc) cores, $COMMIT$DIRTY
  load: before $LOAD0, after $LOAD1 ($UPTIME0)
  setup   import ${IMPORT_S} s; SetDesiredConfig $SET_RATE calls/s (p99 $SET_P99 ms); all in sync ${SYNC0_S} s after the first call
  template change (PutConfigTemplate "global", $PUT_MS ms) -> devices reporting the new effective hash:
    50% after $HALF_S s, 90% after $P90_S s, 100% after $ALL_S s   ($RATE devices/s)
    per-device ack time after the change: min $ACK_MIN s, p50 $ACK_P50 s, p90 $ACK_P90 s, p99 $ACK_P99 s
  pushes sent $PUSHES (config_push_sent_total), send errors $send_errors
  CPU during the change (s): device-config $DC_CPU, fleet-sim $SIM_CPU, kafka-dev $KAFKA_CPU, postgres $PG_CPU, others $OTHER_CPU ($OTHER_SHARE of all cores)
  device-config: $(calc "1e3 * $DC_CPU / $DEVICES" 3) ms CPU per device push; peak RSS $DC_RSS MB
  fleet-sim: $SIM_STATS
  device-config CPU by thread (whole run, s):
$(sed 's/^/    /' "$RUN_DIR/devcfg-threads.txt" | head -n 8)
EOF

JSON="{\"bench\":\"config-fanout\",\"date\":\"$DATE\",\"commit\":\"$COMMIT$DIRTY\",\"cores\":$(nproc),\
\"load_before\":$LOAD0,\"load_after\":$LOAD1,\"devices\":$DEVICES,\"push_rate\":$PUSH_RATE,\
\"push_max_in_flight\":$MAX_IN_FLIGHT,\"down_partitions\":$DOWN_PARTITIONS,\"import_s\":$IMPORT_S,\
\"set_desired_calls_per_s\":$SET_RATE,\"initial_sync_s\":$SYNC0_S,\"put_template_ms\":$PUT_MS,\
\"fanout_50_s\":$HALF_S,\"fanout_90_s\":$P90_S,\"fanout_100_s\":$ALL_S,\"devices_per_s\":$RATE,\
\"ack_p50_s\":$ACK_P50,\"ack_p90_s\":$ACK_P90,\"ack_p99_s\":$ACK_P99,\"pushes\":$PUSHES,\"send_errors\":$send_errors,\
\"devcfg_cpu_s\":$DC_CPU,\"sim_cpu_s\":$SIM_CPU,\"kafka_cpu_s\":$KAFKA_CPU,\"pg_cpu_s\":$PG_CPU,\
\"other_share\":$OTHER_SHARE,\"devcfg_rss_mb\":$DC_RSS}"

if ((RECORD)); then
  record_in_table "$BENCH_DIR/results" "config-fanout-$(date -u +%Y%m%d-%H%M%S).json" "$JSON" \
    "| $DATE | $COMMIT$DIRTY | $DEVICES | $PUSH_RATE | $MAX_IN_FLIGHT | $SET_RATE | $SYNC0_S | $ALL_S | $ACK_P50 | $ACK_P99 | $PUSHES | $DC_CPU | $LOAD0 / $LOAD1 | ${NOTE:--} |" config-fanout
fi
SUCCESS=1
echo "$JSON"
