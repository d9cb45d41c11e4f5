"""Active sessions (allauth.usersessions): listed with device, IP and last seen; end one or all others."""

from __future__ import annotations

import pyotp
import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from core.usersessions import device_label

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
            "Safari/605.1.15",
            "Safari on macOS",
        ),
        ("Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36", "Chrome on Android"),
        ("curl/8.11.0", "curl"),
        ("", "Unknown device"),
        ("something odd", "Unknown device"),
    ],
)
def test_device_label(user_agent, label):
    assert device_label(user_agent) == label


def _browser(user_agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    assert client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})["Location"] == "/inbox/"
    return client


def test_sessions_page_lists_each_browser_with_device_ip_and_last_seen(owner):
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    _browser(SAFARI_IPHONE, "198.51.100.9")
    page = laptop.get("/auth/sessions/")
    assert page.status_code == 200
    for text in (b"Firefox on Windows", b"Safari on iPhone", b"203.0.113.7", b"198.51.100.9", b"This browser"):
        assert text in page.content
    assert UserSession.objects.filter(user=owner).count() == 2


def test_ending_another_session_logs_that_browser_out(owner):
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    phone = _browser(SAFARI_IPHONE, "198.51.100.9")
    other = UserSession.objects.get(user=owner, ip="198.51.100.9")
    response = laptop.post(f"/auth/sessions/{other.pk}/end/")
    assert response["Location"] == "/auth/sessions/"
    assert phone.get("/inbox/").status_code == 302
    assert laptop.get("/inbox/").status_code == 200


def test_the_current_session_and_other_peoples_sessions_cannot_be_ended_here(owner, member):
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    mine = UserSession.objects.get(user=owner)
    assert laptop.post(f"/auth/sessions/{mine.pk}/end/").status_code == 404
    theirs = Client()
    theirs.post("/login/", {"login": "member@acme.test", "password": PASSWORD})
    their_session = UserSession.objects.get(user=member)
    assert laptop.post(f"/auth/sessions/{their_session.pk}/end/").status_code == 404
    assert theirs.get("/inbox/").status_code == 200
    assert laptop.get(f"/auth/sessions/{their_session.pk}/end/").status_code == 405


def test_sign_out_all_other_sessions(owner):
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    phone = _browser(SAFARI_IPHONE, "198.51.100.9")
    tablet = _browser(SAFARI_IPHONE, "198.51.100.10")
    laptop.post("/auth/sessions/")
    assert phone.get("/inbox/").status_code == 302
    assert tablet.get("/inbox/").status_code == 302
    assert laptop.get("/inbox/").status_code == 200
    assert UserSession.objects.filter(user=owner).count() == 1


def test_changing_the_password_ends_the_other_sessions(owner, mailoutbox):
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    phone = _browser(SAFARI_IPHONE, "198.51.100.9")
    changed = laptop.post(
        "/auth/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert changed.status_code == 302
    assert laptop.get("/inbox/").status_code == 200
    assert phone.get("/inbox/").status_code == 302
    assert list(UserSession.objects.filter(user=owner).values_list("ip", flat=True)) == ["203.0.113.7"]
    assert any("password was changed" in m.subject for m in mailoutbox)


def test_enrolling_a_second_factor_ends_the_other_sessions(owner, django_capture_on_commit_callbacks):
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    phone = _browser(SAFARI_IPHONE, "198.51.100.9")
    first = laptop.get("/auth/2fa/totp/activate/")
    laptop.post(first["Location"], {"password": PASSWORD})
    secret = laptop.get("/auth/2fa/totp/activate/").context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        laptop.post("/auth/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    assert phone.get("/inbox/").status_code == 302
    assert laptop.get("/inbox/").status_code == 200


def test_a_session_is_marked_seen_in_the_shared_cache_once_per_period(owner, monkeypatch, settings):
    from django.core.cache import cache

    settings.USERSESSIONS_SEEN_SECONDS = 300
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    asked = []
    add = cache.add
    monkeypatch.setattr(cache, "add", lambda key, *args, **kwargs: asked.append(key) or add(key, *args, **kwargs))
    for _ in range(5):
        assert laptop.get("/inbox/").status_code == 200
    assert len([key for key in asked if key.startswith("usersession-seen:")]) == 1


def test_last_seen_moves_on_after_the_period(owner, settings):
    from django.core.cache import cache

    settings.USERSESSIONS_SEEN_SECONDS = 0  # every page is a new period
    laptop = _browser(FIREFOX_WINDOWS, "203.0.113.7")
    session = UserSession.objects.get(user=owner)
    UserSession.objects.filter(pk=session.pk).update(ip="192.0.2.1")
    cache.clear()
    assert laptop.get("/inbox/").status_code == 200
    assert UserSession.objects.get(pk=session.pk).ip == "203.0.113.7"
