"""Who hears about what: each member's reminder choices and muted cases, and the destinations' events."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from appeals.models import CaseMute, Destination, Reminder, ReminderPreference
from core.models import Membership, Organization, User

# The weekly summary goes to managers by its own rule (analytics), not by these preferences.
KINDS = [(k, label) for k, label in Reminder.Kind.choices if k != Reminder.Kind.WEEKLY_SUMMARY]


@dataclass(frozen=True)
class Hearing:
    user: User
    role: str
    cells: list[str]  # per kind: "email", "digest" or "off"
    muted_cases: int


def reminder_choices(user: User) -> list[tuple[str, str, bool, bool]]:
    """(kind, label, by email, in digest) for every reminder kind, defaults filled in."""
    saved = {p.kind: (p.email, p.digest) for p in ReminderPreference.objects.filter(user=user)}
    default = (True, user.email_mode == User.EmailMode.DIGEST)
    return [(k, label, *saved.get(k, default)) for k, label in KINDS]


def who_hears(organization: Organization) -> tuple[list[Hearing], list[Destination]]:
    memberships = list(
        Membership.objects.filter(organization=organization, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    users = [m.user for m in memberships]
    saved = {(p.user_id, p.kind): (p.email, p.digest) for p in ReminderPreference.objects.filter(user__in=users)}
    mutes = Counter(
        CaseMute.objects.filter(user__in=users, violation__organization=organization).values_list("user_id", flat=True)
    )
    rows = []
    for m in memberships:
        u = m.user
        default = (True, u.email_mode == User.EmailMode.DIGEST)
        cells = []
        for kind, _ in KINDS:
            email, digest = saved.get((u.pk, kind), default)
            cells.append("off" if not (email and u.reminder_emails) else ("digest" if digest else "email"))
        rows.append(Hearing(user=u, role=m.get_role_display(), cells=cells, muted_cases=mutes[u.pk]))
    destinations = list(Destination.objects.filter(organization=organization).order_by("name"))
    return rows, destinations
