"""Helpers shared by the Python tests that drive a textport suite (tests/sdk/test_sdk.py,
tests/mail/test_smtp.py): reading the state file, finding an account in it, plain JSON
requests and bounded polling.

Standard library only: the venvs these tests run in hold nothing else in common. A test script
imports it by putting this directory on sys.path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
    from suite_client import account, http_json, load_state, wait_until
"""

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

# Upper bound only: every wait polls and returns as soon as its condition holds.
ARRIVAL_TIMEOUT = 30.0


def load_state(path, timeout=10.0):
    """Read the state file, tolerating a writer that is not finished yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def account(state, name):
    """The account called `name` in the state dict ({"name", "id", "api_key"})."""
    for acct in state["accounts"]:
        if acct["name"] == name:
            return acct
    raise KeyError(f"account {name!r} not in state file")


def http_json(method, url, body=None, api_key=None, query=None):
    """A plain JSON request, for the sandbox and the routes a test has no client for.

    Returns (status, parsed body)."""
    if query:
        url = f"{url}?{urlencode(query)}"
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, raw.decode("utf-8", errors="replace")


def wait_until(what, probe, done=bool, timeout=ARRIVAL_TIMEOUT, interval=0.1):
    """Calls probe() until done(value) holds and returns that value; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            shown = repr(value)
            if len(shown) > 3000:
                shown = shown[:3000] + "…"
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last seen: {shown}")
        time.sleep(interval)
