"""The Helm chart, rendered by the real Helm engine and validated offline (no cluster, no helm binary).

helm-python-sdk embeds Helm v4: `helm_python.lint` and `Chart.load(dir).render(values, name=…,
namespace=…)`, which returns {template path: manifest}. kubernetes-validate checks every rendered
object against the Kubernetes OpenAPI schemas it bundles, strictly (an unknown field fails, as does
a missing required one; a kind without a schema fails too: every kind here is built in).

Besides validity, the wiring: every role of the registry has a Deployment (`serve <role>`), a
Service, a ServiceAccount and a migration hook Job (`migrate <role>`); each Deployment names exactly
its callees in TEXTPORT__SERVICES__*; each NetworkPolicy admits exactly its callers; nothing runs
as root; probes are there; the Ingress routes /v2/ and /approve only and never reaches the gateway's admin
listener (its own port and Service, admitted only from `services.gateway.admin.allowFrom`); with
mutual TLS every pod mounts its certificate read-only where TEXTPORT__TLS__* point, callee URLs are
https:// and the gRPC services are probed over TCP. The roles come from `$TEXTPORT_BIN roles`
when TEXTPORT_BIN is set (else ROLES below, which must match), and who calls whom from the
registry's source (crates/textport/src/registry.rs), so the chart cannot drift from either.

    tests/deploy/helm/run.sh [unittest args]      (makes the venv, then runs this file)
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate.utils as kv
import yaml

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "helm" / "textport"
REGISTRY = ROOT / "crates" / "textport" / "src" / "registry.rs"
RELEASE = "tp"
NAMESPACE = "textport"
# The oldest Kubernetes the chart is checked against, and the newest schemas bundled.
KUBE_VERSIONS = ["1.30.0", "1.37.0"]
# `textport roles` when TEXTPORT_BIN is not set: keep in step with the registry.
ROLES = [
    "accounts",
    "eligibility",
    "verification",
    "notifier",
    "transfer-approval",
    "hosted-order",
    "messaging-port",
    "gateway",
]
GRPC_PORT = 50051
HTTP_PORT = 8080
ADMIN_PORT = 8081
METRICS_PORT = 9090
TLS_MOUNT = "/etc/textport/tls"
# The keys of each service's TLS Secret (cert-manager's shape) and the variables naming their files.
TLS_FILES = {"TEXTPORT__TLS__CERT": "tls.crt", "TEXTPORT__TLS__KEY": "tls.key", "TEXTPORT__TLS__CA": "ca.crt"}
# Placeholder PEMs for rendering with tls.create (the binary test makes real ones with openssl).
PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBplaceholder\n-----END CERTIFICATE-----\n"
PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHplaceholder\n-----END PRIVATE KEY-----\n"
OPERATOR_PEERS = [
    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ops"}}},
    {"podSelector": {"matchLabels": {"app": "ops-console"}}},
]

# Optional toggles and overrides, each rendered and validated like the defaults.
SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "network policies off": {"networkPolicies": {"create": False}},
    "existing secrets": {
        "database": {"existingSecret": "pg-credentials", "existingSecretKey": "url"},
        "secrets": {"existingSecret": "textport-keys"},
    },
    "ingress on": {
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "host": "api.example.com",
            "tls": [{"secretName": "textport-tls", "hosts": ["api.example.com"]}],
        }
    },
    "replicas 3": {"services": {role: {"replicas": 3} for role in ROLES}},
    # Mutual TLS with Secrets made elsewhere (cert-manager): "<prefix>-<role>-tls", or one named.
    "tls from existing Secrets": {
        "tls": {"enabled": True},
        "services": {"notifier": {"tls": {"existingSecret": "notifier-cert"}}},
    },
    # Nobody reaches the gateway's admin listener over the network (port-forward only).
    "admin listener closed": {"services": {"gateway": {"admin": {"allowFrom": []}}}},
    "everything on": {
        "ingress": {"enabled": True, "host": "api.example.com"},
        "secrets": {
            "values": {
                "operator-api-key-sha256": "ab" * 32,
                "notifier-signing-key": "c2VlZA==",
                "notifier-smtp-url": "smtp://mail.example.com:587",
            }
        },
        "otel": {"resourceAttributes": "deployment.environment=production"},
        "telemetry": {"logFilter": "info"},
        "networkPolicies": {
            "gatewayFrom": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
            ],
            "database": {
                "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
                "ports": [{"port": 5432, "protocol": "TCP"}],
            },
        },
        "metrics": {
            "scrapeFrom": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
        },
        "drainSeconds": 10,
        "tls": {
            "enabled": True,
            "create": True,
            "ca": PEM_CERT,
            "certificates": {role: {"cert": PEM_CERT, "key": PEM_KEY} for role in ROLES},
        },
        "imagePullSecrets": [{"name": "registry"}],
        "env": [{"name": "RUST_LOG", "value": "info"}],
        "services": {
            "notifier": {
                "replicas": 2,
                "settings": {"concurrency": 64, "mail_from": "textport <n@example.com>"},
                "database": {"url": "postgres://notifier@pg-notifier:5432/textport"},
            },
            "gateway": {
                "replicas": 3,
                "settings": {"body_limit_bytes": 1048576},
                "admin": {"port": ADMIN_PORT, "allowFrom": OPERATOR_PEERS},
            },
        },
    },
    "toggles off": {
        "serviceAccounts": {"create": False},
        "securityContext": {"enable": False},
        "podDisruptionBudgets": {"create": False},
        "otel": {"endpoint": ""},
        "metrics": {"podAnnotations": False},
        "drainSeconds": 0,
    },
}


def section(role: str) -> str:
    return role.replace("-", "_").upper()


def merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def registry_roles() -> list[str]:
    binary = os.environ.get("TEXTPORT_BIN")
    if not binary:
        return list(ROLES)
    out = subprocess.run([binary, "roles"], check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def registry_calls() -> dict[str, list[str]]:
    """Role -> the roles it calls, read from the registry's rows (which name callees by section)."""
    text = REGISTRY.read_text(encoding="utf-8")
    rows: list[tuple[str, str, str]] = []
    rows += re.findall(r'grpc::<[\w:]+>\(\s*"([a-z0-9-]+)",\s*"([a-z0-9_]+)",\s*&\[([^\]]*)\]', text)
    rows += re.findall(
        r'Role\s*\{\s*name:\s*"([a-z0-9-]+)",\s*section:\s*"([a-z0-9_]+)",\s*calls:\s*&\[([^\]]*)\]', text
    )
    by_section = {sec: name for name, sec, _ in rows}
    return {
        name: [by_section.get(callee, callee) for callee in re.findall(r'"([a-z0-9_]+)"', calls)]
        for name, _, calls in rows
    }


def render(values: dict[str, Any], chart: Path | None = None) -> dict[str, str]:
    with helm_python.Chart.load(str(chart or CHART)) as loaded:
        return loaded.render(values, name=RELEASE, namespace=NAMESPACE)


def objects(rendered: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for path, manifest in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(manifest):
            if doc:
                doc["__template"] = path
                out.append(doc)
    return out


def validate(obj: dict[str, Any]) -> list[str]:
    """Strict schema errors of one object, for every Kubernetes version checked."""
    data = {k: v for k, v in obj.items() if k != "__template"}
    errors = []
    for version in KUBE_VERSIONS:
        try:
            kv.validate(data, version, strict=True)
        except kv.ValidationError as error:
            where = ".".join(str(p) for p in error.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']} (k8s {version}): {where}: {error.message}")
        except kv.SchemaNotFoundError as error:
            errors.append(f"{obj['kind']}/{obj['metadata'].get('name')}: {error.message}")
    return errors


def find(objs: list[dict], kind: str, name: str) -> dict | None:
    for obj in objs:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    return None


def of_kind(objs: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objs if obj["kind"] == kind]


def env_of(container: dict) -> dict[str, dict]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def deployment_env(objs: list[dict], role: str) -> dict[str, dict]:
    deployment = find(objs, "Deployment", f"{RELEASE}-{role}")
    assert deployment is not None, role
    return env_of(deployment["spec"]["template"]["spec"]["containers"][0])


def protocol_port(role: str) -> str:
    """The name of a role's serving port: the gateway speaks HTTP, the others gRPC."""
    return "http" if role == "gateway" else "grpc"


def is_hook(obj: dict) -> bool:
    return "helm.sh/hook" in (obj["metadata"].get("annotations") or {})


def hook_weight(obj: dict) -> int:
    return int(obj["metadata"]["annotations"].get("helm.sh/hook-weight", "0"))


def component(peer: dict) -> str | None:
    return ((peer.get("podSelector") or {}).get("matchLabels") or {}).get("app.kubernetes.io/component")


class Chart(unittest.TestCase):
    roles: list[str]
    calls: dict[str, list[str]]
    defaults: dict[str, Any]
    rendered: dict[str, list[dict]]

    @classmethod
    def setUpClass(cls) -> None:
        cls.roles = registry_roles()
        cls.calls = registry_calls()
        with helm_python.Chart.load(str(CHART)) as chart:
            cls.defaults = chart.values
        cls.rendered = {name: objects(render(values)) for name, values in SCENARIOS.items()}

    def values(self, scenario: str) -> dict[str, Any]:
        return merge(self.defaults, SCENARIOS[scenario])

    def callers(self, role: str) -> list[str]:
        return sorted(r for r in self.roles if role in self.calls[r])

    # ---- the chart against the registry -------------------------------------------------------

    def test_roles_match_the_registry(self) -> None:
        self.assertEqual(list(self.calls), self.roles, "registry.rs rows vs `textport roles`")
        services = self.defaults["services"]
        enabled = sorted(r for r, s in services.items() if s.get("create"))
        self.assertEqual(enabled, sorted(self.roles), "values.yaml services vs the registry")
        self.assertEqual(enabled, sorted(ROLES), "ROLES in this test vs values.yaml services")
        for role in self.roles:
            with self.subTest(role=role):
                self.assertEqual(sorted(services[role].get("calls", [])), sorted(self.calls[role]))
                grpc = role != "gateway"
                self.assertEqual(services[role]["protocol"], "grpc" if grpc else "http")
                self.assertEqual(services[role]["port"], GRPC_PORT if grpc else HTTP_PORT)

    # ---- Helm and Kubernetes validity ---------------------------------------------------------

    def test_lint_has_no_warning(self) -> None:
        for name, values in SCENARIOS.items():
            with self.subTest(scenario=name):
                report = helm_python.lint(str(CHART), values, strict=True)
                self.assertEqual(report["errors"], [])
                serious = [m for m in report["messages"] if m["severity"] >= 2]
                self.assertEqual(serious, [])

    def test_every_manifest_is_valid_strictly(self) -> None:
        for name, objs in self.rendered.items():
            with self.subTest(scenario=name):
                self.assertTrue(objs)
                errors = [e for obj in objs for e in validate(obj)]
                self.assertEqual(errors, [])
                names = [(obj["kind"], obj["metadata"]["name"]) for obj in objs]
                self.assertEqual(len(names), len(set(names)), "an object rendered twice")
                for obj in objs:
                    self.assertLessEqual(len(obj["metadata"]["name"]), 63, obj["metadata"]["name"])

    def test_a_broken_template_or_manifest_fails(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            chart = Path(tmp) / "textport"
            shutil.copytree(CHART, chart)
            objects_tpl = chart / "templates" / "_objects.tpl"
            original = objects_tpl.read_text(encoding="utf-8")
            # An unknown field in the Deployment: renders, but strict validation refuses it.
            objects_tpl.write_text(
                original.replace("  revisionHistoryLimit: 5\n", "  revisionHistoryLimit: 5\n  replica: 2\n", 1),
                encoding="utf-8",
            )
            errors = [e for obj in objects(render({}, chart)) for e in validate(obj)]
            self.assertTrue(any("replica" in e for e in errors), errors)
            # A required field missing: the Service without ports' port.
            objects_tpl.write_text(original.replace("      port: {{ .svc.port }}\n", "", 1), encoding="utf-8")
            errors = [e for obj in objects(render({}, chart)) for e in validate(obj)]
            self.assertTrue(any("'port' is a required property" in e for e in errors), errors)
            # A template that does not parse.
            objects_tpl.write_text(original + "{{- define \"broken\" -}}{{ if }}\n", encoding="utf-8")
            with self.assertRaises(helm_python.HelmError):
                render({}, chart)

    def test_bad_values_fail_the_render(self) -> None:
        cases = {
            "a callee that is not enabled": {"services": {"eligibility": {"create": False}}},
            "a callee that is not gRPC": {"services": {"notifier": {"calls": ["accounts", "gateway"]}}},
            "no database": {"database": {"url": "", "existingSecret": ""}},
            # values.schema.json: a typo or a wrong value fails at install, not in a pod.
            "a misspelt key": {"services": {"gateway": {"replica": 3}}},
            "an unknown protocol": {"services": {"gateway": {"protocol": "tcp"}}},
            "a role not in kebab-case": {
                "services": {"Hosted_Order": {"create": True, "protocol": "grpc", "port": 50051}}
            },
            "an unknown log format": {"telemetry": {"logFormat": "xml"}},
            "tls.create without a service's certificate": {
                "tls": {"enabled": True, "create": True, "ca": PEM_CERT,
                        "certificates": {r: {"cert": PEM_CERT, "key": PEM_KEY} for r in ROLES if r != "notifier"}},
            },
            "tls.create without the CA": {
                "tls": {"enabled": True, "create": True,
                        "certificates": {r: {"cert": PEM_CERT, "key": PEM_KEY} for r in ROLES}},
            },
            "a relative TLS mount path": {"tls": {"enabled": True, "mountPath": "etc/tls"}},
            "an admin listener on a gRPC service": {"services": {"accounts": {"admin": {"port": 8081}}}},
            "a role clashing with the admin Service": {
                "services": {"gateway-admin": {"create": True, "protocol": "grpc", "port": 50051}}
            },
            "admin peers that are not a list": {"services": {"gateway": {"admin": {"port": 8081, "allowFrom": "all"}}}},
        }
        for name, values in cases.items():
            with self.subTest(case=name), self.assertRaises(helm_python.HelmError):
                render(values)

    # ---- per-service wiring ------------------------------------------------------------------

    def test_every_role_has_its_objects(self) -> None:
        for scenario, objs in self.rendered.items():
            values = self.values(scenario)
            for role in self.roles:
                with self.subTest(scenario=scenario, role=role):
                    name = f"{RELEASE}-{role}"
                    deployment = find(objs, "Deployment", name)
                    self.assertIsNotNone(deployment)
                    assert deployment is not None
                    self.assertEqual(deployment["spec"]["replicas"], values["services"][role]["replicas"])
                    pod = deployment["spec"]["template"]
                    container = pod["spec"]["containers"][0]
                    self.assertEqual(container["args"], ["serve", role])

                    service = find(objs, "Service", name)
                    self.assertIsNotNone(service)
                    assert service is not None
                    self.assertEqual(
                        service["spec"]["selector"],
                        deployment["spec"]["selector"]["matchLabels"],
                    )
                    labels = pod["metadata"]["labels"]
                    for key, value in service["spec"]["selector"].items():
                        self.assertEqual(labels.get(key), value)
                    port = values["services"][role]["port"]
                    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
                    self.assertEqual(sorted(service_ports), sorted([protocol_port(role), "metrics"]))
                    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
                    for port_name, wanted in ((protocol_port(role), port), ("metrics", METRICS_PORT)):
                        self.assertEqual(service_ports[port_name]["port"], wanted)
                        self.assertEqual(container_ports.get(service_ports[port_name]["targetPort"]), wanted)
                    annotations = pod["metadata"].get("annotations") or {}
                    if values["metrics"]["podAnnotations"]:
                        self.assertEqual(annotations["prometheus.io/port"], str(METRICS_PORT))
                    else:
                        self.assertNotIn("prometheus.io/scrape", annotations)

                    job = find(objs, "Job", f"{RELEASE}-migrate-{role}")
                    self.assertIsNotNone(job, "migration Job")
                    assert job is not None
                    notes = job["metadata"]["annotations"]
                    self.assertEqual(notes["helm.sh/hook"], "pre-install,pre-upgrade")
                    self.assertIn("helm.sh/hook-weight", notes)
                    self.assertIn("before-hook-creation", notes["helm.sh/hook-delete-policy"])
                    job_container = job["spec"]["template"]["spec"]["containers"][0]
                    self.assertEqual(job_container["args"], ["migrate", role])
                    self.assertEqual(job_container["image"], container["image"])
                    self.assertEqual(job["spec"]["template"]["spec"]["restartPolicy"], "Never")
                    # The Job migrates the database and schema the Deployment serves.
                    job_env, env = env_of(job_container), env_of(container)
                    sec = section(role)
                    self.assertEqual(
                        job_env[f"TEXTPORT__{sec}__DATABASE__SCHEMA"], env[f"TEXTPORT__{sec}__DATABASE__SCHEMA"]
                    )
                    self.assertEqual(
                        job_env[f"TEXTPORT__{sec}__DATABASE__URL"]["valueFrom"]["secretKeyRef"]["key"],
                        env[f"TEXTPORT__{sec}__DATABASE__URL"]["valueFrom"]["secretKeyRef"]["key"],
                    )

                    if values["serviceAccounts"]["create"]:
                        self.assertIsNotNone(find(objs, "ServiceAccount", name))
                        self.assertEqual(pod["spec"]["serviceAccountName"], name)
                        account = job["spec"]["template"]["spec"]["serviceAccountName"]
                        hook_account = find(objs, "ServiceAccount", account)
                        self.assertIsNotNone(hook_account)
                        assert hook_account is not None
                        self.assertTrue(is_hook(hook_account))
                        self.assertLess(hook_weight(hook_account), hook_weight(job))
                    else:
                        self.assertEqual(of_kind(objs, "ServiceAccount"), [])
                    self.assertIs(pod["spec"]["automountServiceAccountToken"], False)
                    if values["podDisruptionBudgets"]["create"]:
                        self.assertIsNotNone(find(objs, "PodDisruptionBudget", name))

    def test_environment(self) -> None:
        for scenario, objs in self.rendered.items():
            values = self.values(scenario)
            for role in self.roles:
                with self.subTest(scenario=scenario, role=role):
                    deployment = find(objs, "Deployment", f"{RELEASE}-{role}")
                    assert deployment is not None
                    container = deployment["spec"]["template"]["spec"]["containers"][0]
                    env = env_of(container)
                    sec = section(role)
                    port = values["services"][role]["port"]
                    self.assertEqual(env[f"TEXTPORT__{sec}__LISTEN"]["value"], f"0.0.0.0:{port}")
                    self.assertIn("secretKeyRef", env[f"TEXTPORT__{sec}__DATABASE__URL"]["valueFrom"])
                    schema = values["services"][role]["database"]["schema"]
                    self.assertEqual(env[f"TEXTPORT__{sec}__DATABASE__SCHEMA"]["value"], schema)
                    self.assertEqual(env["TEXTPORT__TELEMETRY__LOG_FORMAT"]["value"], "json")
                    self.assertEqual(env["TEXTPORT__METRICS__LISTEN"]["value"], f"0.0.0.0:{METRICS_PORT}")
                    self.assertEqual(env[f"TEXTPORT__{sec}__DRAIN_SECONDS"]["value"], str(values["drainSeconds"]))

                    # Exactly its callees, each at its Service: https:// with mutual TLS (the
                    # host is what each certificate's DNS names must include).
                    tls = values["tls"]["enabled"]
                    scheme = "https" if tls else "http"
                    wanted = {
                        f"TEXTPORT__SERVICES__{section(c)}": f"{scheme}://{RELEASE}-{c}:{GRPC_PORT}"
                        for c in self.calls[role]
                    }
                    got = {k: v["value"] for k, v in env.items() if k.startswith("TEXTPORT__SERVICES__")}
                    self.assertEqual(got, wanted)
                    for url in got.values():
                        host = url.removeprefix(f"{scheme}://").split(":")[0]
                        self.assertIsNotNone(find(objs, "Service", host), url)
                    # The certificate, key and CA: all three or none, as the binary requires.
                    tls_env = {k: v["value"] for k, v in env.items() if k.startswith("TEXTPORT__TLS__")}
                    if tls:
                        self.assertEqual(tls_env, {k: f"{TLS_MOUNT}/{f}" for k, f in TLS_FILES.items()})
                    else:
                        self.assertEqual(tls_env, {})
                    # The gateway's second listener; no other service has one.
                    admin = env.get(f"TEXTPORT__{sec}__ADMIN_LISTEN")
                    if role == "gateway":
                        assert admin is not None
                        self.assertEqual(admin["value"], f"0.0.0.0:{ADMIN_PORT}")
                    else:
                        self.assertIsNone(admin)

                    # Telemetry: the standard variables, the pod's identity from the downward API.
                    self.assertEqual(env["OTEL_SERVICE_NAME"]["value"], f"textport-{role}")
                    if values["otel"]["endpoint"]:
                        self.assertEqual(env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"], values["otel"]["endpoint"])
                    else:
                        self.assertNotIn("OTEL_EXPORTER_OTLP_ENDPOINT", env)
                    attributes = env["OTEL_RESOURCE_ATTRIBUTES"]["value"]
                    for key in ("k8s.pod.name", "k8s.namespace.name", "k8s.node.name", "k8s.deployment.name"):
                        self.assertIn(f"{key}=", attributes)
                    self.assertEqual(env["K8S_POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name")
                    # Every $(VAR) refers to a variable defined before it (Kubernetes expands only those).
                    seen: set[str] = set()
                    for entry in container["env"]:
                        for ref in re.findall(r"\$\(([A-Za-z0-9_]+)\)", entry.get("value", "")):
                            self.assertIn(ref, seen, f"{entry['name']} refers to $({ref}) before it is defined")
                        seen.add(entry["name"])
                    self.assertEqual(len(seen), len(container["env"]), "a variable is set twice")

    def test_secrets_resolve(self) -> None:
        """Every secretKeyRef names a Secret the chart renders, with that key, or the existing one."""
        for scenario, objs in self.rendered.items():
            values = self.values(scenario)
            existing = {values["database"]["existingSecret"], values["secrets"]["existingSecret"]} - {""}
            secrets = {obj["metadata"]["name"]: obj for obj in of_kind(objs, "Secret")}
            for workload in of_kind(objs, "Deployment") + of_kind(objs, "Job"):
                for container in workload["spec"]["template"]["spec"]["containers"]:
                    for entry in container.get("env", []):
                        ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
                        if not ref:
                            continue
                        with self.subTest(scenario=scenario, workload=workload["metadata"]["name"], env=entry["name"]):
                            if ref["name"] in existing:
                                continue
                            secret = secrets.get(ref["name"])
                            self.assertIsNotNone(secret, ref)
                            assert secret is not None
                            self.assertIn(ref["key"], secret["stringData"])
                            # Hooks run before the release's own objects exist.
                            self.assertEqual(is_hook(secret), is_hook(workload))
                            if is_hook(workload):
                                self.assertLess(hook_weight(secret), hook_weight(workload))

        defaults = self.rendered["defaults"]
        self.assertIsNotNone(find(defaults, "Secret", f"{RELEASE}-secrets"))
        existing = self.rendered["existing secrets"]
        self.assertEqual(of_kind(existing, "Secret"), [], "existingSecret: the chart makes no Secret")
        for role in self.roles:
            deployment = find(existing, "Deployment", f"{RELEASE}-{role}")
            assert deployment is not None
            env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
            self.assertEqual(
                env[f"TEXTPORT__{section(role)}__DATABASE__URL"]["valueFrom"]["secretKeyRef"],
                {"name": "pg-credentials", "key": "url"},
            )
        gateway = deployment_env(existing, "gateway")
        self.assertEqual(
            gateway["TEXTPORT__OPERATOR__API_KEY_SHA256"]["valueFrom"]["secretKeyRef"],
            {"name": "textport-keys", "key": "operator-api-key-sha256", "optional": True},
        )
        notifier = deployment_env(existing, "notifier")
        for var in ("TEXTPORT__NOTIFIER__SIGNING_KEY", "TEXTPORT__NOTIFIER__SMTP_URL"):
            self.assertEqual(notifier[var]["valueFrom"]["secretKeyRef"]["name"], "textport-keys")
        # From values: set ones only, each to the service that reads it.
        everything = self.rendered["everything on"]
        gateway = deployment_env(everything, "gateway")
        self.assertIn("TEXTPORT__OPERATOR__API_KEY_SHA256", gateway)
        self.assertEqual(gateway["TEXTPORT__GATEWAY__BODY_LIMIT_BYTES"]["value"], "1048576")
        notifier = deployment_env(everything, "notifier")
        self.assertEqual(notifier["TEXTPORT__NOTIFIER__CONCURRENCY"]["value"], "64")
        url = notifier["TEXTPORT__NOTIFIER__DATABASE__URL"]["valueFrom"]["secretKeyRef"]
        self.assertEqual(url["key"], "notifier-database-url")
        for var in ("TEXTPORT__NOTIFIER__SIGNING_KEY", "TEXTPORT__NOTIFIER__SMTP_URL"):
            self.assertIn(var, notifier)
        defaults_gateway = deployment_env(defaults, "gateway")
        self.assertNotIn("TEXTPORT__OPERATOR__API_KEY_SHA256", defaults_gateway, "an empty secret value sets nothing")

    def test_nothing_runs_as_root(self) -> None:
        for scenario, objs in self.rendered.items():
            if not self.values(scenario)["securityContext"]["enable"]:
                continue
            for workload in of_kind(objs, "Deployment") + of_kind(objs, "Job"):
                with self.subTest(scenario=scenario, workload=workload["metadata"]["name"]):
                    spec = workload["spec"]["template"]["spec"]
                    pod = spec["securityContext"]
                    self.assertIs(pod["runAsNonRoot"], True)
                    self.assertNotEqual(pod["runAsUser"], 0)
                    self.assertEqual(pod["seccompProfile"]["type"], "RuntimeDefault")
                    mounts_tmp = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
                    for container in spec.get("initContainers", []) + spec["containers"]:
                        sc = container["securityContext"]
                        self.assertIs(sc["runAsNonRoot"], True)
                        self.assertEqual(sc["runAsUser"], 10001)
                        self.assertIs(sc["readOnlyRootFilesystem"], True)
                        self.assertIs(sc["allowPrivilegeEscalation"], False)
                        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
                        self.assertNotIn("add", sc["capabilities"])
                        tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
                        self.assertEqual(len(tmp), 1)
                        self.assertIn(tmp[0]["name"], mounts_tmp)

    def test_probes(self) -> None:
        for scenario, objs in self.rendered.items():
            for role in self.roles:
                with self.subTest(scenario=scenario, role=role):
                    deployment = find(objs, "Deployment", f"{RELEASE}-{role}")
                    assert deployment is not None
                    container = deployment["spec"]["template"]["spec"]["containers"][0]
                    ready, live = container["readinessProbe"], container["livenessProbe"]
                    if role == "gateway":
                        # Its public listener stays plain HTTP with TLS on (HTTPS ends at the Ingress).
                        self.assertEqual(ready["httpGet"]["path"], "/readyz")
                        self.assertEqual(live["httpGet"]["path"], "/healthz")
                        for probe in (ready, live):
                            self.assertIn(probe["httpGet"]["port"], ("http", HTTP_PORT))
                            self.assertNotIn("scheme", probe["httpGet"])
                    elif self.values(scenario)["tls"]["enabled"]:
                        # Kubelet's gRPC probe cannot present a client certificate: TCP on the port.
                        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
                        self.assertEqual(ports["grpc"], GRPC_PORT)
                        for probe in (ready, live):
                            self.assertNotIn("grpc", probe)
                            self.assertIn(probe["tcpSocket"]["port"], ("grpc", GRPC_PORT))
                    else:
                        self.assertEqual(ready["grpc"]["port"], GRPC_PORT)
                        self.assertEqual(live["grpc"]["port"], GRPC_PORT)

    @unittest.skipUnless(os.environ.get("TEXTPORT_BIN"), "TEXTPORT_BIN is not set")
    def test_the_binary_accepts_every_pod_environment(self) -> None:
        """`serve`/`migrate` with a pod's rendered environment gets past its configuration.

        Secrets become placeholders, listen addresses 127.0.0.1:0, and the database URL one that
        fails at once after the configuration loaded, so an unknown or malformed variable shows as
        "configuration error". With mutual TLS, the mounted files are real ones made with openssl
        (a CA and a certificate per service for "<release>-<role>"), found where the pod would
        find them: `serve` reads them and builds its https:// channels before the database fails.
        """
        placeholders = {
            "operator-api-key-sha256": "ab" * 32,
            "notifier-signing-key": "A" * 43 + "=",
            "notifier-smtp-url": "smtp://127.0.0.1:1",
        }
        tmp = Path(tempfile.mkdtemp(prefix="textport-helm-tls-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        tls_dirs: dict[str, Path] = {}

        def tls_files(role: str) -> Path:
            """A directory laid out as the pod's TLS mount: tls.crt, tls.key, ca.crt."""
            if role not in tls_dirs:
                ca_key, ca_crt = tmp / "ca.key", tmp / "ca.crt"
                key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
                if not ca_crt.exists():
                    subprocess.run(
                        ["openssl", "req", "-x509", *key, "-days", "1", "-subj", "/CN=textport-helm-test-ca",
                         "-keyout", ca_key, "-out", ca_crt,
                         "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign"],
                        check=True, capture_output=True,
                    )
                # As README.md's "Deploying on Kubernetes" makes them: a request, then signed
                # with exactly these extensions.
                directory = tmp / role
                directory.mkdir()
                host = f"{RELEASE}-{role}"
                (directory / "ext").write_text(
                    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    f"extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:{host},DNS:{host}.{NAMESPACE}.svc\n"
                )
                subprocess.run(
                    ["openssl", "req", "-new", *key, "-subj", f"/CN={host}",
                     "-keyout", directory / "tls.key", "-out", directory / "csr"],
                    check=True, capture_output=True,
                )
                subprocess.run(
                    ["openssl", "x509", "-req", "-in", directory / "csr", "-CA", ca_crt, "-CAkey", ca_key,
                     "-CAcreateserial", "-days", "1", "-extfile", directory / "ext", "-out", directory / "tls.crt"],
                    check=True, capture_output=True,
                )
                shutil.copy(ca_crt, directory / "ca.crt")
                tls_dirs[role] = directory
            return tls_dirs[role]

        def run(container: dict, extra: dict[str, str]) -> subprocess.CompletedProcess:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            mounts = {m["mountPath"].rstrip("/") + "/": m["name"] for m in container.get("volumeMounts", [])}
            for entry in container["env"]:
                source = entry.get("valueFrom") or {}
                if "value" in entry:
                    value = re.sub(r"\$\(([A-Za-z0-9_]+)\)", lambda m: env.get(m[1], ""), entry["value"])
                    # Listen on loopback, on a free port: the variable and the address form are checked.
                    value = re.sub(r"^0\.0\.0\.0:\d+$", "127.0.0.1:0", value)
                    # A file of the TLS mount: the same file name in this role's directory.
                    for prefix, volume in mounts.items():
                        if volume == "tls" and value.startswith(prefix):
                            value = str(tls_files(container["name"]) / value.removeprefix(prefix))
                    env[entry["name"]] = value
                elif "secretKeyRef" in source:
                    env[entry["name"]] = placeholders.get(source["secretKeyRef"]["key"], "nodb://textport-helm-test")
                else:
                    env[entry["name"]] = "placeholder"
            env.update(extra)
            return subprocess.run(
                [os.environ["TEXTPORT_BIN"], *container["args"]],
                env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
            )

        tls_scenarios = [s for s in self.rendered if self.values(s)["tls"]["enabled"]]
        self.assertIn("everything on", tls_scenarios)
        if not shutil.which("openssl"):
            self.fail("openssl is needed to make the certificates of the TLS scenarios")
        for scenario in ("defaults", *tls_scenarios):
            objs = self.rendered[scenario]
            for role in self.roles:
                for kind, name in (("Deployment", f"{RELEASE}-{role}"), ("Job", f"{RELEASE}-migrate-{role}")):
                    with self.subTest(scenario=scenario, workload=name):
                        workload = find(objs, kind, name)
                        assert workload is not None
                        container = workload["spec"]["template"]["spec"]["containers"][0]
                        done = run(container, {})
                        self.assertEqual(done.returncode, 1, done.stderr)
                        self.assertNotIn("configuration error", done.stderr)
                        # It got as far as starting the service (serve: after the certificates were
                        # read and the channels to its callees built) and failed at the database.
                        last = done.stderr.strip().splitlines()[-1]
                        verb = "starting" if kind == "Deployment" else "migrating"
                        self.assertTrue(last.startswith(f"textport: {verb} {role}: "), last)
        # The control: a variable the binary does not know is refused, naming it.
        gateway = find(self.rendered["defaults"], "Deployment", f"{RELEASE}-gateway")
        assert gateway is not None
        done = run(gateway["spec"]["template"]["spec"]["containers"][0], {"TEXTPORT__GATEWAY__NO_SUCH_KEY": "1"})
        self.assertEqual(done.returncode, 1)
        self.assertIn("configuration error", done.stderr)
        self.assertIn("no_such_key", done.stderr)
        # And the TLS variables are read: a certificate that is not there stops the boot, naming it.
        gateway = find(self.rendered["everything on"], "Deployment", f"{RELEASE}-gateway")
        assert gateway is not None
        done = run(gateway["spec"]["template"]["spec"]["containers"][0], {"TEXTPORT__TLS__CERT": str(tmp / "none.crt")})
        self.assertEqual(done.returncode, 1)
        self.assertIn("tls.cert", done.stderr)

    # ---- mutual TLS ---------------------------------------------------------------------------

    def test_mutual_tls(self) -> None:
        """With tls.enabled every pod mounts its own Secret read-only where the variables point."""
        extra = {
            # Without the pod security context (no fsGroup) the files must be world-readable.
            "tls without the security context": merge(SCENARIOS["tls from existing Secrets"],
                                                      {"securityContext": {"enable": False}}),
        }
        rendered = dict(self.rendered)
        rendered.update({name: objects(render(values)) for name, values in extra.items()})
        for scenario, objs in rendered.items():
            values = merge(self.defaults, extra.get(scenario) or SCENARIOS[scenario])
            tls = values["tls"]
            tls_secrets = [o for o in of_kind(objs, "Secret") if o.get("type") == "kubernetes.io/tls"]
            for role in self.roles:
                with self.subTest(scenario=scenario, role=role):
                    deployment = find(objs, "Deployment", f"{RELEASE}-{role}")
                    assert deployment is not None
                    pod = deployment["spec"]["template"]["spec"]
                    container = pod["containers"][0]
                    volumes = {v["name"]: v for v in pod["volumes"]}
                    mounts = {m["name"]: m for m in container["volumeMounts"]}
                    env = env_of(container)
                    if not tls["enabled"]:
                        self.assertNotIn("tls", volumes)
                        self.assertNotIn("tls", mounts)
                        continue
                    own = (values["services"][role].get("tls") or {}).get("existingSecret")
                    wanted = own or f"{RELEASE}-{role}-tls"
                    secret = volumes["tls"]["secret"]
                    self.assertEqual(secret["secretName"], wanted)
                    self.assertEqual(sorted(i["key"] for i in secret["items"]), sorted(TLS_FILES.values()))
                    self.assertEqual(secret["defaultMode"], 0o440 if values["securityContext"]["enable"] else 0o444)
                    self.assertEqual(mounts["tls"]["mountPath"], TLS_MOUNT)
                    self.assertIs(mounts["tls"]["readOnly"], True)
                    # Each variable names the file its Secret key lands on.
                    files = {i["key"]: f"{TLS_MOUNT}/{i['path']}" for i in secret["items"]}
                    for var, key in TLS_FILES.items():
                        self.assertEqual(env[var]["value"], files[key])
                    # The chart's own Secret, when it makes them, holds exactly those keys.
                    made = find(objs, "Secret", wanted)
                    if tls["create"]:
                        assert made is not None
                        self.assertEqual(made["type"], "kubernetes.io/tls")
                        self.assertEqual(
                            made["stringData"],
                            {"tls.crt": tls["certificates"][role]["cert"], "tls.key": tls["certificates"][role]["key"],
                             "ca.crt": tls["ca"]},
                        )
                    else:
                        self.assertIsNone(made)
                    # Migrations call no service: no certificate there.
                    job = find(objs, "Job", f"{RELEASE}-migrate-{role}")
                    assert job is not None
                    job_container = job["spec"]["template"]["spec"]["containers"][0]
                    self.assertFalse([k for k in env_of(job_container) if k.startswith("TEXTPORT__TLS__")])
                    self.assertNotIn("tls", [v["name"] for v in job["spec"]["template"]["spec"]["volumes"]])
            with self.subTest(scenario=scenario, check="TLS Secrets made"):
                expected = len(self.roles) if tls["enabled"] and tls["create"] else 0
                self.assertEqual(len(tls_secrets), expected)
        # Rolled on change: the pods' checksum covers the TLS Secrets the chart makes.
        other = merge(SCENARIOS["everything on"], {"tls": {"ca": PEM_CERT.replace("placeholder", "other")}})
        before = find(self.rendered["everything on"], "Deployment", f"{RELEASE}-accounts")
        after = find(objects(render(other)), "Deployment", f"{RELEASE}-accounts")
        assert before is not None and after is not None
        self.assertNotEqual(
            before["spec"]["template"]["metadata"]["annotations"]["checksum/secrets"],
            after["spec"]["template"]["metadata"]["annotations"]["checksum/secrets"],
        )

    # ---- the gateway's admin listener ---------------------------------------------------------

    def test_gateway_admin_listener(self) -> None:
        """Port `admin` on the gateway's pods, its own ClusterIP Service, and nothing else exposes it."""
        for scenario, objs in self.rendered.items():
            values = self.values(scenario)
            admin = values["services"]["gateway"]["admin"]
            with self.subTest(scenario=scenario):
                deployment = find(objs, "Deployment", f"{RELEASE}-gateway")
                assert deployment is not None
                container = deployment["spec"]["template"]["spec"]["containers"][0]
                ports = {p["name"]: p["containerPort"] for p in container["ports"]}
                self.assertEqual(ports["admin"], admin["port"])
                listen = env_of(container)["TEXTPORT__GATEWAY__ADMIN_LISTEN"]["value"]
                self.assertEqual(listen, f"0.0.0.0:{admin['port']}")

                service = find(objs, "Service", f"{RELEASE}-gateway-admin")
                assert service is not None
                self.assertEqual(service["spec"]["type"], "ClusterIP")
                self.assertEqual(service["spec"]["selector"], deployment["spec"]["selector"]["matchLabels"])
                self.assertEqual(
                    [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]],
                    [("admin", ADMIN_PORT, "admin")],
                )
                # No other Service reaches that port, by name or number.
                for other in of_kind(objs, "Service"):
                    if other is service:
                        continue
                    for port in other["spec"]["ports"]:
                        self.assertNotIn(port["targetPort"], ("admin", ADMIN_PORT), other["metadata"]["name"])
                        self.assertNotEqual(port["port"], ADMIN_PORT, other["metadata"]["name"])
                # Only the gateway has a second listener.
                for role in self.roles:
                    if role == "gateway":
                        continue
                    other = find(objs, "Deployment", f"{RELEASE}-{role}")
                    assert other is not None
                    other_ports = other["spec"]["template"]["spec"]["containers"][0]["ports"]
                    self.assertNotIn("admin", [p["name"] for p in other_ports])
                    self.assertIsNone(find(objs, "Service", f"{RELEASE}-{role}-admin"))

    # ---- network policies ---------------------------------------------------------------------

    def test_network_policies_admit_exactly_the_callers(self) -> None:
        for scenario, objs in self.rendered.items():
            values = self.values(scenario)
            policies = of_kind(objs, "NetworkPolicy")
            if not values["networkPolicies"]["create"]:
                self.assertEqual(policies, [], scenario)
                continue
            for role in self.roles:
                with self.subTest(scenario=scenario, role=role):
                    policy = find(objs, "NetworkPolicy", f"{RELEASE}-{role}")
                    self.assertIsNotNone(policy)
                    assert policy is not None
                    spec = policy["spec"]
                    self.assertEqual(spec["podSelector"]["matchLabels"]["app.kubernetes.io/component"], role)
                    self.assertEqual(sorted(spec["policyTypes"]), ["Egress", "Ingress"])
                    port = values["services"][role]["port"]
                    admin = values["services"][role].get("admin")
                    admitted, open_rules, scrape_rules, admin_rules = [], [], [], []
                    for rule in spec.get("ingress") or []:
                        # A rule without ports admits every port: never.
                        self.assertTrue(rule.get("ports"), f"a rule of {role} admits every port")
                        rule_ports = [p["port"] for p in rule["ports"]]
                        if rule_ports == [METRICS_PORT]:
                            scrape_rules.append(rule)
                            continue
                        if admin and rule_ports == [admin["port"]]:
                            admin_rules.append(rule)
                            continue
                        self.assertEqual(rule_ports, [port])
                        peers = rule.get("from")
                        if role != "gateway" or any(component(p) for p in peers or []):
                            self.assertTrue(peers, f"a rule of {role} admits anyone")
                            admitted += [component(p) for p in peers]
                        else:
                            open_rules.append(rule)
                    self.assertEqual(sorted(admitted), self.callers(role))
                    self.assertNotIn(None, admitted)
                    # Prometheus, on the metrics port only, from anyone or from metrics.scrapeFrom.
                    self.assertEqual(len(scrape_rules), 1)
                    self.assertEqual(scrape_rules[0].get("from", []), values["metrics"]["scrapeFrom"])
                    if role == "gateway":
                        # Its HTTP port, from anyone or from networkPolicies.gatewayFrom.
                        self.assertEqual(len(open_rules), 1)
                        self.assertEqual(open_rules[0].get("from", []), values["networkPolicies"]["gatewayFrom"])
                        # Its admin port from admin.allowFrom only, never from anyone; no peer: no rule.
                        assert admin is not None
                        if admin["allowFrom"]:
                            self.assertEqual([r.get("from") for r in admin_rules], [admin["allowFrom"]])
                        else:
                            self.assertEqual(admin_rules, [])
                    else:
                        self.assertIsNone(admin)

                    # Egress: to its callees (and nothing else among our pods), DNS, the database.
                    egress = spec["egress"]
                    to_ours = sorted(component(p) for rule in egress for p in rule.get("to", []) if component(p))
                    self.assertEqual(to_ours, sorted(self.calls[role]))
                    ports = {(p["port"], p.get("protocol", "TCP")) for rule in egress for p in rule.get("ports", [])}
                    self.assertIn((53, "UDP"), ports)
                    self.assertIn((5432, "TCP"), ports)
                    if values["otel"]["endpoint"]:
                        self.assertIn((4317, "TCP"), ports)

            notifier = find(objs, "NetworkPolicy", f"{RELEASE}-notifier")
            assert notifier is not None
            blocks = [p["ipBlock"] for rule in notifier["spec"]["egress"] for p in rule.get("to", []) if "ipBlock" in p]
            internet = [b for b in blocks if b["cidr"] == "0.0.0.0/0"]
            self.assertEqual(len(internet), 1, "webhook receivers")
            for private in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"):
                self.assertIn(private, internet[0]["except"])
            smtp = {p["port"] for rule in notifier["spec"]["egress"] for p in rule.get("ports", [])}
            self.assertTrue({25, 465, 587} <= smtp)
            # Nobody but the notifier reaches the internet.
            for role in self.roles:
                if role == "notifier":
                    continue
                policy = find(objs, "NetworkPolicy", f"{RELEASE}-{role}")
                assert policy is not None
                wide = [
                    p for rule in policy["spec"]["egress"] for p in rule.get("to", [])
                    if p.get("ipBlock", {}).get("cidr") in ("0.0.0.0/0", "::/0")
                ]
                self.assertEqual(wide, [], role)
            # The migration Jobs get a policy of their own, in place before they run.
            migrations = find(objs, "NetworkPolicy", f"{RELEASE}-migrate")
            self.assertIsNotNone(migrations)
            assert migrations is not None
            self.assertTrue(is_hook(migrations))
            self.assertEqual(migrations["spec"]["ingress"], [])

    # ---- the public edge ---------------------------------------------------------------------

    def test_ingress_routes_only_v2_and_the_approval_page(self) -> None:
        for scenario, objs in self.rendered.items():
            ingresses = of_kind(objs, "Ingress")
            if not self.values(scenario)["ingress"]["enabled"]:
                self.assertEqual(ingresses, [], scenario)
                continue
            with self.subTest(scenario=scenario):
                [ingress] = ingresses
                self.assertNotIn("defaultBackend", ingress["spec"])
                paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
                self.assertEqual(
                    [(p["path"], p["pathType"]) for p in paths],
                    [("/v2/", "Prefix"), ("/approve", "Exact")],
                )
                for path in paths:
                    backend = path["backend"]["service"]
                    self.assertEqual(backend["name"], f"{RELEASE}-gateway")
                    self.assertEqual(backend["port"], {"name": "http"})
                gateway = find(objs, "Service", f"{RELEASE}-gateway")
                assert gateway is not None
                self.assertIn("http", [p["name"] for p in gateway["spec"]["ports"]])

    def test_no_ingress_reaches_the_admin_listener(self) -> None:
        """Every backend of every Ingress, in every scenario: never the admin Service or port."""
        admin_service = f"{RELEASE}-gateway-admin"
        for scenario, objs in self.rendered.items():
            for ingress in of_kind(objs, "Ingress"):
                with self.subTest(scenario=scenario, ingress=ingress["metadata"]["name"]):
                    spec = ingress["spec"]
                    backends = [spec["defaultBackend"]] if "defaultBackend" in spec else []
                    backends += [p["backend"] for rule in spec.get("rules", []) for p in rule["http"]["paths"]]
                    self.assertTrue(backends)
                    for backend in backends:
                        service = backend["service"]
                        self.assertNotEqual(service["name"], admin_service)
                        # The port it names, resolved on the Service it names.
                        target = find(objs, "Service", service["name"])
                        assert target is not None
                        [port] = [
                            p for p in target["spec"]["ports"]
                            if p["name"] == service["port"].get("name") or p["port"] == service["port"].get("number")
                        ]
                        self.assertNotIn(port["targetPort"], ("admin", ADMIN_PORT))
                        self.assertNotIn(ADMIN_PORT, (port["port"], service["port"].get("number")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
