"""HTML emails: one layout with inline styles only (what Gmail, Outlook and Apple Mail read), a plain-text part
beside each, and the same dates as the app."""

from __future__ import annotations

import re
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string

from appeals.stats import Rate
from core.emails import email_build

NY = ZoneInfo("America/New_York")
DUE = datetime(2026, 11, 25, 14, 0, tzinfo=NY)
ACCOUNT = SimpleNamespace(name="Acme <US> Shop", external_id="SHOP-1")
VIOLATION = SimpleNamespace(pk=7, reference="VR-1", account=ACCOUNT)
USER = SimpleNamespace(display_name="Dana", timezone="America/New_York")
ORG = SimpleNamespace(name="Acme Agency")

CONTEXTS = {
    "invitation": {
        "inviter": "Dana",
        "organization": "Acme",
        "role": "Member",
        "accept_url": "https://x/a",
        "valid_days": 7,
    },
    "mention": {
        "recipient": USER,
        "author": "Sam",
        "violation": VIOLATION,
        "comment": SimpleNamespace(body="New invoice\nis in"),
    },
    "reminder": {
        "user": USER,
        "what": "Decision due today",
        "account": ACCOUNT,
        "violation": VIOLATION,
        "overdue": True,
        "deadline_local": DUE,
        "timezone_name": "America/New_York",
        "advice": "Check the platform.",
        "link": "https://x/v/7",
        "organization": ORG,
        "unsubscribe_url": "https://x/u",
    },
    "digest": {
        "user": USER,
        "items": [
            SimpleNamespace(
                link="https://x/v/7",
                what="Decision due",
                account=ACCOUNT,
                violation=VIOLATION,
                overdue=False,
                deadline_local=DUE,
                timezone_name="America/New_York",
                advice="",
            )
        ],
        "day": date(2026, 11, 25),
        "unsubscribe_url": "https://x/u",
    },
    "weekly-summary": {
        "user": USER,
        "organization": ORG,
        "week_from": date(2026, 11, 16),
        "week_to": date(2026, 11, 22),
        "rate": Rate(6, 3, 1),
        "time_to_decision": {"count": 6, "median": 1, "p90": 3},
        "overdue_count": 1,
        "overdue": [{"url": "https://x/v/7", "reference": "VR-1", "account": "Acme", "due_at": DUE}],
        "overdue_url": "https://x/o",
        "dashboard_url": "https://x/d",
        "profile_url": "https://x/p",
    },
    "account": {
        "kind": "password_reset_key",
        "user_name": "Dana",
        "email": "d@x.test",
        "password_reset_url": "https://x/r",
    },
}


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_html_part_is_styled_inline_and_the_text_part_stays(db, name):
    message = email_build(name=name, to=["d@x.test"], context=CONTEXTS[name])
    html = message.alternatives[0][0]
    assert "<style" not in html and "<link" not in html  # clients drop these: styles are inline
    assert 'style="max-width:600px;' in html  # the layout's card
    for tag in re.findall(r"<a\s[^>]*>", html):
        assert "style=" in tag, tag  # links keep their colour where the client's default is unreadable
    assert not re.search(r"<(p|a|table|td|br|strong|ul|li)\b", message.body)  # the plain-text part has no markup
    assert message.body.strip() and message.subject


def test_values_are_escaped_in_the_html_part(db):
    message = email_build(name="reminder", to=["d@x.test"], context=CONTEXTS["reminder"])
    assert "Acme &lt;US&gt; Shop" in message.alternatives[0][0]


def test_dates_read_like_the_app_and_plurals_are_right(db):
    html = render_to_string("emails/reminder-body.html", CONTEXTS["reminder"])
    assert "Wed Nov 25, 2026 14:00" in html and "2026-11-25 " not in html
    summary = render_to_string("emails/weekly-summary-body.html", CONTEXTS["weekly-summary"])
    assert "median 1 business day," in summary
    text = render_to_string("emails/weekly-summary-body.txt", CONTEXTS["weekly-summary"])
    assert "median 1 business day," in text
