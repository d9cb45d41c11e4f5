"""Personal API tokens: created and shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import ApiToken, Membership, Organization, SecurityEvent, User, hash_secret

TOKEN_PREFIX = "ad_"


class TokenError(Exception):
    pass


@transaction.atomic
def api_token_create(*, user: User, organization: Organization, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the raw key, which is never stored and cannot be shown again."""
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise TokenError(f"{user.email} is not a member of {organization.slug}.")
    name = (name or "").strip()
    if not name:
        raise TokenError("Give the token a name, such as the script that will use it.")
    if "\x00" in name:
        raise TokenError("The name must not contain NUL characters.")
    # The user's row is locked so two requests at once cannot both take the last free place.
    User.objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.API_TOKENS_PER_USER
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= limit:
        raise TokenError(
            f"You already have {limit} active tokens, the most allowed. Revoke one you no longer use, then create "
            "this one."
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, organization=organization, name=name[:80], prefix=raw[:10], key_hash=hash_secret(raw)
    )
    _recorded(token, SecurityEvent.Kind.TOKEN_CREATED)
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _recorded(token, SecurityEvent.Kind.TOKEN_REVOKED)
    return token


def _recorded(token: ApiToken, kind: str) -> None:
    from core.security import security_event_record

    security_event_record(user=token.user, kind=kind, detail=f"{token.name} ({token.prefix}…) in {token.organization}")


def api_token_authenticate(raw: str) -> tuple[ApiToken, Membership] | None:
    """The active token and its user's current membership, or None (revoked, unknown, or no longer a member)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "organization")
        .filter(key_hash=hash_secret(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    membership = Membership.objects.filter(user=token.user, organization=token.organization).first()
    if membership is None:
        return None
    now = timezone.now()
    # Written at most once a minute so a busy script does not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, membership
