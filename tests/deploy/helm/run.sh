#!/usr/bin/env bash
# The Helm chart, checked offline: renders helm/textport with the real Helm engine (PyPI's
# helm-python-sdk embeds Helm v4; no helm binary, no cluster), lints it, validates every rendered
# manifest strictly against the Kubernetes schemas (kubernetes-validate, bundled, no network) and
# checks the wiring against the registry (test_chart.py says what).
#
#   tests/deploy/helm/run.sh [unittest args...]
#   TEXTPORT_BIN=target/debug/textport tests/deploy/helm/run.sh   (roles from `textport roles`)
#
# Environment:
#   TEXTPORT_BIN          the textport binary; optional: without it the test's own role list is used
#                         (with it, `openssl` must be on PATH: it makes the TLS scenarios' certificates)
#   TEXTPORT_HELM_VENV    venv to create or reuse (default ~/.cache/textport/helm-venv)
#   TEXTPORT_HELM_PYTHON  interpreter used to create the venv (default python3.11, else python3)
# Exit code: the Python test's (non-zero also when setup fails).
set -euo pipefail

HELM_SDK_VERSION="0.2.2"
KUBERNETES_VALIDATE_VERSION="1.37.0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${TEXTPORT_HELM_VENV:-$HOME/.cache/textport/helm-venv}"

die() { echo "run.sh: $*" >&2; exit 2; }

if [[ -n "${TEXTPORT_BIN:-}" ]]; then
    [[ -x "$TEXTPORT_BIN" ]] || die "TEXTPORT_BIN=$TEXTPORT_BIN is not an executable file"
    TEXTPORT_BIN="$(cd "$(dirname "$TEXTPORT_BIN")" && pwd)/$(basename "$TEXTPORT_BIN")"
    export TEXTPORT_BIN
fi

# shellcheck source=../../support/venv.sh
source "$HERE/../../support/venv.sh"
ensure_venv "$VENV" "${TEXTPORT_HELM_PYTHON:-}"
ensure_venv_packages "$VENV" \
    "import sys, importlib.metadata as m, helm_python, kubernetes_validate
sys.exit(m.version('helm-python-sdk') != '$HELM_SDK_VERSION' or m.version('kubernetes-validate') != '$KUBERNETES_VALIDATE_VERSION')" \
    "helm-python-sdk==$HELM_SDK_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
"$VENV/bin/python" -c 'import helm_python; print(f"run.sh: Helm {helm_python.helm_sdk_version()} (helm-python-sdk {helm_python.__version__})")' >&2

exec "$VENV/bin/python" "$HERE/test_chart.py" "$@"
