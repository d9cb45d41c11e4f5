"""Issue 22 and 23's new screens in the browser: an owner adds a rule version for a market (a past date is a field
error), counts the open cases it would move, applies it and watches the recount finish; a long case timeline shows
its latest entries and loads older ones in place."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import TimelineEvent, TimelineVerb
from appeals.recompute_models import RecomputeJob
from appeals.services.recompute import recompute_job_run
from core.models import RuleVersion
from tests.browser.helpers import ignore_expected_status, log_in
from tests.factories import AccountFactory, ViolationFactory


def _run_pending_jobs() -> int:
    """What the Celery worker does with each job the page started (the recount service itself)."""
    pending = list(RecomputeJob.objects.filter(state=RecomputeJob.State.PENDING).values_list("pk", flat=True))
    for pk in pending:
        recompute_job_run(job_id=pk)
    return len(pending)


@pytest.mark.django_db(transaction=True)
def test_owner_adds_counts_and_applies_a_rule_version(browser_page, org, owner, size):
    gb_shop = AccountFactory(organization=org, market="GB", external_id="GB-SHOP")
    case = ViolationFactory(account=gb_shop, reference="VR-GB-1", enforced_at=timezone.now() - timedelta(days=1))
    page = browser_page
    log_in(page, "owner@acme.test")

    page.goto("/settings/markets/")
    page.get_by_role("link", name="United Kingdom").click()
    page.wait_for_url(re.compile(r"/settings/markets/GB/$"))
    form = page.locator("#rule-version-new")
    yesterday = (timezone.localdate() - timedelta(days=2)).isoformat()
    form.get_by_label("Effective from").fill(yesterday)
    form.get_by_label("Appeal window (days after enforcement)").fill("45")
    form.get_by_role("button", name="Add version").click()
    page.locator("#rule-version-new .errorlist").wait_for()
    assert "today or later" in page.locator("#rule-version-new").inner_text().lower()
    assert not RuleVersion.objects.filter(organization=org, market="GB", number__gt=1).exists()
    ignore_expected_status(page, 400)

    form = page.locator("#rule-version-new")
    form.get_by_label("Effective from").fill(timezone.localdate().isoformat())
    form.get_by_label("Appeal window (days after enforcement)").fill("45")
    form.get_by_role("button", name="Add version").click()
    version = RuleVersion.objects.get(organization=org, market="GB", number=2)
    assert version.appeal_window_days == 45

    # The slot starts a counting job as it loads; the worker's part runs here, the block polls until it is done.
    page.locator(f"#rule-apply-{version.pk}").wait_for()
    for _ in range(50):
        if _run_pending_jobs():
            break
        page.wait_for_timeout(100)
    page.get_by_text(re.compile(r"1 open case or ticket.* would have a deadline moved")).wait_for()

    page.get_by_role("button", name="Apply now to open cases of GB").click()
    page.locator(f"#rule-apply-{version.pk} .recompute-progress").wait_for()
    for _ in range(50):
        if _run_pending_jobs():
            break
        page.wait_for_timeout(100)
    page.locator(f"#rule-apply-{version.pk}").get_by_text("Done").wait_for()

    case.refresh_from_db()
    assert case.rule_version_id == version.pk
    assert TimelineEvent.objects.filter(violation=case, verb=TimelineVerb.DEADLINE_MOVED).count() == 1
    page.goto(f"/violations/{case.pk}/")
    assert "GB version 2" in page.locator("main").inner_text()


@pytest.mark.django_db(transaction=True)
def test_long_timeline_shows_the_latest_and_loads_older_in_place(browser_page, org, member, shop, size):
    case = ViolationFactory(account=shop, reference="VR-LONG")
    start = timezone.now() - timedelta(days=30)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            organization=org,
            violation=case,
            actor=member,
            verb=TimelineVerb.COMMENTED,
            created_at=start + timedelta(minutes=n),
        )
        for n in range(45)
    )
    page = browser_page
    log_in(page, "member@acme.test")
    page.goto(f"/violations/{case.pk}/")
    entries = page.locator("#timeline li:not(.timeline-older)")
    shown = entries.count()
    assert 0 < shown < 46
    page.get_by_role("link", name="Show older entries").click()
    page.wait_for_function(f"() => document.querySelectorAll('#timeline li:not(.timeline-older)').length > {shown}")
    assert entries.count() > shown
    assert page.url.endswith(f"/violations/{case.pk}/")  # swapped in place, not a new page
