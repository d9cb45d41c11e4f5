"""Writes for accounts: the seller shops and creator accounts an organization manages."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from appeals.models import Account
from appeals.services import ServiceError
from core.models import Organization

ACCOUNT_FIELDS = ("kind", "external_id", "name", "market", "health_rating")


def _normalise(kind: str, external_id: str, market: str) -> tuple[str, str]:
    external_id = external_id.strip()
    if kind == Account.Kind.CREATOR:
        # Creator usernames are shown with or without "@"; store them without it.
        external_id = external_id.lstrip("@")
    if not external_id:
        raise ServiceError("Enter the shop ID or creator username.", field="external_id")
    return external_id, market.strip().upper()


def _check_unique(organization: Organization, kind: str, external_id: str, exclude_pk: int | None = None) -> None:
    clash = Account.objects.filter(organization=organization, kind=kind, external_id__iexact=external_id)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        what = "creator username" if kind == Account.Kind.CREATOR else "shop ID"
        raise ServiceError(
            f"Another account in this organization already has the {what} “{external_id}”.", field="external_id"
        )


def _check_rating(kind: str, health_rating: int | None) -> None:
    if health_rating is not None and not 0 <= health_rating <= 1000:
        raise ServiceError("A health rating is between 0 and 1000.", field="health_rating")


@transaction.atomic
def account_create(
    *,
    organization: Organization,
    kind: str,
    external_id: str,
    name: str,
    market: str = "US",
    health_rating: int | None = None,
) -> Account:
    if kind not in Account.Kind.values:
        raise ServiceError("Choose seller shop or creator.", field="kind")
    external_id, market = _normalise(kind, external_id, market)
    _check_unique(organization, kind, external_id)
    _check_rating(kind, health_rating)
    try:
        with transaction.atomic():
            return Account.objects.create(
                organization=organization,
                kind=kind,
                external_id=external_id,
                name=name.strip(),
                market=market,
                health_rating=health_rating,
            )
    except IntegrityError:
        # Someone added the same account between the check and the insert.
        raise ServiceError("This account was just added by someone else.", field="external_id") from None


@transaction.atomic
def account_update(*, account: Account, **changes) -> Account:
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(f"Not account fields: {sorted(unknown)}")
    account = Account.objects.select_for_update().get(pk=account.pk)
    for field, value in changes.items():
        setattr(account, field, value)
    if account.kind not in Account.Kind.values:
        raise ServiceError("Choose seller shop or creator.", field="kind")
    account.external_id, account.market = _normalise(account.kind, account.external_id, account.market)
    account.name = account.name.strip()
    _check_unique(account.organization, account.kind, account.external_id, exclude_pk=account.pk)
    _check_rating(account.kind, account.health_rating)
    account.save()
    return account
