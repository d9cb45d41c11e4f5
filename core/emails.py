"""Every email is built from three templates: emails/<name>-subject.txt, -body.txt and -body.html."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


def email_build(
    *, name: str, to: Sequence[str], context: dict[str, Any], headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    subject = email_subject(name=name, context=context)
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(to), headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


def email_subject(*, name: str, context: dict[str, Any]) -> str:
    """The subject as plain text on one line: never HTML-escaped (a subject is not HTML), every run of
    whitespace, newlines included, made one space, so no value can add a header line."""
    template = get_template(f"emails/{name}-subject.txt").template
    return " ".join(template.render(Context(context, autoescape=False)).split())


def email_send(*, name: str, to: Sequence[str], context: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    """Build and send at once; raises on SMTP failure so callers (tasks) can retry."""
    email_build(name=name, to=to, context=context, headers=headers).send(fail_silently=False)
