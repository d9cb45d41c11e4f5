from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from appeals.api.base import ERRORS, ApiInput, ApiPatch, ApiQuery, require_role
from appeals.models import Account
from appeals.services.accounts import account_create, account_update
from core.db_router import reads_from_replica
from core.models import Role
from core.tenancy import get_scoped_or_404, scoped

router = Router(tags=["accounts"])

AccountKind = Literal["seller_shop", "creator"]


class AccountOut(Schema):
    id: int
    kind: AccountKind
    external_id: str
    name: str
    market: str
    health_rating: int | None
    authorized: bool
    authorized_since: date | None
    authorization_expires_on: date | None
    created_at: datetime


class AccountIn(ApiInput):
    kind: AccountKind
    external_id: str = Field(..., min_length=1, max_length=120)
    name: str = Field(..., min_length=1, max_length=160)
    market: str = Field("US", min_length=2, max_length=8)
    health_rating: int | None = Field(None, ge=0, le=1000)


class AccountPatch(ApiPatch):
    CLEARABLE = {"health_rating": None}

    kind: AccountKind | None = None
    external_id: str | None = Field(None, min_length=1, max_length=120)
    name: str | None = Field(None, min_length=1, max_length=160)
    market: str | None = Field(None, min_length=2, max_length=8)
    health_rating: int | None = Field(None, ge=0, le=1000)


class AccountFilters(ApiQuery):
    kind: AccountKind | None = None


@router.get("/accounts", response={200: list[AccountOut], **ERRORS}, summary="List accounts")
@decorate_view(reads_from_replica)
def accounts_list(request: HttpRequest, filters: Query[AccountFilters]):
    accounts = scoped(request, Account.objects.all()).order_by("name", "id")
    if filters.kind:
        accounts = accounts.filter(kind=filters.kind)
    return list(accounts)


@router.post("/accounts", response={201: AccountOut, **ERRORS}, summary="Create an account (managers)")
def accounts_create(request: HttpRequest, payload: AccountIn):
    require_role(request, Role.MANAGER)
    return Status(201, account_create(organization=request.organization, **payload.dict()))  # type: ignore[attr-defined]


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, summary="Read an account")
def accounts_read(request: HttpRequest, account_id: int):
    return get_scoped_or_404(request, Account.objects.all(), pk=account_id)


@router.patch("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, summary="Update an account (managers)")
def accounts_update(request: HttpRequest, account_id: int, payload: AccountPatch):
    account = get_scoped_or_404(request, Account.objects.all(), pk=account_id)
    require_role(request, Role.MANAGER)
    return account_update(account=account, **payload.dict(exclude_unset=True))
