"""Real Celery worker + beat, real Redis and PostgreSQL, an SMTP server started here (aiosmtpd).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/deadlines REDIS_URL=redis://127.0.0.1:6379/5 \
     .venv/bin/python -m pytest tests/test_celery_live.py
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import time as dtime
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appeals.models import Appeal, CaseStatus, Reminder, Watch
from core.models import Organization, Role
from tests.broker import broker_switch
from tests.factories import AccountFactory, AppealFactory, MembershipFactory, OrganizationFactory, ViolationFactory

pytestmark = [pytest.mark.celery_live, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


class Inbox:
    """aiosmtpd handler: every message received, by Message-ID."""

    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def ids(self) -> Counter:
        with self.lock:
            return Counter(m["Message-ID"] for m in self.messages)


class BlackHole:
    """A 'down' SMTP server that accepts connections and never answers (sends hang until their timeout)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(50)
        self.sock.settimeout(0.2)  # so the accept loop notices close() and the port is free again
        self.conns: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self) -> None:
        self.running = False
        for c in self.conns:
            c.close()
        time.sleep(0.3)
        self.sock.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _smtp(port: int, inbox: Inbox):
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def _stop(controller) -> None:
    with contextlib.suppress(RuntimeError):  # already stopped
        controller.stop(no_assert=True)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(tmp_path: Path, smtp_port: int, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),  # the test database (test_<name>): committed rows are visible
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "3",
        "REMINDER_SWEEP_SECONDS": "2",
        "REMINDER_CLAIM_LEASE_SECONDS": "5",
        "REMINDER_RETRY_BASE_SECONDS": "1",
        "REMINDER_RETRY_MAX_SECONDS": "2",
        "REMINDER_MAX_ATTEMPTS": "100",
        "APPEAL_DESK_VAR_DIR": str(tmp_path / "var"),
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "core",
            "worker",
            "-B",
            "--concurrency=3",
            "--loglevel=INFO",
            "-n",
            f"{name}@%h",
            "-s",
            str(tmp_path / f"{name}-beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: kill -9 takes the pool children too
    )


def _kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.wait(timeout=20)


def _wait(condition, timeout: float, what: str, logs: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    tail = ""
    if logs is not None:
        tail = "\n".join(p.read_text()[-3000:] for p in logs.glob("*.log"))
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def _always_open_org() -> Organization:
    # Open every day, all day, in UTC: reminders go out at once whatever time the test runs.
    org = OrganizationFactory(
        timezone="UTC", working_days=[1, 2, 3, 4, 5, 6, 7], opens_at=dtime(0, 0), closes_at=dtime(23, 59)
    )
    return org


def _due_cases(org: Organization, people: list, count: int, prefix: str) -> int:
    """`count` cases whose decision is overdue; each reminds its assignee and one watcher. Returns emails due."""
    account = AccountFactory(organization=org)
    now = timezone.now()
    for n in range(count):
        assignee, watcher = people[n % len(people)], people[(n + 1) % len(people)]
        violation = ViolationFactory(
            account=account, reference=f"{prefix}-{n}", assignee=assignee, status=CaseStatus.UNDER_REVIEW
        )
        Watch.objects.create(user=watcher, violation=violation)
        AppealFactory(
            violation=violation,
            status=Appeal.Status.UNDER_REVIEW,
            submitted_at=now - timedelta(days=5),
            due_at=now - timedelta(days=2),
        )
    return count * 2


@pytest.fixture
def clean_redis():
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.flushdb()  # our own Redis database number: stale tasks of earlier runs must not interfere
    yield client
    client.flushdb()


def test_every_reminder_arrives_exactly_once_through_kills_and_smtp_outage(tmp_path, clean_redis):
    org = _always_open_org()
    people = [
        MembershipFactory(organization=org, role=Role.MEMBER, user__email=f"p{n}@live.test", user__timezone="UTC").user
        for n in range(3)
    ]
    expected_first = _due_cases(org, people, 6, "LIVE-A")

    port = _free_port()
    inbox = Inbox()
    smtp = _smtp(port, inbox)
    worker = _worker(tmp_path, port, "w1")
    try:
        _wait(lambda: sum(inbox.ids().values()) >= expected_first, 40, "first batch of emails", tmp_path)
        time.sleep(3)  # more sweeps run: nothing is sent twice
        ids = inbox.ids()
        assert len(ids) == expected_first and set(ids.values()) == {1}
        assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == expected_first
        sample = inbox.messages[0]
        assert "overdue" in sample["Subject"].lower() and sample["Message-ID"].startswith("<reminder-")

        # SMTP goes down (connections hang), new deadlines come due, and the worker is killed mid-send.
        smtp.stop(no_assert=True)
        hole = BlackHole(port)
        expected_second = _due_cases(org, people, 6, "LIVE-B")
        _wait(
            lambda: Reminder.objects.filter(
                violation__reference__startswith="LIVE-B", claimed_at__isnull=False, status=Reminder.Status.PENDING
            ).exists(),
            30,
            "a claimed, unsent reminder",
            tmp_path,
        )
        _kill(worker)
        assert Reminder.objects.filter(violation__reference__startswith="LIVE-B", status="sent").count() == 0
        time.sleep(2)  # the outage lasts a while longer
        hole.close()
        smtp = _smtp(port, inbox)
        worker = _worker(tmp_path, port, "w2")
        total = expected_first + expected_second
        _wait(lambda: sum(inbox.ids().values()) >= total, 45, "second batch after the restart", tmp_path)
        time.sleep(3)
        ids = inbox.ids()
        assert len(ids) == total, ids
        assert set(ids.values()) == {1}, [k for k, v in ids.items() if v > 1]
        assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == total
        assert {f"<reminder-{pk}@appealdesk>" for pk in Reminder.objects.values_list("pk", flat=True)} == set(ids)
    finally:
        _kill(worker)
        _stop(smtp)


def test_saving_a_case_with_the_broker_down_is_quick_and_the_reminder_goes_out_later(tmp_path, clean_redis):
    from appeals.services import reminders
    from core.celery import app

    org = _always_open_org()
    person = MembershipFactory(organization=org, role=Role.MEMBER, user__email="later@live.test").user
    saved_url = app.conf.broker_url
    broker_switch(app, f"redis://127.0.0.1:{_free_port()}/0")  # Redis "stopped"
    try:
        started = time.monotonic()
        with transaction.atomic():
            _due_cases(org, [person], 1, "LIVE-DOWN")  # assignee and watcher are one person: one email
            transaction.on_commit(reminders.reminders_sweep_soon)
        elapsed = time.monotonic() - started
    finally:
        broker_switch(app, saved_url)
    assert elapsed < 3, elapsed
    port = _free_port()
    inbox = Inbox()
    smtp = _smtp(port, inbox)
    worker = _worker(tmp_path, port, "w3")
    try:
        _wait(lambda: len(inbox.ids()) >= 1, 40, "the reminder after the broker came back", tmp_path)
        time.sleep(2)
        assert list(inbox.ids().values()) == [1]
        assert inbox.messages[0]["To"] == "later@live.test"
    finally:
        _kill(worker)
        _stop(smtp)
