#!/usr/bin/env bash
# bench/run registry: device-config's registry on its own PostgreSQL: ImportDevices of N devices
# as one CSV, then ListDevices latency by label, by model+label, unfiltered, and a full paging
# walk of one label. Loopback only, bounded in time; stops everything it started (trap), even on
# failure. See usage() and bench/results/README.md.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=bench/record.sh
source "$BENCH_DIR/record.sh"

DEVICES=100000
CALLS=2000
THREADS=4
PAGE_SIZE=100
ANALYZE=1
TIMEOUT_S=240
BUILD=1
RECORD=1
KEEP=0
NOTE=""
TARGET_P99_MS=50
TARGET_IMPORT_S=30

usage() {
  cat <<EOF
usage: bench/run registry [options]
  --devices N       devices imported in one ImportDevices CSV call (1..100000, default $DEVICES)
  --calls N         ListDevices calls per filtered phase (default $CALLS)
  --threads N       client threads of the list phases (default $THREADS)
  --page_size N     ListDevices page size (default $PAGE_SIZE)
  --no-analyze      skip VACUUM ANALYZE of the devices table after the import (autovacuum would
                    analyze it within a minute in production; default: analyze)
  --timeout S       limit for each phase in seconds (default $TIMEOUT_S)
  --note TEXT       free text for the results table
  --no-record       do not write bench/results/
  --no-build        use the binaries already in bazel-bin
  --keep            keep the run directory (logs) after success
Devices: ids dev-NNNNNN, 4 models, 4 groups, labels site (20 values, so one site = N/20
devices), building, floor, env, and lot (20 contiguous id ranges; the
"last id range" phase lists lot-19, the worst case of an id-ordered scan). Targets (issue): list 100 of 100k by label p99 <= ${TARGET_P99_MS} ms,
import of 100k <= ${TARGET_IMPORT_S} s.
EOF
}

while [[ $# -gt 0 ]]; do
  arg="$1" val="" has_val=0
  shift
  if [[ "$arg" == --*=* ]]; then val="${arg#*=}" arg="${arg%%=*}" has_val=1; fi
  case "$arg" in
    --devices|--calls|--threads|--page_size|--timeout|--note)
      if ((!has_val)); then
        [[ $# -ge 1 ]] || die "$arg needs a value"
        val="$1"
        shift
      fi ;;
  esac
  case "$arg" in
    --devices) DEVICES="$val" ;;
    --calls) CALLS="$val" ;;
    --threads) THREADS="$val" ;;
    --page_size) PAGE_SIZE="$val" ;;
    --timeout) TIMEOUT_S="$val" ;;
    --note) NOTE="$val" ;;
    --no-analyze) ANALYZE=0 ;;
    --no-record) RECORD=0 ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done
is_uint "$DEVICES" && ((DEVICES >= 20 && DEVICES <= 100000)) || die "--devices must be 20..100000"
is_uint "$CALLS" && ((CALLS >= 1)) || die "--calls must be >= 1"
is_uint "$THREADS" && ((THREADS >= 1 && THREADS <= 64)) || die "--threads must be 1..64"
is_uint "$PAGE_SIZE" && ((PAGE_SIZE >= 1 && PAGE_SIZE <= 1000)) || die "--page_size must be 1..1000"
is_uint "$TIMEOUT_S" && ((TIMEOUT_S >= 10)) || die "--timeout must be >= 10 (seconds)"
for tool in curl awk; do command -v "$tool" >/dev/null || die "$tool is required"; done
PSQL_BIN=/usr/lib/postgresql/15/bin/psql
[[ -x "$PSQL_BIN" ]] || die "$PSQL_BIN missing"

BIN="${FLEET_BENCH_BIN:-$ROOT/bazel-bin}"
LOAD="$BIN/bench/registry_load"
DEVCFG="$BIN/services/device-config/device-config"
if ((BUILD)); then
  say "building"
  (cd "$ROOT" && bazel build //bench:registry_load //services/device-config) >&2 || die "bazel build failed"
fi
for b in "$LOAD" "$DEVCFG"; do [[ -x "$b" ]] || die "$b missing (drop --no-build)"; done

# ------------------------------------------------------------------ stack (fresh, ours only)
LOAD0="$(cut -d' ' -f1 /proc/loadavg)"
UPTIME0="$(uptime)"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench-registry.XXXXXX")"
STACK="$RUN_DIR/stack"
DEVCFG_PID="" SUCCESS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$DEVCFG_PID" ]] && stop_pid "$DEVCFG_PID" device-config TERM
  [[ -d "$STACK" ]] && "$ROOT/scripts/stack/down" --dir "$STACK" >/dev/null 2>&1 || true
  if ((SUCCESS && !KEEP)); then rm -rf -- "$RUN_DIR"; else say "run directory kept: $RUN_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "stack in $STACK (PostgreSQL only)"
"$ROOT/scripts/stack/up" --dir "$STACK" --skip redis --skip kafka --skip otlp >"$RUN_DIR/stack.env.out" 2>"$RUN_DIR/stack.log" \
  || { cat "$RUN_DIR/stack.log" >&2; die "stack up failed"; }
PG_URL="$(sed -n 's/^FLEET_PG_URL=//p' "$STACK/env")"
PG_PID="$(cat "$STACK/postgres.pid")"
echo "postgres $PG_PID" >>"$RUN_DIR/pids"
[[ -n "$PG_URL" ]] || die "stack env incomplete: $(cat "$STACK/env")"
psql() { "$PSQL_BIN" -X -q -At -v ON_ERROR_STOP=1 "$PG_URL" "$@"; }

"$DEVCFG" --pg_url="$PG_URL" --grpc_address=127.0.0.1:0 --admin_port=0 --kafka_bootstrap= \
  </dev/null >"$RUN_DIR/devcfg.out" 2>"$RUN_DIR/devcfg.log" &
DEVCFG_PID=$!
echo "device-config $DEVCFG_PID" >>"$RUN_DIR/pids"
wait_for 60 "device-config to serve" grep -q '"msg":"serving"' "$RUN_DIR/devcfg.log"
GRPC_PORT="$(grep '"msg":"serving"' "$RUN_DIR/devcfg.log" | head -n 1 | grep -o '"grpc_port":[0-9]*' | cut -d: -f2)"
[[ -n "$GRPC_PORT" ]] || die "no grpc_port in device-config's serving line"
TARGET="127.0.0.1:$GRPC_PORT"
HZ="$(getconf CLK_TCK)"

# run_phase NAME ARGS...: runs registry_load, stores its JSON line in PHASE[NAME] and the CPU
# seconds of device-config and PostgreSQL during it in CPU_DC[NAME] / CPU_PG[NAME].
declare -A PHASE CPU_DC CPU_PG
run_phase() {
  local name="$1" out dc0 pg0
  shift
  dc0="$(cpu_ticks "$DEVCFG_PID")" pg0="$(tree_ticks "$PG_PID")"
  out="$(timeout "$TIMEOUT_S" "$LOAD" --target="$TARGET" "$@" 2>"$RUN_DIR/load-$name.log")" \
    || { cat "$RUN_DIR/load-$name.log" >&2; echo "$out" >&2; die "phase $name failed"; }
  PHASE[$name]="$out"
  CPU_DC[$name]="$(calc "($(cpu_ticks "$DEVCFG_PID") - $dc0) / $HZ")"
  CPU_PG[$name]="$(calc "($(tree_ticks "$PG_PID") - $pg0) / $HZ")"
  say "$name: $out"
}

# ------------------------------------------------------------------ 1. import
say "importing $DEVICES devices (one CSV call)"
run_phase import --mode=import --devices="$DEVICES" --deadline="${TIMEOUT_S}s"
IMPORT_S="$(json_num "${PHASE[import]}" import_s)"
CREATED="$(json_num "${PHASE[import]}" created)"
CSV_MB="$(calc "$(json_num "${PHASE[import]}" csv_bytes) / 1048576" 1)"
((CREATED == DEVICES)) || die "import created $CREATED devices, want $DEVICES"
[[ "$(psql -c 'SELECT count(*) FROM devices')" == "$DEVICES" ]] || die "devices table count mismatch"
if ((ANALYZE)); then
  t=$EPOCHREALTIME
  psql -c 'VACUUM ANALYZE devices' || die "VACUUM ANALYZE failed"
  ANALYZE_S="$(calc "$EPOCHREALTIME - $t")"
else
  ANALYZE_S=0
fi
TABLE_MB="$(psql -c "SELECT round(pg_total_relation_size('devices') / 1048576.0, 1)")"

# ------------------------------------------------------------------ 2. list
SITE_N=$((DEVICES / 20))
say "ListDevices: $CALLS calls x $THREADS threads per phase"
# Warm-up (not reported): connections, PostgreSQL caches and plans.
run_phase warmup --mode=list --calls=$((THREADS * 25)) --threads="$THREADS" --page_size="$PAGE_SIZE" \
  --filter='labels.site = "%SITE%"' --seed=9
run_phase label --mode=list --calls="$CALLS" --threads="$THREADS" --page_size="$PAGE_SIZE" \
  --filter='labels.site = "%SITE%"'
run_phase model_label --mode=list --calls="$CALLS" --threads="$THREADS" --page_size="$PAGE_SIZE" \
  --filter='model = "%MODEL%" AND labels.site = "%SITE%"' --seed=2
run_phase lot --mode=list --calls="$CALLS" --threads="$THREADS" --page_size="$PAGE_SIZE" \
  --filter='labels.lot = "lot-19"' --seed=4
run_phase unfiltered --mode=list --calls="$CALLS" --threads="$THREADS" --page_size="$PAGE_SIZE" --seed=3
run_phase walk --mode=walk --page_size="$PAGE_SIZE" --filter='labels.site = "site-07"'
EXPLAIN="$(psql -c "EXPLAIN ANALYZE SELECT id FROM devices WHERE id > '' AND labels @> '{\"site\":\"site-07\"}'::jsonb ORDER BY id LIMIT $PAGE_SIZE" 2>&1 || true)"
echo "$EXPLAIN" >"$RUN_DIR/explain-label.txt"
psql -c "EXPLAIN ANALYZE SELECT id FROM devices WHERE id > '' AND labels @> '{\"lot\":\"lot-19\"}'::jsonb ORDER BY id LIMIT $PAGE_SIZE" \
  >"$RUN_DIR/explain-lot.txt" 2>&1 || true
DC_RSS="$(calc "$(hwm_kb "$DEVCFG_PID") / 1024" 1)"
stop_pid "$DEVCFG_PID" device-config TERM; DEVCFG_PID=""

# ------------------------------------------------------------------ 3. report
f() { json_num "${PHASE[$1]}" "$2"; }
WALK_PAGES="$(f walk pages)" WALK_DEVICES="$(f walk devices)" WALK_S="$(f walk walk_s)"
((WALK_DEVICES == SITE_N)) || die "walk returned $WALK_DEVICES devices, want $SITE_N"
LABEL_P99="$(f label p99_ms)"
MET="$(calc "($LABEL_P99 <= $TARGET_P99_MS && ($DEVICES < 100000 || $IMPORT_S <= $TARGET_IMPORT_S)) ? 1 : 0" 0)"
LOAD1="$(cut -d' ' -f1 /proc/loadavg)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- services libs 2>/dev/null | grep -q . && echo "+dirty" || true)"
row() {  # row LABEL PHASE
  printf '  %-26s %8s %8s %8s %8s %8s %9s %8s %8s %7s\n' "$1" "$(f "$2" calls_per_s)" "$(f "$2" p50_ms)" \
    "$(f "$2" p90_ms)" "$(f "$2" p99_ms)" "$(f "$2" max_ms)" "$(f "$2" devices_per_call)" \
    "${CPU_DC[$2]}" "${CPU_PG[$2]}" "$(f "$2" errors)"
}

cat <<EOF

registry: $DEVICES devices, page_size $PAGE_SIZE, $THREADS client threads, $(nproc) cores, $COMMIT$DIRTY
  load: before $LOAD0, after $LOAD1 ($UPTIME0)
  import (one CSV call, $CSV_MB MB)   $IMPORT_S s   ($(f import rows_per_s) rows/s; CPU device-config ${CPU_DC[import]} s, postgres ${CPU_PG[import]} s)
  VACUUM ANALYZE devices              $ANALYZE_S s   (table + indexes $TABLE_MB MB)
  ListDevices ($CALLS calls each)  calls/s   p50 ms   p90 ms   p99 ms   max ms  rows/call  dc CPU s  pg CPU s  errors
$(row 'label (1 of 20 sites)' label)
$(row 'model + label' model_label)
$(row 'label, last id range' lot)
$(row 'unfiltered' unfiltered)
  walk of labels.site="site-07"      $WALK_PAGES pages, $WALK_DEVICES devices in $WALK_S s (page p50 $(f walk page_p50_ms) ms, p99 $(f walk page_p99_ms) ms, max $(f walk page_max_ms) ms)
  device-config peak RSS $DC_RSS MB
  targets: list-by-label p99 $LABEL_P99 ms (<= $TARGET_P99_MS), import $IMPORT_S s (<= $TARGET_IMPORT_S for 100k): $( ((MET)) && echo MET || echo MISSED)
  plan of the first label page (EXPLAIN ANALYZE):
$(grep -E 'Limit|Scan|Index|Filter|Rows Removed|Execution' "$RUN_DIR/explain-label.txt" | sed 's/^/    /' | head -n 12)
  plan of the first lot-19 page (EXPLAIN ANALYZE):
$(grep -E 'Limit|Scan|Index|Filter|Rows Removed|Execution' "$RUN_DIR/explain-lot.txt" | sed 's/^/    /' | head -n 12)
EOF

JSON="{\"bench\":\"registry\",\"date\":\"$DATE\",\"commit\":\"$COMMIT$DIRTY\",\"cores\":$(nproc),\
\"load_before\":$LOAD0,\"load_after\":$LOAD1,\"devices\":$DEVICES,\"page_size\":$PAGE_SIZE,\"threads\":$THREADS,\
\"calls\":$CALLS,\"import_s\":$IMPORT_S,\"import_csv_mb\":$CSV_MB,\"import_cpu_devcfg_s\":${CPU_DC[import]},\
\"import_cpu_pg_s\":${CPU_PG[import]},\"analyzed\":$( ((ANALYZE)) && echo true || echo false),\"table_mb\":$TABLE_MB,\
\"label_p50_ms\":$(f label p50_ms),\"label_p99_ms\":$LABEL_P99,\"label_calls_per_s\":$(f label calls_per_s),\
\"model_label_p50_ms\":$(f model_label p50_ms),\"model_label_p99_ms\":$(f model_label p99_ms),\
\"model_label_calls_per_s\":$(f model_label calls_per_s),\"lot_p50_ms\":$(f lot p50_ms),\"lot_p99_ms\":$(f lot p99_ms),\"unfiltered_p50_ms\":$(f unfiltered p50_ms),\
\"unfiltered_p99_ms\":$(f unfiltered p99_ms),\"walk_pages\":$WALK_PAGES,\"walk_devices\":$WALK_DEVICES,\
\"walk_s\":$WALK_S,\"walk_page_p99_ms\":$(f walk page_p99_ms),\"list_errors\":$(( $(f label errors) + $(f model_label errors) + $(f lot errors) + $(f unfiltered errors) )),\
\"devcfg_rss_mb\":$DC_RSS,\"targets_met\":$( ((MET)) && echo true || echo false)}"

if ((RECORD)); then
  record_in_table "$BENCH_DIR/results" "registry-$(date -u +%Y%m%d-%H%M%S).json" "$JSON" \
    "| $DATE | $COMMIT$DIRTY | $DEVICES | $IMPORT_S | $THREADS | $(f label p50_ms) | $LABEL_P99 | $(f model_label p50_ms) | $(f model_label p99_ms) | $(f lot p50_ms)/$(f lot p99_ms) | $(f unfiltered p99_ms) | $WALK_PAGES / $WALK_S | $LOAD0 / $LOAD1 | ${NOTE:--} |" registry
fi
SUCCESS=1
echo "$JSON"
