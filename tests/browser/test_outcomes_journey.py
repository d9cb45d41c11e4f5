"""A member records an upheld decision, starts a follow-up, escalates with the packet and mentions a teammate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Appeal, Comment, Escalation
from tests.outcomes_helpers import make_evidence, submitted_appeal


def _log_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


@pytest.mark.django_db(transaction=True)
def test_outcome_follow_up_escalation_and_comment(browser_page, org, member, owner, shop):
    appeal = submitted_appeal(shop, submitted_at=timezone.now() - timedelta(days=1), penalty_points=4)
    make_evidence(appeal, b"round one invoice", "invoice.pdf")
    violation = appeal.violation
    page = browser_page
    _log_in(page, "member@acme.test")

    page.goto(f"/violations/{violation.pk}/")
    page.check()
    page.get_by_text("Record the outcome").click()
    page.get_by_label("Upheld: the action stands").check()
    page.get_by_label("The platform's message").fill("The listing violates the trademark policy.")
    page.get_by_role("button", name="Save outcome").click()
    page.locator("#decisions").get_by_text("Review took").wait_for()
    page.check()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD

    page.get_by_role("button", name="Start follow-up appeal").click()
    page.wait_for_url(re.compile(r"/appeals/\d+/"))
    follow_up = Appeal.objects.get(violation=violation, round=2)
    assert follow_up.evidence.count() == 1

    page.goto(f"/violations/{violation.pk}/escalation-packet/")
    page.check()
    assert "trademark policy" in page.locator("#packet-text").input_value()
    page.get_by_role("button", name="Copy text").click()

    page.goto(f"/violations/{violation.pk}/escalations/new/")
    page.get_by_label("Escalated to").select_option("program_team")
    page.get_by_label("Ticket or thread reference").fill("THR-77")
    page.get_by_role("button", name="Log escalation").click()
    page.locator("#escalations").get_by_text("THR-77").wait_for()
    page.check()
    assert Escalation.objects.get().reference == "THR-77"

    page.get_by_label("Comment", exact=True).fill("@owner escalated to the program team")
    page.get_by_role("button", name="Add comment").click()
    page.get_by_text("will get an email").wait_for()
    page.check()
    comment = Comment.objects.get()
    assert list(comment.mentions.values_list("email", flat=True)) == ["owner@acme.test"]
