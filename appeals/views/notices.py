"""Notices into cases: "Paste the notice" on Record a violation; later, forwarded mail to review."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from appeals.forms.violations import ViolationForm
from appeals.models import Account
from appeals.services import ServiceError
from appeals.services import notices as services
from core.models import Role
from core.tenancy import member_required


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


urlpatterns = [
    path("violations/new/read-notice/", notice_read, name="notice_read"),
]
