"""The production files as far as they can be checked without a docker engine.

docker-compose.yml: parses; every long-running service has a healthcheck and a restart policy; start order
waits on health (or on the one-shot migration's success); required secrets make compose refuse to start;
every variable it uses is documented in .env.example, and every setting it gives the app exists in Settings.
Dockerfile: its stages, dependencies before code, the model built in the image, no torch at run time, a
non-root user, a healthcheck. deploy/Caddyfile: the one public hostname in front of the app replicas.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
ONE_SHOT = {"migrate"}
LONG_RUNNING = sorted(set(SERVICES) - ONE_SHOT)
# Read by compose (and the images of PostgreSQL, Redis, Caddy), not by fairbot: documented in .env.example all the same.
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "FAIRBOT_HOSTNAME", "ACME_EMAIL", "FAIRBOT_REPLICAS"}
REQUIRED = {
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "FAIRBOT_SECRET_KEY",
    "WEBHOOK_SECRET",
    "FAIRBOT_HOSTNAME",
    "ACME_EMAIL",
}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(:?[-?])?")


def _documented() -> set[str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return {line.lstrip("# ").split("=", 1)[0] for line in lines if re.match(r"^#? ?[A-Z][A-Z0-9_]*=", line)}


def _settings_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_compose_has_the_production_services() -> None:
    assert set(SERVICES) >= {"caddy", "app", "migrate", "db", "redis"}
    assert int(str(SERVICES["app"]["deploy"]["replicas"]).split(":-")[-1].rstrip("}")) >= 2


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy(name: str) -> None:
    service = SERVICES[name]
    assert service.get("restart") in {"unless-stopped", "always"}, f"{name}: restart policy"
    check = service.get("healthcheck") or {}
    assert not check.get("disable") and check.get("test"), f"{name}: healthcheck"
    assert check["test"][0] in {"CMD", "CMD-SHELL"}


def test_the_migration_runs_once_before_the_app() -> None:
    migrate = SERVICES["migrate"]
    assert migrate["restart"] == "no"
    assert "fairbot db upgrade" in " ".join(migrate["command"])
    assert "fairbot index build" in " ".join(migrate["command"])
    assert SERVICES["app"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_start_order_waits_on_health() -> None:
    for name, service in SERVICES.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions, not a bare list"
        for dependency, rule in depends.items():
            expected = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            assert rule == {"condition": expected}, f"{name} -> {dependency}"
    assert set(SERVICES["app"]["depends_on"]) == {"migrate", "db", "redis"}
    assert set(SERVICES["caddy"]["depends_on"]) == {"app"}


def test_required_secrets_make_compose_refuse_to_start() -> None:
    uses: dict[str, set[str]] = {}
    for name, mode in VARIABLE.findall(COMPOSE_TEXT):
        uses.setdefault(name, set()).add(mode)
    for name in REQUIRED:
        assert uses.get(name) == {":?"}, (
            f"{name} must always be ${{{name}:?...}}, never with a default: {uses.get(name)}"
        )


def test_every_variable_is_documented_and_read_by_settings_or_compose() -> None:
    used = {name for name, _ in VARIABLE.findall(COMPOSE_TEXT)}
    assert sorted(used - _documented()) == [], "document these in .env.example"
    assert sorted(used - _settings_names() - COMPOSE_ONLY) == [], "neither a setting nor a compose variable"
    assert not (COMPOSE_ONLY & _settings_names())


def test_every_setting_compose_gives_the_app_exists() -> None:
    for name in ("app", "migrate"):
        environment = SERVICES[name]["environment"]
        assert sorted(set(environment) - _settings_names()) == [], f"{name}: not a fairbot setting"
    assert SERVICES["app"]["environment"]["CONSOLE_HTTPS_ONLY"] == "true"
    # behind Caddy every request comes from the proxy: without this, one visitor's limits are everyone's
    assert SERVICES["app"]["environment"]["TRUSTED_PROXIES"] == "*"
    assert SERVICES["app"]["env_file"] == ".env"


def test_volumes_for_database_index_and_model() -> None:
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert {"data:/data", "index:/data/index", "model:/data/models"} <= set(SERVICES["app"]["volumes"])
    assert set(COMPOSE["volumes"]) >= {"pgdata", "data", "index", "model", "caddy_data"}
    assert SERVICES["app"]["environment"]["FAIRBOT_DATA_DIR"] == "/data"


def test_only_the_proxy_is_published() -> None:
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"caddy"}
    assert {"80:80", "443:443"} <= set(SERVICES["caddy"]["ports"])


def test_caddyfile_puts_one_hostname_in_front_of_the_replicas() -> None:
    mount = next(v for v in SERVICES["caddy"]["volumes"] if v.endswith(":/etc/caddy/Caddyfile:ro"))
    caddyfile = (ROOT / mount.split(":", 1)[0]).read_text(encoding="utf-8")
    assert re.search(r"^\{\$FAIRBOT_HOSTNAME\} \{", caddyfile, re.M)
    assert re.search(r"dynamic a \{\s*name app\s*port 8000", caddyfile)  # every replica, as DNS lists them
    assert re.search(r"@internal path /metrics /metrics/\* /readyz\s*respond @internal 404", caddyfile)
    assert "email {$ACME_EMAIL}" in caddyfile
    assert SERVICES["app"]["environment"]["WEBHOOK_URL"].startswith("${WEBHOOK_URL:-https://${FAIRBOT_HOSTNAME")


def _stages() -> dict[str, list[str]]:
    """Dockerfile instructions per stage (continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    stages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = re.match(r"FROM \S+ AS (\w+)", line)
        if match:
            current = stages.setdefault(match.group(1), [])
        elif current is not None and line and not line.startswith("#"):
            current.append(line)
    return stages


def test_dockerfile_stages_deps_before_code() -> None:
    stages = _stages()
    assert list(stages) == ["deps", "app", "model", "runtime"]
    deps = "\n".join(stages["deps"])
    assert "COPY pyproject.toml" in deps and "pip install -r /tmp/requirements.txt" in deps
    assert not any(line.startswith("COPY bot") for line in stages["deps"])  # code comes after the dependencies
    assert "COPY bot bot" in stages["app"]


def test_dockerfile_builds_the_model_and_serves_without_torch() -> None:
    stages = _stages()
    model = "\n".join(stages["model"])
    assert "python -m knowledge.model /data/models/" in model and "python -m knowledge.model --onnx" in model
    runtime = "\n".join(stages["runtime"])
    assert "torch" not in runtime.replace("no torch", "")
    assert "COPY --from=model --chown=fairbot:fairbot /data/models /data/models" in runtime
    assert "FAIRBOT_ENCODER=onnx" in runtime


def test_dockerfile_runs_as_a_user_with_a_healthcheck() -> None:
    runtime = _stages()["runtime"]
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    healthcheck = next(line for line in runtime if line.startswith("HEALTHCHECK "))
    assert "/healthz" in healthcheck
    assert runtime[-1].startswith("CMD ") and "fairbot" in runtime[-1]


def test_dockerignore_keeps_secrets_and_data_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".git", ".venv", "var"} <= ignored
