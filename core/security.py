"""Account security of an organization's people: the two-factor policy, who has enrolled, their tokens, and the
append-only record of sign-ins and credential changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from allauth.core import context
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.db import transaction
from django.http import HttpRequest

from core.mfa_policy import SECOND_FACTORS
from core.models import ApiToken, Membership, Organization, SecurityEvent, User

FACTOR_LABELS = {Authenticator.Type.TOTP: "Authenticator app", Authenticator.Type.WEBAUTHN: "Passkey"}


@dataclass
class MemberSecurity:
    membership: Membership
    factors: list[str] = field(default_factory=list)
    tokens: list[ApiToken] = field(default_factory=list)

    @property
    def enrolled(self) -> bool:
        return bool(self.factors)


@transaction.atomic
def organization_two_factor_set(*, organization: Organization, required: bool, by: User) -> Organization:
    """Require (or stop requiring) a second factor of every member; the owner who requires it must have one."""
    if required and not is_mfa_enabled(by, types=SECOND_FACTORS):
        from appeals.services import ServiceError

        raise ServiceError(
            "Set up two-factor authentication for yourself first, so the policy does not lock you out.",
            field="require_two_factor",
        )
    organization.require_two_factor = required
    organization.save(update_fields=["require_two_factor"])
    return organization


def members_security(organization: Organization) -> list[MemberSecurity]:
    """Each member with the second factors they enrolled and their active API tokens here (three queries)."""
    memberships = list(
        Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")
    )
    user_ids = [m.user_id for m in memberships]
    factors: dict[int, set[str]] = defaultdict(set)
    for user_id, kind in Authenticator.objects.filter(user_id__in=user_ids, type__in=list(FACTOR_LABELS)).values_list(
        "user_id", "type"
    ):
        factors[user_id].add(FACTOR_LABELS[kind])
    tokens: dict[int, list[ApiToken]] = defaultdict(list)
    for token in ApiToken.objects.filter(organization=organization, user_id__in=user_ids, revoked_at=None).order_by(
        "created_at"
    ):
        tokens[token.user_id].append(token)
    return [MemberSecurity(m, sorted(factors[m.user_id]), tokens[m.user_id]) for m in memberships]


def security_event_record(
    *, user: User | None, kind: str, detail: str = "", email: str = "", request: HttpRequest | None = None
) -> SecurityEvent:
    """Record who did what and from where; the request defaults to the one being answered (allauth's context)."""
    from core.auth_adapters import client_ip

    request = request if request is not None else context.request
    meta = request.META if request is not None else {}
    return SecurityEvent.objects.create(
        user=user,
        email=(user.email if user is not None else email)[:254],
        kind=kind,
        ip=client_ip(request) or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        detail=detail[:200],
    )


def security_events_for_organization(organization: Organization, *, limit: int = 100) -> list[SecurityEvent]:
    """The latest events of the organization's current members, newest first."""
    return list(
        SecurityEvent.objects.filter(user__memberships__organization=organization)
        .select_related("user")
        .order_by("-created_at", "-id")[:limit]
    )


def is_new_device(*, user: User, user_agent: str) -> bool:
    """True when the user has signed in before, but never from this kind of device (browser and system)."""
    from core.usersessions import device_label

    earlier = SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGNED_IN).values_list(
        "user_agent", flat=True
    )[:500]
    labels = {device_label(agent) for agent in earlier}
    return bool(labels) and device_label(user_agent) not in labels
