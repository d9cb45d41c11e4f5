"""Active sessions (allauth.usersessions): last seen and IP kept fresh without a write on every request."""

from __future__ import annotations

from collections.abc import Callable

from allauth.usersessions.internal.usersessionkit import track_activity
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


class SessionActivityMiddleware:
    """allauth's UserSessionsMiddleware updates its row on every request; this does so once per
    USERSESSIONS_SEEN_SECONDS per session (a cache key marks the last update), keeping pages read-only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        key = session.session_key if session is not None else None
        if (
            key
            and user is not None
            and user.is_authenticated
            and cache.add(f"usersession-seen:{key}", 1, timeout=settings.USERSESSIONS_SEEN_SECONDS)
        ):
            track_activity(request, user=user, session=session)
        return self.get_response(request)
