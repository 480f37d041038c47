"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS=fuzz_hooks; this folder is on PYTHONPATH
rather than tests/fuzz, where schemathesis.py would shadow the package).

A fuzzer that picks `Idempotency-Key` values from a small space sends one key with many different
bodies, and the gateway rightly answers 422 (or replays an answer about a resource deleted since),
which the fuzzer would call a rejected valid request. So every valid key it generates is made
unique; invalid keys are left as generated, to check they are refused. The replay semantics
themselves are tested end to end (tests/e2e/idempotency.rs) and through both SDKs.
"""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"^[!-~]{1,255}$")


def fresh(headers):
    for name, value in list((headers or {}).items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.match(value):
            headers[name] = f"fuzz-{uuid.uuid4()}"
    return headers


@schemathesis.hook("map_headers")
def unique_generated_keys(ctx, headers):
    return fresh(headers)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    # Coverage cases skip map_headers. A case about another header (a missing Authorization) is
    # left whole: editing it makes schemathesis re-derive the case and send the CLI's key.
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    parameter = (getattr(data, "parameter", None) or "").lower()
    about_a_header = "header" in str(getattr(data, "parameter_location", "")).lower()
    if not about_a_header or parameter == "idempotency-key":
        fresh(case.headers)
