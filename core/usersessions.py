"""Active sessions (allauth.usersessions): keeping last seen fresh, naming devices, ending sessions."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from allauth.usersessions.internal.usersessionkit import track_activity
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from core.models import User

# First match wins: Edge and Opera carry "Chrome" too, Chrome carries "Safari".
_BROWSERS = [
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|HeadlessChrome/"),
    ("Safari", r"Safari/"),
    ("curl", r"^curl/"),
]
_SYSTEMS = [
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("ChromeOS", r"CrOS"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
]


def device_label(user_agent: str) -> str:
    """'Firefox on Windows', 'Safari on iPhone', … from a User-Agent header; 'Unknown device' when unreadable."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent or "")), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent or "")), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def session_end(*, user: User, session_id: int, current_key: str | None) -> bool:
    """End one of `user`'s sessions (not the current one: that is logging out). False when there is none."""
    session = UserSession.objects.filter(user=user, pk=session_id).exclude(session_key=current_key or "").first()
    if session is None:
        return False
    session.end()
    return True


def sessions_end_others(*, user: User, current_key: str | None) -> int:
    """End every session of `user` but the current one (after a password change or a new second factor)."""
    others = list(UserSession.objects.filter(user=user).exclude(session_key=current_key or ""))
    for session in others:
        session.end()
    return len(others)


class SessionActivityMiddleware:
    """allauth's UserSessionsMiddleware updates its row on every request; this does so once per
    USERSESSIONS_SEEN_SECONDS per session (a key in the shared cache marks the last update), keeping pages read-only.
    Each process also remembers when it last asked the cache about a session, so the pages in between make no round
    trip to it (the last seen time is then at most two periods old)."""

    REMEMBERED = 10_000  # sessions a process remembers before it starts again (memory stays small)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.asked: dict[str, float] = {}  # session key -> time.monotonic() of this process's last cache.add

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        key = session.session_key if session is not None else None
        if (
            key
            and user is not None
            and user.is_authenticated
            and self._ask_cache(key)
            and cache.add(f"usersession-seen:{key}", 1, timeout=settings.USERSESSIONS_SEEN_SECONDS)
        ):
            track_activity(request, user=user, session=session)
        return self.get_response(request)

    def _ask_cache(self, key: str) -> bool:
        now = time.monotonic()
        last = self.asked.get(key)
        if last is not None and now - last < settings.USERSESSIONS_SEEN_SECONDS:
            return False
        if len(self.asked) >= self.REMEMBERED:
            self.asked.clear()
        self.asked[key] = now
        return True
