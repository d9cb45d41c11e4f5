"""Personas: an owner, a teammate, a viewer and an outsider from another organization."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from hypothesis import settings

from core.models import Role
from tests.factories import AccountFactory, MembershipFactory, OrganizationFactory

# Hypothesis's 200 ms per-example deadline measures the machine, not the code: on a loaded CI machine a pure
# function's example took longer and failed the run (test_case_plan_invariants). Properties are judged by their
# assertions; slowness belongs to make bench.
settings.register_profile("appeal_desk", deadline=None)
settings.load_profile("appeal_desk")


def pytest_collection_modifyitems(config, items):
    """Skip live-service tests when the service is not configured, saying how to enable them."""
    needs = {
        "postgres": ("DATABASE_URL", "postgres", "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"),
        "redis": ("REDIS_URL", "redis", "set REDIS_URL=redis://127.0.0.1:6379/0"),
        "celery_live": (
            "REDIS_URL",
            "redis",
            "set REDIS_URL=redis://127.0.0.1:6379/0 (and DATABASE_URL for PostgreSQL)",
        ),
        "replica": (
            "DATABASE_REPLICA_URL",
            "postgres",
            "run .ci/pg-replica start, then set DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/test",
        ),
    }
    for item in items:
        for marker, (variable, prefix, how) in needs.items():
            if item.get_closest_marker(marker) and not os.environ.get(variable, "").startswith(prefix):
                item.add_marker(pytest.mark.skip(reason=f"needs {marker}: {how}"))


def _skipped_count(config) -> int:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return len(reporter.stats.get("skipped", [])) if reporter is not None else 0


def pytest_sessionfinish(session, exitstatus):
    """CI (CI_FAIL_ON_SKIP=1): a skipped test fails the run, since every service is there (xdist: controller only)."""
    if os.environ.get("CI_FAIL_ON_SKIP") != "1" or hasattr(session.config, "workerinput"):
        return
    if _skipped_count(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if os.environ.get("CI_FAIL_ON_SKIP") == "1" and (skipped := _skipped_count(config)):
        terminalreporter.write_line(f"CI_FAIL_ON_SKIP=1: {skipped} test(s) skipped, so this run fails.", red=True)


@pytest.fixture(autouse=True, scope="session")
def jinja2_pages_report_their_context():
    """Django's test environment makes Django templates report what they rendered (response.context, .templates);
    the same for pages rendered whole by Jinja2 (the inbox), so a test reads their context alike."""
    from django.template.backends.jinja2 import Template
    from django.test.signals import template_rendered

    render = Template.render

    def reporting_render(self, context=None, request=None):
        template_rendered.send(sender=self, template=self, context=context or {})
        return render(self, context, request)

    Template.render = reporting_render
    yield
    Template.render = render


@pytest.fixture(autouse=True)
def replica_only_where_asked(request):
    """With DATABASE_REPLICA_URL set, only the tests marked `replica` read from the replica: the others write
    and read at once, faster than any replica replays."""
    if os.environ.get("DATABASE_REPLICA_URL") and not request.node.get_closest_marker("replica"):
        request.getfixturevalue("settings").DATABASE_REPLICA_ENABLED = False


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme Shop", slug="acme")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Other Agency", slug="other")


@pytest.fixture
def owner(org):
    return MembershipFactory(organization=org, role=Role.OWNER, user__email="owner@acme.test").user


@pytest.fixture
def manager(org):
    return MembershipFactory(organization=org, role=Role.MANAGER, user__email="manager@acme.test").user


@pytest.fixture
def member(org):
    return MembershipFactory(organization=org, role=Role.MEMBER, user__email="member@acme.test").user


@pytest.fixture
def viewer(org):
    return MembershipFactory(organization=org, role=Role.VIEWER, user__email="viewer@acme.test").user


@pytest.fixture
def outsider(other_org):
    return MembershipFactory(organization=other_org, role=Role.OWNER, user__email="outsider@other.test").user


@pytest.fixture
def shop(org):
    return AccountFactory(organization=org, external_id="7495001122", name="Acme US Shop")


@pytest.fixture
def creator_account(org):
    from appeals.models import Account

    return AccountFactory(organization=org, kind=Account.Kind.CREATOR, external_id="@acme.creator", name="Acme Creator")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    # A session's first request records it among the person's active sessions (core/usersessions.py, then
    # at most every USERSESSIONS_SEEN_SECONDS); tests see a session already in use, as every later page does.
    client.get("/healthz")
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def member_client(member):
    return _client_for(member)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def viewer_client(viewer):
    return _client_for(viewer)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path / "private"
