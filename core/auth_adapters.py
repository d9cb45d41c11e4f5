"""How django-allauth fits Appeal Desk: emails through our task and templates, client IPs as axes sees them."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)

# Context values allauth passes to its mails that are safe to hand to a Celery task (plain text, no objects).
_PLAIN = (str, int, float, bool)


def email_context(context: dict[str, Any]) -> dict[str, Any]:
    """The JSON-safe part of an allauth mail context; links are rebuilt on SITE_URL, never the request's Host."""
    plain: dict[str, Any] = {}
    for name, value in context.items():
        if name in ("request", "current_site", "key", "token"):
            continue
        if name == "user":
            plain["user_name"] = value.display_name
        elif isinstance(value, datetime):
            plain[name] = value.strftime("%Y-%m-%d %H:%M UTC")
        elif name.endswith("_url") and isinstance(value, str):
            parts = urlsplit(value)
            plain[name] = settings.SITE_URL + parts.path + (f"?{parts.query}" if parts.query else "")
        elif isinstance(value, _PLAIN) or value is None:
            plain[name] = value
    return plain


def client_ip(request: HttpRequest | None) -> str:
    """The client's address as axes resolves it (the proxy's header only from a trusted proxy)."""
    if request is None:
        return ""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or ""


def account_task_run(task, *args: Any) -> None:
    """Enqueue an account-email task; in tests (ACCOUNT_EMAIL_TASK_EAGER) or with the broker down, run it here."""
    if settings.ACCOUNT_EMAIL_TASK_EAGER:
        task.apply(args=args, throw=True)
        return
    try:
        task.apply_async(args=args, retry=False)
    except Exception as exc:  # broker down: better a slower answer than a lost reset or verification link
        logger.warning("Could not enqueue %s, running it now: %s", task.name, exc)
        task.apply(args=args, throw=True)


def password_reset_mails(email: str) -> list[tuple[str, dict[str, Any]]]:
    """(kind, context) of the mails a reset request for `email` sends: a link per account, or "no account".

    Run by the worker, so the request does the same work whether or not the address has an account.
    """
    from urllib.parse import quote

    from allauth.account.forms import default_token_generator
    from allauth.account.internal.userkit import filter_users_by_email
    from allauth.account.utils import user_pk_to_url_str
    from django.urls import reverse

    users = filter_users_by_email(email, is_active=True, prefer_verified=True, for_login=True)
    if not users:
        if not settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS:
            return []
        return [("unknown_account", {"signup_url": settings.SITE_URL + reverse("account_signup")})]
    template = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    mails = []
    for user in users:
        key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
        url = settings.SITE_URL + template.replace("UID-KEY", quote(key))
        mails.append(("password_reset_key", {"user_name": user.display_name, "password_reset_url": url}))
    return mails


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every account email (verification, reset, unknown address, security notices) leaves through a task.

        The request only enqueues, so a reset or sign-up for an existing address takes the same time as one
        for an unknown address; the worker renders emails/account-* and sends through core.emails.
        """
        from core.tasks import account_email_send

        kind = template_prefix.rsplit("/", 1)[-1]
        account_task_run(account_email_send, kind, email, email_context(context))

    def send_account_already_exists_mail(self, email: str) -> None:
        """A sign-up with a taken address: hash a throwaway password as a new account's would be hashed, so the
        answer takes as long as a real sign-up (the hash is most of that time)."""
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request) or "0.0.0.0"

    def save_user(self, request, user, form, commit=True):
        # A self-service sign-up verifies its address by email (see core.receivers.email_address_trusted).
        user.signing_up = True
        user.full_name = form.cleaned_data.get("full_name", "")
        return super().save_user(request, user, form, commit=commit)


class MFAAdapter(DefaultMFAAdapter):
    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        entity = super().get_public_key_credential_rp_entity()
        entity["name"] = "Appeal Desk"
        return entity
