"""The load test's set-up (appeals/bench/load.py): its login is clean."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from appeals.bench.load import end_sessions, web_cpu_seconds

PASSWORD = "correct-horse-battery"


def _bench_client(user) -> None:
    """A page measure's client, in the bench process: its first page records the session (usersessions)."""
    client = Client()
    client.force_login(user)
    assert client.get("/inbox/").status_code in (200, 302)


def _log_in_elsewhere() -> None:
    """The load test's server: the same database, its own SECRET_KEY, and a cache that does not hold the bench
    process's sessions (without REDIS_URL, as `make bench` runs, each process has its own memory cache)."""
    cache.clear()
    with override_settings(SECRET_KEY="server-" + "s" * 60):
        response = Client().post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
        assert response["Location"] == "/inbox/"


@pytest.mark.django_db
def test_a_session_signed_by_another_key_is_logged_as_corrupted_at_login(owner, caplog):
    _bench_client(owner)
    with caplog.at_level(logging.WARNING, logger="django.security.SuspiciousSession"):
        _log_in_elsewhere()
    assert "Session data corrupted" in caplog.text


@pytest.mark.django_db
def test_the_load_test_ends_the_bench_clients_sessions_before_it_logs_in(owner, caplog):
    _bench_client(owner)
    _bench_client(owner)
    assert end_sessions(owner) == 2
    with caplog.at_level(logging.WARNING, logger="django.security.SuspiciousSession"):
        _log_in_elsewhere()
    assert "Session data corrupted" not in caplog.text


def test_web_cpu_counts_the_workers_that_already_exited():
    """A recycled worker's CPU is still counted: through its master's reaped-children time."""
    burn = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    master_code = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {burn!r}])\n"
        "print('reaped', flush=True)\n"
        "time.sleep(30)"
    )
    master = subprocess.Popen([sys.executable, "-c", master_code], stdout=subprocess.PIPE, text=True)
    try:
        assert master.stdout.readline().strip() == "reaped"
        assert web_cpu_seconds(master.pid) >= 0.45
    finally:
        master.kill()
        master.wait()
