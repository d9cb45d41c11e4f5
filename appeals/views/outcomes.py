"""Outcomes, follow-ups, escalations (with the packet) and comments on a case."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals.escalation_packet import packet_text, packet_zip
from appeals.forms.outcomes import CommentForm, EscalationAnswerForm, EscalationForm, OutcomeForm
from appeals.models import Appeal, Escalation, Violation
from appeals.services import ServiceError, StaleVersion
from appeals.services import outcomes as services
from core.models import Role
from core.tenancy import get_scoped_or_404, member_required


def _first_url(names: tuple[str, ...], fallback: str, **kwargs) -> str:
    for name in names:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return fallback


def case_url(violation_id: int, anchor: str = "") -> str:
    """The case page (owned by the case log feature), with an optional #anchor."""
    url = _first_url(
        ("appeals:case", "appeals:violation_detail"),
        reverse("appeals:escalation_packet", kwargs={"violation_pk": violation_id}),
        violation_pk=violation_id,
    )
    return f"{url}#{anchor}" if anchor else url


def builder_url(appeal: Appeal) -> str:
    """The appeal builder (owned by the builder feature) for a draft, e.g. a new follow-up."""
    return _first_url(
        ("appeals:builder", "appeals:appeal_builder", "appeals:appeal_edit", "appeals:builder_step"),
        case_url(appeal.violation_id, f"appeal-{appeal.pk}"),
        appeal_pk=appeal.pk,
    )


def _appeal(request: HttpRequest, appeal_pk: int) -> Appeal:
    return get_scoped_or_404(request, Appeal.objects.select_related("violation__account", "organization"), pk=appeal_pk)


def _violation(request: HttpRequest, violation_pk: int) -> Violation:
    return get_scoped_or_404(request, Violation.objects.select_related("account", "organization"), pk=violation_pk)


def _htmx_go(request: HttpRequest, target: str) -> HttpResponse:
    """Full page load after an htmx action; a refresh when only the #anchor would change (no reload otherwise)."""
    response = HttpResponse(status=204)
    current = urlsplit(request.htmx.current_url or "")
    if current.path == urlsplit(target).path:
        response["HX-Refresh"] = "true"
    else:
        response["HX-Redirect"] = target
    return response


def _field(form, exc: ServiceError) -> str | None:
    return exc.field if exc.field in form.fields else None


# --- Outcome ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def outcome_record(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    appeal = _appeal(request, appeal_pk)
    conflict = ""
    if request.method == "POST":
        form = OutcomeForm(request.POST, appeal=appeal)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = services.outcome_record(
                    appeal_id=appeal.pk,
                    by=request.user,
                    outcome=data["outcome"],
                    decided_at=data["decided_at"],
                    message=data["message"],
                    impacts_cleared=data["impacts_cleared"] or None,
                    version=data["version"],
                )
            except StaleVersion as exc:
                # Show the saved outcome next to what this person typed; their next save is deliberate.
                conflict = exc.message
                appeal.refresh_from_db()
                post = request.POST.copy()
                post["version"] = str(appeal.version)
                form = OutcomeForm(post, appeal=appeal)
                form.is_valid()
            except ServiceError as exc:
                form.add_error(_field(form, exc), exc.message)
            else:
                messages.success(request, f"Outcome recorded: {appeal.get_status_display().lower()}.")
                target = case_url(appeal.violation_id, f"appeal-{appeal.pk}")
                if request.htmx:
                    # The whole case changes (status, timeline, escalation and follow-up options): reload it.
                    return _htmx_go(request, target)
                return redirect(target)
    else:
        form = OutcomeForm(initial={"version": appeal.version}, appeal=appeal)
    ctx = {"appeal": appeal, "outcome_form": form, "conflict": conflict, "membership": request.membership}
    return render(
        request, "appeals/outcomes/outcome.html#block" if request.htmx else "appeals/outcomes/outcome.html", ctx
    )


@require_POST
@member_required(Role.MEMBER)
def appeal_follow_up(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    appeal = _appeal(request, appeal_pk)
    try:
        follow_up = services.appeal_follow_up_start(appeal_id=appeal.pk, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        target = case_url(appeal.violation_id, f"appeal-{appeal.pk}")
    else:
        messages.success(
            request,
            f"Round {follow_up.round} started from the previous appeal. Add at least one new evidence file before "
            "submitting it.",
        )
        target = builder_url(follow_up)
    if request.htmx:
        return _htmx_go(request, target)
    return redirect(target)


# --- Escalations --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def escalation_create(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = _violation(request, violation_pk)
    form = EscalationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.escalation_create(violation_id=violation.pk, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(_field(form, exc), exc.message)
        else:
            messages.success(request, "Escalation logged. You will be reminded if no answer arrives in time.")
            return redirect(case_url(violation.pk, "escalations"))
    ctx = {
        "violation": violation,
        "form": form,
        "refusal": services.escalation_refusal(violation),
        "packet": packet_text(violation),
    }
    return render(request, "appeals/outcomes/escalation_form.html", ctx)


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def escalation_answer(request: HttpRequest, escalation_pk: int) -> HttpResponse:
    escalation = get_scoped_or_404(
        request, Escalation.objects.select_related("violation__account", "organization"), pk=escalation_pk
    )
    form = EscalationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.escalation_answer(escalation_id=escalation.pk, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(_field(form, exc), exc.message)
        else:
            messages.success(request, "Answer recorded.")
            return redirect(case_url(escalation.violation_id, "escalations"))
    return render(
        request,
        "appeals/outcomes/escalation_answer.html",
        {"escalation": escalation, "violation": escalation.violation, "form": form},
    )


@require_GET
@member_required()
def escalation_packet(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = _violation(request, violation_pk)
    ctx = {"violation": violation, "packet": packet_text(violation), "case_url": case_url(violation.pk)}
    return render(request, "appeals/outcomes/packet.html", ctx)


@require_GET
@member_required()
def escalation_packet_zip(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = _violation(request, violation_pk)
    response = HttpResponse(packet_zip(violation), content_type="application/zip")
    name = slugify(f"escalation-{violation.reference}") or f"escalation-{violation.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    return response


# --- Comments -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required()
def comment_list(request: HttpRequest, violation_pk: int) -> HttpResponse:
    """GET: a case's comments (any member); POST: add one (members and up)."""
    violation = _violation(request, violation_pk)
    form = CommentForm()
    if request.method == "POST":
        if not request.membership.can_edit:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Viewers cannot comment.")
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comment = services.comment_add(
                    violation_id=violation.pk, by=request.user, body=form.cleaned_data["body"]
                )
            except ServiceError as exc:
                form.add_error(_field(form, exc), exc.message)
            else:
                names = ", ".join(u.display_name for u in comment.mentions.all())
                note = f"Comment added; {names} will get an email." if names else "Comment added."
                if not request.htmx:
                    messages.success(request, note)
                    return redirect(case_url(violation.pk, "comments"))
                form = CommentForm()
                ctx = {"violation": violation, "comment_form": form, "membership": request.membership, "note": note}
                return render(request, "appeals/outcomes/comments.html#comments", ctx)
    ctx = {"violation": violation, "comment_form": form, "membership": request.membership}
    return render(
        request, "appeals/outcomes/comments.html#comments" if request.htmx else "appeals/outcomes/comments.html", ctx
    )


urlpatterns = [
    path("appeals/<int:appeal_pk>/outcome/", outcome_record, name="outcome_record"),
    path("appeals/<int:appeal_pk>/follow-up/", appeal_follow_up, name="appeal_follow_up"),
    path("violations/<int:violation_pk>/escalations/new/", escalation_create, name="escalation_create"),
    path("escalations/<int:escalation_pk>/answer/", escalation_answer, name="escalation_answer"),
    path("violations/<int:violation_pk>/escalation-packet/", escalation_packet, name="escalation_packet"),
    path("violations/<int:violation_pk>/escalation-packet.zip", escalation_packet_zip, name="escalation_packet_zip"),
    path("violations/<int:violation_pk>/comments/", comment_list, name="comments"),
]
