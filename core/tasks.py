"""Background jobs of core: account and security emails."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.emails import email_send


@shared_task(name="core.tasks.password_reset_email_send", bind=True, max_retries=8, ignore_result=True)
def password_reset_email_send(self, to: str) -> None:
    """Look the address up and send its reset link (or "no account here") away from the request."""
    from core.auth_adapters import password_reset_mails

    for kind, context in password_reset_mails(to):
        account_email_send.apply(args=(kind, to, context), throw=True)


@shared_task(name="core.tasks.account_email_send", bind=True, max_retries=8, ignore_result=True)
def account_email_send(self, kind: str, to: str, context: dict[str, Any]) -> None:
    """Render emails/account-* for `kind` (allauth's mail name or ours) and send it; SMTP trouble retries."""
    try:
        email_send(name="account", to=[to], context={**context, "kind": kind, "email": to})
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 600)) from exc
