"""Admin for support staff: browse the domain; the timeline is append-only (corrections are new entries)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from appeals import models as m


@admin.register(m.Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "kind", "market", "organization"]
    list_filter = ["kind", "market"]
    search_fields = ["name", "external_id"]
    list_select_related = ["organization"]


class ViolationItemInline(admin.TabularInline):
    model = m.ViolationItem
    extra = 0
    fields = ["kind", "value"]


@admin.register(m.Violation)
class ViolationAdmin(admin.ModelAdmin):
    list_display = ["reference", "account", "kind", "status", "penalty_points", "points_cleared", "enforced_at"]
    list_filter = ["status", "kind", "points_cleared"]
    search_fields = ["reference", "account__name", "account__external_id"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "assignee", "created_by"]
    # The stored status is derived by services.status; editing it here would only be overwritten.
    readonly_fields = ["status", "version", "created_at", "updated_at"]
    inlines = [ViolationItemInline]


class EvidenceInline(admin.TabularInline):
    model = m.Evidence
    extra = 0
    fields = ["original_name", "category", "size", "sha256", "caption"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["__str__", "violation", "round", "status", "submitted_at", "due_at", "decided_at"]
    list_filter = ["status", "round"]
    search_fields = ["violation__reference", "platform_reference"]
    list_select_related = ["violation"]
    raw_id_fields = ["violation", "parent", "created_by"]
    # State changes go through the services (transitions, timeline, case status); the admin only reads them.
    readonly_fields = [
        "status",
        "submitted_at",
        "due_at",
        "decided_at",
        "decision_message",
        "impacts_cleared",
        "final_text",
        "readiness_score",
        "readiness_findings",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [EvidenceInline]


@admin.register(m.Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["violation", "to_team", "escalated_at", "answer_due_at", "answered_at", "result"]
    list_filter = ["to_team", "result"]
    search_fields = ["violation__reference", "reference"]
    list_select_related = ["violation"]
    raw_id_fields = ["violation", "appeal", "created_by"]
    readonly_fields = ["answer_due_at"]


@admin.register(m.SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = ["subject", "account", "channel", "platform_number", "opened_at", "resolved_at"]
    list_filter = ["channel"]
    search_fields = ["subject", "platform_number"]
    raw_id_fields = ["account", "violation", "appeal", "created_by"]


@admin.register(m.Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["kind", "subject_key", "recipient", "deadline", "send_after", "status", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["subject_key", "recipient__email"]
    raw_id_fields = ["violation", "appeal", "ticket", "escalation", "account", "recipient"]


@admin.register(m.Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "violation", "author", "created_at"]
    search_fields = ["body", "violation__reference"]
    raw_id_fields = ["violation", "author", "mentions"]


admin.site.register(m.ChecklistItem)
admin.site.register(m.AppealTemplate)
admin.site.register(m.ChannelRule)
admin.site.register(m.NoticeAttachment)
admin.site.register(m.ImportBatch)


class TimelineCorrectionForm(forms.ModelForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was wrong in the history and what is right. Entries are never edited; this note is added.",
    )
    corrects = forms.IntegerField(required=False, help_text="ID of the entry this corrects (optional).")

    class Meta:
        model = m.TimelineEvent
        fields = ["violation", "appeal"]

    def clean(self):
        data = super().clean()
        appeal, violation = data.get("appeal"), data.get("violation")
        if appeal is not None and violation is not None and appeal.violation_id != violation.pk:
            self.add_error("appeal", "This appeal belongs to another case.")
        corrects = data.get("corrects")
        if (
            corrects
            and violation is not None
            and not m.TimelineEvent.objects.filter(pk=corrects, violation=violation).exists()
        ):
            self.add_error("corrects", "No entry with this ID in this case's timeline.")
        return data


@admin.register(m.TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    """Read-only history; "Add" records a correction entry, the only way to fix the record."""

    list_display = ["created_at", "violation", "verb", "actor", "appeal"]
    list_filter = ["verb"]
    search_fields = ["violation__reference"]
    list_select_related = ["violation", "actor", "appeal"]
    raw_id_fields = ["violation", "appeal"]
    form = TimelineCorrectionForm
    readonly_fields = ["organization", "violation", "appeal", "actor", "verb", "data", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is not None:
            return self.readonly_fields
        return ["violation", "appeal", "note", "corrects"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:  # unreachable through the admin; kept as a guard
            raise PermissionError("Timeline entries cannot be changed; record a correction instead.")
        from appeals.services.timeline import timeline_record

        note = form.cleaned_data["note"].strip()
        data = {"note": note, "summary": note[:200]}
        if form.cleaned_data.get("corrects"):
            data["corrects"] = form.cleaned_data["corrects"]
        entry = timeline_record(
            violation=form.cleaned_data["violation"],
            verb=m.TimelineVerb.CORRECTION,
            actor=request.user,
            appeal=form.cleaned_data.get("appeal"),
            data=data,
        )
        # The admin reads obj.pk afterwards (message, redirect).
        obj.pk = entry.pk
        obj.id = entry.pk
