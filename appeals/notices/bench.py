"""`make bench` figures for notices: parsing time over the labelled corpus, and a Postmark inbound webhook to the
notice showing in the inbox (manage.py bench calls both at each scale)."""

from __future__ import annotations

import base64
import json
import statistics
import time

from django.test import Client, override_settings
from django.urls import reverse

from appeals.models import InboundAddress, NoticeIntake
from appeals.notices.parser import parse_notice
from core.models import Membership, Role

SECRET = "bench:inbound"


def parse_timing(runs: int = 20) -> dict:
    """Median and 95th percentile of one parse_notice call over every notice of tests/notice_corpus.py."""
    from tests.notice_corpus import CORPUS, HELD_OUT

    notices = CORPUS + HELD_OUT
    samples: list[float] = []
    for _ in range(runs):
        for notice in notices:
            started = time.perf_counter()
            parse_notice(notice.text, tz=notice.tz, accounts=notice.accounts)
            samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return {
        "notices": len(notices),
        "calls": len(samples),
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def inbound_timing(org_id: int) -> dict:
    """Seconds from a Postmark inbound post (signature checked, mail read and parsed, notice stored) until the
    organization's inbox lists the notice to review. The webhook stores the notice itself, so no worker is needed."""
    address, _ = InboundAddress.objects.get_or_create(organization_id=org_id)
    membership = Membership.objects.filter(organization_id=org_id, role=Role.MANAGER).select_related("user").first()
    member = Client()
    member.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    subject = f"Bench notice {time.time_ns()}"
    payload = {
        "From": "no-reply@shop.tiktok.com",
        "FromFull": {"Email": "no-reply@shop.tiktok.com", "Name": "TikTok Shop"},
        "ToFull": [{"Email": address.address, "Name": ""}],
        "OriginalRecipient": address.address,
        "Subject": subject,
        "MessageID": subject,
        "Date": "Tue, 3 Nov 2026 10:14:00 -0500",
        "TextBody": "Violation ID: VR-BENCH-1\nViolation reason: Counterfeit goods\nAction taken: Listing removed\n"
        "Violation time: 2026-11-03 09:00\nProduct ID: 1729384756102938475\n",
        "Headers": [{"Name": "Message-ID", "Value": f"<{time.time_ns()}@bench>"}],
        "Attachments": [],
    }
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    with override_settings(ANYMAIL={"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}):
        started = time.perf_counter()
        posted = Client().post(
            reverse("appeals:inbound_postmark"),
            json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=auth,
        )
        webhook = time.perf_counter() - started
        inbox = member.get(reverse("appeals:inbox"))
        total = time.perf_counter() - started
    shown = posted.status_code == 200 and subject in inbox.content.decode()
    NoticeIntake.objects.filter(organization_id=org_id, subject=subject).delete()
    return {"webhook_seconds": round(webhook, 3), "to_inbox_seconds": round(total, 3), "shown": shown}
