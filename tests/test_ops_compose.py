"""docker-compose.yml describes the production stack; CI also runs Debian's `docker-compose config` on it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def command_of(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_the_stack_has_every_service(compose):
    assert {"web", "worker", "beat", "postgres", "redis", "mailpit"} <= set(compose["services"])
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "mailpit" in services["mailpit"]["image"]


def test_web_runs_gunicorn_with_several_workers_and_a_healthcheck(compose):
    web = compose["services"]["web"]
    command = web["command"]
    assert command[0] == "gunicorn"
    assert "core.wsgi" in command
    assert int(command[command.index("--workers") + 1]) >= 2
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


def test_one_beat_and_scalable_workers(compose):
    services = compose["services"]
    assert command_of(services["worker"]).startswith("celery -A core worker")
    assert command_of(services["beat"]).startswith("celery -A core beat")
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert all("beat" not in command_of(s) for name, s in services.items() if name not in {"beat"} and "command" in s)


def test_app_services_share_the_production_settings(compose):
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        assert env["DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert "SECRET_KEY" in env and "EMAIL_URL" in env and "SITE_URL" in env
        assert any(v.endswith(":/app/media") for v in compose["services"][name]["volumes"])
        assert compose["services"][name]["environment"]["MEDIA_ROOT"] == "/app/media"


def test_data_lives_in_volumes(compose):
    assert {"postgres-data", "media"} <= set(compose["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    for name in ("postgres", "redis"):
        assert compose["services"][name]["healthcheck"]["test"]


def test_dockerfile_installs_pinned_versions_and_collects_static():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.13-slim" in dockerfile
    assert "-c constraints.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile


@pytest.mark.skipif(
    not shutil.which("docker-compose"), reason="needs Debian's docker-compose: apt-get install docker-compose"
)
def test_docker_compose_config_accepts_the_file(tmp_path):
    env = {**os.environ, "SECRET_KEY": "x" * 60}
    result = subprocess.run(
        ["docker-compose", "-f", str(BASE_DIR / "docker-compose.yml"), "config", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
