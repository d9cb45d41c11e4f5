"""Log-in lock-out (core/lockout.py on django-axes) and the client address behind a proxy (core/client_ip.py)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from core.client_ip import client_ip
from core.lockout import lockout_username
from tests.factories import MembershipFactory

PASSWORD = "correct-horse-battery"
PROXY = "172.18.0.5"  # the front proxy's address on the compose network


def attempt(client: Client, email: str, password: str = "wrong-password", *, ip: str, via_proxy: bool = False):
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ip} if via_proxy else {"REMOTE_ADDR": ip}
    return client.post("/login/", {"login": email, "password": password}, **meta)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/inbox/"


def locked(response) -> bool:
    return response.status_code == 429


@pytest.fixture
def users(org):
    return [MembershipFactory(organization=org).user for _ in range(3)]


@pytest.fixture(autouse=True)
def _axes_on(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_CIDRS = []


def test_five_failures_lock_the_email_from_that_address_only(client, owner, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert not locked(attempt(client, owner.email, ip="203.0.113.7")), n
    assert locked(attempt(client, owner.email, ip="203.0.113.7"))
    assert locked(attempt(Client(), owner.email, PASSWORD, ip="203.0.113.7"))
    # The owner, elsewhere, is not locked out by the stranger at 203.0.113.7.
    assert logged_in(attempt(Client(), owner.email, PASSWORD, ip="198.51.100.20"))


def test_an_address_is_locked_after_twenty_failures_over_any_emails(client, owner, settings):
    limit = settings.AXES_IP_FAILURE_LIMIT
    assert limit == 20 and settings.AXES_FAILURE_LIMIT == 5
    # Four tries each on many emails, never reaching any pair's limit of 5.
    emails = [f"guess{n}@acme.test" for n in range(limit // 4)]
    answers = [attempt(client, email, ip="203.0.113.8") for email in emails for _ in range(4)]
    assert not any(locked(a) for a in answers[:-1])
    assert locked(answers[-1]), "the 20th failure from one address locks it"
    assert locked(attempt(Client(), owner.email, PASSWORD, ip="203.0.113.8"))
    assert logged_in(attempt(Client(), owner.email, PASSWORD, ip="198.51.100.21"))


def test_nineteen_failures_over_many_emails_do_not_lock_the_address(client, owner, settings):
    for n in range(settings.AXES_IP_FAILURE_LIMIT - 1):
        attempt(client, f"guess{n}@acme.test", ip="203.0.113.9")
    assert logged_in(attempt(Client(), owner.email, PASSWORD, ip="203.0.113.9"))


def test_a_successful_log_in_does_not_reset_the_address_count(client, owner, settings):
    for n in range(settings.AXES_IP_FAILURE_LIMIT - 1):
        attempt(client, f"guess{n}@acme.test", ip="203.0.113.10")
    assert logged_in(attempt(Client(), owner.email, PASSWORD, ip="203.0.113.10"))
    assert locked(attempt(Client(), "one-more@acme.test", ip="203.0.113.10"))


def test_behind_the_proxy_each_client_has_its_own_count(client, owner, users, settings):
    settings.TRUSTED_PROXY_CIDRS = ["172.16.0.0/12"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, owner.email, ip="203.0.113.11", via_proxy=True)
    assert locked(attempt(Client(), owner.email, PASSWORD, ip="203.0.113.11", via_proxy=True))
    # Same proxy, another client: the owner logs in; other people were never affected.
    assert logged_in(attempt(Client(), owner.email, PASSWORD, ip="198.51.100.22", via_proxy=True))
    for user in users:
        assert logged_in(attempt(Client(), user.email, PASSWORD, ip="198.51.100.23", via_proxy=True))


def test_a_forged_forwarded_header_from_an_untrusted_address_changes_nothing(client, owner, settings):
    settings.TRUSTED_PROXY_CIDRS = ["172.16.0.0/12"]
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/login/",
            {"login": owner.email, "password": "wrong"},
            REMOTE_ADDR="203.0.113.12",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
        )
    assert locked(attempt(Client(), owner.email, PASSWORD, ip="203.0.113.12"))


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.1", "", [], "203.0.113.1"),
        ("203.0.113.1", "198.51.100.1", [], "203.0.113.1"),  # no trusted proxy: the header is ignored
        ("203.0.113.1", "198.51.100.1", ["172.16.0.0/12"], "203.0.113.1"),  # not from the proxy: ignored
        ("172.18.0.5", "198.51.100.1", ["172.16.0.0/12"], "198.51.100.1"),
        ("172.18.0.5", "6.6.6.6, 198.51.100.1", ["172.16.0.0/12"], "198.51.100.1"),  # client-sent part skipped
        ("172.18.0.5", "198.51.100.1, 10.0.0.2", ["172.16.0.0/12", "10.0.0.0/8"], "198.51.100.1"),  # two hops
        ("172.18.0.5", "not-an-ip", ["172.16.0.0/12"], "172.18.0.5"),
        ("172.18.0.5", "", ["172.16.0.0/12"], "172.18.0.5"),
        ("::ffff:172.18.0.5", "2001:db8::1", ["172.16.0.0/12"], "2001:db8::1"),
        ("2001:db8:1::9", "198.51.100.1", ["2001:db8:1::/48"], "198.51.100.1"),
    ],
)
def test_client_ip(settings, remote, forwarded, trusted, expected):
    settings.TRUSTED_PROXY_CIDRS = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("credentials", "post", "expected"),
    [
        ({"email": " Ann@Acme.test "}, {}, "ann@acme.test"),  # allauth's authenticate(email=...)
        ({"username": "ann@acme.test"}, {}, "ann@acme.test"),  # axes' own calls
        ({}, {"login": "ANN@acme.test"}, "ann@acme.test"),  # allauth's form field
        ({"username": None, "password": "x"}, {}, None),
    ],
)
def test_lockout_username(credentials, post, expected):
    request = RequestFactory().post("/login/", post)
    assert lockout_username(request, credentials) == expected
