"""Default editable data every new organization starts with (checklists, channel rules)."""

from __future__ import annotations

from core.models import Organization


def defaults_install(*, organization: Organization) -> None:
    """Each feature registers its defaults here; safe to call twice."""
    for install in DEFAULT_INSTALLERS:
        install(organization)


DEFAULT_INSTALLERS: list = []

# Appeal builder: evidence checklists per violation kind.
from appeals.services.checklists import checklist_install_defaults  # noqa: E402

DEFAULT_INSTALLERS.append(checklist_install_defaults)

# Channel guide: support channel rules from the domain notes.
from appeals.services.tickets import channel_rules_install  # noqa: E402

DEFAULT_INSTALLERS.append(channel_rules_install)
