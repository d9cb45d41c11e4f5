"""Support tickets, the channel guide (and its rules editor) and partner authorizations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals.channel_guide import needs_authorization_warning, recommend
from appeals.models import Account, ChannelRule, SupportChannel, SupportTicket, Violation
from appeals.selectors import tickets as selectors
from appeals.services import ServiceError, StaleVersion
from appeals.services import tickets as services
from appeals.ticket_forms import AuthorizationForm, ChannelGuideForm, ChannelRuleForm, TicketFilterForm, TicketForm
from core.models import Role
from core.tenancy import get_scoped_or_404, member_required, scoped

LIST_PAGE_SIZE = 50


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def _authorization_warning(request: HttpRequest, *, account: Account | None, channel: str = "", audience: str = ""):
    """What the callout says, or None: only agencies using a partner route get it, and it never blocks."""
    if not needs_authorization_warning(is_agency=request.organization.is_agency, audience=audience, channel=channel):
        return None
    if account is None:
        return {"account": None, "state": "unknown"}
    state = account.authorization_state()
    return None if state == "valid" else {"account": account, "state": state}


# Tickets


@require_GET
@member_required()
def ticket_list(request: HttpRequest) -> HttpResponse:
    org = request.organization
    form = TicketFilterForm(request.GET or None, organization=org)
    filters = form.to_filters() if request.GET else selectors.TicketFilters()
    page = Paginator(selectors.tickets_for_list(org, filters=filters), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "counts": selectors.sla_counts(org),
    }
    template = "appeals/tickets/list.html#results" if _is_partial(request) else "appeals/tickets/list.html"
    return render(request, template, context)


def _case_from_query(request: HttpRequest) -> tuple[Violation | None, int | None]:
    """The case and appeal round named by ?violation_pk=&appeal_round= (another organization's case: none).

    Without a valid round the case's latest round is taken, so a ticket opened from a case points at the
    appeal it is about.
    """
    violation_pk = request.GET.get("violation_pk", "")
    if not violation_pk.isdigit():
        return None, None
    violation = scoped(request, Violation.objects.select_related("account")).filter(pk=violation_pk).first()
    if violation is None:
        return None, None
    rounds = set(violation.appeals.values_list("round", flat=True))
    asked = request.GET.get("appeal_round", "")
    if asked.isdigit() and int(asked) in rounds:
        return violation, int(asked)
    return violation, max(rounds, default=None)


def _ticket_initial(request: HttpRequest) -> dict[str, Any]:
    """Prefill from the channel guide or a case: ?channel=&account_pk=&violation_pk=&appeal_round= (other orgs'
    IDs ignored)."""
    initial: dict[str, Any] = {"opened_at": timezone.localtime().replace(second=0, microsecond=0)}
    channel = request.GET.get("channel", "")
    if channel in SupportChannel.values:
        initial["channel"] = channel
    violation, appeal_round = _case_from_query(request)
    if violation is not None:
        initial["violation_reference"] = violation.reference
        initial["account"] = violation.account
        initial["subject"] = f"Case {violation.reference}: {violation.policy}"[:200]
        if appeal_round is not None:
            initial["appeal_round"] = appeal_round
    account_pk = request.GET.get("account_pk", "")
    if account_pk.isdigit() and "account" not in initial:
        account = scoped(request, Account.objects.all()).filter(pk=account_pk).first()
        if account is not None:
            initial["account"] = account
    return initial


def _form_warning(request: HttpRequest, form: TicketForm) -> dict | None:
    if form.is_bound:
        account = form.cleaned_data.get("account") if hasattr(form, "cleaned_data") else None
        channel = form.data.get("channel", "")
    else:
        account = form.initial.get("account")
        channel = form.initial.get("channel", "")
    return _authorization_warning(request, account=account, channel=channel)


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def ticket_create(request: HttpRequest) -> HttpResponse:
    org = request.organization
    if request.method == "POST":
        form = TicketForm(request.POST, organization=org)
        if form.is_valid():
            try:
                ticket = services.ticket_create(organization=org, by=request.user, **form.service_kwargs())
            except ServiceError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, "Ticket recorded. Its SLA deadlines are set.")
                return redirect("appeals:ticket_detail", ticket_pk=ticket.pk)
    else:
        form = TicketForm(initial=_ticket_initial(request), organization=org)
    context = {"form": form, "warning": _form_warning(request, form), "creating": True}
    return render(request, "appeals/tickets/form.html", context)


@require_GET
@member_required()
def ticket_authorization_check(request: HttpRequest) -> HttpResponse:
    """The form's warning, refreshed when the account or channel changes (htmx)."""
    account_pk = request.GET.get("account", "")
    account = scoped(request, Account.objects.all()).filter(pk=account_pk).first() if account_pk.isdigit() else None
    warning = _authorization_warning(request, account=account, channel=request.GET.get("channel", ""))
    return render(request, "appeals/tickets/form.html#auth-warning", {"warning": warning})


def _ticket_for_member(request: HttpRequest, ticket_pk: int) -> SupportTicket:
    return get_scoped_or_404(
        request, SupportTicket.objects.select_related("account__organization", "violation", "appeal"), pk=ticket_pk
    )


def _detail_context(request: HttpRequest, ticket: SupportTicket) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "sla": selectors.ticket_detail(request.organization, ticket),
        "warning": _authorization_warning(request, account=ticket.account, channel=ticket.channel),
    }


@require_GET
@member_required()
def ticket_detail(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    ticket = _ticket_for_member(request, ticket_pk)
    return render(request, "appeals/tickets/detail.html", _detail_context(request, ticket))


def _instance_initial(ticket: SupportTicket) -> dict[str, Any]:
    return {
        "account": ticket.account,
        "channel": ticket.channel,
        "subject": ticket.subject,
        "platform_number": ticket.platform_number,
        "violation_reference": ticket.violation.reference if ticket.violation else "",
        "appeal_round": ticket.appeal.round if ticket.appeal else None,
        "question": ticket.question,
        "notes": ticket.notes,
        "opened_at": ticket.opened_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "version": ticket.version,
    }


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def ticket_edit(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    ticket = _ticket_for_member(request, ticket_pk)
    org = request.organization
    current = None
    if request.method == "POST":
        form = TicketForm(request.POST, organization=org)
        if form.is_valid():
            try:
                services.ticket_update(
                    ticket_id=ticket.pk,
                    version=form.cleaned_data.get("version") or 0,
                    by=request.user,
                    **form.service_kwargs(),
                )
            except StaleVersion as exc:
                # Keep what was typed, show the saved version, and let a second save overwrite deliberately.
                current = _ticket_for_member(request, ticket_pk)
                data = request.POST.copy()
                data["version"] = str(current.version)
                form = TicketForm(data, organization=org)
                form.is_valid()
                form.add_error(None, exc.message)
            except ServiceError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, "Ticket saved.")
                return redirect("appeals:ticket_detail", ticket_pk=ticket.pk)
    else:
        form = TicketForm(initial=_instance_initial(ticket), organization=org)
    context = {"form": form, "ticket": ticket, "current": current, "warning": _form_warning(request, form)}
    return render(request, "appeals/tickets/form.html", context)


def _quick_action(request: HttpRequest, ticket_pk: int, action, done: str) -> HttpResponse:
    ticket = _ticket_for_member(request, ticket_pk)
    version = request.POST.get("version", "")
    try:
        ticket = action(ticket_id=ticket.pk, version=int(version) if version.isdigit() else 0, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        ticket = _ticket_for_member(request, ticket_pk)
    else:
        messages.success(request, done)
    if _is_partial(request):
        context = _detail_context(request, ticket)
        context["messages_inline"] = True
        return render(request, "appeals/tickets/detail.html#status", context)
    return redirect("appeals:ticket_detail", ticket_pk=ticket.pk)


@require_POST
@member_required(Role.MEMBER)
def ticket_first_response(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    return _quick_action(request, ticket_pk, services.ticket_record_first_response, "First response recorded.")


@require_POST
@member_required(Role.MEMBER)
def ticket_resolve(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    return _quick_action(request, ticket_pk, services.ticket_resolve, "Ticket marked resolved.")


# Channel guide


GUIDE_QUESTIONS = ("audience", "can_log_in", "issue")


def _guide_initial(request: HttpRequest, violation: Violation, appeal_round: int | None) -> dict[str, Any]:
    """Answers known from the case: its account, who acts for it and that it is an enforcement issue."""
    account = violation.account
    if request.organization.is_agency:
        audience = "partner_creator" if account.kind == Account.Kind.CREATOR else "partner_shop"
    else:
        audience = "creator" if account.kind == Account.Kind.CREATOR else "seller"
    return {
        "audience": audience,
        "issue": ChannelRule.Issue.ENFORCEMENT,
        "account": account,
        "violation_pk": violation.pk,
        "appeal_round": appeal_round,
    }


def _guide_ticket_query(account: Account | None, violation: Violation | None, appeal_round: int | None) -> str:
    """What a ticket link adds after ?channel=: the case (whose account wins) and round, or the account chosen."""
    params: dict[str, Any] = {}
    if violation is not None:
        params = {"account_pk": violation.account_id, "violation_pk": violation.pk}
        if appeal_round is not None:
            params["appeal_round"] = appeal_round
    elif account is not None:
        params = {"account_pk": account.pk}
    return urlencode(params)


@require_GET
@member_required()
def channel_guide(request: HttpRequest) -> HttpResponse:
    org = request.organization
    violation, appeal_round = _case_from_query(request)
    if violation is not None and not any(q in request.GET for q in GUIDE_QUESTIONS):
        form = ChannelGuideForm(initial=_guide_initial(request, violation, appeal_round), organization=org)
    else:
        form = ChannelGuideForm(request.GET or None, organization=org)
    rules = selectors.channel_rules_for_guide(org)
    recommendation = warning = None
    ticket_query = ""
    if form.is_bound and form.is_valid():
        answers = form.cleaned_data
        recommendation = recommend(
            rules, audience=answers["audience"], can_log_in=answers["can_log_in"], issue=answers["issue"]
        )
        account = violation.account if violation is not None else answers.get("account")
        ticket_query = _guide_ticket_query(account, violation, appeal_round)
        if recommendation is not None:
            warning = _authorization_warning(
                request, account=account, audience=answers["audience"], channel=recommendation.rule.channel
            )
    context = {
        "form": form,
        "has_rules": bool(rules),
        "recommendation": recommendation,
        "warning": warning,
        "case": violation,
        "appeal_round": appeal_round,
        "ticket_query": ticket_query,
    }
    template = "appeals/tickets/guide.html#result" if _is_partial(request) else "appeals/tickets/guide.html"
    return render(request, template, context)


@require_GET
@member_required(Role.OWNER)
def channel_rule_list(request: HttpRequest) -> HttpResponse:
    rules = selectors.channel_rules_for_guide(request.organization)
    return render(request, "appeals/tickets/rules.html", {"rules": rules})


@require_http_methods(["GET", "POST"])
@member_required(Role.OWNER)
def channel_rule_edit(request: HttpRequest, rule_pk: int | None = None) -> HttpResponse:
    rule = get_scoped_or_404(request, ChannelRule.objects.all(), pk=rule_pk) if rule_pk else None
    form = ChannelRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_rule_save(
                organization=request.organization, by=request.user, rule=rule, **form.cleaned_data
            )
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Rule saved." if rule else "Rule added.")
            return redirect("appeals:channel_rule_list")
    return render(request, "appeals/tickets/rule_form.html", {"form": form, "rule": rule})


@require_POST
@member_required(Role.OWNER)
def channel_rule_delete(request: HttpRequest, rule_pk: int) -> HttpResponse:
    rule = get_scoped_or_404(request, ChannelRule.objects.select_related("organization"), pk=rule_pk)
    services.channel_rule_delete(rule=rule, by=request.user)
    if _is_partial(request):
        return HttpResponse("")
    messages.success(request, "Rule deleted.")
    return redirect("appeals:channel_rule_list")


@require_POST
@member_required(Role.OWNER)
def channel_rules_restore(request: HttpRequest) -> HttpResponse:
    count = services.channel_rules_restore_defaults(organization=request.organization, by=request.user)
    messages.success(request, f"Default rules restored ({count} rules).")
    return redirect("appeals:channel_rule_list")


# Partner authorizations


def _authorization_form(account: Account, data=None) -> AuthorizationForm:
    return AuthorizationForm(
        data,
        prefix=f"auth-{account.pk}",
        initial={
            "authorized": account.authorized,
            "authorized_since": account.authorized_since,
            "authorization_expires_on": account.authorization_expires_on,
        },
    )


def _render_authorizations(request: HttpRequest, *, editing: int | None = None, form=None) -> HttpResponse:
    rows = selectors.accounts_for_authorizations(request.organization)
    for row in rows:
        if row["account"].pk == editing:
            row["form"] = form or _authorization_form(row["account"])
    counts = {state: sum(1 for r in rows if r["state"] == state) for state in ("missing", "expired", "expiring")}
    return render(request, "appeals/tickets/authorizations.html", {"rows": rows, "counts": counts})


@require_GET
@member_required()
def authorization_list(request: HttpRequest) -> HttpResponse:
    return _render_authorizations(request)


@require_http_methods(["GET", "POST"])
@member_required(Role.MANAGER)
def authorization_edit(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = get_scoped_or_404(request, Account.objects.select_related("organization"), pk=account_pk)
    form = _authorization_form(account, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_authorization_update(account=account, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            if _is_partial(request):
                row = {"account": account, "state": account.authorization_state()}
                return render(request, "appeals/tickets/authorizations.html#row", {"row": row})
            messages.success(request, f"Authorization for {account.name} saved.")
            return redirect("appeals:authorization_list")
    if _is_partial(request):
        row = {"account": account, "state": account.authorization_state(), "form": form}
        return render(request, "appeals/tickets/authorizations.html#row", {"row": row})
    return _render_authorizations(request, editing=account.pk, form=form)


urlpatterns = [
    path("tickets/", ticket_list, name="ticket_list"),
    path("tickets/new/", ticket_create, name="ticket_create"),
    path("tickets/authorization-check/", ticket_authorization_check, name="ticket_authorization_check"),
    path("tickets/<int:ticket_pk>/", ticket_detail, name="ticket_detail"),
    path("tickets/<int:ticket_pk>/edit/", ticket_edit, name="ticket_edit"),
    path("tickets/<int:ticket_pk>/first-response/", ticket_first_response, name="ticket_first_response"),
    path("tickets/<int:ticket_pk>/resolve/", ticket_resolve, name="ticket_resolve"),
    path("channel-guide/", channel_guide, name="channel_guide"),
    path("channel-guide/rules/", channel_rule_list, name="channel_rule_list"),
    path("channel-guide/rules/new/", channel_rule_edit, name="channel_rule_create"),
    path("channel-guide/rules/<int:rule_pk>/edit/", channel_rule_edit, name="channel_rule_edit"),
    path("channel-guide/rules/<int:rule_pk>/delete/", channel_rule_delete, name="channel_rule_delete"),
    path("channel-guide/rules/restore/", channel_rules_restore, name="channel_rules_restore"),
    path("authorizations/", authorization_list, name="authorization_list"),
    path("authorizations/<int:account_pk>/edit/", authorization_edit, name="authorization_edit"),
]
