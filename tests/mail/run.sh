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
# shellcheck source=../support/venv.sh
source "$HERE/../support/venv.sh"
ensure_venv "$VENV" "${TEXTPORT_SDK_PYTHON:-}"
ensure_venv_packages "$VENV" \
    "import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" \
    "aiosmtpd==$AIOSMTPD_VERSION"

cd "$HERE"
exec "$VENV/bin/python" "$HERE/test_smtp.py" "$@"
