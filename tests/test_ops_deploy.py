"""Production settings: `check --deploy` is clean, no real SECRET_KEY stops start-up, /healthz stays on http."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    # Only the basics of this environment: a test run may set DATABASE_URL, DJANGO_ALLOW_ASYNC_UNSAFE (Playwright), etc.
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        APPEAL_DESK_VAR_DIR=str(tmp_path / "var"),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="appeals.example.com",
        SITE_URL="https://appeals.example.com",
        EMAIL_URL="smtp://mailer:secret@mail.example.com:587",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret_key", [None, "too-short", "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnop"]
)
def test_start_up_refused_without_a_real_secret_key(tmp_path, secret_key):
    env = production_env(tmp_path)
    if secret_key is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = secret_key
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_default_needs_no_secret_key(tmp_path):
    env = production_env(tmp_path, DEBUG="true")
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode == 0, result.stderr


PROBE = """
import django
django.setup()
from django.test import Client
client = Client()
print(client.get("/healthz", HTTP_HOST="appeals.example.com").status_code)
print(client.get("/", HTTP_HOST="appeals.example.com").status_code)
print(client.get("/", HTTP_HOST="evil.example.net").status_code)
"""


def test_production_healthz_is_served_over_http_while_pages_redirect_to_https(tmp_path):
    result = run(["-c", PROBE], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    healthz, home, wrong_host = result.stdout.split()
    assert healthz == "200", "load balancers probe over plain http"
    assert home == "301", "every other page is redirected to https"
    assert wrong_host == "400", "ALLOWED_HOSTS is enforced"


PAGES_OVER_HTTPS = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="appeals.example.com", HTTP_X_FORWARDED_PROTO="https")
for url in ("/login/", "/signup/"):
    response = client.get(url)
    print(url, response.status_code)
"""


def test_production_static_files_collect_and_pages_render_with_the_manifest(tmp_path):
    env = production_env(tmp_path)
    collect = run(["manage.py", "collectstatic", "--noinput"], env)
    assert collect.returncode == 0, collect.stderr
    assert (tmp_path / "var" / "static" / "staticfiles.json").exists()
    pages = run(["-c", PAGES_OVER_HTTPS], env)
    assert pages.returncode == 0, pages.stderr
    assert pages.stdout.split() == ["/login/", "200", "/signup/", "200"], pages.stdout + pages.stderr
