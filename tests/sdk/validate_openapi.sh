#!/usr/bin/env bash
# Validates the gateway's OpenAPI document (services/gateway/openapi.json) with
# openapi-spec-validator.
#
#   tests/sdk/validate_openapi.sh [PYTHON]
#
# PYTHON is the interpreter of a venv to use (default: the venv tests/sdk/run.sh
# creates, ${TEXTPORT_SDK_VENV:-$HOME/.cache/textport/sdk-venv}/bin/python).
# openapi-spec-validator is installed into it when missing.
# Exit code: 0 when the document is valid, non-zero otherwise.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DOC="$ROOT/services/gateway/openapi.json"
PY="${1:-${TEXTPORT_SDK_VENV:-$HOME/.cache/textport/sdk-venv}/bin/python}"

die() { echo "validate_openapi.sh: $*" >&2; exit 2; }

[[ -x "$PY" ]] || die "$PY is not an executable Python (create the venv with tests/sdk/run.sh, or pass a venv's python)"
[[ -f "$DOC" ]] || die "$DOC not found"

if ! "$PY" -c 'import openapi_spec_validator' >/dev/null 2>&1; then
    echo "validate_openapi.sh: installing openapi-spec-validator into $("$PY" -c 'import sys; print(sys.prefix)')" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check "openapi-spec-validator==${OPENAPI_VALIDATOR_VERSION:-0.9.0}"
fi

cd "$ROOT"
"$PY" -m openapi_spec_validator "services/gateway/openapi.json"
