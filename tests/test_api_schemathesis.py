"""Schemathesis against the live API: no 500s, responses match their schemas, no cross-organization reads."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core.tokens import api_token_create
from tests.factories import AccountFactory, AppealFactory, ViolationFactory
from tests.schemathesis_hooks import FOREIGN_MARKER

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))


@pytest.fixture
def unthrottled_api():
    from appeals.api import api

    throttle = api.throttle[0]
    saved = throttle.rate, throttle.num_requests, throttle.duration
    throttle.rate = "100000/m"
    throttle.num_requests, throttle.duration = throttle.parse_rate(throttle.rate)
    yield
    throttle.rate, throttle.num_requests, throttle.duration = saved


# On PostgreSQL only (CI fails a skipped test): SQLite stores a NUL byte in text that PostgreSQL refuses with
# a 500, so the fuzzing below only catches that class of error there (issue 18, finding 5).
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_schema_mismatch_or_leak(
    live_server, org, other_org, member, unthrottled_api, tmp_path
):
    shop = AccountFactory(organization=org, external_id="7495001122")
    case = ViolationFactory(account=shop, enforced_at=timezone.now() - timedelta(days=2))
    AppealFactory(violation=case)
    foreign_account = AccountFactory(organization=other_org, external_id=f"{FOREIGN_MARKER}-shop", name=FOREIGN_MARKER)
    foreign_case = ViolationFactory(account=foreign_account, reference=f"{FOREIGN_MARKER}-1", policy=FOREIGN_MARKER)
    AppealFactory(violation=foreign_case, desired_outcome=FOREIGN_MARKER)
    _, raw = api_token_create(user=member, organization=org, name="schemathesis")
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
        "APPEAL_DESK_FOREIGN_MARKER": FOREIGN_MARKER,
        "PYTHONPATH": str(root),
    }
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {raw}",
        "--checks",
        "not_a_server_error,response_schema_conformance,content_type_conformance,no_cross_organization_read",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing"),
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--generation-allow-x00",
        "true",
        "--seed",
        "20261122",
    ]
    result = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=900)
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
