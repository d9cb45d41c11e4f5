"""The demo login that `manage.py load_demo` creates, and whether the landing page may show it."""

from __future__ import annotations

from django.conf import settings

DEMO_EMAIL = "demo@appealdesk.local"
DEMO_PASSWORD = "appeal-desk-demo"


def demo_login() -> tuple[str, str] | None:
    """(email, password) when demo data was loaded and SHOW_DEMO_LOGIN allows telling it (development)."""
    from core.models import User

    if not getattr(settings, "SHOW_DEMO_LOGIN", False) or not User.objects.filter(email=DEMO_EMAIL).exists():
        return None
    return DEMO_EMAIL, DEMO_PASSWORD
