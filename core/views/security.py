"""Owners' view of their people's account security: the two-factor policy, enrolment, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from appeals.services import ServiceError
from core.forms import TwoFactorPolicyForm
from core.models import Role
from core.security import members_security, organization_two_factor_set, security_events_for_organization
from core.tenancy import member_required


@member_required(Role.OWNER)
def security(request: HttpRequest) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    data = request.POST if request.method == "POST" else None  # an unticked box posts nothing
    form = TwoFactorPolicyForm(data, initial={"require_two_factor": organization.require_two_factor})
    if form.is_valid():
        required = form.cleaned_data["require_two_factor"]
        try:
            organization_two_factor_set(organization=organization, required=required, by=request.user)
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(
                request, "Two-factor authentication is now required." if required else "Two-factor is now optional."
            )
            return redirect("core:security")
    context = {
        "form": form,
        "members": members_security(organization),
        "events": security_events_for_organization(organization),
    }
    return render(request, "core/security.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("settings/security/", security, name="security"),
]
