"""core.emails: subjects are plain text on one line, whatever names they carry (issue 18, finding 10)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.conf import settings

from core.emails import email_build, email_subject

EVIL = "ORG\"><b>&'\nBcc: victim@example.com"
ESCAPES = ("&quot;", "&gt;", "&lt;", "&amp;", "&#x27;", "&#39;")


def _evil_context() -> dict:
    named = SimpleNamespace(name=EVIL, reference=EVIL, get_kind_display=lambda: EVIL)
    return {
        "organization": named,
        "inviter": EVIL,
        "author": EVIL,
        "violation": named,
        "account": named,
        "reminder": named,
        "day": date(2026, 12, 3),
        "items": [1, 2],
        "week_from": date(2026, 11, 23),
        "rate": SimpleNamespace(decided=2),
        "overdue_count": 1,
        "overdue": True,
        "kind": "new_sign_in",
    }


EMAILS_DIR = settings.BASE_DIR / "templates" / "emails"
SUBJECTS = sorted(p.name.removesuffix("-subject.txt") for p in EMAILS_DIR.glob("*-subject.txt"))


@pytest.mark.parametrize("name", SUBJECTS)
def test_every_subject_is_plain_text_on_one_line(name):
    subject = email_subject(name=name, context=_evil_context())
    assert not any(escape in subject for escape in ESCAPES), subject
    assert "\n" not in subject and "\r" not in subject
    assert subject == subject.strip()


def test_invitation_subject_keeps_the_organization_name_as_typed(db):
    message = email_build(
        name="invitation", to=["a@example.com"], context={**_evil_context(), "organization": 'ORG"><b>'}
    )
    assert message.subject == f'{EVIL.replace(chr(10), " ")} invited you to ORG"><b> on Appeal Desk'


def test_invitation_email_for_an_organization_named_like_markup(
    owner_client, org, mailoutbox, django_capture_on_commit_callbacks
):
    org.name = 'ORG"><b>'
    org.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/settings/members/", {"email": "new@acme.test", "role": "member"})
    assert len(mailoutbox) == 1
    assert 'to ORG"><b> on Appeal Desk' in mailoutbox[0].subject


def test_subject_templates_exist():
    assert {"invitation", "mention", "reminder", "digest", "weekly-summary"} <= set(SUBJECTS)
