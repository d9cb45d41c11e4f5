"""Journey 4: the clock moves past a decision's due date, the reminder sweep emails the assignee, whose link
opens the case; they record an upheld outcome, start a follow-up, are refused without new evidence, add a
file and submit."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from appeals.models import Appeal
from tests.browser.helpers import link_in_last_email, log_in, png_bytes
from tests.outcomes_helpers import make_evidence, submitted_appeal


@pytest.mark.django_db(transaction=True)
def test_overdue_reminder_outcome_and_follow_up(browser_page, org, member, shop):
    appeal = submitted_appeal(shop, submitted_at=timezone.now() - timedelta(days=1))
    make_evidence(appeal, b"%PDF-1.4 round one invoice", "invoice.pdf")
    violation = appeal.violation
    violation.assignee = member
    violation.save(update_fields=["assignee"])
    calendar = org.business_calendar()
    # Two business days after the decision was due, mid-morning where the organization works.
    overdue_day = calendar.local(calendar.add_business_days(appeal.due_at, 2)).date()
    later = calendar.opening_of(overdue_day) + timedelta(hours=2)

    with time_machine.travel(later, tick=True):
        call_command("run_reminders", "--inline", stdout=io.StringIO())
        reminder = [m for m in mail.outbox if "member@acme.test" in m.to]
        assert len(reminder) == 1 and "overdue" in reminder[0].subject.lower(), [m.subject for m in mail.outbox]
        case_path = link_in_last_email("member@acme.test", f"/violations/{violation.pk}/")

        page = browser_page
        log_in(page, "member@acme.test")
        page.goto(case_path)
        page.get_by_role("heading", name=re.compile(violation.reference)).first.wait_for()
        page.check()

        page.get_by_text("Record the outcome").click()
        page.get_by_label("Upheld: the action stands").check()
        page.get_by_label("The platform's message").fill("The listing still violates the trademark policy.")
        page.check()
        page.get_by_role("button", name="Save outcome").click()
        page.locator("#decisions").get_by_text("Review took").wait_for()
        page.check()
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.UPHELD

        page.get_by_role("button", name="Start follow-up appeal").click()
        page.get_by_role("heading", name=re.compile(r"Follow-up appeal \(round 2\)")).wait_for()
        page.check()
        follow_up = Appeal.objects.get(violation=violation, round=2)

        page.get_by_role("navigation", name="Appeal steps").get_by_role("link", name="5. Review and submit").click()
        page.get_by_role("heading", name="Review and submit").wait_for()
        page.get_by_role("button", name="Mark as submitted").click()
        refusal = page.get_by_text("A follow-up appeal needs new evidence")
        refusal.first.wait_for()
        page.check()
        follow_up.refresh_from_db()
        assert follow_up.status == Appeal.Status.DRAFT

        page.get_by_role("navigation", name="Appeal steps").get_by_role("link", name="4. Evidence").click()
        page.get_by_role("heading", name="Evidence", exact=True).wait_for()
        page.get_by_label("Add files").set_input_files(
            {"name": "brand-letter.png", "mimeType": "image/png", "buffer": png_bytes(colour=(240, 200, 20))}
        )
        page.get_by_text('Added "brand-letter.png"').wait_for()
        page.get_by_label("What brand-letter.png proves").fill("Letter from the brand owner authorizing our sales")
        page.locator(".evidence-item", has_text="brand-letter.png").get_by_role("button", name="Save caption").click()
        page.locator(".evidence-item", has_text="brand-letter.png").get_by_text("Saved", exact=True).wait_for()
        page.check()
        page.get_by_role("button", name="Continue to review →").click()
        page.get_by_role("heading", name="Review and submit").wait_for()
        page.get_by_role("button", name="Mark as submitted").click()
        page.wait_for_url(re.compile(rf"/violations/{violation.pk}/$"))
        page.get_by_text("Appeal marked as submitted").wait_for()
        page.check()
    follow_up.refresh_from_db()
    assert follow_up.status == Appeal.Status.UNDER_REVIEW
    assert follow_up.submitted_at >= later and follow_up.due_at > follow_up.submitted_at
