"""Absolute links into the app for messages sent outside it (email, chat, webhooks)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def _url(name: str, **kwargs: Any) -> str:
    try:
        return settings.SITE_URL + reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def case_url(violation_id: int) -> str:
    for name in ("appeals:case", "appeals:violation_detail"):
        try:
            return settings.SITE_URL + reverse(name, kwargs={"violation_pk": violation_id})
        except NoReverseMatch:
            continue
    return _url("appeals:inbox")
