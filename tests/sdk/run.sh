#!/usr/bin/env bash
# SDK compatibility test: boots a textport suite and drives it with the
# official `telnyx` Python SDK (base_url changed, nothing else).
#
#   TEXTPORT_BIN=$PWD/target/debug/textport tests/sdk/run.sh [unittest args...]
#
# Environment:
#   TEXTPORT_BIN        path to the textport binary (required)
#   TEXTPORT_SDK_VENV   venv to create or reuse (default ~/.cache/textport/sdk-venv)
#   TEXTPORT_SDK_PYTHON interpreter used to create the venv (default python3.11, else python3)
#   TEXTPORT__NOTIFIER__RETRY_BASE_MS  passed on to the suite (default here 50; see below)
# Exit code: the Python test's (non-zero also when setup fails).
set -euo pipefail

TELNYX_VERSION="4.189.0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${TEXTPORT_SDK_VENV:-$HOME/.cache/textport/sdk-venv}"

die() { echo "run.sh: $*" >&2; exit 2; }

# Checked again by with_suite.sh; here so a missing binary fails before the venv is built.
[[ -x "${TEXTPORT_BIN:-}" ]] || die "TEXTPORT_BIN must point at the textport binary (e.g. TEXTPORT_BIN=$PWD/target/debug/textport)"

# ---- venv with the pinned SDK ----------------------------------------------
# shellcheck source=../support/venv.sh
source "$HERE/../support/venv.sh"
ensure_venv "$VENV" "${TEXTPORT_SDK_PYTHON:-}"
if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "run.sh: warning: $VENV uses $("$VENV/bin/python" -V 2>&1), not Python 3.11" >&2
fi
# The `webhooks` extra brings PyNaCl, which client.webhooks.unwrap needs to verify signatures.
ensure_venv_packages "$VENV" \
    "import sys, telnyx, nacl.signing; sys.exit(telnyx.__version__ != '$TELNYX_VERSION')" \
    "telnyx[webhooks]==$TELNYX_VERSION"

# The SDK reads these; make sure nothing but our arguments steers it.
unset TELNYX_API_KEY TELNYX_BASE_URL TELNYX_CLIENT_ID TELNYX_CLIENT_SECRET \
      TELNYX_PUBLIC_KEY TELNYX_CUSTOM_HEADERS

# The suite (`textport up`, started by with_suite.sh) inherits the environment. A failed webhook
# round is retried after about retry_base_ms (default 5000, doubling each round, with jitter);
# 50 ms keeps the retry test to a second instead of ~15 s. The test's waits are bounded polls
# that also pass with the default. The caller's own setting wins.
export TEXTPORT__NOTIFIER__RETRY_BASE_MS="${TEXTPORT__NOTIFIER__RETRY_BASE_MS:-50}"

cd "$HERE"
exec bash "$HERE/../with_suite.sh" "$VENV/bin/python" test_sdk.py "$@"
