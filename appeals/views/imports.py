"""The file import: upload a CSV or XLSX, match a foreign layout's columns once, preview, apply all or none."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from appeals import imports
from appeals.forms.imports import ImportMappingForm, ImportUploadForm
from appeals.models import Account, ImportBatch, ImportProfile
from appeals.services import ServiceError
from appeals.services import imports as services
from appeals.services.violations import violations_import
from core.models import Role
from core.tenancy import get_scoped_or_404, member_required

PREVIEW_ROWS = 200


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = services.import_batch_preview(organization=request.organization, upload=upload, by=request.user)
        if batch.status == ImportBatch.Status.NEEDS_MAPPING:
            return redirect("appeals:import_columns", batch_pk=batch.pk)
        return redirect("appeals:import_preview", batch_pk=batch.pk)
    profiles = ImportProfile.objects.filter(organization=request.organization).order_by("name")
    return render(
        request,
        "appeals/violations/import.html",
        {"form": form, "columns": imports.COLUMNS, "profiles": profiles},
    )


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def import_columns(request: HttpRequest, batch_pk: int) -> HttpResponse:
    batch = get_scoped_or_404(request, ImportBatch.objects.select_related("profile"), pk=batch_pk)
    if batch.status == ImportBatch.Status.APPLIED or not batch.source:
        return redirect("appeals:import_preview", batch_pk=batch.pk)
    form = ImportMappingForm(request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_batch_map(
                batch=batch,
                mapping=form.mapping(),
                date_order=form.cleaned_data["date_order"],
                save_as=form.cleaned_data["save_as"],
                by=request.user,
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("appeals:import_preview", batch_pk=batch.pk)
    return render(request, "appeals/violations/import_columns.html", {"batch": batch, "form": form})


@require_http_methods(["GET", "POST"])
@member_required(Role.MEMBER)
def import_preview(request: HttpRequest, batch_pk: int) -> HttpResponse:
    batch = get_scoped_or_404(request, ImportBatch.objects.select_related("profile"), pk=batch_pk)
    if batch.status == ImportBatch.Status.NEEDS_MAPPING:
        return redirect("appeals:import_columns", batch_pk=batch.pk)
    if request.method == "POST":
        try:
            batch = services.import_batch_apply(batch=batch, by=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("appeals:import_preview", batch_pk=batch.pk)
        messages.success(
            request,
            f"Imported {batch.filename}: {batch.created_count} created, {batch.updated_count} updated, "
            f"{batch.unchanged_count} unchanged.",
        )
        return redirect("appeals:violations")
    plan = None
    preview: list[dict] = []
    if batch.status == ImportBatch.Status.PREVIEWED and not batch.errors:
        plan = violations_import(
            organization=request.organization, rows=batch.rows, by=request.user, dry_run=True, keep_actions=True
        )
        names = dict(Account.objects.filter(organization=request.organization).values_list("pk", "external_id"))
        for row in batch.rows[:PREVIEW_ROWS]:
            preview.append(
                {**row, "account": names.get(row["account_id"], "?"), "action": plan.actions.get(row["line"], "")}
            )
    return render(
        request,
        "appeals/violations/import_preview.html",
        {"batch": batch, "plan": plan, "preview": preview, "more": max(0, len(batch.rows) - PREVIEW_ROWS)},
    )


@require_POST
@member_required(Role.MEMBER)
def import_profile_delete(request: HttpRequest, profile_pk: int) -> HttpResponse:
    profile = get_scoped_or_404(request, ImportProfile.objects.all(), pk=profile_pk)
    try:
        services.import_profile_delete(organization=request.organization, profile_id=profile.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Import profile “{profile.name}” deleted.")
    return redirect("appeals:import_upload")


urlpatterns = [
    path("violations/import/", import_upload, name="import_upload"),
    path("violations/import/<int:batch_pk>/", import_preview, name="import_preview"),
    path("violations/import/<int:batch_pk>/columns/", import_columns, name="import_columns"),
    path("violations/import/profiles/<int:profile_pk>/delete/", import_profile_delete, name="import_profile_delete"),
]
