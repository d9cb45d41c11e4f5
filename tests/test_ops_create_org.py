"""manage.py create_org: an organization and its owner without the sign-up page."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from core.models import Membership, Organization, Role, User
from tests.factories import OrganizationFactory, UserFactory

PASSWORD = "a-long-enough-Passw0rd"


def create_org(*args: str) -> str:
    out = io.StringIO()
    call_command("create_org", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_creates_the_organization_and_a_new_owner_who_can_log_in():
    output = create_org(
        "--name", "Acme Shop", "--slug", "acme", "--owner-email", "Boss@Acme.test", "--password", PASSWORD
    )
    organization = Organization.objects.get(slug="acme")
    assert organization.name == "Acme Shop"
    assert not organization.is_agency
    user = User.objects.get(email="boss@acme.test")
    assert Membership.objects.get(organization=organization, user=user).role == Role.OWNER
    assert "Created organization “Acme Shop” (acme); owner: boss@acme.test (new user)" in output
    assert User.objects.get(email="boss@acme.test").check_password(PASSWORD)


@pytest.mark.django_db
def test_runs_the_default_data_installers_like_sign_up(monkeypatch):
    from appeals import defaults

    installed = []
    monkeypatch.setattr(defaults, "DEFAULT_INSTALLERS", [*defaults.DEFAULT_INSTALLERS, installed.append])
    create_org("--name", "Acme", "--slug", "acme", "--owner-email", "boss@acme.test", "--password", PASSWORD)
    assert installed == [Organization.objects.get(slug="acme")]


@pytest.mark.django_db
def test_an_existing_user_becomes_owner_and_keeps_their_password():
    existing = UserFactory(email="boss@acme.test")
    other = OrganizationFactory(slug="first")
    Membership.objects.create(user=existing, organization=other, role=Role.MEMBER)
    output = create_org(
        "--name", "Agency", "--slug", "agency", "--owner-email", "BOSS@acme.test", "--agency", "--password", "ignored"
    )
    organization = Organization.objects.get(slug="agency")
    assert organization.is_agency
    assert Membership.objects.get(organization=organization, user=existing).role == Role.OWNER
    assert Membership.objects.get(organization=other, user=existing).role == Role.MEMBER
    assert "(existing user)" in output
    assert User.objects.count() == 1
    assert User.objects.get(email="boss@acme.test").check_password("correct-horse-battery")


@pytest.mark.django_db
def test_a_taken_slug_is_refused_and_nothing_is_created():
    OrganizationFactory(slug="acme")
    with pytest.raises(CommandError, match="taken"):
        create_org("--name", "Acme", "--slug", "acme", "--owner-email", "new@acme.test", "--password", PASSWORD)
    assert not User.objects.filter(email="new@acme.test").exists()
    assert Organization.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "has space"], "--slug"),
        (["--owner-email", "not-an-email"], "--owner-email"),
        (["--password", "short"], "--password"),
        (["--timezone", "Mars/Olympus"], "--timezone"),
        (["--name", "  "], "--name"),
    ],
)
def test_bad_input_is_refused_with_the_option_named(args, message):
    base = {"--name": "Acme", "--slug": "acme", "--owner-email": "boss@acme.test", "--password": PASSWORD}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError, match=message):
        create_org(*[part for pair in base.items() for part in pair])
    assert not Organization.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_without_password_and_without_a_terminal_it_refuses(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--password is required"):
        create_org("--name", "Acme", "--slug", "acme", "--owner-email", "boss@acme.test")
    assert not Organization.objects.exists()


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_without_password_on_a_terminal_it_prompts_twice(monkeypatch):
    answers = iter(["first-Passw0rd-xx", "typo", PASSWORD, PASSWORD])
    monkeypatch.setattr("sys.stdin", FakeTty(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    create_org("--name", "Acme", "--slug", "acme", "--owner-email", "boss@acme.test")
    assert User.objects.get(email="boss@acme.test").check_password(PASSWORD)


def test_the_command_runs_as_a_process_without_stdin(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["APPEAL_DESK_VAR_DIR"] = str(tmp_path)
    base = Path(__file__).resolve().parent.parent
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=base, env=env, capture_output=True, text=True, check=False
    )
    assert migrate.returncode == 0, migrate.stderr
    result = subprocess.run(
        [sys.executable, "manage.py", "create_org", "--name", "Acme", "--slug", "acme", "--owner-email", "a@b.test"],
        cwd=base,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "--password is required" in result.stderr
