from __future__ import annotations

from datetime import date, time

from django.http import HttpRequest
from ninja import Router, Schema

from appeals.api.base import ERRORS

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
    opens_at: time
    closes_at: time
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
        "closed_dates": list(org.closed_dates.values_list("date", flat=True)),
        "role": request.membership.role,  # type: ignore[attr-defined]
    }


@router.get("/organization", response={200: OrganizationOut, **ERRORS}, summary="The token's organization")
def organization_read(request: HttpRequest):
    return organization_out(request)
