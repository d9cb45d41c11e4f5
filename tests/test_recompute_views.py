"""The recount's progress on the settings page: the htmx-polled partial, access, bad input."""

from __future__ import annotations

import pytest

from appeals.models import Appeal, RecomputeJob, TimelineEvent, TimelineVerb
from appeals.services import recompute
from core.forms import settings_initial
from tests.factories import AccountFactory, AppealFactory, OrganizationFactory, ViolationFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _data(org, **changes) -> dict:
    """The settings form as saved, with `changes` (as tests/test_organization_settings.py posts it)."""
    data = {**settings_initial(org), "opens_at": org.opens_at.strftime("%H:%M")}
    data["closes_at"] = org.closes_at.strftime("%H:%M")
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _open_appeal(org) -> Appeal:
    from django.utils import timezone

    now = timezone.now()
    violation = ViolationFactory(account=AccountFactory(organization=org))
    return AppealFactory(
        violation=violation,
        status=Appeal.Status.UNDER_REVIEW,
        submitted_at=now,
        due_at=org.business_calendar().add_business_days(now, org.review_business_days),
    )


def test_saving_review_days_shows_a_polled_progress_bar_until_done(owner_client, org):
    appeal = _open_appeal(org)
    response = owner_client.post("/settings/", _data(org, review_business_days="6"))
    assert response.status_code == 302
    job = RecomputeJob.objects.get(organization=org)
    assert (job.state, job.total, job.reason) == ("pending", 1, "settings: review business days 3 → 6")

    page = owner_client.get("/settings/").content.decode()
    assert 'id="recompute-progress"' in page and 'hx-trigger="every 1s"' in page
    assert f'hx-get="/settings/recompute/{job.pk}/"' in page

    running = owner_client.get(f"/settings/recompute/{job.pk}/", **HTMX)
    assert running.status_code == 200
    assert 'hx-trigger="every 1s"' in running.content.decode() and "0 of 1 checked" in running.content.decode()

    recompute.recompute_job_run(job_id=job.pk)
    done = owner_client.get(f"/settings/recompute/{job.pk}/", **HTMX).content.decode()
    assert "hx-trigger" not in done  # polling stops
    assert "Done" in done and "1 of 1 checked, 1 with a deadline moved" in done and 'value="1"' in done
    entry = TimelineEvent.objects.get(violation=appeal.violation, verb=TimelineVerb.DEADLINE_MOVED)
    case_page = owner_client.get(f"/violations/{appeal.violation_id}/").content.decode()
    assert "moved a deadline" in case_page and entry.data["summary"].split(" (")[0] in case_page


def test_progress_of_another_organization_is_404_and_plain_requests_go_to_settings(owner_client, org):
    other = OrganizationFactory()
    theirs = recompute.recompute_job_start(organization=other, reason="x", publish=False)
    assert owner_client.get(f"/settings/recompute/{theirs.pk}/", **HTMX).status_code == 404
    mine = recompute.recompute_job_start(organization=org, reason="x", publish=False)
    plain = owner_client.get(f"/settings/recompute/{mine.pk}/")
    assert plain.status_code == 302 and plain["Location"] == "/settings/"
    assert owner_client.post(f"/settings/recompute/{mine.pk}/", **HTMX).status_code in {200, 405}


def test_only_owners_see_progress(manager_client, org):
    job = recompute.recompute_job_start(organization=org, reason="x", publish=False)
    assert manager_client.get(f"/settings/recompute/{job.pk}/", **HTMX).status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("review_business_days", "-1", "greater than or equal to 0"),
        ("ticket_resolution_hours", "99999", "less than or equal to"),
        ("follow_up_window_days", "soon", "whole number"),
    ],
)
def test_bad_deadline_settings_get_a_field_error_and_start_nothing(owner_client, org, field, value, text):
    _open_appeal(org)
    response = owner_client.post("/settings/", _data(org, **{field: value}))
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not RecomputeJob.objects.exists()


def _version(org, **values):
    from django.utils import timezone

    from core.markets import market_today
    from core.rules import rule_version_add

    return rule_version_add(
        organization=org, market="US", effective_from=market_today(org, "US", timezone.now()), **values
    )


def test_apply_screen_counts_in_a_job_then_applies_with_progress(owner_client, org, django_capture_on_commit_callbacks):
    appeals = [_open_appeal(org) for _ in range(2)]
    version = _version(org, review_business_days=8)
    url = f"/settings/rule-versions/{version.pk}/apply/"
    count_url = f"/settings/rule-versions/{version.pk}/count/"
    first = owner_client.get(url, **HTMX).content.decode()
    assert "Count the open cases it would change" in first and f'hx-post="{count_url}"' in first
    assert "<h1>" in owner_client.get(url).content.decode()  # a page of its own without htmx

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counting = owner_client.post(count_url, **HTMX).content.decode()
    assert len(callbacks) == 1 and "Counting the open cases of US" in counting and 'hx-trigger="every 1s"' in counting
    count = RecomputeJob.objects.get(rule_version=version, dry_run=True)
    recompute.recompute_job_run(job_id=count.pk)  # what the worker does
    counted = owner_client.get(url, **HTMX).content.decode()
    assert "2 open cases or tickets</strong> of US would have a deadline moved" in counted
    assert "hx-trigger" not in counted and f'hx-post="{url}"' in counted and f'action="{url}"' in counted
    assert not TimelineEvent.objects.filter(verb=TimelineVerb.DEADLINE_MOVED).exists()  # counting wrote nothing

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = owner_client.post(url, **HTMX)
    assert started.status_code == 200 and len(callbacks) == 1
    job = RecomputeJob.objects.get(rule_version=version, dry_run=False)
    assert 'id="recompute-progress"' in started.content.decode() and 'hx-trigger="every 1s"' in started.content.decode()
    recompute.recompute_job_run(job_id=job.pk)
    done = owner_client.get(url, **HTMX).content.decode()
    assert "2 with a deadline moved" in done and "hx-trigger" not in done
    for appeal in appeals:
        appeal.violation.refresh_from_db()
        assert appeal.violation.rule_version_id == version.pk
        entry = TimelineEvent.objects.get(violation=appeal.violation, verb=TimelineVerb.DEADLINE_MOVED)
        assert entry.data["summary"].endswith(f"(rule version {version.number} of US)")
    owner_client.post(count_url)
    recount = RecomputeJob.objects.filter(rule_version=version, dry_run=True).latest("pk")
    assert recompute.recompute_job_run(job_id=recount.pk).changed == 0


def test_apply_access(owner_client, manager_client, org):
    version = _version(org, max_rounds=3)
    url = f"/settings/rule-versions/{version.pk}/apply/"
    assert manager_client.post(url).status_code == 403
    assert manager_client.post(f"/settings/rule-versions/{version.pk}/count/").status_code == 403
    assert owner_client.get(f"/settings/rule-versions/{version.pk}/count/").status_code == 405
    assert owner_client.put(url).status_code == 405
    theirs = _version(OrganizationFactory(), max_rounds=3)
    assert owner_client.get(f"/settings/rule-versions/{theirs.pk}/apply/", **HTMX).status_code == 404
    plain = owner_client.post(url)
    assert plain.status_code == 302 and plain["Location"] == url


def test_a_version_effective_in_the_past_is_a_field_error(org):
    from datetime import timedelta

    from appeals.services import ServiceError
    from core.rules import rule_version_add

    _version(org, review_business_days=4)  # today is fine
    with pytest.raises(ServiceError) as caught:
        rule_version_add(organization=org, market="US", effective_from=_today(org) - timedelta(days=1))
    assert caught.value.field == "effective_from" and "today" in caught.value.message


def _today(org):
    from django.utils import timezone

    from core.markets import market_today

    return market_today(org, "US", timezone.now())
