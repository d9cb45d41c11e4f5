"""Notices into cases: "Paste the notice" on Record a violation; later, forwarded mail to review."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals.forms.violations import ViolationForm
from appeals.models import Account, NoticeIntake, NoticeIntakeImage
from appeals.notices.parser import ParsedNotice
from appeals.services import ServiceError
from appeals.services import inbound as inbound_services
from appeals.services import notices as services
from appeals.services.notices import NoticeReading
from appeals.views import inbound
from core.models import Role
from core.tenancy import get_scoped_or_404, member_required


@require_POST
@member_required(Role.MEMBER)
def notice_read(request: HttpRequest) -> HttpResponse:
    """Fill Record a violation from the pasted notice, marking each filled field; nothing is saved."""
    text = request.POST.get("notice_text", "")
    typed = {name: request.POST.get(name) for name in ViolationForm.base_fields}
    context: dict = {"violation": None, "notice_text": text, "reading": None, "notice_error": None}
    try:
        reading = services.notice_read(organization=request.organization, text=text)
    except ServiceError as exc:
        form = ViolationForm(organization=request.organization, initial=typed)
        context["notice_error"] = exc.message
    else:
        initial, filled = ViolationForm.initial_from_notice(reading, typed)
        initial["notice"] = text
        form = ViolationForm(organization=request.organization, initial=initial)
        form.mark_from_notice(filled)
        context["reading"], context["filled"] = reading, filled
    context["form"] = form
    context["has_accounts"] = Account.objects.filter(organization=request.organization).exists()
    htmx = getattr(request, "htmx", False)
    template = "appeals/violations/form.html#violation-fields" if htmx else "appeals/violations/form.html"
    return render(request, template, context)


# --- Forwarded notices: the address, .eml upload, review -----------------------------------------------------


class EmlForm(forms.Form):
    file = forms.FileField(label="Notice email (.eml)", help_text="Save the email from your mail app as a file.")


def _notices_page(request: HttpRequest, upload_form: EmlForm, status: int = 200) -> HttpResponse:
    intakes = NoticeIntake.objects.filter(organization=request.organization).select_related("account", "violation")
    context = {
        "address": inbound_services.inbound_address_for(organization=request.organization),
        "form": upload_form,
        "to_review": [i for i in intakes.order_by("-received_at")[:200] if i.is_open],
        "handled": [i for i in intakes.exclude(status=NoticeIntake.Status.TO_REVIEW).order_by("-decided_at")[:20]],
    }
    return render(request, "appeals/notices/index.html", context, status=status)


@require_GET
@member_required()
def notices(request: HttpRequest) -> HttpResponse:
    return _notices_page(request, EmlForm())


@require_POST
@member_required(Role.MEMBER)
def notice_upload(request: HttpRequest) -> HttpResponse:
    form = EmlForm(request.POST, request.FILES)
    if not form.is_valid():
        return _notices_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        intakes = inbound_services.inbound_mail_receive(
            raw=upload.read(), source=NoticeIntake.Source.UPLOAD, organization=request.organization
        )
    except ServiceError as exc:
        form.add_error("file", exc.message)
        return _notices_page(request, form, status=400)
    intake = intakes[0]
    if intake.status == NoticeIntake.Status.ADDED:
        messages.success(request, f"This notice belongs to case {intake.violation}: it was added to that case.")
        return redirect("appeals:case", violation_pk=intake.violation_id)
    return redirect("appeals:notice_review", intake_pk=intake.pk)


@require_POST
@member_required(Role.OWNER)
def inbound_address_rotate(request: HttpRequest) -> HttpResponse:
    inbound_services.inbound_address_rotate(organization=request.organization, by=request.user)
    messages.success(request, "New inbound address made; mail to the old one is no longer accepted.")
    return redirect("appeals:notices")


def _intake_initial(intake: NoticeIntake) -> tuple[dict, list[str]]:
    fields = dict(intake.fields)
    parsed = ParsedNotice(**{**fields, "enforced_at": None, "appeal_by": None})
    if fields.get("enforced_at"):
        parsed.enforced_at = datetime.fromisoformat(fields["enforced_at"])
    initial, filled = ViolationForm.initial_from_notice(NoticeReading(parsed=parsed, account=intake.account), {})
    initial["notice"] = intake.text
    return initial, filled


@require_http_methods(["GET", "POST"])
@member_required()
def notice_review(request: HttpRequest, intake_pk: int) -> HttpResponse:
    """One screen: the notice as received beside the case's fields read from it; confirm or fix, then save."""
    intake = get_scoped_or_404(request, NoticeIntake.objects.select_related("account", "violation"), pk=intake_pk)
    initial, filled = _intake_initial(intake)
    can_edit = request.membership.has_role(Role.MEMBER)  # type: ignore[attr-defined]
    form = ViolationForm(request.POST or None, organization=request.organization, initial=initial)
    form.mark_from_notice(filled)
    if request.method == "POST" and can_edit and intake.is_open and form.is_valid():
        try:
            kwargs = form.service_kwargs()
            violation = inbound_services.notice_intake_confirm(intake_id=intake.pk, by=request.user, **kwargs)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Case {violation.reference} saved from the forwarded notice.")
            return redirect("appeals:case", violation_pk=violation.pk)
    context = {"intake": intake, "form": form, "can_edit": can_edit, "images": list(intake.images.all())}
    return render(request, "appeals/notices/review.html", context, status=400 if form.errors else 200)


@require_POST
@member_required(Role.MEMBER)
def notice_dismiss(request: HttpRequest, intake_pk: int) -> HttpResponse:
    intake = get_scoped_or_404(request, NoticeIntake.objects.all(), pk=intake_pk)
    try:
        inbound_services.notice_intake_dismiss(intake_id=intake.pk, by=request.user)
        messages.success(request, "Notice dismissed.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("appeals:notices")


@require_GET
@member_required()
def notice_image(request: HttpRequest, intake_pk: int, image_pk: int) -> FileResponse:
    image = get_scoped_or_404(request, NoticeIntakeImage.objects.all(), pk=image_pk, intake_id=intake_pk)
    response = FileResponse(
        image.file.open("rb"), as_attachment=True, filename=image.original_name, content_type=image.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("violations/new/read-notice/", notice_read, name="notice_read"),
    path("notices/", notices, name="notices"),
    path("notices/upload/", notice_upload, name="notice_upload"),
    path("notices/address/rotate/", inbound_address_rotate, name="inbound_address_rotate"),
    path("notices/<int:intake_pk>/", notice_review, name="notice_review"),
    path("notices/<int:intake_pk>/dismiss/", notice_dismiss, name="notice_dismiss"),
    path("notices/<int:intake_pk>/images/<int:image_pk>/", notice_image, name="notice_image"),
    *inbound.urlpatterns,
]
