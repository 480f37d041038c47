#!/usr/bin/env python3
"""Deployment smoke test: the official `telnyx` Python SDK against a freshly
deployed gateway, with a customer key made through the operator API. Run by
serve_postgres.sh with the venv of tests/sdk/run.sh.

Usage: python sdk_smoke.py GATEWAY_URL API_KEY
       (GATEWAY_URL without /v2, e.g. http://127.0.0.1:8080)

The sandbox is off in `serve`; eligibility still answers from simulated
routing data, so only the shape of the result is checked.
"""

import sys

import telnyx

NUMBER = "+13125550001"


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: sdk_smoke.py GATEWAY_URL API_KEY")
    gateway, key = sys.argv[1].rstrip("/"), sys.argv[2]
    client = telnyx.Telnyx(api_key=key, base_url=f"{gateway}/v2", max_retries=0)

    profile = client.messaging_profiles.create(name="smoke", whitelisted_destinations=["US"]).data
    expect(profile is not None and profile.id, "create returned no profile")
    expect(profile.name == "smoke", f"created profile: {profile.to_dict()}")
    print(f"ok   sdk {telnyx.__version__}: messaging_profiles.create ({profile.id})", flush=True)

    listed = [p.id for p in client.messaging_profiles.list()]
    expect(profile.id in listed, f"{profile.id} not in list {listed}")
    print("ok   sdk: messaging_profiles.list contains it", flush=True)

    resp = client.messaging_hosted_number_orders.check_eligibility(phone_numbers=[NUMBER])
    results = resp.phone_numbers
    expect(results is not None, "response has no top-level phone_numbers")
    expect([r.phone_number for r in results] == [NUMBER], f"results: {[r.to_dict() for r in results]}")
    status = results[0].eligible_status
    expect(isinstance(status, str) and status, f"eligible_status: {results[0].to_dict()}")
    print(f"ok   sdk: check_eligibility {NUMBER} -> {status}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except telnyx.APIStatusError as exc:
        sys.exit(f"sdk_smoke.py: HTTP {exc.status_code} from {exc.request.url}: {exc.body}")
    except (telnyx.APIError, AssertionError) as exc:
        sys.exit(f"sdk_smoke.py: {type(exc).__name__}: {exc}")
