#!/usr/bin/env bash
# Runs a command against a fresh textport suite: starts `textport up` on a free port with its
# data in a temporary directory, waits for its state file, runs the command with
# TEXTPORT_STATE_FILE set, and always stops the suite afterwards.
#
#   TEXTPORT_BIN=target/debug/textport tests/with_suite.sh COMMAND [ARG ...]
#
# Exit code: the command's (non-zero also when the suite fails to start).
set -euo pipefail

STARTUP_TIMEOUT=60

die() { echo "with_suite.sh: $*" >&2; exit 2; }

[[ $# -gt 0 ]] || die "usage: with_suite.sh COMMAND [ARG ...]"
if [[ -z "${TEXTPORT_BIN:-}" ]]; then
    die "TEXTPORT_BIN is not set; point it at the textport binary (e.g. TEXTPORT_BIN=target/debug/textport)"
fi
[[ -x "$TEXTPORT_BIN" ]] || die "TEXTPORT_BIN=$TEXTPORT_BIN is not an executable file"
TEXTPORT_BIN="$(cd "$(dirname "$TEXTPORT_BIN")" && pwd)/$(basename "$TEXTPORT_BIN")"

# Keep loopback traffic away from any proxy.
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
        echo "with_suite.sh: textport exited before writing $tmp/state.json" >&2
        exit 1
    fi
    if (( SECONDS >= deadline )); then
        echo "with_suite.sh: no state file after ${STARTUP_TIMEOUT}s" >&2
        exit 1
    fi
    sleep 0.2
done

# ---- run the command ---------------------------------------------------------
export TEXTPORT_STATE_FILE="$tmp/state.json"
set +e
"$@"
rc=$?
set -e
exit "$rc"
