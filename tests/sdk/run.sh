#!/usr/bin/env bash
# SDK compatibility test: boots a textport suite and drives it with the
# official `telnyx` Python SDK (base_url changed, nothing else).
#
#   TEXTPORT_BIN=target/debug/textport tests/sdk/run.sh [unittest args...]
#
# Environment:
#   TEXTPORT_BIN        path to the textport binary (required)
#   TEXTPORT_SDK_VENV   venv to create or reuse (default ~/.cache/textport/sdk-venv)
#   TEXTPORT_SDK_PYTHON interpreter used to create the venv (default python3.11, else python3)
# Exit code: the Python test's (non-zero also when setup fails).
set -euo pipefail

TELNYX_VERSION="4.189.0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${TEXTPORT_SDK_VENV:-$HOME/.cache/textport/sdk-venv}"
STARTUP_TIMEOUT=60

die() { echo "run.sh: $*" >&2; exit 2; }

if [[ -z "${TEXTPORT_BIN:-}" ]]; then
    die "TEXTPORT_BIN is not set; point it at the textport binary (e.g. TEXTPORT_BIN=target/debug/textport)"
fi
[[ -x "$TEXTPORT_BIN" ]] || die "TEXTPORT_BIN=$TEXTPORT_BIN is not an executable file"
TEXTPORT_BIN="$(cd "$(dirname "$TEXTPORT_BIN")" && pwd)/$(basename "$TEXTPORT_BIN")"

# ---- venv with the pinned SDK ----------------------------------------------
if [[ -n "${TEXTPORT_SDK_PYTHON:-}" ]]; then
    PY="$TEXTPORT_SDK_PYTHON"
elif command -v python3.11 >/dev/null 2>&1; then
    PY=python3.11
else
    PY=python3
fi

if [[ -e "$VENV/pyvenv.cfg" ]] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "run.sh: venv $VENV is broken; recreating it" >&2
    rm -rf -- "$VENV"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "run.sh: creating venv $VENV with $PY" >&2
    mkdir -p "$(dirname "$VENV")"
    "$PY" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "run.sh: warning: $VENV uses $("$VENV/bin/python" -V 2>&1), not Python 3.11" >&2
fi
if ! "$VENV/bin/python" - "$TELNYX_VERSION" >/dev/null 2>&1 <<'EOF'
import sys, telnyx
sys.exit(telnyx.__version__ != sys.argv[1])
EOF
then
    echo "run.sh: installing telnyx==$TELNYX_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "telnyx==$TELNYX_VERSION"
fi

# The SDK reads these; make sure nothing but our arguments steers it, and keep
# loopback traffic away from any proxy.
unset TELNYX_API_KEY TELNYX_BASE_URL TELNYX_CLIENT_ID TELNYX_CLIENT_SECRET \
      TELNYX_PUBLIC_KEY TELNYX_CUSTOM_HEADERS
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# ---- start the suite --------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/textport-sdk.XXXXXX")"
suite_pid=""
rc=1

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$suite_pid" ]] && kill -0 "$suite_pid" 2>/dev/null; then
        # The suite runs in its own process group (setsid): stop the group.
        kill -TERM -- "-$suite_pid" 2>/dev/null || kill -TERM "$suite_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$suite_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-$suite_pid" 2>/dev/null || kill -KILL "$suite_pid" 2>/dev/null || true
        wait "$suite_pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -s "$tmp/suite.log" ]]; then
        echo "---- last lines of the suite's log ($tmp/suite.log) ----" >&2
        tail -n 100 "$tmp/suite.log" >&2 || true
    fi
    rm -rf -- "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$tmp/data"
setsid "$TEXTPORT_BIN" up --data-dir "$tmp/data" --listen 127.0.0.1:0 \
    --state-file "$tmp/state.json" >"$tmp/suite.log" 2>&1 </dev/null &
suite_pid=$!

deadline=$((SECONDS + STARTUP_TIMEOUT))
until [[ -s "$tmp/state.json" ]]; do
    if ! kill -0 "$suite_pid" 2>/dev/null; then
        echo "run.sh: textport exited before writing $tmp/state.json" >&2
        exit 1
    fi
    if (( SECONDS >= deadline )); then
        echo "run.sh: no state file after ${STARTUP_TIMEOUT}s" >&2
        exit 1
    fi
    sleep 0.2
done

# ---- run the test -----------------------------------------------------------
cd "$HERE"
set +e
"$VENV/bin/python" test_sdk.py "$tmp/state.json" "$@"
rc=$?
set -e
exit "$rc"
