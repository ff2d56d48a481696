#!/bin/bash
# Validates what GET /openapi.json serves with an independent validator (swagger-parser).
# Installs the pinned packages (package-lock.json) into the source directory once.
set -euo pipefail
dump="$(pwd)/bff/openapi/dump_openapi"
src="$(dirname "$(readlink -f bff/openapi/validate/package.json)")"
if [[ ! -d "$src/node_modules/@apidevtools/swagger-parser" ]]; then
  (cd "$src" && npm ci --no-audit --no-fund --loglevel=error)
fi
out="${TEST_TMPDIR:-/tmp}/openapi.json"
"$dump" > "$out"
node "$src/validate.js" "$out"
# A broken document must be rejected (the check can fail).
sed 's/"openapi":"3.0.3"/"openapi":"3.0.3","paths2":1/' "$out" > "$out.bad"
if node "$src/validate.js" "$out.bad" >/dev/null 2>&1; then
  echo "the validator accepted a broken document" >&2
  exit 1
fi
echo PASS
