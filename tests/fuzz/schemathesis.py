"""Runs schemathesis over the OpenAPI document against the suite in TEXTPORT_STATE_FILE.

The /v2 routes, the approval page (/approve at the public listener's root, no key), the sandbox
routes and the operator routes have different bases (and the operator routes a different key), so
they are four runs. A fixed seed,
deterministic generation (which keeps no example database) and one worker keep CI repeatable: the same
document and code give the same cases. A failure prints the curl command that reproduces it.
"""

import json
import os
import subprocess
import sys

SEED = "20261123"
EXAMPLES = "60"


def main() -> int:
    schemathesis, document = sys.argv[1], sys.argv[2]
    with open(os.environ["TEXTPORT_STATE_FILE"]) as f:
        state = json.load(f)
    customer = f"Authorization: Bearer {state['accounts'][0]['api_key']}"
    operator = f"Authorization: Bearer {state['operator_api_key']}"
    config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")
    common = [
        schemathesis, "--config-file", config, "run", document,
        "--checks", "all",
        "--max-examples", EXAMPLES,
        "--seed", SEED,
        "--generation-deterministic",
        "--workers", "1",
    ]
    runs = [
        ("public API", ["--url", state["api_base_url"], "--header", customer,
                        "--exclude-path-regex", "^/((sandbox|operator)/|approve$)"]),
        ("approval page", ["--url", state["gateway_url"], "--include-path-regex", "^/approve$"]),
        ("sandbox API", ["--url", state["admin_url"], "--header", customer,
                         "--include-path-regex", "^/sandbox/"]),
        ("operator API", ["--url", state["admin_url"], "--header", operator,
                          "--include-path-regex", "^/operator/"]),
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="fuzz_hooks",
               PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks"))
    failed = []
    for name, extra in runs:
        print(f"== schemathesis: {name}", flush=True)
        if subprocess.run(common + extra, env=env).returncode != 0:
            failed.append(name)
    if failed:
        print(f"schemathesis found problems in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
