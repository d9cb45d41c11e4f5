"""Organization settings (owners): calendar, deadlines and limits, closed dates."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from appeals.models import RecomputeJob
from appeals.selectors.recompute import latest_recompute_job
from appeals.services import ServiceError, recompute
from core import services
from core.calendar import CalendarError
from core.dates import weekday
from core.forms import ClosedDateForm, OrganizationSettingsForm, settings_initial
from core.market_models import RuleVersion
from core.models import ClosedDate, Organization, Role
from core.tenancy import get_scoped_or_404, member_required


def next_business_days(organization: Organization, count: int = 5, today: date | None = None) -> list[date]:
    """The next `count` business days after today (organization time), for the settings preview."""
    calendar = organization.business_calendar()
    day = today or timezone.now().astimezone(calendar.tz).date()
    days = []
    try:
        for _ in range(count):
            day = calendar.next_business_day(day)
            days.append(day)
    except CalendarError:
        pass
    return days


def _page(request: HttpRequest, form: OrganizationSettingsForm, closed_form: ClosedDateForm, status: int = 200):
    organization = request.organization  # type: ignore[attr-defined]
    calendar = organization.business_calendar()
    today = timezone.now().astimezone(calendar.tz).date()
    preview = [(d, calendar.holiday_name(d)) for d in next_business_days(organization, today=today)]
    skipped = []
    if preview:
        day = today + timedelta(days=1)
        while day < preview[-1][0]:
            if not calendar.is_business_day(day):
                reason = calendar.holiday_name(day) or (
                    "Closed date" if day in calendar.closed_dates else "Not a working day"
                )
                skipped.append((day, reason))
            day += timedelta(days=1)
    context = {
        "form": form,
        "closed_form": closed_form,
        # Past closed dates no longer move any deadline; upcoming ones are what owners maintain.
        "closed_dates": ClosedDate.objects.filter(organization=organization, date__gte=today),
        "preview": preview,
        "skipped": skipped,
        "recompute_job": latest_recompute_job(organization),
    }
    return render(request, "core/organization_settings.html", context, status=status)


@member_required(Role.OWNER)
def organization_settings(request: HttpRequest) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    form = OrganizationSettingsForm(request.POST or None, initial=settings_initial(organization))
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(organization=organization, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Settings saved.")
            return redirect("core:organization_settings")
    return _page(request, form, ClosedDateForm(), status=400 if form.errors else 200)


@require_POST
@member_required(Role.OWNER)
def closed_date_add(request: HttpRequest) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    closed_form = ClosedDateForm(request.POST)
    if closed_form.is_valid():
        try:
            closed = services.closed_date_add(organization=organization, **closed_form.cleaned_data)
        except ServiceError as exc:
            closed_form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"{weekday(closed.date)} is now a closed date.")
            return redirect("core:organization_settings")
    form = OrganizationSettingsForm(initial=settings_initial(organization))
    return _page(request, form, closed_form, status=400)


@require_POST
@member_required(Role.OWNER)
def closed_date_remove(request: HttpRequest, closed_date_pk: int) -> HttpResponse:
    closed = get_scoped_or_404(request, ClosedDate.objects.all(), pk=closed_date_pk)
    services.closed_date_remove(organization=request.organization, closed_date_id=closed.pk)  # type: ignore[attr-defined]
    messages.success(request, f"{weekday(closed.date)} is a normal day again.")
    return redirect("core:organization_settings")


@member_required(Role.OWNER)
def recompute_progress(request: HttpRequest, job_pk: int) -> HttpResponse:
    """The progress partial of a deadline recount (polled by htmx while the job runs)."""
    job = get_scoped_or_404(request, RecomputeJob.objects.all(), pk=job_pk)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("core:organization_settings")
    return render(request, "appeals/recompute/_progress.html", {"job": job})


def _apply_screen(request: HttpRequest, version: RuleVersion) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    context = {
        "version": version,
        "job": latest_recompute_job(organization, version=version),
        "count": latest_recompute_job(organization, version=version, dry_run=True),
    }
    template = "appeals/recompute/_apply.html" if request.htmx else "appeals/recompute/apply.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@member_required(Role.OWNER)
def rule_version_apply(request: HttpRequest, version_pk: int) -> HttpResponse:
    """GET: the version's Apply screen (its count of open cases that would change, the apply job's progress);
    POST: apply it now (a recompute job)."""
    version = get_scoped_or_404(request, RuleVersion.objects.all(), pk=version_pk)
    if request.method == "POST":
        recompute.rule_version_apply(organization=request.organization, version=version, by=request.user)  # type: ignore[attr-defined]
        if not request.htmx:  # type: ignore[attr-defined]
            messages.success(request, f"Version {version.number} of {version.market} is being applied.")
            return redirect("core:rule_version_apply", version_pk=version.pk)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _apply_screen(request, version)


@require_POST
@member_required(Role.OWNER)
def rule_version_count(request: HttpRequest, version_pk: int) -> HttpResponse:
    """Count (in a job) the open cases the version would change now; the screen polls it."""
    version = get_scoped_or_404(request, RuleVersion.objects.all(), pk=version_pk)
    recompute.rule_version_count(organization=request.organization, version=version, by=request.user)  # type: ignore[attr-defined]
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("core:rule_version_apply", version_pk=version.pk)
    return _apply_screen(request, version)


urlpatterns = [
    path("settings/", organization_settings, name="organization_settings"),
    path("settings/closed-dates/", closed_date_add, name="closed_date_add"),
    path("settings/closed-dates/<int:closed_date_pk>/remove/", closed_date_remove, name="closed_date_remove"),
    path("settings/recompute/<int:job_pk>/", recompute_progress, name="recompute_progress"),
    path("settings/rule-versions/<int:version_pk>/apply/", rule_version_apply, name="rule_version_apply"),
    path("settings/rule-versions/<int:version_pk>/count/", rule_version_count, name="rule_version_count"),
]
