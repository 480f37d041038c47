#!/usr/bin/env python3
"""Unit tests for check.py on synthetic `cargo metadata` (the real workspace is checked by check.py itself)."""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check import check  # noqa: E402

ROOT = "/ws"
# name -> manifest directory; a clean workspace shaped like the real one.
MEMBERS = {
    "textport": "crates/textport", "textport-domain": "crates/domain", "textport-platform": "crates/platform",
    "textport-proto": "crates/proto", "textport-sandbox": "crates/sandbox", "textport-e2e": "tests",
    "textport-accounts": "services/accounts", "textport-eligibility": "services/eligibility",
    "textport-gateway": "services/gateway",
}
EXTERNAL = ["serde", "chrono", "tokio", "tonic", "tonic-health", "sqlx-core", "hyper", "http-client-lib"]
SERVICES = ["textport-accounts", "textport-eligibility", "textport-gateway"]
EDGES = [  # (src, dst, kind)
    *[("textport", d, None) for d in [*SERVICES, "textport-domain", "textport-platform", "textport-proto"]],
    *[(s, d, None) for s in SERVICES for d in ["textport-domain", "textport-platform", "textport-proto", "tokio", "tonic"]],
    ("textport-eligibility", "textport-sandbox", None),
    ("textport-platform", "textport-domain", None), ("textport-platform", "textport-proto", None),
    ("textport-sandbox", "textport-domain", None),
    ("textport-domain", "serde", None), ("textport-domain", "chrono", None),
    ("textport-domain", "tokio", "dev"),  # dev-dependencies are not rule 2's concern
    ("textport-e2e", "textport", "dev"), ("textport-e2e", "textport-eligibility", "dev"),
    ("tonic", "hyper", None), ("tonic", "tokio", None), ("http-client-lib", "hyper", None),
    ("chrono", "http-client-lib", "dev"),  # a dev edge inside the graph must not be followed
]


def pid(name, members):
    return f"path+file://{ROOT}/{members[name]}#{name}@0.1.0" if name in members else f"registry+x#{name}@1.0.0"


class Meta:
    """A synthetic workspace; edge() adds a dependency to the declared list and/or the resolve graph."""

    def __init__(self):
        self.members = dict(MEMBERS)
        self.edges = [(*e, True, True) for e in EDGES]

    def member(self, name, path):
        self.members[name] = path
        return self

    def edge(self, src, dst, kind=None, declared=True, resolved=True):
        self.edges.append((src, dst, kind, declared, resolved))
        return self

    def build(self):
        ms = self.members
        pkgs = {n: {"id": pid(n, ms), "name": n, "dependencies": [],
                    "manifest_path": f"{ROOT}/{ms[n]}/Cargo.toml" if n in ms else f"/reg/{n}/Cargo.toml"}
                for n in [*ms, *EXTERNAL]}
        nodes = {n: {"id": p["id"], "deps": []} for n, p in pkgs.items()}
        for src, dst, kind, declared, resolved in self.edges:
            if declared:
                pkgs[src]["dependencies"].append(
                    {"name": dst, "kind": kind, "rename": None, "source": None if dst in ms else "registry+x"})
            if resolved:
                nodes[src]["deps"].append({"name": dst.replace("-", "_"), "pkg": pid(dst, ms),
                                           "dep_kinds": [{"kind": kind, "target": None}]})
        return {"workspace_root": ROOT, "packages": list(pkgs.values()),
                "workspace_members": [pid(n, ms) for n in ms],
                "resolve": {"nodes": list(nodes.values()), "root": pid("textport", ms)}}


def run(meta):
    return check(meta.build())[0]


class Rules(unittest.TestCase):
    def assertOne(self, meta, src, dst, rule):
        v = run(meta)
        self.assertEqual(len(v), 1, v)
        self.assertTrue(v[0].startswith(f"{src} -> {dst}"), v)
        self.assertTrue(v[0].endswith(f"(rule {rule})"), v)

    def test_clean_workspace_passes(self):
        violations, summary = check(Meta().build())
        self.assertEqual(violations, [])
        self.assertIn("9 workspace packages", summary)

    def test_rule1_service_to_service(self):
        self.assertOne(Meta().edge("textport-accounts", "textport-eligibility"),
                       "textport-accounts", "textport-eligibility", 1)

    def test_rule1_dev_and_build_dependencies(self):
        for kind in ("dev", "build"):
            v = run(Meta().edge("textport-eligibility", "textport-accounts", kind))
            self.assertEqual(v, [f"textport-eligibility -> textport-accounts ({kind}): "
                                 "a service never depends on another service (rule 1)"])

    def test_rule1_covers_new_services(self):
        m = Meta().member("textport-billing", "services/billing").edge("textport-billing", "textport-accounts", "dev")
        self.assertOne(m, "textport-billing", "textport-accounts", 1)
        m = Meta().member("textport-billing", "services/billing").edge("textport-platform", "textport-billing")
        self.assertOne(m, "textport-platform", "textport-billing", 5)

    def test_rule1_declared_only_or_resolved_only(self):
        # An optional dependency the resolver left out still counts, and so does a resolved-only edge.
        for declared, resolved in ((True, False), (False, True)):
            m = Meta().edge("textport-accounts", "textport-eligibility", declared=declared, resolved=resolved)
            self.assertOne(m, "textport-accounts", "textport-eligibility", 1)

    def test_rule2_direct_io(self):
        for crate in ("tokio", "tonic-health", "sqlx-core"):
            self.assertOne(Meta().edge("textport-domain", crate), "textport-domain", crate, 2)
        # tonic also brings hyper in: both are reported, each once.
        self.assertEqual(run(Meta().edge("textport-domain", "tonic")), [
            "textport-domain -> hyper (via tonic): the domain crate pulls in no I/O crate, even transitively (rule 2)",
            "textport-domain -> tonic: the domain crate depends on no I/O crate (rule 2)"])

    def test_rule2_transitive_io(self):
        v = run(Meta().edge("textport-domain", "http-client-lib"))
        self.assertEqual(v, ["textport-domain -> hyper (via http-client-lib): "
                             "the domain crate pulls in no I/O crate, even transitively (rule 2)"])

    def test_rule2_ignores_dev_dependencies(self):
        self.assertEqual(run(Meta().edge("textport-domain", "tonic", "dev")), [])

    def test_rule3_gateway_to_sandbox(self):
        v = run(Meta().edge("textport-gateway", "textport-sandbox"))
        self.assertEqual(v, ["textport-gateway -> textport-sandbox: "
                             "the gateway never depends on the sandbox crate (rule 3)"])

    def test_rule3_gateway_to_service(self):
        self.assertOne(Meta().edge("textport-gateway", "textport-accounts", "dev"),
                       "textport-gateway", "textport-accounts", 3)

    def test_rule4_other_crates_never_compose_services(self):
        m = Meta().member("textport-metrics", "crates/metrics").edge("textport-metrics", "textport-eligibility", "build")
        self.assertOne(m, "textport-metrics", "textport-eligibility", 4)
        m = Meta().member("textport-tool", "tools/x").edge("textport-tool", "textport-accounts")
        self.assertOne(m, "textport-tool", "textport-accounts", 4)

    def test_rule5_core_crates(self):
        for src in ("textport-platform", "textport-proto", "textport-sandbox"):
            self.assertOne(Meta().edge(src, "textport-gateway", "dev"), src, "textport-gateway", 5)

    def test_renamed_domain_is_an_error_not_a_pass(self):
        m = Meta()
        m.members = {("textport-core" if n == "textport-domain" else n): p for n, p in m.members.items()}
        m.edges = [tuple("textport-core" if x == "textport-domain" else x for x in e) for e in m.edges]
        v = run(m)
        self.assertEqual(len(v), 1)
        self.assertIn("no textport-domain", v[0])


if __name__ == "__main__":
    unittest.main()
