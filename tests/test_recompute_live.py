"""The recompute job on a real Celery worker, Redis and PostgreSQL: a settings save publishes it after commit, the
worker runs it in batches, the progress partial follows it, and a duplicate delivery changes nothing.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/recompute REDIS_URL=redis://127.0.0.1:6379/2 \
     .venv/bin/python -m pytest tests/test_recompute_live.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from appeals.models import Appeal, RecomputeJob, TimelineEvent, TimelineVerb
from appeals.services import recompute
from appeals.services.reminders.sweep import enqueue_safely
from core import services as core_services
from core.models import Role
from tests.factories import AccountFactory, AppealFactory, MembershipFactory, OrganizationFactory, ViolationFactory
from tests.test_celery_live import _database_url, _kill, _wait, clean_redis  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.celery_live, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


def _worker(tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "RECOMPUTE_BATCH_SIZE": "7",  # several batches for a few dozen cases
        "APPEAL_DESK_VAR_DIR": str(tmp_path / "var"),
        "CONN_MAX_AGE": "0",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "core", "worker", "--concurrency=2", "--loglevel=INFO", "-n", "rc@%h"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.usefixtures("clean_redis")
def test_settings_save_runs_the_job_on_the_worker_once(tmp_path):
    org = OrganizationFactory()
    owner = MembershipFactory(organization=org, role=Role.OWNER).user
    account = AccountFactory(organization=org)
    now = timezone.now()
    appeals = [
        AppealFactory(
            violation=ViolationFactory(account=account, status="under_review"),
            status=Appeal.Status.UNDER_REVIEW,
            submitted_at=now - timedelta(hours=n),
            due_at=org.business_calendar().add_business_days(now - timedelta(hours=n), 3),
        )
        for n in range(30)
    ]
    worker = _worker(tmp_path)
    try:
        core_services.organization_update(organization=org, review_business_days=6)  # commits, then publishes
        job = RecomputeJob.objects.get(organization=org)
        _wait(lambda: RecomputeJob.objects.get(pk=job.pk).state == "done", 60, "the job to finish", tmp_path)
        job.refresh_from_db()
        assert (job.total, job.done, job.changed) == (30, 30, 30)
        for appeal in appeals:
            appeal.refresh_from_db()
            assert appeal.due_at == org.business_calendar().add_business_days(appeal.submitted_at, 6)
        assert TimelineEvent.objects.filter(organization=org, verb=TimelineVerb.DEADLINE_MOVED).count() == 30

        client = Client()
        client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
        partial = client.get(f"/settings/recompute/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
        assert "30 of 30 checked, 30 with a deadline moved" in partial and "hx-trigger" not in partial

        # A duplicate delivery and a new job with the same settings: nothing moves twice.
        assert enqueue_safely(recompute.RUN_TASK, job.pk)
        again = recompute.recompute_job_start(organization=org, reason="again", publish=False)
        assert enqueue_safely(recompute.RUN_TASK, again.pk)
        _wait(lambda: RecomputeJob.objects.get(pk=again.pk).state == "done", 60, "the second job", tmp_path)
        assert RecomputeJob.objects.get(pk=again.pk).changed == 0
        assert TimelineEvent.objects.filter(organization=org, verb=TimelineVerb.DEADLINE_MOVED).count() == 30
    finally:
        _kill(worker)
