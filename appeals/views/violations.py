"""The case log: inbox, full list (filters, search, sort, bulk actions), case page, edit, import and export."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals import imports
from appeals.downloads import private_download
from appeals.filters import ViolationFilter
from appeals.forms.saved_views import SavedViewForm, list_query
from appeals.forms.violations import AssignForm, AttachmentForm, BulkForm, ViolationForm
from appeals.models import Account, CaseStatus, NoticeAttachment, SavedView, Violation, ViolationKind
from appeals.selectors import case as case_selectors
from appeals.selectors import violations as selectors
from appeals.services import ServiceError
from appeals.services import violations as services
from appeals.templatetags.case_page import HELPERS as CASE_HELPERS
from core.dates import RowDates
from core.db_router import read_alias_for
from core.models import Role
from core.tenancy import get_scoped_or_404, member_required

PER_PAGE = 25
URGENT_DAYS = 3

# Labels the inbox's and the list's rows show (Jinja2 templates: a dict lookup each).
KIND_LABELS = {k: str(label) for k, label in ViolationKind.choices}
STATUS_LABELS = {k: str(label) for k, label in CaseStatus.choices}
# What the next deadline of a case in each status is (Violation.next_deadline_at; appeal_by when not appealed).
DEADLINE_LABELS = {
    CaseStatus.NOT_APPEALED: "appeal window",
    CaseStatus.DRAFT: "submit by",
    CaseStatus.UNDER_REVIEW: "decision due",
    CaseStatus.ESCALATED: "answer due",
    CaseStatus.UPHELD: "follow-up window",
    CaseStatus.PARTIALLY_REVERSED: "follow-up window",
}


def appeal_window(violation: Violation | selectors.InboxCase | selectors.ListRow, *, tz, now: datetime) -> dict:
    """Days left in the appeal window, counted in calendar days of the organization's timezone."""
    days = (violation.appeal_by.astimezone(tz).date() - now.astimezone(tz).date()).days
    open_case = violation.is_open
    closed = violation.appeal_by < now
    urgent = open_case and not closed and days <= URGENT_DAYS
    label = ""
    if open_case and closed:
        label = "window closed"
    elif urgent:
        label = "closes today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
    # label/css are shown next to the date in lists (computed here: a template include per row is slow).
    return {
        "days": days,
        "closed": closed,
        "open": open_case,
        "urgent": urgent,
        "label": label,
        "css": "overdue" if closed else "urgent",
    }


def _with_windows(request: HttpRequest, rows) -> None:
    now, tz = timezone.now(), request.organization.zoneinfo
    for violation in rows:
        violation.window = appeal_window(violation, tz=tz, now=now)


def _case_prefix() -> str:
    return reverse("appeals:case", kwargs={"violation_pk": 0}).removesuffix("0/")


def _row_display(v: selectors.InboxCase | selectors.ListRow, *, case_prefix: str, viewer_tz, dates: RowDates) -> None:
    """Link and dates of a case row, computed once in Python: per-row {% url %} and |date cost more than the
    queries of the page."""
    v.case_url = f"{case_prefix}{v.pk}/"
    appeal_by = v.appeal_by.astimezone(viewer_tz)
    v.appeal_by_iso, v.appeal_by_day = appeal_by.isoformat(), dates.day(appeal_by)


def _list_rows(request: HttpRequest, rows) -> None:
    """What each row of the list shows, computed once in Python: per-row template filters, {% url %} and
    {% with %} blocks cost more than the queries of the page (25 rows: ~10 ms of rendering on this machine)."""
    _with_windows(request, rows)
    case_prefix, viewer_tz, dates = _case_prefix(), timezone.get_current_timezone(), RowDates()
    for v in rows:
        _row_display(v, case_prefix=case_prefix, viewer_tz=viewer_tz, dates=dates)
        values = v.item_values
        v.ids_preview = ", ".join(values[:3])
        v.ids_more = max(0, len(values) - 3)
        enforced = v.enforced_at.astimezone(viewer_tz)
        v.enforced_iso, v.enforced_day = enforced.isoformat(), dates.day(enforced)


def _add_service_error(form, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _repeat_message(request: HttpRequest, violation: Violation) -> None:
    info = services.repeat_count(violation=violation)
    if info.warn:
        messages.warning(request, info.message)


# --- Inbox ---------------------------------------------------------------------------------------------------


def _inbox_rows(request: HttpRequest, box: selectors.Inbox) -> None:
    """What each inbox row shows (templates/jinja2/appeals/inbox/_rows.html), computed once."""
    now, tz = timezone.now(), request.organization.zoneinfo
    case_prefix, viewer_tz, dates = _case_prefix(), timezone.get_current_timezone(), RowDates()
    for group in box.groups:
        for row in group.rows:
            violation = row.violation if group.of_appeals else row
            violation.window = appeal_window(violation, tz=tz, now=now)
            _row_display(violation, case_prefix=case_prefix, viewer_tz=viewer_tz, dates=dates)
            if group.of_appeals:
                due = row.due_at.astimezone(viewer_tz)
                row.due_iso, row.due_label = due.isoformat(), dates.day_time(due)


@require_GET
@member_required()
def inbox(request: HttpRequest) -> HttpResponse:
    box = selectors.inbox_for_member(request.organization, user=request.user, mine=request.GET.get("mine") == "1")
    _inbox_rows(request, box)
    context = {"inbox": box, "membership": request.membership, "kinds": KIND_LABELS, "statuses": STATUS_LABELS}
    return render(request, "appeals/inbox.html", context, using="jinja2")


# --- Full list -----------------------------------------------------------------------------------------------


def _filtered(request: HttpRequest, *, rows_only: bool = False) -> ViolationFilter:
    base = selectors.violation_rows if rows_only else selectors.violations_base
    return ViolationFilter(
        request.GET or None,
        queryset=base(request.organization),
        organization=request.organization,
        user=request.user,
    )


@require_GET
@member_required()
def violation_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request, rows_only=True)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = selectors.page_of(filterset.qs, number=number, per_page=PER_PAGE)
    _list_rows(request, page.rows)
    bulk_form = None
    if request.membership.can_edit:
        bulk_form = BulkForm(organization=request.organization)
        # The picker shows the members the filter already read (its queryset still validates a POST).
        bulk_form.fields["assignee"].choices = [("", "Nobody"), *filterset.member_choices]
    query = list_query(request.GET.urlencode())
    context = {
        "filter": filterset,
        "page": page,
        "count": selectors.page_result_count(page, filterset.qs, free_text=filterset.free_text) if page.rows else None,
        "sort": filterset.current_sort,
        "membership": request.membership,
        "filtered": any(v for k, v in request.GET.items() if k not in {"page", "sort"}),
        "bulk_form": bulk_form,
        "query": query,
        "saved_views": SavedView.objects.filter(user=request.user, organization=request.organization),
        "save_form": SavedViewForm(initial={"query": query}),
        # What the rows show (templates/jinja2/appeals/violations/_rows.html).
        "kinds": KIND_LABELS,
        "statuses": STATUS_LABELS,
        "deadline_labels": DEADLINE_LABELS,
        "now": timezone.now(),
        "tz": timezone.get_current_timezone(),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "appeals/violations/_results.html" if partial else "appeals/violations/list.html"
    response = render(request, template, context, using="jinja2")
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@member_required()
def violation_export(request: HttpRequest) -> StreamingHttpResponse:
    # Bound to a database now: the rows are read while the response streams, after this view has returned.
    alias = read_alias_for(request)
    rows = _filtered(request).qs.using(alias).prefetch_related("items").iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        imports.export_lines(rows, timezone=request.organization.zoneinfo), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="violations-{request.organization.slug}-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _back_to_list(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("appeals:violations")


@require_POST
@member_required(Role.MEMBER)
def violations_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, organization=request.organization)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_list(request)
    ids, action = form.cleaned_data["ids"], form.cleaned_data["action"]
    try:
        if action == "assign":
            assignee = form.cleaned_data["assignee"]
            n = services.violations_assign(
                organization=request.organization, violation_ids=ids, assignee=assignee, by=request.user
            )
            messages.success(request, f"Assigned {n} case{'s' if n != 1 else ''} to {assignee or 'nobody'}.")
        elif action == "watch":
            n = services.violations_watch(organization=request.organization, violation_ids=ids, user=request.user)
            messages.success(request, f"You now watch {n} case{'s' if n != 1 else ''}.")
        else:
            started, skipped = services.violations_start_appeals(
                organization=request.organization,
                violation_ids=ids,
                by=request.user,
                desired_outcome=form.cleaned_data["desired_outcome"],
                rule_cited=form.cleaned_data["rule_cited"],
                explanation=form.cleaned_data["explanation"],
            )
            messages.success(request, f"Started {started} draft appeal{'s' if started != 1 else ''}.")
            if skipped:
                messages.warning(request, f"Skipped {len(skipped)} that already have an appeal: {', '.join(skipped)}.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return _back_to_list(request)


# --- Record, view, edit ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def violation_create(request: HttpRequest) -> HttpResponse:
    initial = {"enforced_at": timezone.localtime().replace(second=0, microsecond=0)}
    if request.GET.get("account"):
        initial["account"] = request.GET["account"]
    form = ViolationForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            violation = services.violation_create(
                organization=request.organization, by=request.user, **form.service_kwargs()
            )
        except ServiceError as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, f"Recorded violation {violation.reference}.")
            _repeat_message(request, violation)
            return redirect("appeals:case", violation_pk=violation.pk)
    has_accounts = Account.objects.filter(organization=request.organization).exists()
    return render(
        request, "appeals/violations/form.html", {"form": form, "violation": None, "has_accounts": has_accounts}
    )


def _case_context(request: HttpRequest, violation: Violation) -> dict:
    violation.window = appeal_window(violation, tz=request.organization.zoneinfo, now=timezone.now())
    watchers = [w.user for w in violation.watches.all()]
    return {
        **CASE_HELPERS,
        "violation": violation,
        "appeals": list(violation.appeals.all()),
        "timeline": violation.timeline_page,
        "membership": request.membership,
        "watchers": watchers,
        "is_watching": any(u.pk == request.user.pk for u in watchers),
        "repeat": services.repeat_count(violation=violation, count=violation.repeat_count),
        "assign_form": _assign_form(request, violation),
        "attachment_form": AttachmentForm(),
        "items_by_kind": _items_by_kind(violation),
    }


def _assign_form(request: HttpRequest, violation: Violation) -> AssignForm:
    form = AssignForm(organization=request.organization, initial={"assignee": violation.assignee_id})
    # The picker's options as plain pairs (its queryset still validates a POST): no model choice iterator.
    form.fields["assignee"].choices = case_selectors.assignee_choices(request.organization)
    return form


def _items_by_kind(violation: Violation) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for item in case_selectors.case_items(violation):
        groups.setdefault(item.get_kind_display(), []).append(item.value)
    return list(groups.items())


@require_GET
@member_required()
def case(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = case_selectors.case_detail(request.organization, violation_pk)
    return render(request, "appeals/case.html", _case_context(request, violation), using="jinja2")


@require_GET
@member_required()
def case_timeline(request: HttpRequest, violation_pk: int) -> HttpResponse:
    """Older timeline entries ("Show older" on the case page): the next page after entry `before`, as list items
    for htmx, or as a page of its own without JavaScript."""
    violation = get_scoped_or_404(request, Violation.objects.all(), pk=violation_pk)
    try:
        before = int(request.GET.get("before", ""))
    except ValueError:
        before = None
    context = {"violation": violation, "timeline": case_selectors.timeline_page(violation, before=before)}
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request, "appeals/case/timeline.html#entries" if partial else "appeals/case/timeline.html", context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def violation_edit(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = get_scoped_or_404(request, Violation.objects.prefetch_related("items"), pk=violation_pk)
    form = ViolationForm(
        request.POST or None, organization=request.organization, initial=ViolationForm.initial_for(violation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            kwargs = form.service_kwargs()
            violation = services.violation_update(
                violation=violation, by=request.user, version=form.cleaned_data.get("version") or 0, **kwargs
            )
        except ServiceError as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, f"Saved violation {violation.reference}.")
            _repeat_message(request, violation)
            return redirect("appeals:case", violation_pk=violation.pk)
    return render(request, "appeals/violations/form.html", {"form": form, "violation": violation, "has_accounts": True})


def _people_response(request: HttpRequest, violation: Violation) -> HttpResponse:
    if request.htmx:
        violation = case_selectors.case_detail(request.organization, violation.pk)
        context = {**_case_context(request, violation), "header_oob": True}
        return render(request, "appeals/case/_people.html", context, using="jinja2")
    return redirect("appeals:case", violation_pk=violation.pk)


@require_POST
@member_required(Role.MEMBER)
def violation_assign(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = get_scoped_or_404(request, Violation.objects.all(), pk=violation_pk)
    form = AssignForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            services.violation_assign(violation=violation, assignee=form.cleaned_data["assignee"], by=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a member of this organization.")
    return _people_response(request, violation)


@require_POST
@member_required(Role.MEMBER)
def violation_watch(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = get_scoped_or_404(request, Violation.objects.all(), pk=violation_pk)
    services.violation_watch(violation=violation, user=request.user, watching=request.POST.get("watch") != "0")
    return _people_response(request, violation)


@require_POST
@member_required(Role.MEMBER)
def attachment_add(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = get_scoped_or_404(request, Violation.objects.all(), pk=violation_pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.notice_attachment_add(violation=violation, upload=form.cleaned_data["file"], by=request.user)
            messages.success(request, "Screenshot attached.")
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a screenshot to attach.")
    return redirect(reverse("appeals:case", kwargs={"violation_pk": violation.pk}) + "#notice")


@require_GET
@member_required()
def attachment_download(request: HttpRequest, violation_pk: int, attachment_pk: int) -> FileResponse:
    attachment = get_scoped_or_404(request, NoticeAttachment.objects.all(), pk=attachment_pk, violation_id=violation_pk)
    return private_download(attachment.file, name=attachment.original_name, content_type=attachment.content_type)


def list_url(**params) -> str:
    return reverse("appeals:violations") + ("?" + urlencode(params) if params else "")


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("violations/", violation_list, name="violations"),
    path("violations/new/", violation_create, name="violation_create"),
    path("violations/export.csv", violation_export, name="violation_export"),
    path("violations/bulk/", violations_bulk, name="violations_bulk"),
    path("violations/<int:violation_pk>/", case, name="case"),
    path("violations/<int:violation_pk>/timeline/", case_timeline, name="case_timeline"),
    path("violations/<int:violation_pk>/edit/", violation_edit, name="violation_edit"),
    path("violations/<int:violation_pk>/assign/", violation_assign, name="violation_assign"),
    path("violations/<int:violation_pk>/watch/", violation_watch, name="violation_watch"),
    path("violations/<int:violation_pk>/attachments/", attachment_add, name="attachment_add"),
    path(
        "violations/<int:violation_pk>/attachments/<int:attachment_pk>/",
        attachment_download,
        name="attachment_download",
    ),
]
