#!/usr/bin/env python3
"""Idempotency-Key across two gateway replicas sharing one PostgreSQL database: an answer given by
one is replayed by the other, and concurrent requests with one key through both do the work once.
Run by serve_postgres.sh.

Usage: python replicas.py GATEWAY_1_URL GATEWAY_2_URL API_KEY
"""

import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request


def call(base, key, method, path, body=None, idempotency_key=None):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def named(base, key, name):
    query = urllib.parse.urlencode({"filter[name]": name})
    status, _, body = call(base, key, "GET", f"/v2/messaging_profiles?{query}")
    assert status == 200, (status, body)
    return json.loads(body)["meta"]["total_results"]


def main():
    one, two, key = sys.argv[1:4]
    profile = {"name": "across-replicas", "whitelisted_destinations": ["US"]}
    first = call(one, key, "POST", "/v2/messaging_profiles", profile, "replicas-1")
    again = call(two, key, "POST", "/v2/messaging_profiles", profile, "replicas-1")
    assert first[0] == 200, first
    assert (again[0], again[2]) == (first[0], first[2]), (first, again)
    assert again[1].get("Idempotent-Replayed") == "true", dict(again[1])
    print("ok   an answer of one replica is replayed by the other")

    concurrent = {"name": "concurrent-replicas", "whitelisted_destinations": ["US"]}
    results = []
    threads = [
        threading.Thread(target=lambda base=base: results.append(
            call(base, key, "POST", "/v2/messaging_profiles", concurrent, "replicas-2")))
        for base in [one, two] * 4
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _, _ in results)
    assert set(statuses) <= {200, 409}, statuses
    created = {body for status, _, body in results if status == 200}
    assert len(created) == 1, created
    assert named(one, key, "concurrent-replicas") == 1
    print(f"ok   8 concurrent requests through both replicas, one created (statuses {statuses})")


if __name__ == "__main__":
    main()
