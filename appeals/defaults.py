"""Default editable data every new organization starts with (checklists, channel rules)."""

from __future__ import annotations

from core.models import Organization


def defaults_install(*, organization: Organization) -> None:
    """Each feature registers its defaults here; safe to call twice."""
    for install in DEFAULT_INSTALLERS:
        install(organization)


DEFAULT_INSTALLERS: list = []
