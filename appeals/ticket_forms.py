"""Forms of the tickets area: they validate and normalise input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from appeals.models import Account, Appeal, ChannelRule, SupportChannel, Violation
from appeals.selectors.tickets import Sla, TicketFilters
from appeals.services.tickets import TICKET_FIELDS
from core.models import Organization

DATETIME_WIDGET = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label: str, *, required: bool = False, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT),
    )


class TicketForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), empty_label="Choose the shop or creator")
    channel = forms.ChoiceField(choices=[("", "Choose the channel"), *SupportChannel.choices])
    subject = forms.CharField(max_length=200)
    platform_number = forms.CharField(
        label="Platform ticket number", max_length=120, required=False, help_text="As shown by the platform, if any."
    )
    violation_reference = forms.CharField(
        label="Case (violation reference number)",
        max_length=120,
        required=False,
        help_text="Optional: link the ticket to a case of this account.",
    )
    appeal_round = forms.IntegerField(
        label="Appeal round",
        min_value=1,
        required=False,
        help_text="Optional: 1 for the first appeal, 2 for a follow-up.",
    )
    question = forms.CharField(label="What was asked", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    opened_at = _datetime_field("Opened at", required=True, help_text="In your time zone.")
    first_response_at = _datetime_field("First response at")
    resolved_at = _datetime_field("Resolved at")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["account"].queryset = Account.objects.filter(organization=organization).order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        reference = (cleaned.get("violation_reference") or "").strip()
        cleaned["violation"] = None
        cleaned["appeal"] = None
        if reference:
            matches = Violation.objects.filter(organization=self.organization, reference=reference)
            account = cleaned.get("account")
            violation = (matches.filter(account=account).first() if account else None) or matches.first()
            if violation is None:
                self.add_error("violation_reference", f"No case with reference {reference} in this organization.")
            cleaned["violation"] = violation
        round_ = cleaned.get("appeal_round")
        if round_ and cleaned["violation"] is not None:
            appeal = Appeal.objects.filter(violation=cleaned["violation"], round=round_).first()
            if appeal is None:
                self.add_error("appeal_round", f"This case has no appeal round {round_}.")
            cleaned["appeal"] = appeal
        elif round_ and not reference:
            self.add_error("appeal_round", "Give the case reference too.")
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in TICKET_FIELDS}


class TicketFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, help_text="Subject, ticket number, case reference or account.")
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, empty_label="All accounts")
    channel = forms.ChoiceField(choices=[("", "All channels"), *SupportChannel.choices], required=False)
    sla = forms.ChoiceField(label="SLA", choices=[("", "Any SLA status"), *Sla.CHOICES], required=False)
    state = forms.ChoiceField(
        label="Open or resolved",
        choices=[("", "Open and resolved"), ("open", "Open"), ("resolved", "Resolved")],
        required=False,
    )
    opened_from = forms.DateField(label="Opened from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    opened_to = forms.DateField(label="Opened to", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    violation = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(organization=organization).order_by("name")

    def to_filters(self) -> TicketFilters:
        if not self.is_valid():
            return TicketFilters()
        d = self.cleaned_data
        return TicketFilters(
            account=d["account"].pk if d.get("account") else None,
            violation=d.get("violation") or None,
            channel=d.get("channel") or "",
            sla=d.get("sla") or "",
            state=d.get("state") or "",
            opened_from=d.get("opened_from"),
            opened_to=d.get("opened_to"),
            q=d.get("q") or "",
        )


class ChannelGuideForm(forms.Form):
    audience = forms.ChoiceField(label="Who are you?", choices=ChannelRule.Audience.choices, widget=forms.RadioSelect)
    can_log_in = forms.ChoiceField(
        label="Can you log in?",
        choices=[(ChannelRule.Login.YES, "Yes, I can log in"), (ChannelRule.Login.NO, "No, I am locked out")],
        widget=forms.RadioSelect,
        help_text="To Seller Center, TikTok Shop for Creator or Partner Center.",
    )
    issue = forms.ChoiceField(
        label="What is the issue?",
        choices=[c for c in ChannelRule.Issue.choices if c[0] != ChannelRule.Issue.ANY],
        widget=forms.RadioSelect,
    )
    account = forms.ModelChoiceField(
        label="Which account? (optional)",
        queryset=Account.objects.none(),
        required=False,
        empty_label="No account in particular",
        help_text="Partners: checks that you hold its authorization.",
    )
    # The case the guide was opened from, carried through every answer to the ticket link (read by the view).
    violation_pk = forms.CharField(required=False, widget=forms.HiddenInput)
    appeal_round = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(organization=organization).order_by("name")


class ChannelRuleForm(forms.ModelForm):
    class Meta:
        model = ChannelRule
        fields = ["audience", "can_log_in", "issue", "channel", "steps", "ids_to_have", "advice", "position"]
        labels = {"can_log_in": "Can log in", "ids_to_have": "IDs to have ready"}
        help_texts = {
            "steps": "One step per line.",
            "position": "Among equally specific rules, the lowest position is recommended first.",
        }
        widgets = {"steps": forms.Textarea(attrs={"rows": 4}), "advice": forms.Textarea(attrs={"rows": 3})}


class AuthorizationForm(forms.Form):
    authorized = forms.BooleanField(label="Authorized", required=False)
    authorized_since = forms.DateField(label="Since", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    authorization_expires_on = forms.DateField(
        label="Renew by", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
