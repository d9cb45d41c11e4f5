"""Support tickets (with their SLA deadlines), channel rules and partner authorizations."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from appeals.channel_guide import default_rule_fields
from appeals.models import Account, Appeal, ChannelRule, SupportChannel, SupportTicket, TimelineVerb, Violation
from appeals.services import PermissionRefused, ServiceError, StaleVersion
from appeals.services.timeline import timeline_record
from core.market_models import RuleVersion
from core.markets import platform_clock, rules_for
from core.models import Organization
from core.rules import rule_version_for

# Fields a ticket edit may change (the API and the web form pass the same names).
TICKET_FIELDS = (
    "account",
    "violation",
    "appeal",
    "channel",
    "platform_number",
    "subject",
    "question",
    "notes",
    "opened_at",
    "first_response_at",
    "resolved_at",
)


def ticket_deadlines(
    *, organization: Organization, opened_at: datetime, market: str = "US", rule_version: RuleVersion | None = None
) -> tuple[datetime, datetime]:
    """First-response and resolution deadlines: the rule version's SLA hours counted in the support hours of the
    account market's platform clock."""
    clock = platform_clock(organization, market)
    rules = rules_for(organization, rule_version)
    return (
        clock.add_business_hours(opened_at, rules.ticket_first_response_hours),
        clock.add_business_hours(opened_at, rules.ticket_resolution_hours),
    )


def _ticket_rule_version(ticket: SupportTicket) -> RuleVersion:
    """The case's version when the ticket is about a case, else the market's version in force when it opened."""
    if ticket.violation is not None and ticket.violation.rule_version_id:
        return ticket.violation.rule_version
    return rule_version_for(organization=ticket.organization, market=ticket.account.market, on=ticket.opened_at)


def _set_ticket_deadlines(ticket: SupportTicket) -> None:
    ticket.rule_version = _ticket_rule_version(ticket)
    ticket.first_response_due_at, ticket.resolution_due_at = ticket_deadlines(
        organization=ticket.organization,
        opened_at=ticket.opened_at,
        market=ticket.account.market,
        rule_version=ticket.rule_version,
    )


def _validate(ticket: SupportTicket) -> None:
    """Every rule a ticket must satisfy, whatever path wrote it."""
    if ticket.account.organization_id != ticket.organization_id:
        raise ServiceError("Choose an account of this organization.", field="account")
    if ticket.channel not in SupportChannel.values:
        raise ServiceError("Choose a support channel from the list.", field="channel")
    if not (ticket.subject or "").strip():
        raise ServiceError("Give the ticket a subject.", field="subject")
    if ticket.opened_at is None:
        raise ServiceError("Say when the ticket was opened.", field="opened_at")
    if ticket.opened_at > timezone.now() + timedelta(minutes=5):
        raise ServiceError("A ticket cannot be opened in the future.", field="opened_at")
    violation = ticket.violation
    if violation is not None:
        if violation.organization_id != ticket.organization_id:
            raise ServiceError("That case belongs to another organization.", field="violation")
        if violation.account_id != ticket.account_id:
            raise ServiceError(
                f"Case {violation.reference} belongs to another account; pick that account or another case.",
                field="violation",
            )
    appeal = ticket.appeal
    if appeal is not None and (violation is None or appeal.violation_id != violation.pk):
        raise ServiceError("That appeal is not part of the linked case.", field="appeal")
    for name, label in (("first_response_at", "first response"), ("resolved_at", "resolution")):
        moment = getattr(ticket, name)
        if moment is not None and moment < ticket.opened_at:
            raise ServiceError(f"The {label} cannot be before the ticket was opened.", field=name)
        if moment is not None and moment > timezone.now() + timedelta(minutes=5):
            raise ServiceError(f"The {label} cannot be in the future.", field=name)
    if ticket.first_response_at and ticket.resolved_at and ticket.resolved_at < ticket.first_response_at:
        raise ServiceError("The resolution cannot be before the first response.", field="resolved_at")


@transaction.atomic
def ticket_create(
    *,
    organization: Organization,
    account: Account,
    channel: str,
    subject: str,
    by: Any = None,
    question: str = "",
    notes: str = "",
    platform_number: str = "",
    opened_at: datetime | None = None,
    first_response_at: datetime | None = None,
    resolved_at: datetime | None = None,
    violation: Violation | None = None,
    appeal: Appeal | None = None,
) -> SupportTicket:
    """Record a ticket opened on the platform; its SLA deadlines follow the organization's calendar."""
    if appeal is not None and violation is None:
        violation = appeal.violation
    ticket = SupportTicket(
        organization=organization,
        account=account,
        violation=violation,
        appeal=appeal,
        channel=channel,
        platform_number=platform_number.strip(),
        subject=subject.strip(),
        question=question,
        notes=notes,
        opened_at=opened_at or timezone.now(),
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    _validate(ticket)
    if ticket.first_response_at is None and ticket.resolved_at is not None:
        ticket.first_response_at = ticket.resolved_at  # a resolution is also an answer
    _set_ticket_deadlines(ticket)
    ticket.save()
    if violation is not None:
        timeline_record(
            violation=violation,
            verb=TimelineVerb.TICKET_OPENED,
            actor=by,
            appeal=appeal,
            data={"ticket": ticket.pk, "channel": ticket.channel, "subject": ticket.subject},
        )
    return ticket


def _describe(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def ticket_update(*, ticket_id: int, version: int, by: Any = None, **changes: Any) -> SupportTicket:
    """Apply edits if nobody saved in between; deadlines move with opened_at."""
    unknown = set(changes) - set(TICKET_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown ticket fields: {', '.join(sorted(unknown))}.")
    ticket = (
        SupportTicket.objects.select_for_update(of=("self",))
        .select_related("organization", "account", "violation", "appeal")
        .get(pk=ticket_id)
    )
    if ticket.version != version:
        raise StaleVersion()
    if changes.get("appeal") is not None and "violation" not in changes and ticket.violation is None:
        changes["violation"] = changes["appeal"].violation
    changed = {}
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip() if name in {"subject", "platform_number"} else value
        if getattr(ticket, name) != value:
            changed[name] = value
            setattr(ticket, name, value)
    if not changed:
        return ticket
    _validate(ticket)
    if "resolved_at" in changed and ticket.resolved_at and ticket.first_response_at is None:
        ticket.first_response_at = ticket.resolved_at  # a resolution is also an answer
        changed["first_response_at"] = ticket.resolved_at
    if {"opened_at", "account", "violation"} & set(changed):
        _set_ticket_deadlines(ticket)
    ticket.version += 1
    ticket.save()
    if ticket.violation is not None:
        timeline_record(
            violation=ticket.violation,
            verb=TimelineVerb.TICKET_UPDATED,
            actor=by,
            appeal=ticket.appeal,
            data={"ticket": ticket.pk, "changed": {k: _describe(v) for k, v in changed.items()}},
        )
    return ticket


def ticket_record_first_response(
    *, ticket_id: int, version: int, by: Any = None, at: datetime | None = None
) -> SupportTicket:
    return ticket_update(ticket_id=ticket_id, version=version, by=by, first_response_at=at or timezone.now())


def ticket_resolve(*, ticket_id: int, version: int, by: Any = None, at: datetime | None = None) -> SupportTicket:
    return ticket_update(ticket_id=ticket_id, version=version, by=by, resolved_at=at or timezone.now())


@transaction.atomic
def account_authorization_update(
    *,
    account: Account,
    authorized: bool,
    authorized_since: date | None = None,
    authorization_expires_on: date | None = None,
    by: Any = None,
) -> Account:
    """Store an agency's authorization to contact support for one shop or creator.

    The expiring reminder reads authorization_expires_on; nothing else to schedule here.
    """
    account = Account.objects.select_for_update(of=("self",)).select_related("organization").get(pk=account.pk)
    if authorized and authorized_since is None:
        authorized_since = timezone.localdate(timezone=account.organization.zoneinfo)
    if authorized_since and authorized_since > timezone.localdate() + timedelta(days=1):
        raise ServiceError("The authorization cannot start in the future.", field="authorized_since")
    if authorized_since and authorization_expires_on and authorization_expires_on < authorized_since:
        raise ServiceError("The renewal date must be after the start date.", field="authorization_expires_on")
    account.authorized = authorized
    account.authorized_since = authorized_since
    account.authorization_expires_on = authorization_expires_on
    account.save(update_fields=["authorized", "authorized_since", "authorization_expires_on"])
    return account


def _require_owner(by: Any, organization: Organization) -> None:
    if by is None:
        return  # system callers (installers, commands)
    membership = by.memberships.filter(organization=organization).first()
    if membership is None or not membership.is_owner:
        raise PermissionRefused("Only owners can change the channel guide.")


RULE_FIELDS = ("audience", "can_log_in", "issue", "channel", "steps", "ids_to_have", "advice", "position")


@transaction.atomic
def channel_rule_save(
    *, organization: Organization, by: Any = None, rule: ChannelRule | None = None, **fields: Any
) -> ChannelRule:
    """Create (rule=None) or change one channel guide rule."""
    _require_owner(by, organization)
    if rule is None:
        rule = ChannelRule(organization=organization)
    elif rule.organization_id != organization.pk:
        raise PermissionRefused("That rule belongs to another organization.")
    else:
        rule = ChannelRule.objects.select_for_update().get(pk=rule.pk)
    for name in RULE_FIELDS:
        if name in fields:
            setattr(rule, name, fields[name])
    if not (rule.steps or "").strip():
        raise ServiceError("Write the steps to reach the channel.", field="steps")
    rule.full_clean(exclude=["organization"])
    rule.save()
    return rule


@transaction.atomic
def channel_rule_delete(*, rule: ChannelRule, by: Any = None) -> None:
    _require_owner(by, rule.organization)
    ChannelRule.objects.filter(pk=rule.pk).delete()


@transaction.atomic
def channel_rules_install(organization: Organization) -> int:
    """Default channel guide (DEFAULT_INSTALLERS): only for an organization that has no rules yet."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if ChannelRule.objects.filter(organization=organization).exists():
        return 0
    rules = [ChannelRule(organization=organization, **fields) for fields in default_rule_fields()]
    ChannelRule.objects.bulk_create(rules)
    return len(rules)


@transaction.atomic
def channel_rules_restore_defaults(*, organization: Organization, by: Any = None) -> int:
    """Replace every rule with the defaults from the domain notes."""
    _require_owner(by, organization)
    ChannelRule.objects.filter(organization=organization).delete()
    return channel_rules_install(organization)
