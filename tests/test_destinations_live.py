"""Destinations against real processes: a Celery worker and beat, Redis, PostgreSQL and a real HTTP receiver.

Run: DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/<db> .venv/bin/python -m pytest \
     tests/test_destinations_live.py
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from appeals.models import Delivery
from appeals.services.destinations.manage import destination_create
from appeals.services.violations import violation_create
from core.models import Role
from tests.broker import broker_switch
from tests.factories import AccountFactory, MembershipFactory
from tests.test_celery_live import _always_open_org, _database_url, _free_port, _kill, _wait
from tests.webhook_receiver import Receiver

pytestmark = [pytest.mark.celery_live, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server")


def _worker(tmp_path: Path, name: str, redis_url: str, *, beat: bool = True, **extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "REMINDER_SWEEP_SECONDS": "2",
        "REMINDER_RETRY_BASE_SECONDS": "1",
        "REMINDER_RETRY_MAX_SECONDS": "2",
        "REMINDER_MAX_ATTEMPTS": "100",
        "DESTINATIONS_ALLOW_LOOPBACK": "true",
        "DESTINATION_TIMEOUT_SECONDS": "2",
        "APPEAL_DESK_VAR_DIR": str(tmp_path / "var"),
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "core"]
        + (
            ["worker", "--concurrency=2", "--loglevel=INFO", "-n", f"{name}@%h"]
            + (["-B", "-s", str(tmp_path / f"{name}-beat-schedule")] if beat else [])
            if name != "beat"
            else ["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")]
        ),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.fixture
def clean_redis():
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.flushdb()
    yield client
    client.flushdb()


def _cases(org, account, owner, prefix: str, count: int) -> None:
    for n in range(count):
        with transaction.atomic():
            violation_create(
                organization=org,
                account=account,
                by=owner,
                reference=f"{prefix}-{n}",
                kind="listing_removal",
                policy="Counterfeit",
                enforced_at=timezone.now() - timedelta(days=1),
            )


def _setup(receiver: Receiver):
    org = _always_open_org()
    owner = MembershipFactory(organization=org, role=Role.OWNER, user__email="owner@live.test").user
    account = AccountFactory(organization=org)
    destination = destination_create(
        organization=org, by=owner, kind="webhook", name="live", url=receiver.url, events=["violation.created"]
    )
    receiver.secret = destination.secret
    return org, owner, account


def test_each_event_arrives_once_through_a_killed_worker_500s_and_a_hanging_receiver(tmp_path, clean_redis):
    """The worker's pool child is killed -9 while the receiver holds a request; Celery requeues the task at once,
    and its own claim is taken over although the lease is 300 s. Then 500 then 200, and a hang past the timeout."""
    with Receiver() as receiver:
        org, owner, account = _setup(receiver)
        receiver.plan = ["hang"]
        # Beat in a process of its own: the kill takes only the worker's pool (its children).
        worker = _worker(tmp_path, "d1", os.environ["REDIS_URL"], beat=False, REMINDER_CLAIM_LEASE_SECONDS="300")
        beat = _worker(tmp_path, "beat", os.environ["REDIS_URL"], REMINDER_CLAIM_LEASE_SECONDS="300")
        try:
            _cases(org, account, owner, "KILL", 1)
            _wait(lambda: len(receiver.requests) >= 1, 40, "the first request", tmp_path)
            for child in _children(worker.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            receiver.release.set()
            killed_at = time.monotonic()
            _wait(lambda: sum(receiver.accepted.values()) >= 1, 60, "the redelivered event", tmp_path)
            redelivered_in = time.monotonic() - killed_at
            assert redelivered_in < 60  # far below the 300 s lease

            receiver.release.clear()
            receiver.plan = ["500", "hang", "503"]
            _cases(org, account, owner, "FLAKY", 3)
            _wait(lambda: sum(receiver.accepted.values()) >= 4, 60, "the flaky deliveries", tmp_path)
            receiver.release.set()
            time.sleep(3)  # more sweeps: nothing goes twice
        finally:
            _kill(worker)
            _kill(beat)
        accepted = dict(receiver.accepted)
        assert len(accepted) == 4 and set(accepted.values()) == {1}, accepted
        assert all(r["signature_ok"] for r in receiver.requests)
        assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 4
        received = dict(receiver.received)
        print(
            f"\nkill -9 test: accepted per event {accepted}; requests per event {received}; "
            f"redelivered {redelivered_in:.1f} s after the kill"
        )


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server not installed")
def test_each_event_arrives_once_when_redis_restarts(tmp_path):
    """Our own redis-server on a free port (never the shared one): stopped while events happen, then started."""
    from core.celery import app

    port = _free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"

    def start_redis() -> subprocess.Popen:
        proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(
            lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0,
            10,
            "redis-server",
        )
        return proc

    redis_proc = start_redis()
    saved = app.conf.broker_url
    broker_switch(app, redis_url)
    with Receiver() as receiver:
        org, owner, account = _setup(receiver)
        worker = _worker(tmp_path, "d2", redis_url, REMINDER_CLAIM_LEASE_SECONDS="5")
        try:
            _cases(org, account, owner, "UP", 2)
            _wait(lambda: sum(receiver.accepted.values()) >= 2, 60, "events before the restart", tmp_path)
            redis_proc.send_signal(signal.SIGKILL)
            redis_proc.wait()
            broker_switch(app, redis_url)
            started = time.monotonic()
            _cases(org, account, owner, "DOWN", 3)  # publishing fails fast; the rows wait in the database
            assert time.monotonic() - started < 10
            time.sleep(3)
            redis_proc = start_redis()
            # Celery's consumer sometimes exits on the lost connection (kombu: "'NoneType' object has no attribute
            # 'hostname'" while closing it); in production the process supervisor starts it again, as here.
            worker_restarted = worker.poll() is not None
            if worker_restarted:
                worker = _worker(tmp_path, "d2b", redis_url, REMINDER_CLAIM_LEASE_SECONDS="5")
            _wait(lambda: sum(receiver.accepted.values()) >= 5, 90, "events after the restart", tmp_path)
            time.sleep(3)
        finally:
            _kill(worker)
            redis_proc.send_signal(signal.SIGKILL)
            redis_proc.wait()
            broker_switch(app, saved)
        accepted = dict(receiver.accepted)
        assert len(accepted) == 5 and set(accepted.values()) == {1}, accepted
        print(
            f"\nRedis restart test: accepted per event {accepted}; requests per event {dict(receiver.received)}; "
            f"worker restarted: {worker_restarted}"
        )
