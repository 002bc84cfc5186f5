"""The operations guide's files are real: the configuration reference is what the code
generates, the systemd units and the nginx snippet parse, the alert rules name metrics
the gateway exports."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import crossplane
import yaml

from gateway import metrics
from gateway.config import Settings, reference

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_configuration_reference_is_current_and_complete():
    assert (DOCS / "configuration.md").read_text(encoding="utf-8") == reference()
    # a new setting needs its meaning, in its Field's description
    assert all(info.description for info in Settings.model_fields.values())


def test_systemd_units_parse_and_run_the_cli():
    for name in ("lapor-gateway-web.service", "lapor-gateway-worker@.service"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # systemd keys are case-sensitive
        unit.read_string((DOCS / "deploy" / name).read_text(encoding="utf-8"))
        assert {"Unit", "Service", "Install"} <= set(unit.sections())
        assert re.search(r"/bin/lapor-gateway (serve|worker)\b", unit["Service"]["ExecStart"])
        assert unit["Service"]["Restart"] == "always"


def test_nginx_snippet_parses_and_proxies_to_serve():
    # a conf.d include: its directives belong in the http block, not the main context
    path = str(DOCS / "deploy" / "nginx.conf")
    parsed = crossplane.parse(path, single=True, strict=True, check_ctx=False)
    assert parsed["status"] == "ok", parsed["errors"]
    text = (DOCS / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "server 127.0.0.1:8000" in text and "client_max_body_size 1m" in text


def test_alert_rules_use_metrics_that_exist():
    rules = yaml.safe_load((DOCS / "deploy" / "prometheus-alerts.yml").read_text())
    exported = {
        "lapor_outbox_oldest_age_seconds",
        "lapor_outbox_jobs",
        *(m._name + "_total" for m in (metrics.INBOUND, metrics.DELIVERIES, metrics.COMPLAINTS)),
    }
    expressions = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    assert len(expressions) >= 5
    for expr in expressions:
        names = set(re.findall(r"\blapor_[a-z_]+", expr))
        assert names and names <= exported, expr
