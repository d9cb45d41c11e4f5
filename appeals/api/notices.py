"""POST /violations/parse-notice: a notice's text read into the fields of POST /violations (nothing saved)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from appeals.api.base import ERRORS, ApiInput
from appeals.api.violations import IdList, Kind, RecordStatus
from appeals.services import notices as notice_services

router = Router(tags=["violations"])


class NoticeIn(ApiInput):
    text: str = Field(
        ...,
        description=f"The notice as received: up to {notice_services.NOTICE_MAX_CHARS:,} characters.",
    )


class NoticeFields(Schema):
    """Named as in POST /violations; what the notice does not state is null or []."""

    reference: str | None
    kind: Kind | None
    policy: str | None
    action: str | None
    record_status: RecordStatus | None
    enforced_at: datetime | None
    penalty_points: int | None
    sku_ids: IdList
    product_ids: IdList
    order_ids: IdList
    video_ids: IdList
    account_external_id: str | None = Field(
        ..., description="The shop ID or @username, spelled as your account when it matches one."
    )
    appeal_by: date | None = Field(..., description="Only when the notice states an appeal deadline.")


class NoticeOut(Schema):
    fields: NoticeFields
    found: list[str] = Field(..., description="The names of the fields the notice filled.")


@router.post(
    "/violations/parse-notice",
    response={200: NoticeOut, **ERRORS},
    summary="Read a platform notice into violation fields (saves nothing)",
    description="Empty text gets 400 `empty`; text over 20,000 characters gets 400 `too_long`. Any member may call it.",
)
def violations_parse_notice(request: HttpRequest, payload: NoticeIn):
    reading = notice_services.notice_read(organization=request.organization, text=payload.text)  # type: ignore[attr-defined]
    parsed = reading.parsed
    fields = {name: getattr(parsed, name) for name in NoticeFields.model_fields}
    if reading.account is not None:
        fields["account_external_id"] = reading.account.external_id
    return {"fields": fields, "found": parsed.found}
