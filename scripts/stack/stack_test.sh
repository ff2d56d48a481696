#!/usr/bin/env bash
# End-to-end test of scripts/stack/{up,status,down} with real PostgreSQL, Redis, kafka-dev and
# the OTLP receiver, in a private stack directory.
set -uo pipefail

RUNFILES="${TEST_SRCDIR:?}/${TEST_WORKSPACE:?}"
S="$RUNFILES/scripts/stack"
export FLEET_STACK_KAFKA_DEV_BIN="$RUNFILES/tools/kafka-dev/kafka-dev"
export FLEET_STACK_OTLP_RECEIVER_BIN="$RUNFILES/tools/otlp-receiver/otlp-receiver"
DIR="${TEST_TMPDIR:?}/stack"
passed=0 failed=0
check() {  # check DESCRIPTION CMD...
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $what"; else failed=$((failed + 1)); echo "FAIL $what"; fi
}
alive() { local st; st="$(ps -o stat= -p "$1" 2>/dev/null | tr -d ' ')"; [[ -n "$st" && "$st" != Z* ]]; }
trap '"$S/down" --dir "$DIR" >/dev/null 2>&1 || true' EXIT

out="$("$S/up" --dir "$DIR" 2>"$TEST_TMPDIR/up.err")"; rc=$?
check "up exits 0" test "$rc" = 0 || cat "$TEST_TMPDIR/up.err"
check "up prints the env file" test "$out" = "$(cat "$DIR/env" 2>/dev/null)"
check "env has 4 FLEET_ variables" test "$(grep -c '^FLEET_' "$DIR/env")" = 4
set -a
# shellcheck source=/dev/null
source "$DIR/env"
set +a

check "postgres database fleet answers" \
  test "$(psql -X "$FLEET_PG_URL" -Atc 'SELECT current_database()' 2>&1)" = fleet
check "redis answers" test "$(redis-cli -h "${FLEET_REDIS_ADDR%:*}" -p "${FLEET_REDIS_ADDR##*:}" PING)" = PONG
meta="$(kcat -b "$FLEET_KAFKA_BOOTSTRAP" -L -m 5 2>&1)"
check "kafka has edge.up:12" grep -q 'topic "edge.up" with 12 partitions' <<<"$meta"
check "kafka has fleet.presence:6" grep -q 'topic "fleet.presence" with 6 partitions' <<<"$meta"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
  -d '{"resourceSpans":[]}' "$FLEET_OTLP_ENDPOINT")"
check "otlp receiver accepts /v1/traces" test "$code" = 200

again="$("$S/up" --dir "$DIR" 2>/dev/null)"; rc=$?
check "second up is a no-op that prints the same env" test "$rc:$again" = "0:$out"
check "status says up" "$S/status" --dir "$DIR"

pids=()
for s in postgres redis kafka otlp; do pids+=("$(cat "$DIR/$s.pid")"); done
kill -KILL "$(cat "$DIR/redis.pid")"
sleep 0.2
check "status fails when a server died" bash -c "! '$S/status' --dir '$DIR' >/dev/null"
err="$("$S/up" --dir "$DIR" 2>&1 >/dev/null)"; rc=$?
check "up refuses a partly dead stack" test "$rc" != 0
check "... and shows the dead server's log" grep -q "redis.log" <<<"$err"

"$S/down" --dir "$DIR" 2>"$TEST_TMPDIR/down.err"; rc=$?
check "down exits 0" test "$rc" = 0
check "down removes the directory" test ! -e "$DIR"
check "down leaves no graceful-stop timeouts" bash -c "! grep -q ignored '$TEST_TMPDIR/down.err'"
for p in "${pids[@]}"; do check "pid $p is gone" bash -c "$(declare -f alive); ! alive $p"; done
check "status after down fails" bash -c "! '$S/status' --dir '$DIR' >/dev/null"

echo "$passed passed, $failed failed"
((failed == 0))
