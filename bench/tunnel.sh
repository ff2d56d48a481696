#!/usr/bin/env bash
# bench/run tunnel: the tunnel service with 4 frp servers, kafka-dev and fleet-sim: open-to-OPEN
# latency, then N concurrent opens (allocation throughput, errors by reason), then SQL checks of
# the leases. Shared downlink topic (no per-device topics). Loopback only, bounded in time; stops
# everything it started (trap), even on failure. See usage() and bench/results/README.md.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=bench/record.sh
source "$BENCH_DIR/record.sh"

SESSIONS=10000
THREADS=32
OPERATORS=100
LAT_SESSIONS=200
LAT_THREADS=2
PORTS_PER_SERVER=8000
OPERATOR_CAP=1000
FLOOD_S=200
PG_POOL=""
VACUUM_FIRST=0
DOWN_PARTITIONS=16
TIMEOUT_S=240
BUILD=1
RECORD=1
KEEP=0
NOTE=""
UP_TOPIC=bench.tunnel.up
DOWN_TOPIC=bench.tunnel.down

usage() {
  cat <<EOF
usage: bench/run tunnel [options]
  --sessions N          concurrent sessions opened in the throughput phase (default $SESSIONS)
  --threads T           client threads of the throughput phase (default $THREADS)
  --operators K         distinct operators of the throughput phase (default $OPERATORS)
  --latency_sessions N  sessions of the open-to-OPEN latency phase (default $LAT_SESSIONS, 2 threads)
  --ports_per_server P  remote ports of each of the 4 frp servers (default $PORTS_PER_SERVER)
  --operator_cap C      tunnel --operator_cap (default $OPERATOR_CAP)
  --flood_duration S    no new opens after S seconds in the throughput phase (default $FLOOD_S)
  --pg_pool N           tunnel --pg_pool (default: the service's default)
  --vacuum_first        VACUUM ANALYZE tunnel_ports once the service has created its port rows
                        (diagnosis: the per-open free-port counts are cheap only with a fresh
                        visibility map)
  --timeout S           limit for each phase in seconds (default $TIMEOUT_S)
  --note TEXT           free text for the results table
  --no-record           do not write bench/results/
  --no-build            use the binaries already in bazel-bin
  --keep                keep the run directory (logs) after success
fleet-sim simulates sessions + latency_sessions devices (a device has at most one live session);
each session leases 3 ports (ssh, web, camera).
EOF
}

while [[ $# -gt 0 ]]; do
  arg="$1" val="" has_val=0
  shift
  if [[ "$arg" == --*=* ]]; then val="${arg#*=}" arg="${arg%%=*}" has_val=1; fi
  case "$arg" in
    --sessions|--threads|--operators|--latency_sessions|--ports_per_server|--operator_cap|--flood_duration|--pg_pool|--timeout|--note)
      if ((!has_val)); then
        [[ $# -ge 1 ]] || die "$arg needs a value"
        val="$1"
        shift
      fi ;;
  esac
  case "$arg" in
    --sessions) SESSIONS="$val" ;;
    --threads) THREADS="$val" ;;
    --operators) OPERATORS="$val" ;;
    --latency_sessions) LAT_SESSIONS="$val" ;;
    --ports_per_server) PORTS_PER_SERVER="$val" ;;
    --operator_cap) OPERATOR_CAP="$val" ;;
    --flood_duration) FLOOD_S="$val" ;;
    --pg_pool) PG_POOL="$val" ;;
    --vacuum_first) VACUUM_FIRST=1 ;;
    --timeout) TIMEOUT_S="$val" ;;
    --note) NOTE="$val" ;;
    --no-record) RECORD=0 ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done
is_uint "$SESSIONS" && ((SESSIONS >= 1)) || die "--sessions must be >= 1"
is_uint "$THREADS" && ((THREADS >= 1 && THREADS <= 512)) || die "--threads must be 1..512"
is_uint "$OPERATORS" && ((OPERATORS >= 1)) || die "--operators must be >= 1"
is_uint "$LAT_SESSIONS" && ((LAT_SESSIONS >= 1)) || die "--latency_sessions must be >= 1"
is_uint "$PORTS_PER_SERVER" && ((PORTS_PER_SERVER >= 3 && PORTS_PER_SERVER <= 8000)) || die "--ports_per_server must be 3..8000"
is_uint "$OPERATOR_CAP" && ((OPERATOR_CAP >= 1 && OPERATOR_CAP <= 10000)) || die "--operator_cap must be 1..10000"
is_uint "$TIMEOUT_S" && ((TIMEOUT_S >= 10)) || die "--timeout must be >= 10 (seconds)"
is_uint "$FLOOD_S" && ((FLOOD_S >= 1)) || die "--flood_duration must be >= 1 (seconds)"
[[ -z "$PG_POOL" ]] || { is_uint "$PG_POOL" && ((PG_POOL >= 1 && PG_POOL <= 256)); } || die "--pg_pool must be 1..256"
DEVICES=$((SESSIONS + LAT_SESSIONS))
((DEVICES <= 1000000)) || die "sessions + latency_sessions must be <= 1000000"
((SESSIONS / OPERATORS + 1 <= OPERATOR_CAP)) || die "--operator_cap $OPERATOR_CAP is below sessions/operators"
((LAT_SESSIONS / LAT_THREADS + 1 <= OPERATOR_CAP)) || die "--operator_cap $OPERATOR_CAP is below latency_sessions/2"
for tool in curl awk; do command -v "$tool" >/dev/null || die "$tool is required"; done
PSQL_BIN=/usr/lib/postgresql/15/bin/psql
[[ -x "$PSQL_BIN" ]] || die "$PSQL_BIN missing"

BIN="${FLEET_BENCH_BIN:-$ROOT/bazel-bin}"
LOAD="$BIN/bench/tunnel_load"
TUNNEL="$BIN/services/tunnel/tunnel"
KAFKA_DEV="$BIN/tools/kafka-dev/kafka-dev"
SIM="$BIN/edge/sim/fleet-sim"
if ((BUILD)); then
  say "building"
  (cd "$ROOT" && bazel build //bench:tunnel_load //services/tunnel //tools/kafka-dev //edge/sim:fleet-sim) >&2 \
    || die "bazel build failed"
fi
for b in "$LOAD" "$TUNNEL" "$KAFKA_DEV" "$SIM"; do [[ -x "$b" ]] || die "$b missing (drop --no-build)"; done

# ------------------------------------------------------------------ stack (fresh, ours only)
LOAD0="$(cut -d' ' -f1 /proc/loadavg)"
UPTIME0="$(uptime)"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench-tunnel.XXXXXX")"
STACK="$RUN_DIR/stack"
TUNNEL_PID="" KAFKA_PID="" SIM_PID="" FLOOD_PID="" SUCCESS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$FLOOD_PID" ]] && stop_pid "$FLOOD_PID" tunnel_load TERM
  [[ -n "$TUNNEL_PID" ]] && stop_pid "$TUNNEL_PID" tunnel TERM
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

# 4 frp servers, PORTS_PER_SERVER remote ports each, from 20000 up (no frps runs: only leases).
POOL=""
for i in 0 1 2 3; do
  lo=$((20000 + i * PORTS_PER_SERVER)) hi=$((20000 + (i + 1) * PORTS_PER_SERVER - 1))
  POOL+="name=frp-$i public_address=127.0.0.1 bind_port=$((7000 + i)) token_ref=env:BENCH_FRP_TOKEN ports=$lo-$hi weight=1;"
done
BENCH_FRP_TOKEN="bench-frp-token-$$" "$TUNNEL" --pg_url="$PG_URL" --grpc_address=127.0.0.1:0 --admin_port=0 \
  --kafka_bootstrap="$BOOTSTRAP" --uplink_topic="$UP_TOPIC" --downlink_template="$DOWN_TOPIC" \
  --kafka_group="bench-tunnel-$$" --presence_topic= --frp_servers="$POOL" --operator_cap="$OPERATOR_CAP" ${PG_POOL:+--pg_pool="$PG_POOL"} \
  </dev/null >"$RUN_DIR/tunnel.out" 2>"$RUN_DIR/tunnel.log" &
TUNNEL_PID=$!
echo "tunnel $TUNNEL_PID" >>"$RUN_DIR/pids"
wait_for 60 "tunnel to serve" grep -q '"msg":"serving"' "$RUN_DIR/tunnel.log"
serving="$(grep '"msg":"serving"' "$RUN_DIR/tunnel.log" | head -n 1)"
GRPC_PORT="$(grep -o '"grpc_port":[0-9]*' <<<"$serving" | cut -d: -f2)"
[[ -n "$GRPC_PORT" ]] || die "no grpc_port in tunnel's serving line: $serving"
TARGET="127.0.0.1:$GRPC_PORT"

"$SIM" --kafka_bootstrap="$BOOTSTRAP" --devices="$DEVICES" --uplink_topic="$UP_TOPIC" \
  --downlink_template="$DOWN_TOPIC" --downlink_group="bench-sim-$$" --control_port=0 \
  --port_file="$RUN_DIR/sim.port" </dev/null >"$RUN_DIR/sim.out" 2>"$RUN_DIR/sim.log" &
SIM_PID=$!
echo "fleet-sim $SIM_PID" >>"$RUN_DIR/pids"
wait_for 30 "fleet-sim control port" test -s "$RUN_DIR/sim.port"
SIM_URL="http://127.0.0.1:$(head -n 1 "$RUN_DIR/sim.port" | tr -d '[:space:]')"
HZ="$(getconf CLK_TCK)"
if ((VACUUM_FIRST)); then
  say "VACUUM ANALYZE tunnel_ports (--vacuum_first)"
  psql -c "VACUUM ANALYZE tunnel_ports" || die "VACUUM failed"
fi
# The sim's downlink consumer must have joined its group before latencies mean anything; a group
# join takes 3-5 s on kafka-dev.
sleep 6

# ------------------------------------------------------------------ (a) open -> OPEN latency
say "latency: $LAT_SESSIONS opens from $LAT_THREADS threads, each polled until OPEN"
lat="$(timeout "$TIMEOUT_S" "$LOAD" --target="$TARGET" --mode=latency --sessions="$LAT_SESSIONS" \
  --threads="$LAT_THREADS" --first="$SESSIONS" 2>"$RUN_DIR/latency.log")" \
  || { cat "$RUN_DIR/latency.log" >&2; echo "$lat" >&2; die "latency phase failed"; }
say "latency: $lat"

# ------------------------------------------------------------------ (b) concurrent opens
say "throughput: $SESSIONS opens from $THREADS threads, $OPERATORS operators"
t0=$EPOCHREALTIME
tu0="$(cpu_ticks "$TUNNEL_PID")" pg0="$(tree_ticks "$PG_PID")" sim0="$(cpu_ticks "$SIM_PID")"
kafka0="$(cpu_ticks "$KAFKA_PID")" busy0="$(busy_ticks)"
# In the background, so the sessions table can be sampled meanwhile (opens per 10 s interval).
"$LOAD" --target="$TARGET" --mode=flood --sessions="$SESSIONS" --threads="$THREADS" \
  --operators="$OPERATORS" --first=0 --duration="${FLOOD_S}s" >"$RUN_DIR/flood.json" 2>"$RUN_DIR/flood.log" &
FLOOD_PID=$!
echo "tunnel_load $FLOOD_PID" >>"$RUN_DIR/pids"
PROGRESS="" prev=$LAT_SESSIONS prev_t=$t0
deadline=$((SECONDS + FLOOD_S + 60))
while kill -0 "$FLOOD_PID" 2>/dev/null; do
  ((SECONDS < deadline)) || die "tunnel_load did not stop within $((FLOOD_S + 60)) s"
  for ((i = 0; i < 100; i++)); do kill -0 "$FLOOD_PID" 2>/dev/null || break; sleep 0.1; done
  n="$(psql -c "SELECT count(*) FROM tunnel_sessions")" now=$EPOCHREALTIME
  PROGRESS+="$((n - LAT_SESSIONS))@$(calc "$now - $t0" 0)s:$(calc "($n - $prev) / ($now - $prev_t)" 0)/s "
  prev=$n prev_t=$now
done
rc=0
wait "$FLOOD_PID" || rc=$?
FLOOD_PID=""
t_opened=$EPOCHREALTIME
tu1="$(cpu_ticks "$TUNNEL_PID")" pg1="$(tree_ticks "$PG_PID")" sim1="$(cpu_ticks "$SIM_PID")"
kafka1="$(cpu_ticks "$KAFKA_PID")" busy1="$(busy_ticks)"
flood="$(cat "$RUN_DIR/flood.json")"
((rc == 0 || rc == 1)) || { cat "$RUN_DIR/flood.log" >&2; die "throughput phase failed (exit $rc)"; }
[[ -n "$flood" ]] || die "no result from the throughput phase: $(cat "$RUN_DIR/flood.log")"
say "throughput: $flood"
OPENED="$(json_num "$flood" opened)"
WANT_OPEN=$((OPENED + LAT_SESSIONS))
OPEN_WAIT_S=$((TIMEOUT_S < 45 ? TIMEOUT_S : 45))
deadline=$((SECONDS + OPEN_WAIT_S))
ALL_OPEN_S=-1
while :; do
  # One snapshot: sessions OPEN and sessions still waiting for their device.
  read -r n waiting <<<"$(psql -F ' ' -c "SELECT count(*) FILTER (WHERE state = 'OPEN'),
    count(*) FILTER (WHERE state = 'REQUESTED') FROM tunnel_sessions")"
  if ((n >= WANT_OPEN)); then ALL_OPEN_S="$(calc "$EPOCHREALTIME - $t0" 3)"; break; fi
  if ((waiting == 0)); then say "no session REQUESTED any more; $n of $WANT_OPEN OPEN"; break; fi
  if ((SECONDS >= deadline)); then say "only $n of $WANT_OPEN sessions OPEN ${OPEN_WAIT_S}s after the last open"; break; fi
  sleep 0.5
done

# ------------------------------------------------------------------ SQL checks
DUP_LEASES="$(psql -c "SELECT count(*) FROM (SELECT server, port FROM tunnel_leases WHERE released_at IS NULL
  GROUP BY server, port HAVING count(*) > 1) x")"
PORT_MISMATCH="$(psql -c "SELECT count(*) FROM tunnel_leases l JOIN tunnel_ports p USING (server, port)
  WHERE l.released_at IS NULL AND p.session_id IS DISTINCT FROM l.session_id")"
DUP_DEVICE="$(psql -c "SELECT count(*) FROM (SELECT device_id FROM tunnel_sessions
  WHERE state IN ('REQUESTED', 'OPEN', 'CLOSING') GROUP BY device_id HAVING count(*) > 1) x")"
LIVE_LEASES="$(psql -c "SELECT count(*) FROM tunnel_leases WHERE released_at IS NULL")"
STATES="$(psql -F '=' -c "SELECT state, count(*) FROM tunnel_sessions GROUP BY state ORDER BY state" | paste -sd ' ')"
PER_SERVER="$(psql -F '=' -c "SELECT server, count(*) FROM tunnel_sessions WHERE state IN ('REQUESTED', 'OPEN')
  GROUP BY server ORDER BY server" | paste -sd ' ')"
LEASES_PER_SERVER="$(psql -F '=' -c "SELECT server, count(*) FROM tunnel_leases WHERE released_at IS NULL
  GROUP BY server ORDER BY server" | paste -sd ' ')"
# The port claim's candidate scan (as in services/tunnel/storage/pg_store.cc, without FOR UPDATE).
psql -c "EXPLAIN (ANALYZE, BUFFERS) SELECT server, port FROM tunnel_ports WHERE server = 'frp-0'
  AND port BETWEEN 20000 AND $((20000 + PORTS_PER_SERVER - 1)) AND session_id IS NULL AND released_at <= now()
  ORDER BY released_at, port LIMIT 3" >"$RUN_DIR/explain-claim.txt" 2>&1 || true
# The free-port count the broker runs for EVERY server on EVERY open (ranking), frp-0 only here.
psql -c "EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM tunnel_ports WHERE server = 'frp-0'
  AND port BETWEEN 20000 AND $((20000 + PORTS_PER_SERVER - 1)) AND session_id IS NULL AND released_at <= now()" \
  >"$RUN_DIR/explain-free.txt" 2>&1 || true
DEAD="$(psql -F ' ' -c "SELECT n_live_tup, n_dead_tup, coalesce(last_autovacuum::text, 'never') FROM pg_stat_user_tables WHERE relname = 'tunnel_ports'" || true)"
SIM_STATS="$(curl -sf --max-time 2 "$SIM_URL/stats" || echo '{}')"
TUNNEL_RSS="$(calc "$(hwm_kb "$TUNNEL_PID") / 1024" 1)"
thread_cpu "$TUNNEL_PID" >"$RUN_DIR/tunnel-threads.txt"

# ------------------------------------------------------------------ report
WALL="$(calc "$t_opened - $t0" 3)"
TU_CPU="$(calc "($tu1 - $tu0) / $HZ")"
PG_CPU="$(calc "($pg1 - $pg0) / $HZ")"
SIM_CPU="$(calc "($sim1 - $sim0) / $HZ")"
KAFKA_CPU="$(calc "($kafka1 - $kafka0) / $HZ")"
OTHER_CPU="$(calc "($busy1 - $busy0 - ($tu1 - $tu0) - ($pg1 - $pg0) - ($sim1 - $sim0) - ($kafka1 - $kafka0)) / $HZ")"
OTHER_SHARE="$(calc "$OTHER_CPU / ($WALL * $(nproc))" 3)"
ERRORS="$(json_num "$flood" errors)"
REASONS="$(grep -o '"error_reasons":{[^}]*}' <<<"$flood" | cut -d: -f2-)"
LOAD1="$(cut -d' ' -f1 /proc/loadavg)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- services libs edge 2>/dev/null | grep -q . && echo "+dirty" || true)"
OK_CHECKS=$(( DUP_LEASES == 0 && PORT_MISMATCH == 0 && DUP_DEVICE == 0 ))

cat <<EOF

tunnel: 4 frp servers x $PORTS_PER_SERVER ports, $DEVICES simulated devices, operator_cap $OPERATOR_CAP, vacuum_first $VACUUM_FIRST, shared downlink $DOWN_TOPIC:$DOWN_PARTITIONS, $(nproc) cores, $COMMIT$DIRTY
  load: before $LOAD0, after $LOAD1 ($UPTIME0)
  (a) open -> OPEN, $LAT_SESSIONS sessions from $LAT_THREADS threads (GetTunnel polled every 5 ms):
      p50 $(json_num "$lat" open_p50_ms) ms, p90 $(json_num "$lat" open_p90_ms) ms, p99 $(json_num "$lat" open_p99_ms) ms, max $(json_num "$lat" open_max_ms) ms; OpenTunnel rpc p50 $(json_num "$lat" rpc_p50_ms) ms, p99 $(json_num "$lat" rpc_p99_ms) ms; reached OPEN $(json_num "$lat" reached_open)/$LAT_SESSIONS
  (b) $SESSIONS opens from $THREADS threads, $OPERATORS operators:
      opened $OPENED in $WALL s = $(json_num "$flood" opens_per_s) opens/s (cut short at ${FLOOD_S} s: $(grep -o '"cut_short":[a-z]*' <<<"$flood" | cut -d: -f2)); OpenTunnel p50 $(json_num "$flood" rpc_p50_ms) ms, p90 $(json_num "$flood" rpc_p90_ms) ms, p99 $(json_num "$flood" rpc_p99_ms) ms, max $(json_num "$flood" rpc_max_ms) ms
      errors $ERRORS by reason $REASONS
      sessions opened over time (count@elapsed:rate in the interval): $PROGRESS
      all sessions OPEN $ALL_OPEN_S s after the first open (-1 = not within ${OPEN_WAIT_S}s of the last open); states now: $STATES
      CPU during the opens (s): tunnel $TU_CPU, postgres $PG_CPU, fleet-sim $SIM_CPU, kafka-dev $KAFKA_CPU, others $OTHER_CPU ($OTHER_SHARE of all cores)
  SQL checks: (server, port) with >1 live lease: $DUP_LEASES; live lease vs tunnel_ports mismatch: $PORT_MISMATCH; devices with >1 live session: $DUP_DEVICE  -> $( ((OK_CHECKS)) && echo OK || echo VIOLATED)
      live sessions per server: $PER_SERVER
      live leases per server:   $LEASES_PER_SERVER (total $LIVE_LEASES)
  tunnel_ports after the run: live/dead tuples, last autovacuum: $DEAD
  claim candidate scan now (EXPLAIN ANALYZE, frp-0):
$(grep -E 'Limit|Scan|Index|Filter|Rows Removed|Buffers|Execution' "$RUN_DIR/explain-claim.txt" | sed 's/^/    /' | head -n 10)
  free-port count per server, run by every open for all 4 servers (EXPLAIN ANALYZE, frp-0):
$(grep -E 'Aggregate|Scan|Heap Fetches|Buffers|Execution' "$RUN_DIR/explain-free.txt" | sed 's/^/    /' | head -n 8)
  tunnel peak RSS $TUNNEL_RSS MB; fleet-sim: $SIM_STATS
  tunnel CPU by thread (whole run, s):
$(sed 's/^/    /' "$RUN_DIR/tunnel-threads.txt" | head -n 8)
EOF

per_server_json="{$(sed -E 's/([^ =]+)=([0-9]+)/"\1":\2/g; s/ /,/g' <<<"$PER_SERVER")}"
JSON="{\"bench\":\"tunnel\",\"date\":\"$DATE\",\"commit\":\"$COMMIT$DIRTY\",\"cores\":$(nproc),\
\"load_before\":$LOAD0,\"load_after\":$LOAD1,\"servers\":4,\"ports_per_server\":$PORTS_PER_SERVER,\
\"devices\":$DEVICES,\"latency_sessions\":$LAT_SESSIONS,\"open_p50_ms\":$(json_num "$lat" open_p50_ms),\
\"open_p99_ms\":$(json_num "$lat" open_p99_ms),\"latency_rpc_p50_ms\":$(json_num "$lat" rpc_p50_ms),\
\"sessions\":$SESSIONS,\"threads\":$THREADS,\"flood_duration_s\":$FLOOD_S,\"cut_short\":$(grep -o '"cut_short":[a-z]*' <<<"$flood" | cut -d: -f2),\"operators\":$OPERATORS,\"opened\":$OPENED,\"opens_wall_s\":$WALL,\
\"opens_per_s\":$(json_num "$flood" opens_per_s),\"open_rpc_p50_ms\":$(json_num "$flood" rpc_p50_ms),\
\"open_rpc_p99_ms\":$(json_num "$flood" rpc_p99_ms),\"errors\":$ERRORS,\"error_reasons\":$REASONS,\
\"all_open_s\":$ALL_OPEN_S,\"dup_live_leases\":$DUP_LEASES,\"lease_port_mismatch\":$PORT_MISMATCH,\
\"dup_live_device_sessions\":$DUP_DEVICE,\"live_leases\":$LIVE_LEASES,\"per_server\":$per_server_json,\
\"tunnel_cpu_s\":$TU_CPU,\"pg_cpu_s\":$PG_CPU,\"other_share\":$OTHER_SHARE,\"tunnel_rss_mb\":$TUNNEL_RSS,\
\"vacuum_first\":$( ((VACUUM_FIRST)) && echo true || echo false),\"checks_ok\":$( ((OK_CHECKS)) && echo true || echo false)}"

if ((RECORD)); then
  record_in_table "$BENCH_DIR/results" "tunnel-$(date -u +%Y%m%d-%H%M%S).json" "$JSON" \
    "| $DATE | $COMMIT$DIRTY | $(json_num "$lat" open_p50_ms) | $(json_num "$lat" open_p99_ms) | $SESSIONS | $THREADS | $(json_num "$flood" opens_per_s) | $(json_num "$flood" rpc_p50_ms) | $(json_num "$flood" rpc_p99_ms) | $ERRORS | $ALL_OPEN_S | $DUP_LEASES | $PER_SERVER | $LOAD0 / $LOAD1 | ${NOTE:--} |" tunnel
fi
SUCCESS=1
echo "$JSON"
