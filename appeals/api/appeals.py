from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from appeals.api.base import (
    ERRORS,
    NUL_MESSAGE,
    ApiDateTime,
    ApiInput,
    ApiPatch,
    ApiProblem,
    ApiQuery,
    Error,
    require_role,
)
from appeals.api.markets import ClockOut, RuleVersionRef, case_clock_out, rule_version_ref
from appeals.models import Appeal, Evidence, Violation
from appeals.services import StaleVersion
from appeals.services import appeals as appeal_services
from appeals.services import evidence as evidence_services
from appeals.services import outcomes as outcome_services
from core.db_router import reads_from_replica
from core.models import Role
from core.tenancy import get_scoped_or_404, scoped

router = Router(tags=["appeals"])

AppealStatus = Literal[tuple(Appeal.Status.values)]  # type: ignore[valid-type]
Outcome = Literal["reversed", "partially_reversed", "upheld", "withdrawn"]
Impact = Literal[tuple(Appeal.Impact.values)]  # type: ignore[valid-type]
UPLOAD_ERRORS = {**ERRORS, 413: Error, 415: Error}


class Finding(Schema):
    code: str
    message: str
    fix: str = ""


class Readiness(Schema):
    score: int
    findings: list[Finding]


class AppealIds(Schema):
    reference: str = ""
    account: str = ""
    sku: list[str] = []
    product: list[str] = []
    order: list[str] = []
    video: list[str] = []


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    category: str
    size: int
    sha256: str
    caption: str


class AppealOut(Schema):
    id: int
    violation_id: int
    round: int
    parent_id: int | None
    status: AppealStatus
    outcome: Outcome | None
    desired_outcome: str
    rule_cited: str
    rule_explanation: str
    explanation: str
    ids: AppealIds
    final_text: str
    submitted_at: datetime | None
    platform_reference: str
    due_at: datetime | None
    decided_at: datetime | None
    decision_message: str
    impacts_cleared: list[str]
    readiness: Readiness
    evidence: list[EvidenceOut]
    version: int
    clock: ClockOut = Field(..., description="The platform clock of the case's market: counts due_at")
    rule_version: RuleVersionRef | None = Field(..., description="The case's rule version (review days, rounds)")


class AppealPage(Schema):
    items: list[AppealOut]
    next_cursor: str | None = None


class AppealIdsIn(ApiInput):
    reference: str = Field("", max_length=120)
    account: str = Field("", max_length=120)
    sku: list[str] = Field([], max_length=200)
    product: list[str] = Field([], max_length=200)
    order: list[str] = Field([], max_length=200)
    video: list[str] = Field([], max_length=200)


class AppealCreate(ApiInput):
    """The case to appeal, and any of the draft's fields (saved through the web builder's steps)."""

    violation_id: int
    desired_outcome: str = Field("", max_length=5000, description="Step 1: the outcome you want, first")
    rule_cited: str = Field("", max_length=255, description="Step 2: the rule you believe was misapplied")
    rule_explanation: str = Field("", max_length=5000, description="Step 2: why it does not apply")
    explanation: str = Field("", max_length=5000, description="Step 2: the rest of the explanation")
    ids: AppealIdsIn | None = Field(None, description="Step 3: the IDs to put in the first message")


class AppealPatch(ApiPatch):
    CLEARABLE = {
        "desired_outcome": "",
        "rule_cited": "",
        "rule_explanation": "",
        "explanation": "",
        "ids": {key: "" if key in ("reference", "account") else [] for key in AppealIdsIn.model_fields},
    }

    version: int
    desired_outcome: str | None = Field(None, max_length=5000)
    rule_cited: str | None = Field(None, max_length=255)
    rule_explanation: str | None = Field(None, max_length=5000)
    explanation: str | None = Field(None, max_length=5000)
    ids: AppealIdsIn | None = Field(None, description="Only the kinds given change; null clears every ID.")


class SubmitIn(ApiInput):
    submitted_at: ApiDateTime | None = None
    platform_reference: str = Field("", max_length=120)


class OutcomeIn(ApiInput):
    outcome: Outcome
    decided_at: ApiDateTime | None = None
    message: str = Field("", max_length=20000)
    impacts_cleared: list[Impact] | None = None
    version: int | None = Field(None, description="The version you read; omit to record against the current one.")


class AppealFilters(ApiQuery):
    violation_id: int | None = None
    status: AppealStatus | None = None
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(50, ge=1, le=200)


def evidence_out(evidence: Evidence) -> dict:
    return {
        "id": evidence.pk,
        "name": evidence.original_name,
        "content_type": evidence.content_type,
        "category": evidence.category,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "caption": evidence.caption,
    }


def appeal_out(appeal: Appeal) -> dict:
    if appeal.is_editable:
        report = appeal_services.appeal_readiness(appeal)
        readiness = {"score": report.score, "findings": report.findings_as_dicts()}
    else:
        readiness = {"score": appeal.readiness_score or 0, "findings": appeal.readiness_findings or []}
    ids = {
        key: appeal.ids.get(key, [] if key not in ("reference", "account") else "") for key in AppealIds.model_fields
    }
    decided = appeal.status in Appeal.DECIDED or appeal.status == Appeal.Status.WITHDRAWN
    return {
        **{name: getattr(appeal, name) for name in AppealOut.model_fields if hasattr(appeal, name)},
        "ids": ids,
        "outcome": appeal.status if decided else None,
        "final_text": appeal_services.appeal_compose_text(appeal),
        "readiness": readiness,
        "evidence": [evidence_out(e) for e in appeal.evidence.all()],
        "clock": case_clock_out(appeal.organization, appeal.violation.account.market),
        "rule_version": rule_version_ref(appeal.violation.rule_version),
    }


def _appeals():
    return Appeal.objects.select_related(
        "violation__account", "violation__rule_version", "organization"
    ).prefetch_related("evidence")


def _fresh(pk: int) -> dict:
    return appeal_out(_appeals().get(pk=pk))


def _appeal_to_change(request: HttpRequest, appeal_id: int) -> Appeal:
    """The organization's appeal (404 otherwise, checked first so IDs cannot be probed) for a member or above."""
    appeal = get_scoped_or_404(request, Appeal.objects.all(), pk=appeal_id)
    require_role(request, Role.MEMBER)
    return appeal


def _draft_save(appeal: Appeal, data: dict, by) -> Appeal:
    """Save the draft's fields given in `data` through the builder's steps, as the web builder does."""
    current = {name: getattr(appeal, name) for name in appeal_services.STEP_FIELDS[2]}
    steps = [
        (1, {"desired_outcome": data["desired_outcome"]} if "desired_outcome" in data else None),
        (2, {**current, **{k: v for k, v in data.items() if k in current}} if data.keys() & current.keys() else None),
        (3, {"ids": {**(appeal.ids or {}), **data["ids"]}} if data.get("ids") is not None else None),
    ]
    for step, values in steps:
        if values is not None:
            appeal = appeal_services.appeal_save_step(
                appeal_id=appeal.pk, step=step, data=values, by=by, version=appeal.version
            )
    return appeal


def _cursor(value: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(value.encode() + b"==").decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "invalid", "This cursor is not one the API gave out.", "cursor") from None


@router.get("/appeals", response={200: AppealPage, **ERRORS}, summary="List appeals, newest first")
@decorate_view(reads_from_replica)
def appeals_list(request: HttpRequest, filters: Query[AppealFilters]):
    appeals = scoped(request, _appeals())
    if filters.violation_id is not None:
        appeals = appeals.filter(violation_id=filters.violation_id)
    if filters.status is not None:
        appeals = appeals.filter(status=filters.status)
    if filters.cursor:
        appeals = appeals.filter(pk__lt=_cursor(filters.cursor))
    page = list(appeals.order_by("-pk")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    next_cursor = base64.urlsafe_b64encode(str(page[-1].pk).encode()).decode().rstrip("=") if more else None
    return {"items": [appeal_out(a) for a in page], "next_cursor": next_cursor}


@router.post("/appeals", response={201: AppealOut, **ERRORS}, summary="Start an appeal for a violation")
def appeals_create(request: HttpRequest, payload: AppealCreate):
    require_role(request, Role.MEMBER)
    violation = scoped(request, Violation.objects.all()).filter(pk=payload.violation_id).first()
    if violation is None:
        raise ApiProblem(400, "invalid", "No violation with this id in your organization.", "violation_id")
    with transaction.atomic():
        appeal = appeal_services.appeal_start(violation=violation, by=request.user)
        draft = payload.dict(exclude_unset=True, exclude={"violation_id"})
        if draft:
            appeal = _draft_save(appeal, draft, request.user)
    return Status(201, _fresh(appeal.pk))


@router.get("/appeals/{appeal_id}", response={200: AppealOut, **ERRORS}, summary="Read an appeal with its readiness")
def appeals_read(request: HttpRequest, appeal_id: int):
    return appeal_out(get_scoped_or_404(request, _appeals(), pk=appeal_id))


@router.patch("/appeals/{appeal_id}", response={200: AppealOut, **ERRORS}, summary="Update a draft")
def appeals_update(request: HttpRequest, appeal_id: int, payload: AppealPatch):
    appeal = _appeal_to_change(request, appeal_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if appeal.version != version:
        raise StaleVersion()
    with transaction.atomic():
        appeal = _draft_save(appeal, data, request.user)
    return _fresh(appeal.pk)


@router.post(
    "/appeals/{appeal_id}/evidence", response={201: EvidenceOut, **UPLOAD_ERRORS}, summary="Attach an evidence file"
)
def appeals_evidence(request: HttpRequest, appeal_id: int, file: File[UploadedFile], caption: Form[str] = ""):
    appeal = _appeal_to_change(request, appeal_id)
    if "\x00" in caption:
        raise ApiProblem(400, "invalid", NUL_MESSAGE, "caption")
    if len(caption) > 200:
        raise ApiProblem(400, "invalid", "Keep the caption to one line (under 200 characters).", "caption")
    evidence = evidence_services.evidence_add(appeal_id=appeal.pk, upload=file, by=request.user, caption=caption)
    return Status(201, evidence_out(evidence))


@router.post("/appeals/{appeal_id}/submit", response={200: AppealOut, **ERRORS}, summary="Mark as submitted")
def appeals_submit(request: HttpRequest, appeal_id: int, payload: SubmitIn):
    appeal = _appeal_to_change(request, appeal_id)
    appeal_services.appeal_submit(
        appeal_id=appeal.pk,
        by=request.user,
        submitted_at=payload.submitted_at,
        platform_reference=payload.platform_reference,
    )
    return _fresh(appeal.pk)


@router.post("/appeals/{appeal_id}/outcome", response={200: AppealOut, **ERRORS}, summary="Record the decision")
def appeals_outcome(request: HttpRequest, appeal_id: int, payload: OutcomeIn):
    appeal = _appeal_to_change(request, appeal_id)
    outcome_services.outcome_record(
        appeal_id=appeal.pk,
        by=request.user,
        outcome=payload.outcome,
        decided_at=payload.decided_at,
        message=payload.message,
        impacts_cleared=payload.impacts_cleared,
        version=payload.version if payload.version is not None else appeal.version,
    )
    return _fresh(appeal.pk)


@router.post("/appeals/{appeal_id}/follow-up", response={201: AppealOut, **ERRORS}, summary="Start the next round")
def appeals_follow_up(request: HttpRequest, appeal_id: int):
    appeal = _appeal_to_change(request, appeal_id)
    follow_up = outcome_services.appeal_follow_up_start(appeal_id=appeal.pk, by=request.user)
    return Status(201, _fresh(follow_up.pk))
