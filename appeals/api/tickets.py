from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from appeals.api.base import ERRORS, ApiDateTime, ApiInput, ApiPatch, ApiProblem, ApiQuery, require_role
from appeals.api.markets import ClockOut, RuleVersionRef, case_clock_out, rule_version_ref
from appeals.models import Account, Appeal, SupportChannel, SupportTicket, Violation
from appeals.selectors.tickets import Sla, at_risk_threshold, with_sla
from appeals.services.tickets import ticket_create, ticket_update
from core.db_router import reads_from_replica
from core.models import Role
from core.tenancy import get_scoped_or_404, scoped

router = Router(tags=["tickets"])

Channel = Literal[tuple(SupportChannel.values)]  # type: ignore[valid-type]
SlaStatus = Literal["on_time", "at_risk", "breached", "met"]


class TicketOut(Schema):
    id: int
    account_id: int
    violation_id: int | None
    appeal_id: int | None
    channel: Channel
    platform_number: str
    subject: str
    question: str
    notes: str
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    first_response_due_at: datetime
    resolution_due_at: datetime
    sla: SlaStatus
    version: int
    clock: ClockOut = Field(..., description="The platform clock of the account's market: counts the SLA hours")
    rule_version: RuleVersionRef | None = Field(..., description="The SLA hours' rule version")

    @staticmethod
    def resolve_clock(ticket) -> dict:
        return case_clock_out(ticket.organization, ticket.account.market)

    @staticmethod
    def resolve_rule_version(ticket) -> dict | None:
        return rule_version_ref(ticket.rule_version)


class TicketIn(ApiInput):
    account_id: int
    violation_id: int | None = None
    appeal_id: int | None = None
    channel: Channel
    platform_number: str = Field("", max_length=120)
    subject: str = Field(..., min_length=1, max_length=200)
    question: str = Field("", max_length=20000)
    notes: str = Field("", max_length=20000)
    opened_at: ApiDateTime | None = None
    first_response_at: ApiDateTime | None = None
    resolved_at: ApiDateTime | None = None


class TicketPatch(ApiPatch):
    CLEARABLE = {
        "platform_number": "",
        "question": "",
        "notes": "",
        "first_response_at": None,
        "resolved_at": None,
    }

    version: int
    channel: Channel | None = None
    platform_number: str | None = Field(None, max_length=120)
    subject: str | None = Field(None, min_length=1, max_length=200)
    question: str | None = Field(None, max_length=20000)
    notes: str | None = Field(None, max_length=20000)
    opened_at: ApiDateTime | None = None
    first_response_at: ApiDateTime | None = None
    resolved_at: ApiDateTime | None = None


class TicketFilters(ApiQuery):
    account_id: int | None = None
    violation_id: int | None = None
    channel: Channel | None = None
    sla: SlaStatus | None = None
    open: bool | None = Field(None, description="true: unresolved only; false: resolved only")


def _annotated(request: HttpRequest):
    now = timezone.now()
    return with_sla(
        scoped(request, SupportTicket.objects.select_related("account", "organization", "rule_version")),
        now=now,
        threshold=at_risk_threshold(request.organization, now),  # type: ignore[attr-defined]
    )


def _related(request: HttpRequest, model, pk: int | None, field: str):
    if pk is None:
        return None
    found = scoped(request, model.objects.all()).filter(pk=pk).first()
    if found is None:
        raise ApiProblem(400, "invalid", f"No {model._meta.verbose_name} with this id in your organization.", field)
    return found


@router.get("/tickets", response={200: list[TicketOut], **ERRORS}, summary="List support tickets")
@decorate_view(reads_from_replica)
def tickets_list(request: HttpRequest, filters: Query[TicketFilters]):
    tickets = _annotated(request).order_by("-opened_at", "-pk")
    for name in ("account_id", "violation_id", "channel", "sla"):
        value = getattr(filters, name)
        if value is not None:
            tickets = tickets.filter(**{name: value})
    if filters.open is not None:
        tickets = tickets.filter(resolved_at__isnull=filters.open)
    return list(tickets[:500])


@router.post("/tickets", response={201: TicketOut, **ERRORS}, summary="Record a support ticket")
def tickets_create(request: HttpRequest, payload: TicketIn):
    require_role(request, Role.MEMBER)
    data = payload.dict()
    ticket = ticket_create(
        organization=request.organization,  # type: ignore[attr-defined]
        account=_related(request, Account, data.pop("account_id"), "account_id"),
        violation=_related(request, Violation, data.pop("violation_id"), "violation_id"),
        appeal=_related(request, Appeal, data.pop("appeal_id"), "appeal_id"),
        by=request.user,
        **data,
    )
    return Status(201, _annotated(request).get(pk=ticket.pk))


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS}, summary="Read a ticket")
def tickets_read(request: HttpRequest, ticket_id: int):
    return get_scoped_or_404(request, _annotated(request), pk=ticket_id)


@router.patch("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS}, summary="Update a ticket")
def tickets_update(request: HttpRequest, ticket_id: int, payload: TicketPatch):
    ticket = get_scoped_or_404(request, SupportTicket.objects.all(), pk=ticket_id)
    require_role(request, Role.MEMBER)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    ticket_update(ticket_id=ticket.pk, version=version, by=request.user, **data)
    return _annotated(request).get(pk=ticket.pk)


__all__ = ["router", "Sla"]
