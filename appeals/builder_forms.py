"""Forms of the appeal builder, checklists and templates: they validate input only (rules are in services)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from appeals.models import AppealTemplate, ViolationKind


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OutcomeForm(VersionedForm):
    desired_outcome = forms.CharField(
        label="The outcome you want, in one sentence",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='It is the first line of the appeal. Name the action and the thing: "Reinstate the listing for '
        'SKU 12345", "Remove the 2 penalty points from violation VR123". Not the symptom ("my listing is down").',
    )


class RuleForm(VersionedForm):
    rule_cited = forms.CharField(
        label="The rule you believe was misapplied",
        required=False,
        max_length=255,
        help_text="Prefilled from the notice. Keep the platform's own wording.",
    )
    rule_explanation = forms.CharField(
        label="The reason: why this rule does not apply to your case",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='One or two facts the reviewer can check, e.g. "The parcel was handed to USPS on March 4, within '
        'the 3-day handling time." Not "this was wrong" or "we comply with all policies".',
    )
    explanation = forms.CharField(
        label="Background for the reviewer (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Context that is not the reason itself: what the files show, a date, an earlier decision. "
        "If you wrote your reason here instead, it counts as the reason too. Short and neutral: the whole appeal "
        "should read in 60 seconds.",
    )


def _lines(value: list[str] | None) -> str:
    return "\n".join(value or [])


class IdsForm(VersionedForm):
    reference = forms.CharField(label="Violation reference number", required=False, max_length=120)
    account = forms.CharField(label="Shop ID or creator username", required=False, max_length=120)
    sku = forms.CharField(label="SKU IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    product = forms.CharField(label="Product IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    order = forms.CharField(label="Order IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    video = forms.CharField(label="Video IDs", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, account_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if account_label:
            self.fields["account"].label = account_label
        for name in ("sku", "product", "order", "video"):
            self.fields[name].help_text = "One per line (or separated by commas)."

    @classmethod
    def initial_from(cls, ids: dict) -> dict:
        return {
            "reference": ids.get("reference", ""),
            "account": ids.get("account", ""),
            **{k: _lines(ids.get(k)) for k in ("sku", "product", "order", "video")},
        }

    def ids(self) -> dict:
        data = self.cleaned_data
        return {
            "reference": data["reference"],
            "account": data["account"],
            **{k: data[k].replace(",", "\n").splitlines() for k in ("sku", "product", "order", "video")},
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceUploadForm(forms.Form):
    files = forms.FileField(
        label="Add files",
        required=False,
        widget=MultipleFileInput(
            attrs={
                "multiple": True,
                "accept": ".jpg,.jpeg,.png,.webp,.gif,.pdf,.txt,.csv,.docx,.xlsx",
            }
        ),
        help_text="JPEG, PNG, WebP, GIF, PDF, plain text, CSV, DOCX or XLSX; several at once.",
    )


class CaptionForm(forms.Form):
    caption = forms.CharField(label="What it proves", required=False, max_length=200)


class SubmitForm(forms.Form):
    submitted_at = forms.DateTimeField(
        label="Submitted on the platform at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Your time zone. Defaults to now.",
    )
    platform_reference = forms.CharField(label="Platform's appeal reference (optional)", required=False, max_length=120)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "submitted_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)


class TemplateSaveForm(forms.Form):
    name = forms.CharField(label="Template name", max_length=120)
    violation_kind = forms.ChoiceField(label="For violations of kind", choices=ViolationKind.choices)


class StartForm(forms.Form):
    template = forms.ModelChoiceField(
        label="Start from", queryset=AppealTemplate.objects.none(), required=False, empty_label="A blank appeal"
    )

    def __init__(self, *args, organization=None, violation_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        qs = AppealTemplate.objects.filter(organization=organization)
        if violation_kind:
            qs = qs.filter(violation_kind=violation_kind)
        self.fields["template"].queryset = qs


class ChecklistItemForm(forms.Form):
    violation_kind = forms.ChoiceField(label="Violation kind", choices=ViolationKind.choices)
    text = forms.CharField(label="Evidence to gather", max_length=200)


class ChecklistTextForm(forms.Form):
    text = forms.CharField(label="Evidence to gather", max_length=200)
