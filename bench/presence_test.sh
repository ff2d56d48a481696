#!/usr/bin/env bash
# Black-box test of `bench/run presence` on a small load: it measures, prints a JSON last line
# that adds up, stops everything it started, and fails loudly (and still cleans up) when the
# mock broker's retention would have silently dropped records.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export FLEET_BENCH_BIN="$(cd "$here/.." && pwd)"   # runfiles root: tools/, edge/, bench/, services/
export TMPDIR="${TEST_TMPDIR:-/tmp}"
passed=0 failed=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
# leftovers ERRFILE: pids (from the kept run directory's pids file) of processes still alive.
leftovers() {
  local dir name pid
  dir="$(sed -n 's/^bench: run directory kept: //p' "$1" | tail -n 1)"
  [[ -n "$dir" && -f "$dir/pids" ]] || { echo "no pids file (run dir '$dir')"; return; }
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid")" != Z* ]]; then echo "$name:$pid"; fi
  done <"$dir/pids"
}

out="$TMPDIR/ok.out"
rc=0
"$here/run" presence --messages 20000 --devices 1000 --no-build --no-record --keep --timeout 120 \
  >"$out" 2>"$TMPDIR/ok.err" || rc=$?
[[ $rc == 0 ]] || { cat "$TMPDIR/ok.err" >&2; }
check "small run exits 0" test "$rc" = 0
last="$(tail -n 1 "$out")"
echo "$last"
num() { grep -o "\"$1\":[-0-9.e+]*" <<<"$last" | cut -d: -f2; }
check "last line is the presence JSON" grep -q '^{"bench":"presence",.*}$' <<<"$last"
check "messages counted" test "$(num messages)" = 20000
check "applied + coalesced + dropped = messages" \
  test "$(( $(num applied) + $(num coalesced) + $(num dropped) ))" = 20000
check "rates are positive" awk -v a="$(num raw_msgs_per_s)" -v b="$(num online_msgs_per_s)" \
  'BEGIN { exit !(a > 0 && b > 0) }'
check "RSS and CPU recorded" awk -v a="$(num online_rss_mb)" -v b="$(num redis_rss_mb)" \
  -v c="$(num online_cpu_s)" 'BEGIN { exit !(a > 0 && b > 0 && c > 0) }'
check "table printed" grep -q "raw librdkafka consumer" "$out"
check "nothing left running after success" test -z "$(leftovers "$TMPDIR/ok.err")"

# 1 partition cannot hold 40k x ~240 B within the mock's ~5 MB: the run must refuse to measure.
rc=0
"$here/run" presence --messages 40000 --devices 1000 --partitions 1 --no-build --no-record \
  --timeout 60 >"$TMPDIR/bad.out" 2>"$TMPDIR/bad.err" || rc=$?
check "retention loss fails the run" test "$rc" != 0
check "retention loss is explained" grep -q "retention dropped" "$TMPDIR/bad.err"
check "nothing left running after failure" test -z "$(leftovers "$TMPDIR/bad.err")"

echo "$passed passed, $failed failed"
((failed == 0))
