#!/usr/bin/env bash
# Property-based fuzzing of every route in the gateway's OpenAPI document (schemathesis) against a
# fresh suite: no 5xx, answers match the document, invalid input is refused, valid input accepted.
#
#   TEXTPORT_BIN=target/debug/textport tests/fuzz/run.sh
#
# Environment:
#   TEXTPORT_BIN          path to the textport binary (required)
#   TEXTPORT_FUZZ_VENV    venv to create or reuse (default ~/.cache/textport/fuzz-venv)
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${TEXTPORT_FUZZ_VENV:-$HOME/.cache/textport/fuzz-venv}"

die() { echo "fuzz/run.sh: $*" >&2; exit 2; }
[[ -x "${TEXTPORT_BIN:-}" ]] || die "TEXTPORT_BIN must point at the textport binary (e.g. TEXTPORT_BIN=target/debug/textport)"

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf -- "$VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV"
fi
if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
    echo "fuzz/run.sh: installing schemathesis==$SCHEMATHESIS_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

exec bash "$HERE/../with_suite.sh" "$VENV/bin/python" "$HERE/schemathesis.py" "$VENV/bin/schemathesis" "$HERE/../../services/gateway/openapi.json"
