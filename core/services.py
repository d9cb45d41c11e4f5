"""Writes for people and organizations."""

from __future__ import annotations

import logging
from datetime import date as date_type
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify
from django.utils.timezone import now

from core.dates import weekday
from core.emails import email_send
from core.markets import RULE_FIELDS
from core.models import (
    ApiToken,
    ClosedDate,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_secret,
    new_secret,
)
from core.signals import business_calendar_changed, deadline_settings_changed

logger = logging.getLogger(__name__)


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User, slug: str | None = None, **settings) -> Organization:
    """Create an organization with `owner` as its owner; loads the default checklists and channel rules."""
    try:
        organization = Organization.objects.create(name=name, slug=slug or unique_slug(name), **settings)
    except IntegrityError as exc:
        from appeals.services import ServiceError

        raise ServiceError(f"The slug “{slug}” is taken.", field="slug") from exc
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    from appeals.defaults import defaults_install

    defaults_install(organization=organization)
    return organization


# --- Invitations and members (owners manage people) -------------------------------------------

INVITATION_VALID_DAYS = 7


def _service_error(message: str, field: str | None = None):
    from appeals.services import ServiceError

    return ServiceError(message, field=field)


def invitation_url(raw_token: str) -> str:
    return f"{settings.SITE_URL}{reverse('core:invitation_accept', args=[raw_token])}"


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, invited_by: User) -> Invitation:
    """Invite `email` with `role`; the raw token exists only in the email (stored hashed).

    A new invitation to the same address replaces the pending one, so "invite again" resends.
    """
    email = email.strip().lower()
    if role not in Role.values:
        raise _service_error("Choose a role.", field="role")
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise _service_error(f"{email} is already a member of {organization.name}.", field="email")
    moment = now()
    Invitation.objects.filter(organization=organization, email__iexact=email, accepted_at=None, revoked_at=None).update(
        revoked_at=moment
    )
    raw = new_secret()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_secret(raw),
        invited_by=invited_by,
        created_at=moment,
        expires_at=moment + timedelta(days=INVITATION_VALID_DAYS),
    )
    context = {
        "organization": organization.name,
        "inviter": invited_by.display_name,
        "role": Role(role).label,
        "accept_url": invitation_url(raw),
        "expires_at": invitation.expires_at,
        "valid_days": INVITATION_VALID_DAYS,
    }
    # Sent inside the transaction on purpose: the raw token exists only in this email, so an
    # invitation whose email failed is useless; rolling it back lets the owner simply retry.
    try:
        email_send(name="invitation", to=[email], context=context)
    except Exception as exc:
        logger.warning("Invitation email to %s failed: %s", email, exc)
        raise _service_error(
            "The invitation email could not be sent. Check the address and try again in a moment.", field="email"
        ) from exc
    return invitation


def invitation_for_token(raw_token: str) -> Invitation | None:
    return Invitation.objects.select_related("organization").filter(token_hash=hash_secret(raw_token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation cannot be used, in words for the person holding the link (None: usable)."""
    if invitation is None:
        return "This invitation link is not valid. Check that you copied the whole link from the email."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn. Ask the person who invited you to send a new one."
    if invitation.accepted_at is not None:
        return "This invitation has already been used. Log in to reach the organization."
    if invitation.expires_at <= now():
        return "This invitation has expired. Ask the person who invited you to send a new one."
    return None


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User) -> Membership:
    """The logged-in `user` joins with the invited role; the invitation's email must be theirs."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=hash_secret(raw_token))
        .first()
    )
    problem = invitation_problem(invitation)
    if problem:
        raise _service_error(problem)
    assert invitation is not None
    if invitation.email.lower() != user.email.lower():
        raise _service_error(
            f"This invitation is for {invitation.email}, but you are logged in as {user.email}. "
            "Log out, then open the link again."
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def invitation_accept_new_user(*, raw_token: str, full_name: str, password: str) -> User:
    """A person without an account sets a name and password and joins in one step."""
    invitation = invitation_for_token(raw_token)
    problem = invitation_problem(invitation)
    if problem:
        raise _service_error(problem)
    assert invitation is not None
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise _service_error(f"An account for {invitation.email} exists already. Log in to accept the invitation.")
    user = User.objects.create_user(
        email=invitation.email, password=password, full_name=full_name, timezone=invitation.organization.timezone
    )
    invitation_accept(raw_token=raw_token, user=user)
    return user


@transaction.atomic
def invitation_revoke(*, organization: Organization, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id, organization=organization)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _lock_owners(organization: Organization) -> list[Membership]:
    # Locking every owner row serialises concurrent demotions/removals, so two owners
    # demoting each other at once cannot leave the organization without an owner.
    return list(Membership.objects.select_for_update().filter(organization=organization, role=Role.OWNER))


@transaction.atomic
def membership_change_role(*, organization: Organization, membership_id: int, role: str) -> Membership:
    if role not in Role.values:
        raise _service_error("Choose a role.", field="role")
    owners = _lock_owners(organization)
    membership = (
        Membership.objects.select_for_update().select_related("user").get(pk=membership_id, organization=organization)
    )
    if membership.role == Role.OWNER and role != Role.OWNER and len(owners) <= 1:
        raise _service_error(
            f"{membership.user.display_name} is the only owner. Make someone else an owner first.", field="role"
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, organization: Organization, membership_id: int) -> None:
    owners = _lock_owners(organization)
    membership = (
        Membership.objects.select_for_update().select_related("user").get(pk=membership_id, organization=organization)
    )
    if membership.role == Role.OWNER and len(owners) <= 1:
        raise _service_error(
            f"{membership.user.display_name} is the only owner and cannot be removed. Make someone else an owner first."
        )
    # Their API tokens act with the membership's role: a removed member's scripts stop at once.
    from core.tokens import api_token_revoke

    for token in ApiToken.objects.filter(user_id=membership.user_id, organization=organization, revoked_at=None):
        api_token_revoke(token=token)
    membership.delete()


# --- Organization settings (owners) -------------------------------------------------------------

SETTINGS_FIELDS = (
    "name",
    "timezone",
    "holiday_country",
    "holiday_subdivision",
    "working_days",
    "opens_at",
    "closes_at",
    "review_business_days",
    "appeal_window_days",
    "follow_up_window_days",
    "max_rounds",
    "ticket_first_response_hours",
    "ticket_resolution_hours",
    "appeal_char_limit",
    "repeat_violation_count",
    "repeat_violation_days",
    "penalty_point_expiry_days",
    "penalty_point_milestones",
    "escalation_answer_business_days",
    "authorization_notice_days",
    "is_agency",
)


def holiday_calendar_check(country: str, subdivision: str) -> None:
    """Raise a field error unless the `holidays` library knows this country and subdivision."""
    import holidays

    try:
        holidays.country_holidays(country)
    except NotImplementedError:
        raise _service_error(
            f"“{country}” is not a country the holiday calendar knows (use a code such as US, GB, DE).",
            field="holiday_country",
        ) from None
    if not subdivision:
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        known = holidays.list_supported_countries().get(country, [])
        sample = ", ".join(known[:8]) + ("…" if len(known) > 8 else "")
        example = f" (for example {sample})" if sample else " (this country has none: leave it empty)"
        raise _service_error(
            f"“{subdivision}” is not a subdivision of {country}{example}.", field="holiday_subdivision"
        ) from None


# The settings that decide which local dates are business days (opening hours do not: counts are of dates).
CALENDAR_FIELDS = ("timezone", "holiday_country", "holiday_subdivision", "working_days")

# The settings that count stored deadlines (appeals.services.recompute recounts open cases when one changes).
DEADLINE_FIELDS = (
    *(name for name in RULE_FIELDS if name != "appeal_char_limit"),  # the text limit counts no deadline
    "escalation_answer_business_days",
    *CALENDAR_FIELDS,
    "opens_at",
    "closes_at",
)


@transaction.atomic
def organization_update(*, organization: Organization, **changes) -> Organization:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not organization settings: {sorted(unknown)}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    calendar_before = [getattr(organization, field) for field in CALENDAR_FIELDS]
    deadlines_before = {field: getattr(organization, field) for field in DEADLINE_FIELDS}
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.holiday_country = organization.holiday_country.upper()
    organization.holiday_subdivision = organization.holiday_subdivision.upper()
    holiday_calendar_check(organization.holiday_country, organization.holiday_subdivision)
    if organization.opens_at >= organization.closes_at:
        raise _service_error("Closing time must be after opening time.", field="closes_at")
    if not organization.working_days:
        raise _service_error("Choose at least one working day.", field="working_days")
    if organization.max_rounds < 1:
        raise _service_error("Allow at least one appeal round.", field="max_rounds")
    organization.working_days = sorted(set(organization.working_days))
    organization.penalty_point_milestones = sorted(set(organization.penalty_point_milestones))
    organization.save()
    if [getattr(organization, field) for field in CALENDAR_FIELDS] != calendar_before:
        business_calendar_changed.send(sender=Organization, organization=organization, days=None)
    deadline_changes = {
        field: (old, getattr(organization, field))
        for field, old in deadlines_before.items()
        if getattr(organization, field) != old
    }
    if deadline_changes:
        deadline_settings_changed.send(sender=Organization, organization=organization, changes=deadline_changes)
    return organization


@transaction.atomic
def closed_date_add(*, organization: Organization, date: date_type, note: str = "") -> ClosedDate:
    if ClosedDate.objects.filter(organization=organization, date=date).exists():
        raise _service_error(f"{weekday(date)} is already a closed date.", field="date")
    closed = ClosedDate.objects.create(organization=organization, date=date, note=note.strip())
    business_calendar_changed.send(sender=Organization, organization=organization, days=[date])
    return closed


@transaction.atomic
def closed_date_remove(*, organization: Organization, closed_date_id: int) -> None:
    closed = ClosedDate.objects.filter(organization=organization, pk=closed_date_id).first()
    if closed is None:
        return
    closed.delete()
    business_calendar_changed.send(sender=Organization, organization=organization, days=[closed.date])
