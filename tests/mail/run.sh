#!/usr/bin/env bash
# E-mail over SMTP: starts an SMTP server (aiosmtpd) on a free loopback port, boots a fresh
# textport suite (tests/with_suite.sh) with TEXTPORT__NOTIFIER__SMTP_URL pointing at it, makes acme's
# notification settings send hosted SMS order updates to an e-mail channel, emits such an event
# through the sandbox, and checks the message the SMTP server received (envelope, To, Subject)
# and the portal notice. test_smtp.py does the orchestration; see its docstring.
#
#   TEXTPORT_BIN=target/debug/textport bash tests/mail/run.sh [unittest args...]
#
# Environment:
#   TEXTPORT_BIN         path to the textport binary (required)
#   TEXTPORT_MAIL_VENV   venv to create or reuse (default ~/.cache/textport/mail-venv)
#   TEXTPORT_SDK_PYTHON  interpreter used to create the venv (default python3.11, else python3)
# Exit code: the Python test's (non-zero also when setup fails).
set -euo pipefail

AIOSMTPD_VERSION="1.4.6"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${TEXTPORT_MAIL_VENV:-$HOME/.cache/textport/mail-venv}"

die() { echo "run.sh: $*" >&2; exit 2; }

# Checked again by with_suite.sh; here so a missing binary fails before the venv is built.
[[ -x "${TEXTPORT_BIN:-}" ]] || die "TEXTPORT_BIN must point at the textport binary (e.g. TEXTPORT_BIN=target/debug/textport)"
export TEXTPORT_BIN

# ---- venv with the pinned SMTP server ----------------------------------------
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
if ! "$VENV/bin/python" - "$AIOSMTPD_VERSION" >/dev/null 2>&1 <<'EOF'
import sys, aiosmtpd
sys.exit(aiosmtpd.__version__ != sys.argv[1])
EOF
then
    echo "run.sh: installing aiosmtpd==$AIOSMTPD_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi

cd "$HERE"
exec "$VENV/bin/python" "$HERE/test_smtp.py" "$@"
