from __future__ import annotations

from datetime import date, time
from zoneinfo import available_timezones

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema

from appeals.api.base import ERRORS, ApiDate, ApiPatch, ApiProblem, require_role
from core.models import Role
from core.services import closed_date_add, closed_date_remove, organization_update

router = Router(tags=["organization"])


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    is_agency: bool
    timezone: str
    holiday_country: str
    holiday_subdivision: str
    working_days: list[int]
    opens_at: str = Field(..., pattern=r"^\d{2}:\d{2}$", description="Local opening time, HH:MM")
    closes_at: str = Field(..., pattern=r"^\d{2}:\d{2}$", description="Local closing time, HH:MM")
    closed_dates: list[date]
    review_business_days: int
    appeal_window_days: int
    follow_up_window_days: int
    max_rounds: int
    ticket_first_response_hours: int
    ticket_resolution_hours: int
    appeal_char_limit: int
    role: str


def organization_out(request: HttpRequest) -> dict:
    org = request.organization  # type: ignore[attr-defined]
    return {
        **{field: getattr(org, field) for field in OrganizationOut.model_fields if hasattr(org, field)},
        "opens_at": org.opens_at.strftime("%H:%M"),
        "closes_at": org.closes_at.strftime("%H:%M"),
        "closed_dates": list(org.closed_dates.values_list("date", flat=True)),
        "role": request.membership.role,  # type: ignore[attr-defined]
    }


@router.get("/organization", response={200: OrganizationOut, **ERRORS}, summary="The token's organization")
def organization_read(request: HttpRequest):
    return organization_out(request)


class OrganizationPatch(ApiPatch):
    CLEARABLE = {"holiday_subdivision": "", "closed_dates": []}

    name: str | None = Field(None, min_length=1, max_length=120)
    is_agency: bool | None = None
    timezone: str | None = Field(None, max_length=64)
    holiday_country: str | None = Field(None, min_length=2, max_length=2)
    holiday_subdivision: str | None = Field(None, max_length=10)
    working_days: list[int] | None = Field(None, min_length=1, max_length=7)
    opens_at: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")
    closes_at: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")
    closed_dates: list[ApiDate] | None = Field(None, max_length=1000)
    review_business_days: int | None = Field(None, ge=1, le=60)
    appeal_window_days: int | None = Field(None, ge=1, le=365)
    follow_up_window_days: int | None = Field(None, ge=1, le=365)
    max_rounds: int | None = Field(None, ge=1, le=10)
    ticket_first_response_hours: int | None = Field(None, ge=1, le=1000)
    ticket_resolution_hours: int | None = Field(None, ge=1, le=1000)
    appeal_char_limit: int | None = Field(None, ge=100, le=100000)


@router.patch("/organization", response={200: OrganizationOut, **ERRORS}, summary="Change settings (owners)")
def organization_patch(request: HttpRequest, payload: OrganizationPatch):
    require_role(request, Role.OWNER)
    changes = payload.dict(exclude_unset=True)
    closed_dates = changes.pop("closed_dates", None)
    for name in ("opens_at", "closes_at"):
        if name in changes:
            changes[name] = time.fromisoformat(changes[name])
    if "working_days" in changes and any(day not in range(1, 8) for day in changes["working_days"]):
        raise ApiProblem(
            400, "invalid", "Working days are ISO weekday numbers 1 (Monday) to 7 (Sunday).", "working_days"
        )
    if "timezone" in changes and changes["timezone"] not in available_timezones():
        raise ApiProblem(400, "invalid", f"“{changes['timezone']}” is not a known time zone.", "timezone")
    with transaction.atomic():
        organization = organization_update(organization=request.organization, **changes)  # type: ignore[attr-defined]
        if closed_dates is not None:
            wanted = set(closed_dates)
            for closed in list(organization.closed_dates.all()):
                if closed.date not in wanted:
                    closed_date_remove(organization=organization, closed_date_id=closed.pk)
            existing = set(organization.closed_dates.values_list("date", flat=True))
            for day in sorted(wanted - existing):
                closed_date_add(organization=organization, date=day)
    request.organization = organization  # type: ignore[attr-defined]
    return organization_out(request)
