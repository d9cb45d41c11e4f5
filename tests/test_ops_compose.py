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


def load_gunicorn_conf(**env: str) -> dict:
    namespace: dict = {}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        exec(compile((BASE_DIR / "deploy" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return namespace


def test_web_runs_gunicorn_gthread_sized_from_the_cores_behind_the_proxy(compose):
    web = compose["services"]["web"]
    assert web["command"] == ["gunicorn", "core.wsgi", "-c", "deploy/gunicorn.conf.py"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert "ports" not in web, "only the proxy is published"
    conf = load_gunicorn_conf()
    cores = len(os.sched_getaffinity(0))
    assert conf["worker_class"] == "gthread"
    assert conf["workers"] == cores + 1 and conf["threads"] >= 2
    assert conf["bind"] == "0.0.0.0:8000"
    assert load_gunicorn_conf(WEB_WORKERS="7", WEB_THREADS="3")["workers"] == 7
    assert 'CMD ["gunicorn", "core.wsgi", "-c", "deploy/gunicorn.conf.py"]' in (BASE_DIR / "Dockerfile").read_text()


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


def test_app_reaches_postgres_through_pgbouncer_and_migrations_directly(compose):
    services = compose["services"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "@pgbouncer:6432/" in env["DATABASE_URL"] and env["DATABASE_POOL_MODE"] == "transaction"
    for name in ("web", "worker"):
        assert "pgbouncer" in services[name]["depends_on"]
    migrate = services["migrate"]["environment"]
    assert "@postgres:5432/" in migrate["DATABASE_URL"] and not migrate["DATABASE_POOL_MODE"]


def test_optional_replica_profile(compose):
    replica = compose["services"]["postgres-replica"]
    assert replica["profiles"] == ["replica"] and replica["image"].startswith("postgres:16")
    assert (BASE_DIR / "deploy" / "postgres" / "replica-entrypoint.sh").exists()
    assert any("replication.sh" in v for v in compose["services"]["postgres"]["volumes"])
