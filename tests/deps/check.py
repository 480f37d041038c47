#!/usr/bin/env python3
"""Dependency rules for the workspace, checked against `cargo metadata` (see ARCHITECTURE.md).

Usage: check.py [saved-metadata.json]   (default: runs `cargo metadata` at the workspace root)
Prints one line per violation and exits 1, or a one-line summary and exits 0.

1. A service (workspace package under services/) never depends on another service (any kind).
2. textport-domain has no direct normal dependency on an I/O crate (or tokio), and no normal
   dependency path to tonic, sea-orm, sqlx, axum or hyper.
3. textport-gateway depends on no service and not on textport-sandbox.
4. Only textport and textport-e2e depend on services (any kind).
5. textport-platform, textport-proto and textport-sandbox never depend on a service.
"""
import json
import subprocess
import sys
from collections import deque
from pathlib import Path

DOMAIN, GATEWAY, SANDBOX = "textport-domain", "textport-gateway", "textport-sandbox"
COMPOSERS = {"textport", "textport-e2e"}
CORE = {"textport-platform", "textport-proto", SANDBOX}
IO_EXACT = {"sea-orm", "sea-orm-migration", "axum", "hyper", "hyper-util", "reqwest",
            "tower", "tower-http", "tokio"}
IO_TRANSITIVE = {"tonic", "sea-orm", "sqlx", "axum", "hyper"}
KIND = {None: "normal", "dev": "dev", "build": "build"}


def is_io(name):  # the exact names, plus tonic, tonic-* and sqlx*
    return name in IO_EXACT or name == "tonic" or name.startswith(("tonic-", "sqlx"))


def load(argv):
    if len(argv) > 1:
        return json.loads(Path(argv[1]).read_text())
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--locked"],
                         cwd=root, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"cargo metadata failed:\n{out.stderr}")
    return json.loads(out.stdout)


def check(meta):
    """Returns (violations, summary); violations are output lines, one per offending edge."""
    root = meta["workspace_root"].rstrip("/") + "/"
    pkgs = {p["id"]: p for p in meta["packages"]}
    members = {pkgs[i]["name"]: pkgs[i] for i in meta["workspace_members"]}
    rel = {n: p["manifest_path"].removeprefix(root) for n, p in members.items()}
    services = {n for n, r in rel.items() if r.startswith("services/")}
    nodes = {n["id"]: n for n in (meta.get("resolve") or {}).get("nodes", [])}
    missing = [n for n in (DOMAIN, GATEWAY) if n not in members]
    if missing or not nodes:
        # Without these the rules would pass vacuously.
        return [f"checker: workspace has no {', '.join(missing) or 'resolve graph'}; update tests/deps/check.py"], ""

    # Direct edges as (dependency name, kind): declared dependencies (which include optional and
    # target-specific ones the resolver may have left out) plus the resolved graph.
    def direct(name):
        p = members[name]
        edges = {(d["name"], d["kind"]) for d in p["dependencies"]}
        for d in nodes.get(p["id"], {}).get("deps", []):
            edges |= {(pkgs[d["pkg"]]["name"], k["kind"]) for k in d["dep_kinds"]}
        return sorted(edges, key=lambda e: (e[0], str(e[1])))

    found = {}  # (src, dst) -> message; the first (most specific) rule to flag an edge wins

    def flag(src, dst, kind, why, rule):
        k = "" if kind is None else f" ({KIND[kind]})"
        found.setdefault((src, dst), f"{src} -> {dst}{k}: {why} (rule {rule})")

    for src in sorted(members):
        for dst, kind in direct(src):
            if dst == src:
                continue
            if src == GATEWAY and dst == SANDBOX:
                flag(src, dst, kind, "the gateway never depends on the sandbox crate", 3)
            if src == DOMAIN and kind is None and is_io(dst):
                flag(src, dst, kind, "the domain crate depends on no I/O crate", 2)
            if dst not in services:
                continue
            if src == GATEWAY:
                flag(src, dst, kind, "the gateway never depends on a service crate", 3)
            if src in services:
                flag(src, dst, kind, "a service never depends on another service", 1)
            if src in CORE:
                flag(src, dst, kind, "platform, proto and sandbox never depend on a service crate", 5)
            if src not in COMPOSERS:
                flag(src, dst, kind, "only textport and textport-e2e depend on service crates", 4)

    # Rule 2, transitively: breadth-first over normal edges only, remembering the path.
    start = members[DOMAIN]["id"]
    parent, queue = {start: None}, deque([start])
    while queue:
        cur = queue.popleft()
        for d in nodes.get(cur, {}).get("deps", []):
            if d["pkg"] not in parent and any(k["kind"] is None for k in d["dep_kinds"]):
                parent[d["pkg"]] = cur
                queue.append(d["pkg"])
    for pid in parent:
        name = pkgs[pid]["name"]
        if name in IO_TRANSITIVE:
            via, p = [], parent[pid]
            while p != start:
                via.append(pkgs[p]["name"])
                p = parent[p]
            how = f"{DOMAIN} -> {name} (via {' -> '.join(reversed(via))})" if via else f"{DOMAIN} -> {name}"
            found.setdefault((DOMAIN, name), f"{how}: the domain crate pulls in no I/O crate, even transitively (rule 2)")

    summary = (f"dependency rules hold: {len(members)} workspace packages checked "
               f"({len(services)} services: {', '.join(sorted(services))})")
    return sorted(found.values()), summary


def main(argv):
    violations, summary = check(load(argv))
    for v in violations:
        print(v)
    if violations:
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
