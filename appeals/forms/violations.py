"""Forms of the case log: validate and normalise input; the rules are in services.violations."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone

from appeals.models import Account, Violation, ViolationKind
from appeals.selectors.violations import organization_members
from appeals.services.violations import split_ids
from core.models import Organization

ID_HELP = "One or more, separated by commas, semicolons, spaces or new lines."


class ViolationForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), empty_label="Choose the shop or creator")
    reference = forms.CharField(label="Violation reference number", max_length=120)
    kind = forms.ChoiceField(
        choices=ViolationKind.choices,
        help_text="Seller kinds apply to shops; content, LIVE and affiliate restrictions to creators.",
    )
    policy = forms.CharField(label="Policy or rule cited", max_length=255)
    action = forms.CharField(label="Action taken", max_length=255, required=False)
    record_status = forms.ChoiceField(
        label="Record status on the platform",
        choices=Violation.RecordStatus.choices,
        initial=Violation.RecordStatus.ENFORCED,
        help_text="Pending: the action has not taken effect yet.",
    )
    enforced_at = forms.DateTimeField(
        label="Enforced / notified at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="The appeal window counts from this date.",
    )
    penalty_points = forms.IntegerField(min_value=0, max_value=1000, initial=0, required=False)
    sku_ids = forms.CharField(
        label="SKU IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=ID_HELP
    )
    product_ids = forms.CharField(label="Product IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    order_ids = forms.CharField(label="Order IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    video_ids = forms.CharField(label="Video IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notice = forms.CharField(
        label="Notice text (as received)", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(organization=organization).order_by("name")

    @classmethod
    def initial_for(cls, violation: Violation) -> dict:
        items: dict[str, list[str]] = {"sku": [], "product": [], "order": [], "video": []}
        for item in violation.items.all():
            items[item.kind].append(item.value)
        return {
            "account": violation.account_id,
            "reference": violation.reference,
            "kind": violation.kind,
            "policy": violation.policy,
            "action": violation.action,
            "record_status": violation.record_status,
            "enforced_at": timezone.localtime(violation.enforced_at),
            "penalty_points": violation.penalty_points,
            "notice": violation.notice,
            "version": violation.version,
            **{f"{kind}_ids": "\n".join(values) for kind, values in items.items()},
        }

    @staticmethod
    def initial_from_notice(reading, typed: dict) -> tuple[dict, list[str]]:
        """The form's initial values from a read notice over what the user already typed, and the names of the
        fields the notice filled (marked "from the notice" for review)."""
        parsed = reading.parsed
        values = {
            "account": reading.account.pk if reading.account else None,
            "reference": parsed.reference,
            "kind": parsed.kind,
            "policy": parsed.policy,
            "action": parsed.action,
            "record_status": parsed.record_status,
            "enforced_at": timezone.localtime(parsed.enforced_at) if parsed.enforced_at else None,
            "penalty_points": parsed.penalty_points,
            **{
                f"{kind}_ids": "\n".join(getattr(parsed, f"{kind}_ids"))
                for kind in ("sku", "product", "order", "video")
            },
        }
        filled = [name for name, value in values.items() if value not in (None, "")]
        initial = {name: value for name, value in typed.items() if value not in (None, "")}
        initial.update({name: values[name] for name in filled})
        return initial, filled

    def mark_from_notice(self, names: list[str]) -> None:
        for name in names:
            self.fields[name].widget.attrs["data-from-notice"] = "true"
            self.fields[name].help_text = "From the notice: check it. " + (self.fields[name].help_text or "")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "account": data["account"],
            "reference": data["reference"],
            "kind": data["kind"],
            "policy": data["policy"],
            "action": data.get("action", ""),
            "record_status": data["record_status"],
            "enforced_at": data["enforced_at"],
            "penalty_points": data.get("penalty_points") or 0,
            "notice": data.get("notice", ""),
            "items": {kind: split_ids(data.get(f"{kind}_ids")) for kind in ("sku", "product", "order", "video")},
        }


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = organization_members(organization)


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Notice screenshot", help_text="PNG, JPEG, GIF or WebP, up to 10 MB.")


class BulkForm(forms.Form):
    ACTIONS = [("assign", "Assign to"), ("watch", "Watch (me)"), ("start_appeals", "Start appeals")]
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={"required": "Select at least one violation."}
    )
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")
    desired_outcome = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Shared cause: the outcome you want."
    )
    rule_cited = forms.CharField(required=False, max_length=255)
    explanation = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = organization_members(organization)
        # The ids are checked against the organization by the services; here they only need to be integers.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]


def local_day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
