"""Accounts: the seller shops and creator accounts an organization manages (managers edit, everyone reads)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from appeals.account_forms import AccountFilterForm, AccountForm
from appeals.models import Account
from appeals.selectors.accounts import account_points_summary, accounts_for_list
from appeals.services import ServiceError
from appeals.services.accounts import account_create, account_update
from core.models import Role
from core.tenancy import get_scoped_or_404, member_required


@member_required(Role.VIEWER)
def account_list(request: HttpRequest) -> HttpResponse:
    filters = AccountFilterForm(request.GET or None)
    kind = filters.cleaned_data["kind"] if filters.is_valid() else ""
    context = {
        "accounts": accounts_for_list(request.organization, kind=kind or None),  # type: ignore[attr-defined]
        "filters": filters,
        "kind": kind,
    }
    template = "appeals/accounts/list.html#results" if request.htmx else "appeals/accounts/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@member_required(Role.MANAGER)
def account_new(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, initial={"kind": request.GET.get("kind") or Account.Kind.SELLER_SHOP})
    if request.method == "POST" and form.is_valid():
        try:
            account = account_create(organization=request.organization, **form.cleaned_data)  # type: ignore[attr-defined]
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"{account.name} added.")
            return redirect("appeals:account_detail", account_pk=account.pk)
    return render(request, "appeals/accounts/form.html", {"form": form}, status=400 if form.errors else 200)


@member_required(Role.VIEWER)
def account_detail(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = get_scoped_or_404(request, Account.objects.all(), pk=account_pk)
    summary = account_points_summary(request.organization, account)  # type: ignore[attr-defined]
    return render(request, "appeals/accounts/detail.html", {"account": account, "summary": summary})


@member_required(Role.MANAGER)
def account_edit(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = get_scoped_or_404(request, Account.objects.all(), pk=account_pk)
    form = AccountForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            account = account_update(account=account, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"{account.name} saved.")
            return redirect("appeals:account_detail", account_pk=account.pk)
    context = {"form": form, "account": account}
    return render(request, "appeals/accounts/form.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("accounts/", account_list, name="account_list"),
    path("accounts/new/", account_new, name="account_create"),
    path("accounts/<int:account_pk>/", account_detail, name="account_detail"),
    path("accounts/<int:account_pk>/edit/", account_edit, name="account_edit"),
]
