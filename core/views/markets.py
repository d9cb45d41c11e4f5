"""Markets (owners): each market's platform clock and versions of its rules."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from appeals.models import ViolationKind
from appeals.services import ServiceError
from core import rules as rule_services
from core.market_forms import MarketClockForm, RuleVersionForm
from core.markets import MARKETS, market_for, rules_for
from core.models import Role
from core.tenancy import member_required


def _market_or_404(code: str):
    if code.upper() not in MARKETS:
        raise Http404("No such market")
    return code.upper()


@member_required(Role.OWNER)
def markets(request: HttpRequest) -> HttpResponse:
    rows = rule_services.market_overview(request.organization, now=timezone.now())  # type: ignore[attr-defined]
    return render(request, "core/markets.html", {"rows": rows})


def _version_form(request: HttpRequest, data=None) -> RuleVersionForm:
    organization = request.organization  # type: ignore[attr-defined]
    defaults = {f: getattr(rules_for(organization, None), f) for f in rule_services.RULE_FIELDS}
    return RuleVersionForm(data, kinds=ViolationKind.choices, defaults=defaults)


def _market_page(request, code: str, clock_form=None, version_form=None, status: int = 200) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    market = market_for(organization, code)
    context = {
        "market": market,
        "default": MARKETS[code],
        "overridden": bool((organization.market_clocks or {}).get(code)),
        "clock_form": clock_form or MarketClockForm(initial=MarketClockForm.initial_for(market)),
        "version_form": version_form or _version_form(request),
        "versions": rule_services.market_versions(organization, code, now=timezone.now()),
    }
    return render(request, "core/market.html", context, status=status)


@member_required(Role.OWNER)
def market(request: HttpRequest, code: str) -> HttpResponse:
    return _market_page(request, _market_or_404(code))


@require_POST
@member_required(Role.OWNER)
def market_clock(request: HttpRequest, code: str) -> HttpResponse:
    code = _market_or_404(code)
    form = MarketClockForm(request.POST)
    if form.is_valid():
        try:
            rule_services.market_clock_update(organization=request.organization, market=code, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"Platform clock of {MARKETS[code].name} saved.")
            return redirect("core:market", code=code)
    return _market_page(request, code, clock_form=form, status=400)


@require_POST
@member_required(Role.OWNER)
def rule_version_new(request: HttpRequest, code: str) -> HttpResponse:
    code = _market_or_404(code)
    form = _version_form(request, request.POST)
    if form.is_valid():
        try:
            version = rule_services.rule_version_add(
                organization=request.organization,  # type: ignore[attr-defined]
                market=code,
                effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"],
                by=request.user,
                **form.rule_values(),
            )
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"{MARKETS[code].name} rules: {version.label} added.")
            return redirect("core:market", code=code)
    return _market_page(request, code, version_form=form, status=400)


urlpatterns = [
    path("settings/markets/", markets, name="markets"),
    path("settings/markets/<str:code>/", market, name="market"),
    path("settings/markets/<str:code>/clock/", market_clock, name="market_clock"),
    path("settings/markets/<str:code>/versions/", rule_version_new, name="rule_version_new"),
]
