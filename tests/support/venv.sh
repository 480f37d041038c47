# Virtualenv set-up shared by the test runners (tests/sdk/run.sh, tests/mail/run.sh). Source it:
#
#   source "$HERE/../support/venv.sh"
#   ensure_venv "$VENV" "${TEXTPORT_SDK_PYTHON:-}"
#   ensure_venv_packages "$VENV" "import sys, pkg; sys.exit(pkg.__version__ != '1.2.3')" "pkg==1.2.3"
#
# Messages go to stderr, prefixed with the sourcing script's name. A failing step ends the caller
# under `set -e`.

# ensure_venv VENV [PYTHON]
#   Leaves a working virtualenv at VENV: one whose interpreter does not start is removed, and a
#   missing one is created with PYTHON (when empty: python3.11 if on PATH, else python3).
ensure_venv() {
    local venv="$1" py="${2:-}"
    if [[ -z "$py" ]]; then
        if command -v python3.11 >/dev/null 2>&1; then
            py=python3.11
        else
            py=python3
        fi
    fi

    if [[ -e "$venv/pyvenv.cfg" ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        echo "${0##*/}: venv $venv is broken; recreating it" >&2
        rm -rf -- "$venv"
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "${0##*/}: creating venv $venv with $py" >&2
        mkdir -p "$(dirname "$venv")"
        "$py" -m venv "$venv"
    fi
}

# ensure_venv_packages VENV CHECK REQUIREMENT...
#   Runs the Python code CHECK with VENV's interpreter (output discarded); unless it exits 0,
#   pip-installs the REQUIREMENTs into VENV.
ensure_venv_packages() {
    local venv="$1" check="$2"
    shift 2
    if ! "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
        echo "${0##*/}: installing $* into $venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    fi
}
