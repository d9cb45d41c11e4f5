"""Account security of an organization's people: the two-factor policy, who has enrolled, their tokens."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.db import transaction

from core.mfa_policy import SECOND_FACTORS
from core.models import ApiToken, Membership, Organization, User

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
