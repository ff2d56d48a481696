#!/usr/bin/env bash
# Black-box test of `bench/run registry`, `bench/run config-fanout`, `bench/run tunnel`, `bench/run
# rollout` and (when wrk
# is installed) `bench/run bff` on tiny loads: each exits 0, prints its JSON last line with numbers that add up, and stops everything
# it started; a bad flag fails before anything starts.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FLEET_BENCH_BIN="$(cd "$here/.." && pwd)"   # runfiles root: bench/, services/, edge/, tools/
export FLEET_BENCH_BIN
export TMPDIR="${TEST_TMPDIR:-/tmp}"
passed=0 failed=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
# leftovers ERRFILE: processes listed in the kept run directory's pids file that are still alive.
leftovers() {
  local dir name pid
  dir="$(sed -n 's/^bench: run directory kept: //p' "$1" | tail -n 1)"
  [[ -n "$dir" && -f "$dir/pids" ]] || { echo "no pids file (run dir '$dir')"; return; }
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid")" != Z* ]]; then echo "$name:$pid"; fi
  done <"$dir/pids"
}
# run NAME ARGS...: runs the benchmark, sets $last to its last stdout line.
run() {
  local name="$1" rc=0
  shift
  "$here/run" "$name" "$@" --no-build --no-record --keep --timeout 120 \
    >"$TMPDIR/$name.out" 2>"$TMPDIR/$name.err" || rc=$?
  [[ $rc == 0 ]] || tail -n 30 "$TMPDIR/$name.err" >&2
  check "$name: exits 0" test "$rc" = 0
  last="$(tail -n 1 "$TMPDIR/$name.out")"
  echo "$last"
  check "$name: last line is its JSON" grep -q "^{\"bench\":\"$name\",.*}\$" <<<"$last"
  check "$name: nothing left running" test -z "$(leftovers "$TMPDIR/$name.err")"
}
num() { grep -o "\"$1\":[-0-9.e+]*" <<<"$last" | head -n 1 | cut -d: -f2; }
positive() { awk -v v="$1" 'BEGIN { exit !(v > 0) }'; }

run registry --devices 400 --calls 40 --threads 2
check "registry: walk finds one site's devices" test "$(num walk_devices)" = 20
check "registry: latencies measured" positive "$(num label_p99_ms)"
check "registry: no list errors" test "$(num list_errors)" = 0

run config-fanout --devices 50 --push_rate 500
check "config-fanout: one push per device" test "$(num pushes)" = 50
check "config-fanout: time to 100% measured" positive "$(num fanout_100_s)"

run tunnel --sessions 40 --latency_sessions 6 --threads 4 --operators 4 --ports_per_server 100
check "tunnel: every session opened" test "$(num opened)" = 40
check "tunnel: no errors" test "$(num errors)" = 0
check "tunnel: leases unique" grep -q '"checks_ok":true' <<<"$last"
check "tunnel: all sessions OPEN" positive "$(num all_open_s)"
check "tunnel: 3 leases per session" test "$(num live_leases)" = 138

run rollout --devices 200 --max_in_flight 200 --heartbeat_interval 2 --reboot_time 500ms --duration 60
check "rollout: campaign completed" grep -q '"state":"CAMPAIGN_COMPLETED"' <<<"$last"
check "rollout: every device succeeded" test "$(num succeeded)" = 200
check "rollout: one send per device" test "$(num sends)" = 200
check "rollout: every version confirmed by a heartbeat" test "$(num versions_confirmed)" = 200
check "rollout: 8 progress reports per device, each applied or folded into a newer one" \
  test $(( $(num reports_applied) + $(num reports_superseded) )) = 1600
check "rollout: reports were applied" positive "$(num reports_applied)"
check "rollout: start rate measured" positive "$(num sustained_per_min)"
rc=0
"$here/run" rollout --max_in_flight 0 --no-build --no-record >/dev/null 2>"$TMPDIR/bad-rollout.err" || rc=$?
check "rollout: max_in_flight 0 is refused" test "$rc" != 0
check "rollout: refusal names the flag" grep -q -- "--max_in_flight" "$TMPDIR/bad-rollout.err"

if command -v wrk >/dev/null; then
  run bff --devices 100 --connections 20 --duration 2 --warmup 1 --rate 100 --bff_threads 4
  check "bff: GET with limits on answered" positive "$(num get_on_rps)"
  check "bff: overview with limits off answered" positive "$(num overview_off_rps)"
  check "bff: no socket errors" test "$(num get_on_errors)$(num overview_on_errors)" = 00
  check "bff: no non-2xx" test "$(num get_on_non2xx)$(num overview_on_non2xx)" = 00
  check "bff: only 200s in every run" test -z "$(grep -o '"codes":"[^"]*"' <<<"$last" | grep -v '^"codes":"200=[0-9]*"$')"
  bff_run() { sed 's/{"name":/\n&/g' <<<"$last" | grep "^{\"name\":\"$1\""; }
  check "bff: the limiter ran (EVALSHA) with limits on" grep -q '"evalsha_calls":[1-9]' <<<"$(bff_run t4-on-get-closed)"
  check "bff: limiter cost measured" test "$(num limiter_cost_get_ms)" != -1
  check "bff: limiter decision time measured in the BFF" awk -v d="$(num limiter_decision_get_ms)" 'BEGIN { exit !(d > 0) }'
  check "bff: no decision time with limits off" grep -q '"limiter_decision_mean_ms":-1' <<<"$(bff_run t4-off-get-closed)"
  rc=0
  "$here/run" bff --routes get,status --no-build --no-record >/dev/null 2>"$TMPDIR/bad-bff.err" || rc=$?
  check "bff: unknown route refused" test "$rc" != 0
  check "bff: refusal names the flag" grep -q -- "--routes" "$TMPDIR/bad-bff.err"
else
  echo "skip: bench/run bff (wrk is not installed: apt-get install wrk)"
fi

rc=0
"$here/run" tunnel --operator_cap 1 --no-build --no-record >/dev/null 2>"$TMPDIR/bad.err" || rc=$?
check "too small operator cap is refused" test "$rc" != 0
check "refusal names the flag" grep -q -- "--operator_cap" "$TMPDIR/bad.err"

echo "$passed passed, $failed failed"
((failed == 0))
