"""Destinations (owners and managers): Slack, Teams and webhooks, their delivery log and "redeliver"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals.forms.destinations import DestinationForm, ReminderPreferencesForm
from appeals.models import CaseMute, Delivery, Destination, EventType, Violation
from appeals.selectors.notify import KINDS, reminder_choices, who_hears
from appeals.services import ServiceError
from appeals.services.destinations import manage
from appeals.services.reminders import preferences
from core.models import Role
from core.tenancy import get_scoped_or_404, member_required


def _apply_errors(form: DestinationForm, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@member_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def destination_list(request: HttpRequest) -> HttpResponse:
    form = DestinationForm(request.POST or None, initial={"kind": Destination.Kind.SLACK})
    if request.method == "POST" and form.is_valid():
        try:
            destination = manage.destination_create(
                organization=request.organization, by=request.user, **form.cleaned_data
            )
        except ServiceError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"“{destination.name}” added.")
            return redirect("appeals:destination_detail", destination_pk=destination.pk)
    destinations = Destination.objects.filter(organization=request.organization).order_by("name", "id")
    return render(request, "appeals/destinations/list.html", {"form": form, "destinations": destinations})


@member_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def destination_detail(request: HttpRequest, destination_pk: int) -> HttpResponse:
    destination = get_scoped_or_404(request, Destination.objects.all(), pk=destination_pk)
    initial = {
        "name": destination.name,
        "url": destination.url,
        "events": destination.events,
        "is_active": destination.is_active,
    }
    form = DestinationForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
        try:
            manage.destination_update(destination=destination, **data)
        except ServiceError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("appeals:destination_detail", destination_pk=destination.pk)
    deliveries = destination.deliveries.prefetch_related("attempt_log").order_by("-created_at", "-id")[:100]
    return render(
        request,
        "appeals/destinations/detail.html",
        {"destination": destination, "form": form, "deliveries": deliveries},
    )


@member_required(Role.MANAGER)
@require_POST
def destination_delete(request: HttpRequest, destination_pk: int) -> HttpResponse:
    destination = get_scoped_or_404(request, Destination.objects.all(), pk=destination_pk)
    destination.delete()
    messages.success(request, f"“{destination.name}” removed.")
    return redirect("appeals:destination_list")


@member_required(Role.MANAGER)
@require_POST
def delivery_redeliver(request: HttpRequest, delivery_pk: int) -> HttpResponse:
    delivery = get_scoped_or_404(request, Delivery.objects.all(), pk=delivery_pk)
    try:
        manage.delivery_redeliver(delivery_id=delivery.pk, organization=request.organization)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Queued again, with the same event id.")
    return redirect("appeals:destination_detail", destination_pk=delivery.destination_id)


@member_required(Role.VIEWER)
@require_http_methods(["GET", "POST"])
def reminder_preferences(request: HttpRequest) -> HttpResponse:
    form = ReminderPreferencesForm(request.POST or None, kinds=reminder_choices(request.user))
    if request.method == "POST" and form.is_valid():
        preferences.reminder_preferences_set(user=request.user, choices=form.choices())
        messages.success(request, "Saved. New reminders follow these choices.")
        return redirect("appeals:reminder_preferences")
    muted = CaseMute.objects.filter(user=request.user, violation__organization=request.organization).select_related(
        "violation"
    )
    return render(request, "appeals/destinations/preferences.html", {"form": form, "muted": muted})


@member_required(Role.VIEWER)
@require_POST
def case_mute(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = get_scoped_or_404(request, Violation.objects.all(), pk=violation_pk)
    muted = request.POST.get("muted", "1") != "0"
    preferences.case_mute(user=request.user, violation_id=violation.pk, muted=muted)
    messages.success(request, f"Reminders about {violation.reference} {'muted' if muted else 'on again'}.")
    return redirect(
        request.POST.get("next")
        if url_has_allowed_host_and_scheme(request.POST.get("next"), None)
        else "appeals:reminder_preferences"
    )


@member_required(Role.MANAGER)
@require_GET
def notify_overview(request: HttpRequest) -> HttpResponse:
    rows, destinations = who_hears(request.organization)
    return render(
        request,
        "appeals/destinations/overview.html",
        {"rows": rows, "kinds": KINDS, "destinations": destinations, "event_labels": dict(EventType.choices)},
    )


urlpatterns = [
    path("reminders/preferences/", reminder_preferences, name="reminder_preferences"),
    path("reminders/who-hears/", notify_overview, name="notify_overview"),
    path("violations/<int:violation_pk>/mute/", case_mute, name="case_mute"),
    path("destinations/", destination_list, name="destination_list"),
    path("destinations/<int:destination_pk>/", destination_detail, name="destination_detail"),
    path("destinations/<int:destination_pk>/delete/", destination_delete, name="destination_delete"),
    path("deliveries/<int:delivery_pk>/redeliver/", delivery_redeliver, name="delivery_redeliver"),
]
