"""The appeal builder: start, five steps (each saves the draft), evidence, review, submit; checklists and templates."""

from __future__ import annotations

import tempfile
import zipfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals import builder_forms as forms
from appeals.downloads import private_download, private_file
from appeals.models import Appeal, AppealTemplate, ChecklistItem, Evidence, Violation, ViolationKind
from appeals.selectors.follow_ups import follow_up_changes
from appeals.services import ServiceError, StaleVersion
from appeals.services import appeals as appeal_services
from appeals.services import checklists as checklist_services
from appeals.services import evidence as evidence_services
from appeals.services.evidence import download_name
from core.dates import day
from core.models import Role
from core.rules import case_rules
from core.tenancy import get_scoped_or_404, member_required, scoped

STEP_FORMS = {1: forms.OutcomeForm, 2: forms.RuleForm, 3: forms.IdsForm}


def _appeal(request: HttpRequest, appeal_pk: int) -> Appeal:
    return get_scoped_or_404(request, Appeal.objects.select_related("violation__account", "organization"), pk=appeal_pk)


def _evidence(request: HttpRequest, evidence_pk: int) -> Evidence:
    return get_scoped_or_404(request, Evidence.objects.select_related("appeal__violation"), pk=evidence_pk)


def _require_edit(request: HttpRequest) -> None:
    if not request.membership.can_edit:  # type: ignore[attr-defined]
        raise PermissionDenied("Viewers can read appeals but not change them.")


def _step_url(appeal: Appeal, step: int) -> str:
    return reverse("appeals:appeal_step", kwargs={"appeal_pk": appeal.pk, "step": step})


def _step_initial(appeal: Appeal, step: int) -> dict:
    if step == 3:
        return {"version": appeal.version, **forms.IdsForm.initial_from(appeal.ids or {})}
    return {"version": appeal.version, **{name: getattr(appeal, name) for name in appeal_services.STEP_FIELDS[step]}}


def _step_form(appeal: Appeal, step: int, data=None, initial=None):
    form_class = STEP_FORMS.get(step, forms.VersionedForm)
    kwargs = {"account_label": (appeal.ids or {}).get("account_label", "")} if step == 3 else {}
    return form_class(data, initial=initial or _step_initial(appeal, step), **kwargs)


def _step_data(step: int, form) -> dict:
    if step == 3:
        return {"ids": form.ids()}
    return {name: form.cleaned_data.get(name, "") for name in appeal_services.STEP_FIELDS[step]}


def _builder_context(request: HttpRequest, appeal: Appeal, step: int, **extra) -> dict:
    evidence = list(appeal.evidence.all())
    follow_up = follow_up_changes(appeal, evidence)
    new_files = follow_up.new_files if follow_up else None
    report = appeal_services.appeal_readiness(appeal, evidence, new_files) if appeal.is_editable else None
    final_text = appeal_services.appeal_compose_text(appeal, evidence)
    can_edit = request.membership.can_edit and appeal.is_editable  # type: ignore[attr-defined]
    context = {
        "appeal": appeal,
        "violation": appeal.violation,
        "step": step,
        "steps": appeal_services.STEPS.items(),
        "last_step": appeal_services.LAST_STEP,
        "can_edit": can_edit,
        "evidence_list": evidence,
        "evidence_total": sum(e.size for e in evidence),
        "report": report,
        "follow_up": follow_up,
        "final_text": final_text,
        "char_count": len(final_text),
        "char_limit": case_rules(appeal.violation).appeal_char_limit,
        "checklist": ChecklistItem.objects.filter(
            organization_id=appeal.organization_id, violation_kind=appeal.violation.kind
        ),
        "upload_form": forms.EvidenceUploadForm(),
        "submit_form": forms.SubmitForm(),
        "template_form": forms.TemplateSaveForm(initial={"violation_kind": appeal.violation.kind}),
        "form": _step_form(appeal, step) if step in STEP_FORMS or step in (4, 5) else None,
    }
    context.update(extra)
    return context


def _render_htmx(request: HttpRequest, partial: str, context: dict) -> HttpResponse:
    """An htmx answer: the swapped partial, plus the readiness badge out of band (and, for the evidence panel,
    the follow-up round's list of new files), so both are current after every save, upload, caption or removal."""
    return render(request, "appeals/builder/_htmx.html", {**context, "partial": partial})


def _render_step(request: HttpRequest, appeal: Appeal, step: int, status: int = 200, **extra) -> HttpResponse:
    context = _builder_context(request, appeal, step, **extra)
    if request.htmx:
        # htmx 2 does not swap 4xx answers: the errors and the stale comparison must still show in place.
        response = _render_htmx(request, "appeals/builder/builder.html#step", context)
        response["HX-Push-Url"] = _step_url(appeal, step)
        return response
    return render(request, "appeals/builder/builder.html", context, status=status)


@require_GET
@member_required()
def appeal_open(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    """Resume where the team left off (or the frozen text of a submitted appeal)."""
    appeal = _appeal(request, appeal_pk)
    step = appeal.builder_step if appeal.is_editable else appeal_services.LAST_STEP
    return redirect(_step_url(appeal, step))


@require_http_methods(["GET", "POST"])
@member_required()
def appeal_step(request: HttpRequest, appeal_pk: int, step: int) -> HttpResponse:
    appeal = _appeal(request, appeal_pk)
    if step not in appeal_services.STEPS:
        raise Http404("No such step.")
    if request.method == "GET":
        return _render_step(request, appeal, step)
    _require_edit(request)
    form = _step_form(appeal, step, data=request.POST)
    if not form.is_valid():
        return _render_step(request, appeal, step, status=422, form=form)
    try:
        appeal = appeal_services.appeal_save_step(
            appeal_id=appeal.pk,
            step=step,
            data=_step_data(step, form),
            by=request.user,
            version=form.cleaned_data["version"],
        )
    except StaleVersion as exc:
        return _render_stale(request, appeal, step, form, exc)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _render_step(request, appeal, step, status=409 if exc.code == "invalid_transition" else 422, form=form)
    target = _target_step(request, step)
    if not request.htmx:
        return redirect(_step_url(appeal, target))
    return _render_step(request, appeal, target)


def _target_step(request: HttpRequest, step: int) -> int:
    try:
        target = int(request.POST.get("go", step + 1))
    except ValueError:
        target = step + 1
    return min(max(target, 1), appeal_services.LAST_STEP)


def _render_stale(request: HttpRequest, appeal: Appeal, step: int, form, exc: StaleVersion) -> HttpResponse:
    """Someone saved first: keep what this user typed, show theirs next to it, and allow saving over it."""
    appeal.refresh_from_db()
    data = request.POST.copy()
    data["version"] = str(appeal.version)
    mine = _step_form(appeal, step, data=data)
    mine.is_valid()
    theirs = _step_initial(appeal, step)
    theirs_fields = [(form.fields[name].label, theirs.get(name, "")) for name in form.fields if name != "version"]
    return _render_step(request, appeal, step, status=409, form=mine, stale=exc.message, theirs=theirs_fields)


@require_POST
@member_required(Role.MEMBER)
def appeal_start(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = get_scoped_or_404(request, Violation.objects.all(), pk=violation_pk)
    form = forms.StartForm(request.POST, organization=request.organization)
    template = form.cleaned_data["template"] if form.is_valid() else None
    try:
        appeal = appeal_services.appeal_start(violation=violation, by=request.user, template=template)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("appeals:case", violation_pk=violation.pk)
    url = reverse("appeals:appeal_open", kwargs={"appeal_pk": appeal.pk})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@member_required(Role.MEMBER)
def evidence_upload(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    """Each file is checked on its own: a refused file never loses the others or the draft."""
    appeal = _appeal(request, appeal_pk)
    results = []
    files = request.FILES.getlist("files")
    if not files:
        results.append({"ok": False, "message": "Choose one or more files to upload."})
    for upload in files:
        try:
            evidence = evidence_services.evidence_add(appeal_id=appeal.pk, upload=upload, by=request.user)
        except ServiceError as exc:
            results.append({"ok": False, "message": exc.message})
        else:
            results.append({"ok": True, "message": f'Added "{evidence.original_name}". Now say what it proves.'})
    if request.htmx:
        context = _builder_context(request, appeal, 4, upload_results=results, follow_up_oob=True)
        return _render_htmx(request, "appeals/builder/_evidence.html#evidence-panel", context)
    for result in results:
        (messages.success if result["ok"] else messages.error)(request, result["message"])
    return redirect(_step_url(appeal, 4))


@require_POST
@member_required(Role.MEMBER)
def evidence_caption(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    evidence = _evidence(request, evidence_pk)
    form = forms.CaptionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            evidence = evidence_services.evidence_caption_save(
                evidence_id=evidence.pk, caption=form.cleaned_data["caption"], by=request.user
            )
        except ServiceError as exc:
            error = exc.message
    else:
        error = "; ".join(e for errors in form.errors.values() for e in errors)
    if request.htmx:
        appeal = _appeal(request, evidence.appeal_id)
        context = _builder_context(request, appeal, 4, follow_up_oob=True)
        context.update(item=evidence, can_edit=True, caption_error=error, saved=not error)
        return _render_htmx(request, "appeals/builder/_evidence.html#evidence-item", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f'Caption saved for "{evidence.original_name}".')
    return redirect(_step_url(evidence.appeal, 4))


@require_POST
@member_required(Role.MEMBER)
def evidence_remove(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    evidence = _evidence(request, evidence_pk)
    appeal = evidence.appeal
    try:
        evidence_services.evidence_remove(evidence_id=evidence.pk, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f'Removed "{evidence.original_name}".')
    if request.htmx:
        appeal.refresh_from_db()
        context = _builder_context(request, appeal, 4, follow_up_oob=True)
        return _render_htmx(request, "appeals/builder/_evidence.html#evidence-panel", context)
    return redirect(_step_url(appeal, 4))


@require_GET
@member_required()
def evidence_download(request: HttpRequest, evidence_pk: int) -> FileResponse:
    evidence = _evidence(request, evidence_pk)
    return private_download(evidence.file, name=evidence.original_name, content_type=evidence.content_type)


@require_GET
@member_required()
def evidence_thumbnail(request: HttpRequest, evidence_pk: int) -> FileResponse:
    evidence = _evidence(request, evidence_pk)
    if not evidence.thumbnail:
        raise Http404("No thumbnail.")
    content_type = "image/png" if evidence.thumbnail.name.endswith(".png") else "image/jpeg"
    response = FileResponse(evidence.thumbnail.open("rb"), content_type=content_type)
    return private_file(response)


def _download_text(appeal: Appeal, evidence: list[Evidence]) -> str:
    """The final text as downloaded; a draft that is not ready (a blocking finding) starts with a banner saying so."""
    report = appeal_services.appeal_readiness(appeal, evidence) if appeal.is_editable else None
    context = {"report": report, "final_text": appeal_services.appeal_compose_text(appeal, evidence)}
    return render_to_string("appeals/builder/appeal.txt", context)


def _download_name(appeal: Appeal) -> str:
    return slugify(f"appeal-{appeal.violation.reference}-round-{appeal.round}") or "appeal"


@require_GET
@member_required()
def appeal_download_text(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    appeal = _appeal(request, appeal_pk)
    text = _download_text(appeal, list(appeal.evidence.all()))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(appeal)}.txt"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, no-store"
    return response


def _entry_name(evidence: Evidence) -> str:
    return download_name(evidence.original_name, evidence.content_type)


@require_GET
@member_required()
def appeal_download(request: HttpRequest, appeal_pk: int) -> FileResponse:
    """The final text as appeal.txt plus every evidence file, numbered as in the text, in one ZIP."""
    appeal = _appeal(request, appeal_pk)
    evidence_list = list(appeal.evidence.all())
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it after streaming)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("appeal.txt", _download_text(appeal, evidence_list))
        for number, evidence in enumerate(evidence_list, start=1):
            with (
                evidence.file.open("rb") as source,
                archive.open(f"evidence/{number:02d}-{_entry_name(evidence)}", "w") as target,
            ):
                for chunk in iter(lambda: source.read(1024 * 1024), b""):
                    target.write(chunk)
    spool.seek(0)
    name = _download_name(appeal)
    response = FileResponse(spool, as_attachment=True, filename=f"{name}.zip", content_type="application/zip")
    return private_file(response)


@require_POST
@member_required(Role.MEMBER)
def appeal_submit(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    appeal = _appeal(request, appeal_pk)
    form = forms.SubmitForm(request.POST)
    if form.is_valid():
        try:
            appeal = appeal_services.appeal_submit(
                appeal_id=appeal.pk,
                by=request.user,
                submitted_at=form.cleaned_data["submitted_at"],
                platform_reference=form.cleaned_data["platform_reference"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"Appeal marked as submitted. A decision is due by {day(appeal.due_at, appeal.organization.zoneinfo)}; "
                "the text is now frozen.",
            )
            url = reverse("appeals:case", kwargs={"violation_pk": appeal.violation_id})
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    appeal.refresh_from_db()
    return _render_step(request, appeal, appeal_services.LAST_STEP, status=422, submit_form=form)


@require_POST
@member_required(Role.MEMBER)
def appeal_template_save(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    appeal = _appeal(request, appeal_pk)
    form = forms.TemplateSaveForm(request.POST)
    if form.is_valid():
        try:
            template = appeal_services.appeal_template_save(
                appeal_id=appeal.pk,
                by=request.user,
                name=form.cleaned_data["name"],
                violation_kind=form.cleaned_data["violation_kind"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f'Saved as template "{template.name}".')
            return redirect(_step_url(appeal, appeal_services.LAST_STEP))
    return _render_step(request, appeal, appeal_services.LAST_STEP, status=422, template_form=form)


@require_GET
@member_required()
def template_list(request: HttpRequest) -> HttpResponse:
    templates = scoped(request, AppealTemplate.objects.all()).order_by("violation_kind", "name")
    return render(request, "appeals/builder/templates.html", {"templates": templates})


@require_POST
@member_required(Role.MANAGER)
def template_delete(request: HttpRequest, template_pk: int) -> HttpResponse:
    template = get_scoped_or_404(request, AppealTemplate.objects.all(), pk=template_pk)
    appeal_services.appeal_template_delete(template_id=template.pk, by=request.user)
    messages.success(request, f'Deleted template "{template.name}".')
    return redirect("appeals:appeal_templates")


def _checklist_context(request: HttpRequest, add_form=None) -> dict:
    items = list(scoped(request, ChecklistItem.objects.all()))
    groups = [
        {"kind": kind, "label": label, "items": [i for i in items if i.violation_kind == kind]}
        for kind, label in ViolationKind.choices
    ]
    return {"groups": groups, "add_form": add_form or forms.ChecklistItemForm()}


@require_GET
@member_required()
def checklist_list(request: HttpRequest) -> HttpResponse:
    return render(request, "appeals/builder/checklists.html", _checklist_context(request))


@require_POST
@member_required(Role.MANAGER)
def checklist_add(request: HttpRequest) -> HttpResponse:
    form = forms.ChecklistItemForm(request.POST)
    if form.is_valid():
        try:
            checklist_services.checklist_item_add(
                organization=request.organization,  # type: ignore[attr-defined]
                violation_kind=form.cleaned_data["violation_kind"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Checklist item added.")
            return redirect("appeals:checklists")
    return render(request, "appeals/builder/checklists.html", _checklist_context(request, form), status=422)


@require_POST
@member_required(Role.MANAGER)
def checklist_edit(request: HttpRequest, checklist_pk: int) -> HttpResponse:
    item = get_scoped_or_404(request, ChecklistItem.objects.all(), pk=checklist_pk)
    form = forms.ChecklistTextForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError(form.errors["text"][0], field="text")
        checklist_services.checklist_item_update(item_id=item.pk, text=form.cleaned_data["text"], by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Checklist item saved.")
    return redirect("appeals:checklists")


@require_POST
@member_required(Role.MANAGER)
def checklist_delete(request: HttpRequest, checklist_pk: int) -> HttpResponse:
    item = get_scoped_or_404(request, ChecklistItem.objects.all(), pk=checklist_pk)
    checklist_services.checklist_item_delete(item_id=item.pk, by=request.user)
    messages.success(request, f'Removed "{item.text}".')
    return redirect("appeals:checklists")


urlpatterns = [
    path("violations/<int:violation_pk>/appeals/start/", appeal_start, name="appeal_start"),
    path("appeals/<int:appeal_pk>/", appeal_open, name="appeal_open"),
    # Same route under the name other features look the builder up by (outcomes' follow-up redirect).
    path("appeals/<int:appeal_pk>/", appeal_open, name="builder"),
    path("appeals/<int:appeal_pk>/step/<int:step>/", appeal_step, name="appeal_step"),
    path("appeals/<int:appeal_pk>/evidence/", evidence_upload, name="evidence_upload"),
    path("appeals/<int:appeal_pk>/download/", appeal_download, name="appeal_download"),
    path("appeals/<int:appeal_pk>/download.txt", appeal_download_text, name="appeal_download_text"),
    path("appeals/<int:appeal_pk>/submit/", appeal_submit, name="appeal_submit"),
    path("appeals/<int:appeal_pk>/save-template/", appeal_template_save, name="appeal_template_save"),
    path("evidence/<int:evidence_pk>/caption/", evidence_caption, name="evidence_caption"),
    path("evidence/<int:evidence_pk>/remove/", evidence_remove, name="evidence_remove"),
    path("evidence/<int:evidence_pk>/download/", evidence_download, name="evidence_download"),
    path("evidence/<int:evidence_pk>/thumbnail/", evidence_thumbnail, name="evidence_thumbnail"),
    path("appeal-templates/", template_list, name="appeal_templates"),
    path("appeal-templates/<int:template_pk>/delete/", template_delete, name="appeal_template_delete"),
    path("checklists/", checklist_list, name="checklists"),
    path("checklists/add/", checklist_add, name="checklist_add"),
    path("checklists/<int:checklist_pk>/edit/", checklist_edit, name="checklist_edit"),
    path("checklists/<int:checklist_pk>/delete/", checklist_delete, name="checklist_delete"),
]
