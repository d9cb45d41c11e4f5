"""Deadlines: the personal iCalendar feed, unsubscribing from reminders, failed reminders for managers."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from icalendar import Calendar, Event

from appeals.models import Reminder
from appeals.selectors.deadlines import failed_reminders, upcoming_deadlines
from appeals.services import ServiceError
from appeals.services import reminders as service
from core.models import Membership, Role, User
from core.tenancy import get_scoped_or_404, member_required


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: calendar apps fetch it; the secret token in the URL is the credential."""
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None:
        raise Http404("No such calendar.")
    org_ids = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    cal = Calendar()
    cal.add("prodid", "-//Appeal Desk//Deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Appeal Desk deadlines")
    stamp = timezone.now()
    for entry in upcoming_deadlines(org_ids, now=stamp):
        event = Event()
        event.add("uid", f"{entry.uid}@appealdesk")
        event.add("dtstamp", stamp)
        event.add("summary", entry.title)
        if entry.at is not None:
            event.add("dtstart", entry.at)
            event.add("dtend", entry.at + timedelta(minutes=15))
        else:
            event.add("dtstart", entry.day)
        description = f"{entry.description}\n{entry.organization.name}"
        if entry.violation_id:
            url = service.case_url(entry.violation_id)
            event.add("url", url)
            description += f"\n{url}"
        event.add("description", description)
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appeal-desk-deadlines.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _feed_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("appeals:calendar_feed", kwargs={"token": request.user.calendar_token}))


@login_required
@require_GET
def calendar_settings(request: HttpRequest) -> HttpResponse:
    return render(request, "appeals/deadlines/calendar.html", {"feed_url": _feed_url(request)})


@login_required
@require_POST
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    service.calendar_token_rotate(user=request.user)
    if request.htmx:
        return render(
            request, "appeals/deadlines/calendar.html#feed", {"feed_url": _feed_url(request), "rotated": True}
        )
    messages.success(request, "New calendar address made. Subscriptions to the old one no longer update.")
    return redirect("appeals:calendar_settings")


@csrf_exempt  # the signed token is the credential; mail clients POST here for one-click unsubscribe (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, signed: str) -> HttpResponse:
    """GET shows a one-button page (link scanners must not unsubscribe anyone); POST unsubscribes."""
    try:
        user = service.unsubscribe_user(signed)
    except ServiceError as exc:
        return render(request, "appeals/deadlines/unsubscribe.html", {"error": exc.message}, status=400)
    done = False
    if request.method == "POST":
        service.reminders_unsubscribe(user=user)
        done = True
    return render(request, "appeals/deadlines/unsubscribe.html", {"person": user, "done": done})


@member_required(Role.MANAGER)
@require_GET
def reminders_failed(request: HttpRequest) -> HttpResponse:
    rows = failed_reminders(request.organization)[:200]
    return render(request, "appeals/deadlines/failed.html", {"rows": rows})


@member_required(Role.MANAGER)
@require_POST
def reminder_retry(request: HttpRequest, reminder_pk: int) -> HttpResponse:
    reminder = get_scoped_or_404(request, Reminder.objects.all(), pk=reminder_pk)
    try:
        service.reminder_retry(reminder_id=reminder.pk, organization=request.organization)
    except ServiceError as exc:
        messages.error(request, exc.message)
        if request.htmx:
            return HttpResponse(status=409)
        return redirect("appeals:reminders_failed")
    if request.htmx:
        return render(request, "appeals/deadlines/failed.html#queued", {"reminder": reminder})
    messages.success(request, "The reminder is queued again.")
    return redirect("appeals:reminders_failed")


urlpatterns = [
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("calendar/", calendar_settings, name="calendar_settings"),
    path("calendar/rotate/", calendar_rotate, name="calendar_rotate"),
    path("unsubscribe/<str:signed>", unsubscribe, name="unsubscribe"),
    path("reminders/failed/", reminders_failed, name="reminders_failed"),
    path("reminders/<int:reminder_pk>/retry/", reminder_retry, name="reminder_retry"),
]
