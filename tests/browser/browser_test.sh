#!/usr/bin/env bash
# Browser tests of the operator console against the real stack: PostgreSQL, Redis and kafka-dev
# (scripts/stack/up in a private directory), device-online, device-config, tunnel, task, the BFF
# serving the built console, and fleet-sim (fast firmware steps), all from this test's runfiles, on free loopback
# ports, plus a real sshd (/usr/sbin/sshd) on the tunnel's port pool for the web SSH check. Then
# tests/browser/console.test.mjs drives Debian's Chromium through playwright-core.
# Run it with tests/browser/run (it builds the console and installs playwright-core first and
# passes FLEET_BROWSER_DIR / FLEET_WEB_ROOT). With --serve (outside Bazel: FLEET_BIN_DIR=bazel-bin)
# it starts the stack, prints the URL and admin password and waits, for development.
set -euo pipefail

if [[ -n "${TEST_SRCDIR:-}" ]]; then
  BIN="$TEST_SRCDIR/${TEST_WORKSPACE:?}"
  TMP="${TEST_TMPDIR:?}"
  OUT="${TEST_UNDECLARED_OUTPUTS_DIR:-$TMP/out}"
else
  BIN="${FLEET_BIN_DIR:?set FLEET_BIN_DIR (e.g. bazel-bin) when running outside Bazel}"
  TMP="$(mktemp -d /tmp/fleet-browser.XXXXXX)"
  OUT="$TMP/out"
fi
: "${FLEET_BROWSER_DIR:?run tests/browser/run (it sets FLEET_BROWSER_DIR to tests/browser with node_modules)}"
: "${FLEET_WEB_ROOT:?run tests/browser/run (it builds the console and sets FLEET_WEB_ROOT)}"
[[ -f "$FLEET_WEB_ROOT/index.html" ]] || { echo "no built console in $FLEET_WEB_ROOT (bff/web/build)" >&2; exit 1; }
SERVE=0
[[ "${1:-}" == "--serve" ]] && SERVE=1
DEVICES="${FLEET_BROWSER_DEVICES:-40}"
mkdir -p "$OUT" "$TMP/logs"
export FLEET_STACK_KAFKA_DEV_BIN="$BIN/tools/kafka-dev/kafka-dev"
STACK="$TMP/stack"
STACK_SCRIPTS="$BIN/scripts/stack"
[[ -n "${TEST_SRCDIR:-}" ]] || STACK_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack" && pwd)"

pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  "$STACK_SCRIPTS/down" --dir "$STACK" >/dev/null 2>&1 || true
  if ((rc != 0)); then
    for f in "$TMP"/logs/*.log; do echo "--- tail of $f"; tail -n 15 "$f"; done >&2
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # start NAME CMD...: own process group, log in $TMP/logs/NAME.log
  local name="$1"; shift
  setsid "$@" >"$TMP/logs/$name.log" 2>&1 </dev/null &
  pids+=("$!")
}
wait_http() {  # wait_http URL SECONDS
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "timed out waiting for $1" >&2; return 1; }
    sleep 0.2
  done
}

echo "browser: starting PostgreSQL, Redis, kafka-dev"
"$STACK_SCRIPTS/up" --dir "$STACK" --skip otlp >/dev/null
set -a
# shellcheck disable=SC1091
. "$STACK/env"
set +a
db_url() { echo "${FLEET_PG_URL%/*}/$1"; }
for db in fleet_presence fleet_registry fleet_tunnel fleet_task fleet_bff; do
  psql -q "$FLEET_PG_URL" -c "CREATE DATABASE $db" >/dev/null
done

ONLINE="$(free_port)" CONFIG="$(free_port)" TUNNEL="$(free_port)" TASK="$(free_port)" HTTP="$(free_port)" SIM="$(free_port)"

# Web SSH: a real sshd stands in for the device's ssh behind the tunnel. The simulated devices run
# no frpc, so the BFF's SSH client reaches "the device" at the tunnel's public address (127.0.0.1)
# and remote port. The tunnel pool is narrowed to POOL_SIZE free loopback ports, and sshd listens
# on all of them (started before any tunnel opens), so whichever port a session's ssh proxy gets,
# sshd answers there. The test signs in with a fresh key as the current user and gets a plain
# bash (no dotfiles).
POOL_SIZE=15
SSH_IDLE_SECONDS=10  # short, so the check sees a session end for idleness
POOL_BASE="$(python3 - "$POOL_SIZE" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randrange(20000, 32000 - n)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks: s.close()
    print(base); break
else:
    sys.exit("no free port range")
PY
)"
SSHD=/usr/sbin/sshd
[[ -x "$SSHD" ]] || { echo "browser: $SSHD is missing (scripts/install-deps: openssh-server)" >&2; exit 1; }
SSH_DIR="$TMP/sshd"
mkdir -p "$SSH_DIR/home"
chmod 700 "$SSH_DIR"
[[ "$(id -u)" != 0 ]] || mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -C fleet-browser-host -f "$SSH_DIR/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C fleet-browser-client -f "$SSH_DIR/client_ed25519"
cp "$SSH_DIR/client_ed25519.pub" "$SSH_DIR/authorized_keys"
{ echo "ListenAddress 127.0.0.1"
  for ((p = POOL_BASE; p < POOL_BASE + POOL_SIZE; p++)); do echo "Port $p"; done
  echo "HostKey $SSH_DIR/host_ed25519"
  echo "PidFile $SSH_DIR/sshd.pid"
  echo "AuthorizedKeysFile $SSH_DIR/authorized_keys"
  echo "UsePAM no"
  echo "StrictModes no"
  echo "PasswordAuthentication no"
  echo "KbdInteractiveAuthentication no"
  echo "PubkeyAuthentication yes"
  echo "PermitRootLogin prohibit-password"
  echo "PrintMotd no"
  echo "PrintLastLog no"
  # A plain interactive shell, like a gateway's. The runner's dotfiles may be slow or noisy, and
  # Debian's bash reads ~/.bashrc even for the `bash -c` that runs ForceCommand: HOME is empty.
  echo "SetEnv HOME=$SSH_DIR/home"
  echo "ForceCommand exec /bin/bash --noprofile --norc -i"
  echo "AcceptEnv LANG"
} >"$SSH_DIR/sshd_config"
start sshd "$SSHD" -D -e -f "$SSH_DIR/sshd_config"
for _ in $(seq 1 50); do
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$POOL_BASE" 2>/dev/null && break
  sleep 0.1
done
ssh-keygen -l -E sha256 -f "$SSH_DIR/host_ed25519.pub" | awk '{print $2}' >"$SSH_DIR/host_fingerprint"
echo "browser: sshd on 127.0.0.1:$POOL_BASE-$((POOL_BASE + POOL_SIZE - 1)) (the tunnel port pool)"
ADMIN_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export FLEET_E2E_FRP_TOKEN=browser-test-frp-token
start device-online "$BIN/services/device-online/device-online" --grpc_address="127.0.0.1:$ONLINE" \
  --admin_port=0 --redis_addr="$FLEET_REDIS_ADDR" --pg_url="$(db_url fleet_presence)" \
  --kafka_bootstrap="$FLEET_KAFKA_BOOTSTRAP" --heartbeat_interval=2s --replica_id=browser-0
start device-config "$BIN/services/device-config/device-config" --grpc_address="127.0.0.1:$CONFIG" \
  --admin_port=0 --pg_url="$(db_url fleet_registry)" --kafka_bootstrap="$FLEET_KAFKA_BOOTSTRAP" \
  --device_online="127.0.0.1:$ONLINE"
start tunnel "$BIN/services/tunnel/tunnel" --grpc_address="127.0.0.1:$TUNNEL" --admin_port=0 \
  --plugin_port=-1 --pg_url="$(db_url fleet_tunnel)" --kafka_bootstrap="$FLEET_KAFKA_BOOTSTRAP" \
  --frp_servers="name=frp-a public_address=127.0.0.1 bind_port=7000 token_ref=env:FLEET_E2E_FRP_TOKEN ports=$POOL_BASE-$((POOL_BASE + POOL_SIZE - 1)) weight=1"
start task "$BIN/services/task/task" --grpc_address="127.0.0.1:$TASK" --admin_port=0 \
  --pg_url="$(db_url fleet_task)" --kafka_bootstrap="$FLEET_KAFKA_BOOTSTRAP" \
  --device_online="127.0.0.1:$ONLINE" --device_config="127.0.0.1:$CONFIG"
FLEET_BOOTSTRAP_ADMIN="admin:$ADMIN_PASSWORD" start bff "$BIN/bff/fleet-bff" --http_port="$HTTP" \
  --device_online="127.0.0.1:$ONLINE" --device_config="127.0.0.1:$CONFIG" --tunnel="127.0.0.1:$TUNNEL" \
  --task="127.0.0.1:$TASK" --pg_url="$(db_url fleet_bff)" --redis="$FLEET_REDIS_ADDR" --web_root="$FLEET_WEB_ROOT" \
  --user_rate_limits= --device_command_limits= --ssh_idle_seconds="$SSH_IDLE_SECONDS"
start sim "$BIN/edge/sim/fleet-sim" --kafka_bootstrap="$FLEET_KAFKA_BOOTSTRAP" --devices="$DEVICES" \
  --heartbeat_interval=2s --control_port="$SIM" --camera_latency=20ms \
  --firmware_step_time=100ms --firmware_reboot_time=1s

BASE="http://127.0.0.1:$HTTP"
wait_http "$BASE/readyz" 60
# Register the simulated gateways (CSV import), as scripts/up does.
JAR="$TMP/cookies.txt"
curl -fsS -c "$JAR" -d "{\"user\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$BASE/v1/sessions" >/dev/null
{ echo "id,display_name,model,group,labels.site"
  for ((i = 0; i < DEVICES; i++)); do
    printf 'dev-%06d,Elevator gateway %d,%s,%s,site-%02d\n' "$i" "$i" \
      "$([[ $((i % 3)) -eq 0 ]] && echo gw-300 || echo gw-200)" \
      "$([[ $((i % 2)) -eq 0 ]] && echo north || echo south)" "$((i % 5))"
  done; } >"$TMP/devices.csv"
curl -fsS -b "$JAR" -H 'Content-Type: text/csv' --data-binary @"$TMP/devices.csv" "$BASE/v1/devices:import" >/dev/null
# Wait until the fleet is online (presence of every simulated device).
deadline=$((SECONDS + 60))
until [[ "$(curl -fsS -b "$JAR" "$BASE/v1/presence?filter=online&page_size=1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("totalSize", 0))')" -ge "$DEVICES" ]]; do
  ((SECONDS < deadline)) || { echo "the simulated fleet did not come online" >&2; exit 1; }
  sleep 0.5
done
echo "browser: stack up at $BASE ($DEVICES devices online)"

export BASE_URL="$BASE" ADMIN_PASSWORD SCREENS_DIR="$OUT/screens" SIM_URL="http://127.0.0.1:$SIM"
export SSH_IDLE_SECONDS SSH_USER="$(id -un)" SSH_KEY_FILE="$SSH_DIR/client_ed25519" SSH_HOST_FINGERPRINT="$(cat "$SSH_DIR/host_fingerprint")"
if ((SERVE)); then
  echo "console: $BASE  user admin  password $ADMIN_PASSWORD  (Ctrl+C stops)"
  echo "$BASE $ADMIN_PASSWORD" >"${FLEET_SERVE_INFO:-/tmp/fleet-browser-serve}"
  while true; do sleep 3600 & wait $!; done
fi
node "$FLEET_BROWSER_DIR/console.test.mjs"
