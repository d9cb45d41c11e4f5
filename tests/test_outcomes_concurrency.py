"""Two people at once, on a real PostgreSQL: row locks turn the race into one save and one clear refusal."""

from __future__ import annotations

import pytest

from appeals.models import Appeal, TimelineEvent, TimelineVerb
from appeals.services import ServiceError, StaleVersion
from appeals.services.outcomes import appeal_follow_up_start, outcome_record
from tests.concurrency import race as _race
from tests.outcomes_helpers import submitted_appeal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_outcomes_at_once_one_saved_one_refused(shop, member, owner):
    appeal = submitted_appeal(shop)
    version = appeal.version
    results = _race(
        lambda: outcome_record(appeal_id=appeal.pk, by=member, outcome="reversed", version=version),
        lambda: outcome_record(appeal_id=appeal.pk, by=owner, outcome="upheld", version=version),
    )
    saved = [r for r in results if isinstance(r, Appeal)]
    refused = [r for r in results if isinstance(r, StaleVersion)]
    assert len(saved) == 1 and len(refused) == 1, results
    appeal.refresh_from_db()
    assert appeal.status == saved[0].status and appeal.version == version + 1
    assert "Nothing was overwritten" in refused[0].message
    assert TimelineEvent.objects.filter(appeal=appeal, verb=TimelineVerb.OUTCOME_RECORDED).count() == 1


def test_two_follow_ups_at_once_make_one_round(shop, member, owner):
    appeal = submitted_appeal(shop)
    appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=appeal.version)
    results = _race(
        lambda: appeal_follow_up_start(appeal_id=appeal.pk, by=member),
        lambda: appeal_follow_up_start(appeal_id=appeal.pk, by=owner),
    )
    created = [r for r in results if isinstance(r, Appeal)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert "already exists" in refused[0].message
    assert Appeal.objects.filter(violation=appeal.violation).count() == 2
