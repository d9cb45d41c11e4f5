from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from appeals import imports
from appeals.api.base import ERRORS, ApiDateTime, ApiInput, ApiPatch, ApiProblem, ApiQuery, FieldError, require_role
from appeals.api.markets import ClockOut, RuleVersionRef, case_clock_out, rule_version_ref
from appeals.models import Account, CaseStatus, Violation, ViolationItem, ViolationKind
from appeals.services import ServiceError
from appeals.services import violations as violation_services
from appeals.services.imports import import_layout
from core.db_router import reads_from_replica
from core.models import Membership, Role
from core.tenancy import get_scoped_or_404, scoped

router = Router(tags=["violations"])

Kind = Literal[tuple(ViolationKind.values)]  # type: ignore[valid-type]
CaseStatusName = Literal[tuple(CaseStatus.values)]  # type: ignore[valid-type]
RecordStatus = Literal["pending", "enforced"]
ITEM_FIELDS = {"sku_ids": "sku", "product_ids": "product", "order_ids": "order", "video_ids": "video"}
IdList = list[str]


class ViolationOut(Schema):
    id: int
    account_id: int
    reference: str
    kind: Kind
    policy: str
    action: str
    record_status: RecordStatus
    enforced_at: datetime
    appeal_by: datetime
    notice: str
    penalty_points: int
    points_cleared: bool
    status: CaseStatusName
    assignee_id: int | None
    version: int
    sku_ids: IdList
    product_ids: IdList
    order_ids: IdList
    video_ids: IdList
    created_at: datetime
    updated_at: datetime
    clock: ClockOut = Field(..., description="The platform clock of the account's market: counts appeal_by")
    rule_version: RuleVersionRef | None = Field(..., description="The rules in force on the enforcement date")


class ViolationPage(Schema):
    items: list[ViolationOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last page.")


class ViolationIn(ApiInput):
    account_id: int
    reference: str = Field(..., min_length=1, max_length=120)
    kind: Kind
    policy: str = Field(..., min_length=1, max_length=255)
    action: str = Field("", max_length=255)
    record_status: RecordStatus = "enforced"
    enforced_at: ApiDateTime
    notice: str = Field("", max_length=20000)
    penalty_points: int = Field(0, ge=0, le=1000)
    sku_ids: IdList = []
    product_ids: IdList = []
    order_ids: IdList = []
    video_ids: IdList = []
    assignee_id: int | None = None


class ViolationPatch(ApiPatch):
    CLEARABLE = {"action": "", "notice": "", **{field: [] for field in ITEM_FIELDS}}

    version: int = Field(..., description="The version you read; a stale one gets 409.")
    account_id: int | None = None
    reference: str | None = Field(None, min_length=1, max_length=120)
    kind: Kind | None = None
    policy: str | None = Field(None, min_length=1, max_length=255)
    action: str | None = Field(None, max_length=255)
    record_status: RecordStatus | None = None
    enforced_at: ApiDateTime | None = None
    notice: str | None = Field(None, max_length=20000)
    penalty_points: int | None = Field(None, ge=0, le=1000)
    sku_ids: IdList | None = None
    product_ids: IdList | None = None
    order_ids: IdList | None = None
    video_ids: IdList | None = None


class ViolationFilters(ApiQuery):
    account_id: int | None = None
    kind: Kind | None = None
    status: CaseStatusName | None = None
    enforced_after: ApiDateTime | None = None
    enforced_before: ApiDateTime | None = None
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(50, ge=1, le=200)


class ImportReport(Schema):
    code: str
    message: str
    applied: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FieldError] = []


def violation_out(violation: Violation) -> dict:
    data = {name: getattr(violation, name) for name in ViolationOut.model_fields if hasattr(violation, name)}
    for field, kind in ITEM_FIELDS.items():
        data[field] = [item.value for item in violation.items.all() if item.kind == kind]
    data["clock"] = case_clock_out(violation.organization, violation.account.market)
    data["rule_version"] = rule_version_ref(violation.rule_version)
    return data


def _with_items(queryset):
    return queryset.select_related("account", "organization", "rule_version").prefetch_related(
        Prefetch("items", queryset=ViolationItem.objects.order_by("id"))
    )


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "invalid", "This cursor is not one the API gave out.", "cursor") from None


def _encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def _account(request: HttpRequest, account_id: int) -> Account:
    account = scoped(request, Account.objects.all()).filter(pk=account_id).first()
    if account is None:
        raise ApiProblem(400, "invalid", "No account with this id in your organization.", "account_id")
    return account


def _items(data: dict) -> dict[str, list[str]] | None:
    if all(data.get(field) is None for field in ITEM_FIELDS):
        return None
    return {kind: data.get(field) or [] for field, kind in ITEM_FIELDS.items()}


@router.get("/violations", response={200: ViolationPage, **ERRORS}, summary="List violations, newest first")
@decorate_view(reads_from_replica)
def violations_list(request: HttpRequest, filters: Query[ViolationFilters]):
    queryset = scoped(request, Violation.objects.all())
    for name, lookup in [
        ("account_id", "account_id"),
        ("kind", "kind"),
        ("status", "status"),
        ("enforced_after", "enforced_at__gte"),
        ("enforced_before", "enforced_at__lt"),
    ]:
        value = getattr(filters, name)
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    if filters.cursor:
        queryset = queryset.filter(pk__lt=_decode_cursor(filters.cursor))
    page = list(_with_items(queryset.order_by("-pk"))[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {"items": [violation_out(v) for v in page], "next_cursor": _encode_cursor(page[-1].pk) if more else None}


@router.post("/violations", response={201: ViolationOut, **ERRORS}, summary="Record a violation")
def violations_create(request: HttpRequest, payload: ViolationIn):
    require_role(request, Role.MEMBER)
    data = payload.dict()
    assignee = None
    if data["assignee_id"] is not None:
        membership = Membership.objects.filter(
            organization=request.organization,
            user_id=data["assignee_id"],  # type: ignore[attr-defined]
        ).first()
        if membership is None:
            raise ApiProblem(400, "invalid", "The assignee must be a member of your organization.", "assignee_id")
        assignee = membership.user
    violation = violation_services.violation_create(
        organization=request.organization,  # type: ignore[attr-defined]
        account=_account(request, data["account_id"]),
        by=request.user,
        reference=data["reference"],
        kind=data["kind"],
        policy=data["policy"],
        enforced_at=data["enforced_at"],
        action=data["action"],
        record_status=data["record_status"],
        notice=data["notice"],
        penalty_points=data["penalty_points"],
        items=_items(data),
        assignee=assignee,
    )
    return Status(201, violation_out(_with_items(Violation.objects.filter(pk=violation.pk)).get()))


@router.post(
    "/violations/import",
    response={200: ImportReport, 400: ImportReport, 401: ERRORS[401], 403: ERRORS[403], 429: ERRORS[429]},
    summary="Import a CSV or XLSX file of the import feature (all rows or none)",
    description="Columns named as in the web import, or any layout a saved import profile matches by its headers.",
)
def violations_import(request: HttpRequest, file: File[UploadedFile]):
    require_role(request, Role.MEMBER)
    organization = request.organization  # type: ignore[attr-defined]
    accounts = imports.account_lookup(Account.objects.filter(organization=organization))
    try:
        mapping, date_order = import_layout(organization=organization, binary=file)
    except ServiceError as exc:
        problem = {"field": "file", "message": exc.message}
        return Status(400, {"code": "invalid_file", "message": exc.message, "applied": False, "errors": [problem]})
    parsed = imports.parse_violations_csv(
        file, accounts=accounts, timezone=organization.timezone, mapping=mapping, date_order=date_order
    )
    if parsed.errors:
        errors = [
            {
                "field": f"{parsed.unit} {e['line']}" + (f", {e['column']}" if e.get("column") else ""),
                "message": e["message"],
            }
            for e in parsed.errors
        ]
        return Status(
            400,
            {
                "code": "invalid_file",
                "message": f"{len(errors)} problem(s) found; nothing was imported.",
                "applied": False,
                "errors": errors,
            },
        )
    result = violation_services.violations_import(organization=organization, rows=parsed.rows, by=request.user)
    return Status(
        200,
        {
            "code": "imported",
            "message": "Imported.",
            "applied": True,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )


@router.get("/violations/{violation_id}", response={200: ViolationOut, **ERRORS}, summary="Read a violation")
def violations_read(request: HttpRequest, violation_id: int):
    return violation_out(get_scoped_or_404(request, _with_items(Violation.objects.all()), pk=violation_id))


@router.patch("/violations/{violation_id}", response={200: ViolationOut, **ERRORS}, summary="Update a violation")
def violations_update(request: HttpRequest, violation_id: int, payload: ViolationPatch):
    violation = get_scoped_or_404(request, Violation.objects.all(), pk=violation_id)
    require_role(request, Role.MEMBER)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    changes = {k: v for k, v in data.items() if k not in ITEM_FIELDS}
    if "account_id" in changes:
        changes["account"] = _account(request, changes.pop("account_id"))
    items = _items({k: data.get(k) for k in ITEM_FIELDS})
    if items is not None:
        current = {kind: [i.value for i in violation.items.all() if i.kind == kind] for kind in ITEM_FIELDS.values()}
        changes["items"] = {
            kind: (data.get(f) if data.get(f) is not None else current[kind]) for f, kind in ITEM_FIELDS.items()
        }
    violation_services.violation_update(violation=violation, by=request.user, version=version, **changes)
    return violation_out(_with_items(Violation.objects.filter(pk=violation.pk)).get())
