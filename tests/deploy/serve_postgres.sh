#!/usr/bin/env bash
# Deployment test: runs textport the way Kubernetes does, from an empty PostgreSQL database.
# Each role (`textport roles`) gets a schema of its own and a free port; `serve` must refuse an
# unmigrated schema, `migrate` runs (twice: it must be a no-op the second time), then every role is
# served as its own process. The operator API creates an account and its API key, and the official
# Python SDK (the venv of tests/sdk/run.sh) uses that key; a second gateway replica on the same
# database shows Idempotency-Key holding across replicas. Processes are always stopped and the
# schemas dropped afterwards.
#
#   TEXTPORT_BIN=target/debug/textport tests/deploy/serve_postgres.sh
#
# Environment:
#   TEXTPORT_BIN                 path to the textport binary (required)
#   TEXTPORT_DEPLOY_DATABASE_URL PostgreSQL to deploy into (default postgres://postgres@127.0.0.1:5432/test)
#   TEXTPORT_SDK_VENV            venv made by tests/sdk/run.sh (default ~/.cache/textport/sdk-venv)
# Exit code: 0 when every check passed, 1 when one failed, 2 when setup is missing.
set -euo pipefail

STARTUP_TIMEOUT=60
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG_URL="${TEXTPORT_DEPLOY_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
VENV="${TEXTPORT_SDK_VENV:-$HOME/.cache/textport/sdk-venv}"

die() { echo "serve_postgres.sh: $*" >&2; exit 2; }
fail() { echo "serve_postgres.sh: FAIL: $*" >&2; exit 1; }
checks=0
pass() { checks=$((checks + 1)); echo "ok   $*"; }

if [[ -z "${TEXTPORT_BIN:-}" ]]; then
    die "TEXTPORT_BIN is not set; point it at the textport binary (e.g. TEXTPORT_BIN=target/debug/textport)"
fi
[[ -x "$TEXTPORT_BIN" ]] || die "TEXTPORT_BIN=$TEXTPORT_BIN is not an executable file"
TEXTPORT_BIN="$(cd "$(dirname "$TEXTPORT_BIN")" && pwd)/$(basename "$TEXTPORT_BIN")"
for tool in psql curl python3 setsid timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
if ! "$VENV/bin/python" -c 'import telnyx' >/dev/null 2>&1; then
    die "no telnyx SDK in $VENV; run tests/sdk/run.sh once first (it creates the venv), or set TEXTPORT_SDK_VENV"
fi
export PGCONNECT_TIMEOUT=10
psql -X -qAt -c 'SELECT 1' "$PG_URL" >/dev/null || die "cannot connect to $PG_URL (TEXTPORT_DEPLOY_DATABASE_URL)"

# Keep loopback traffic away from any proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# ---- cleanup ------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/textport-deploy.XXXXXX")"
declare -A pid=() port=() mport=() aport=() schema=()

cleanup() {
    local status=$? role log
    trap - EXIT INT TERM
    # Every process runs in its own process group (setsid): stop the groups.
    for role in "${!pid[@]}"; do
        kill -TERM -- "-${pid[$role]}" 2>/dev/null || kill -TERM "${pid[$role]}" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
        local alive=0
        for role in "${!pid[@]}"; do
            if kill -0 "${pid[$role]}" 2>/dev/null; then alive=1; fi
        done
        (( alive )) || break
        sleep 0.2
    done
    for role in "${!pid[@]}"; do
        kill -KILL -- "-${pid[$role]}" 2>/dev/null || kill -KILL "${pid[$role]}" 2>/dev/null || true
        wait "${pid[$role]}" 2>/dev/null || true
    done
    if [[ $status -ne 0 ]]; then
        for log in "$tmp"/*.log; do
            [[ -s "$log" ]] || continue
            echo "---- last lines of $(basename "$log") ----" >&2
            tail -n 60 "$log" >&2 || true
        done
    fi
    if [[ ${#schema[@]} -gt 0 ]]; then
        local list
        list="$(IFS=,; echo "${schema[*]}")"
        PGOPTIONS='-c client_min_messages=warning' \
            psql -X -q -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS $list CASCADE" "$PG_URL" >/dev/null \
            || echo "serve_postgres.sh: warning: could not drop schemas $list" >&2
    fi
    rm -rf -- "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- plan: roles, ports, schemas, keys -------------------------------------------
roles_out="$("$TEXTPORT_BIN" roles)" || fail "textport roles failed"
mapfile -t roles <<<"$roles_out"
for role in "${roles[@]}"; do
    [[ "$role" =~ ^[a-z][a-z0-9-]*$ ]] || fail "textport roles printed a bad role name: '$role'"
done
[[ " ${roles[*]} " == *" gateway "* ]] || fail "textport roles has no gateway: ${roles[*]}"
pass "roles: ${roles[*]}"

section_of() { local s="${1^^}"; echo "${s//-/_}"; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
prefix="dep$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
for role in "${roles[@]}"; do
    section="$(section_of "$role")"
    schema[$role]="${prefix}_${section,,}"
    p=""
    until [[ -n "$p" && " ${port[*]} ${mport[*]} " != *" $p "* ]]; do p="$(free_port)"; done
    port[$role]="$p"
    p=""
    until [[ -n "$p" && " ${port[*]} ${mport[*]} " != *" $p "* ]]; do p="$(free_port)"; done
    mport[$role]="$p"
    # A second free port, for the gateway's admin listener (other roles leave it unused).
    p=""
    until [[ -n "$p" && " ${port[*]} ${mport[*]} ${aport[*]} " != *" $p "* ]]; do p="$(free_port)"; done
    aport[$role]="$p"
    # Downstream addresses, the same for every process; the gateway is no one's downstream.
    [[ "$role" == gateway ]] || export "TEXTPORT__SERVICES__${section}=http://127.0.0.1:${port[$role]}"
done
gateway="http://127.0.0.1:${port[gateway]}"
admin="http://127.0.0.1:${aport[gateway]}"

# Only the hash goes to the processes; the plaintext key stays in this script.
keys_out="$("$TEXTPORT_BIN" operator-key)" || fail "textport operator-key failed"
keys_re=$'^TEXTPORT_OPERATOR_KEY=([^[:space:]]+)\nTEXTPORT__OPERATOR__API_KEY_SHA256=([0-9a-f]{64})$'
[[ "$keys_out" =~ $keys_re ]] || fail "textport operator-key did not print the two expected lines"
operator_key="${BASH_REMATCH[1]}"
export TEXTPORT__OPERATOR__API_KEY_SHA256="${BASH_REMATCH[2]}"
pass "operator-key printed a key and its SHA-256"

# role_cmd ROLE: sets `cmd` to the binary as ROLE's pod runs it (its listen address and database).
role_cmd() {
    local section
    section="$(section_of "$1")"
    cmd=(env "TEXTPORT__${section}__LISTEN=127.0.0.1:${port[$1]}"
        "TEXTPORT__METRICS__LISTEN=127.0.0.1:${mport[$1]}"
        "TEXTPORT__GATEWAY__ADMIN_LISTEN=127.0.0.1:${aport[$1]}"
        "TEXTPORT__${section}__DATABASE__URL=$PG_URL"
        "TEXTPORT__${section}__DATABASE__SCHEMA=${schema[$1]}"
        "$TEXTPORT_BIN")
}

# ---- migrate ----------------------------------------------------------------------
for role in "${roles[@]}"; do
    role_cmd "$role"
    rc=0
    timeout -k 5 30 "${cmd[@]}" serve "$role" >"$tmp/unmigrated-$role.log" 2>&1 </dev/null || rc=$?
    [[ $rc -eq 1 ]] || fail "serve $role before migrate: exit $rc, want 1 (refusal)"
done
pass "serve refuses every unmigrated role (exit 1)"

for round in first second; do
    for role in "${roles[@]}"; do
        role_cmd "$role"
        "${cmd[@]}" migrate "$role" >>"$tmp/migrate-$role.log" 2>&1 </dev/null \
            || fail "migrate $role ($round run) failed"
    done
done
pass "migrate ran for every role into schemas ${prefix}_*, and again as a no-op"

# ---- serve ------------------------------------------------------------------------
# wait_for_port ROLE: until ROLE's port accepts TCP; fails when any started process has exited.
wait_for_port() {
    local deadline=$((SECONDS + STARTUP_TIMEOUT)) r
    until (exec 3<>"/dev/tcp/127.0.0.1/${port[$1]}") 2>/dev/null; do
        for r in "${!pid[@]}"; do
            kill -0 "${pid[$r]}" 2>/dev/null || fail "serve $r exited early"
        done
        (( SECONDS < deadline )) || fail "serve $1: port ${port[$1]} not accepting after ${STARTUP_TIMEOUT}s"
        sleep 0.2
    done
}

for role in "${roles[@]}"; do
    role_cmd "$role"
    setsid "${cmd[@]}" serve "$role" >"$tmp/$role.log" 2>&1 </dev/null &
    pid[$role]=$!
    wait_for_port "$role"
done
listening=()
for role in "${roles[@]}"; do listening+=("$role:${port[$role]}"); done
pass "serve: every role accepts TCP (${listening[*]})"

# ---- operator API -------------------------------------------------------------------
# http METHOD PATH KEY [JSON]: calls the gateway (no Authorization when KEY is empty): the
# operator API on its admin listener, the rest on the public one; sets `status`, leaves the body
# in $tmp/body.json.
http() {
    local args=(-sS -X "$1" -o "$tmp/body.json" -w '%{http_code}' --max-time 30) base="$gateway"
    if [[ "$2" == /operator/* ]]; then base="$admin"; fi
    if [[ -n "$3" ]]; then args+=(-H "Authorization: Bearer $3"); fi
    if [[ -n "${4:-}" ]]; then args+=(-H 'Content-Type: application/json' --data-binary "$4"); fi
    status="$(curl "${args[@]}" "$base$2")" || fail "$1 $2: curl failed"
}
expect_status() {
    [[ "$status" == "$1" ]] || fail "$2: HTTP $status, want $1: $(head -c 1000 "$tmp/body.json")"
}
# json PYTHON [ARG ...]: runs PYTHON with `body` = the last response's JSON and sys.argv[2:] = ARGs.
json() {
    python3 -I -c "import json, sys
body = json.load(open(sys.argv[1], encoding='utf-8'))
$1" "$tmp/body.json" "${@:2}"
}

http POST /operator/v1/accounts "$operator_key" '{"name":"first-customer"}'
expect_status 201 "create account"
account_id="$(json '
d = body["data"]
assert d["record_type"] == "account" and d["name"] == "first-customer", d
assert d["id"] and d["created_at"], d
print(d["id"])')" || fail "create account: unexpected body: $(cat "$tmp/body.json")"
pass "operator created account first-customer ($account_id)"

http POST "/operator/v1/accounts/$account_id/api_keys" "$operator_key" '{"label":"production"}'
expect_status 201 "create API key"
customer_key="$(json '
d = body["data"]
assert d["record_type"] == "api_key" and str(d["account_id"]) == sys.argv[2], d
assert d["label"] == "production" and d["id"] and d["created_at"], d
assert isinstance(d["api_key"], str) and d["api_key"].startswith("KEY"), "api_key is not KEY..."
print(d["api_key"])' "$account_id")" || fail "create API key: unexpected body"
pass "operator created API key 'production' for it"

http GET /operator/v1/accounts "$operator_key"
expect_status 200 "list accounts"
# The schemas are new, so the account just made is the only one (serve seeds no demo accounts).
json '
ids = [str(a["id"]) for a in body["data"]]
assert ids == [sys.argv[2]], ids
meta = body["meta"]
for field in ("page_number", "page_size", "total_pages", "total_results"):
    assert isinstance(meta.get(field), int), meta
assert meta["total_results"] == 1, meta' "$account_id" || fail "list accounts: unexpected body"
pass "operator lists exactly that account, with page meta"

while read -r who method path; do
    case "$who" in
        customer) key="$customer_key" ;;
        operator) key="$operator_key" ;;
        *) key="" ;;
    esac
    http "$method" "$path" "$key"
    expect_status 401 "$method $path with the $who key"
done <<'EOF'
customer GET /operator/v1/accounts
operator GET /v2/messaging_profiles
none     GET /operator/v1/accounts
none     GET /v2/messaging_profiles
none     GET /v2/anything
EOF
pass "401: customer key on operator API, operator key on /v2, no key on either"

# ---- official SDK with the customer key ------------------------------------------
# The SDK reads these; make sure nothing but our arguments steers it.
unset TELNYX_API_KEY TELNYX_BASE_URL TELNYX_CLIENT_ID TELNYX_CLIENT_SECRET \
      TELNYX_PUBLIC_KEY TELNYX_CUSTOM_HEADERS
"$VENV/bin/python" "$HERE/sdk_smoke.py" "$gateway" "$customer_key" || fail "SDK smoke test failed"
pass "official Python SDK works with the customer key"

# ---- a second gateway replica on the same database ----------------------------------
p=""
until [[ -n "$p" && " ${port[*]} ${mport[*]} " != *" $p "* ]]; do p="$(free_port)"; done
port[gateway-2]="$p"
m=""
until [[ -n "$m" && " ${port[*]} ${mport[*]} $p " != *" $m "* ]]; do m="$(free_port)"; done
mport[gateway-2]="$m"
a=""
until [[ -n "$a" && " ${port[*]} ${mport[*]} ${aport[*]} $p $m " != *" $a "* ]]; do a="$(free_port)"; done
role_cmd gateway
cmd[1]="TEXTPORT__GATEWAY__LISTEN=127.0.0.1:$p"
cmd[2]="TEXTPORT__METRICS__LISTEN=127.0.0.1:$m"
cmd[3]="TEXTPORT__GATEWAY__ADMIN_LISTEN=127.0.0.1:$a"
setsid "${cmd[@]}" serve gateway >"$tmp/gateway-2.log" 2>&1 </dev/null &
pid[gateway-2]=$!
wait_for_port gateway-2
python3 "$HERE/replicas.py" "$gateway" "http://127.0.0.1:$p" "$customer_key" \
    || fail "Idempotency-Key across replicas"
pass "Idempotency-Key holds across two gateway replicas"

# ---- metrics on each process's admin port ---------------------------------------------
scrape="$(curl -sS --max-time 10 "http://127.0.0.1:${mport[gateway]}/metrics")" || fail "gateway metrics scrape failed"
grep -q '^textport_http_responses_total{method="POST",route="/operator/v1/accounts",status="201"} [1-9]' <<<"$scrape" \
    || fail "the gateway's metrics lack its operator calls"
scrape="$(curl -sS --max-time 10 "http://127.0.0.1:${mport[accounts]}/metrics")" || fail "accounts metrics scrape failed"
grep -q '^textport_grpc_server_requests_total{method="/textport.accounts.v1.AccountService/CreateAccount"} [1-9]' <<<"$scrape" \
    || fail "the accounts service's metrics lack its calls"
pass "each process serves its own metrics on its admin port"

for role in "${!pid[@]}"; do
    kill -0 "${pid[$role]}" 2>/dev/null || fail "serve $role exited during the test"
done
pass "all ${#pid[@]} processes still running"

echo "serve_postgres.sh: all $checks checks passed"
