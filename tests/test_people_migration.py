"""Moving to django-allauth keeps existing users, passwords and sessions: a copy of the demo database migrated."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client

from core.models import User

BEFORE_ALLAUTH = "0002_deadlines_reminder_emails"


@pytest.mark.django_db(transaction=True)
def test_demo_database_users_log_in_and_keep_their_sessions_after_the_migration():
    call_command("load_demo", stdout=io.StringIO())
    demo = User.objects.get(email="demo@appealdesk.local")
    signed_in = Client()
    signed_in.force_login(demo, backend="django.contrib.auth.backends.ModelBackend")
    # The database as it was before allauth: users with passwords, no EmailAddress rows.
    EmailAddress.objects.all().delete()
    call_command("migrate", "core", BEFORE_ALLAUTH, stdout=io.StringIO(), verbosity=0)
    assert not EmailAddress.objects.exists()

    call_command("migrate", stdout=io.StringIO(), verbosity=0)

    users = User.objects.count()
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == users >= 3
    assert signed_in.get("/inbox/").status_code == 200  # a session from before keeps working
    fresh = Client()
    response = fresh.post("/login/", {"login": "demo@appealdesk.local", "password": "appeal-desk-demo"})
    assert response["Location"] == "/inbox/"
    assert fresh.get("/inbox/").status_code == 200
