#!/usr/bin/env bash
# SDK smoke test (Node): boots a fresh textport suite and drives it with the official
# `telnyx` Node SDK (pinned in package.json / package-lock.json), changing only baseURL.
#
#   TEXTPORT_BIN=$PWD/target/debug/textport bash tests/sdk/node/run.sh [node --test args...]
#
# Environment:
#   TEXTPORT_BIN   path to the textport binary (required)
# Needs node (20 or newer) and npm. Installs the SDK with `npm ci` into
# tests/sdk/node/node_modules when it is missing or older than the lock file.
# Exit code: node --test's (non-zero also when setup fails).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "run.sh: $*" >&2; exit 2; }

# Checked again by with_suite.sh; here so a missing binary fails before npm runs.
[[ -x "${TEXTPORT_BIN:-}" ]] || die "TEXTPORT_BIN must point at the textport binary (e.g. TEXTPORT_BIN=$PWD/target/debug/textport)"
command -v node >/dev/null 2>&1 || die "node is not installed"
command -v npm >/dev/null 2>&1 || die "npm is not installed"

# ---- the pinned SDK ------------------------------------------------------------
# npm writes node_modules/.package-lock.json on every install: when it is newer than
# package.json and package-lock.json, node_modules matches them.
stamp="$HERE/node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "$HERE/package-lock.json" -nt "$stamp" || "$HERE/package.json" -nt "$stamp" ]]; then
    echo "run.sh: installing the SDK (npm ci) in $HERE" >&2
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# The SDK reads these; make sure nothing but our arguments steers it.
unset TELNYX_API_KEY TELNYX_BASE_URL TELNYX_CLIENT_ID TELNYX_CLIENT_SECRET \
      TELNYX_PUBLIC_KEY TELNYX_CUSTOM_HEADERS TELNYX_LOG

cd "$HERE"
exec bash "$HERE/../../with_suite.sh" node --test "$@" "$HERE/sdk.test.mjs"
