"""Destination form: kind, name, URL and events; the URL rules (https, no private address) are the service's."""

from __future__ import annotations

from django import forms

from appeals.models import Destination, EventType


class DestinationForm(forms.Form):
    kind = forms.ChoiceField(choices=Destination.Kind.choices, widget=forms.RadioSelect)
    name = forms.CharField(max_length=120, required=False, help_text="For you, e.g. “#appeals channel”.")
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="Slack: the incoming-webhook URL. Teams: the URL of the Workflows “webhook request” trigger. "
        "Webhook: your HTTPS endpoint.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
        error_messages={"required": "Paste the URL to send to."},
    )
    events = forms.MultipleChoiceField(
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    is_active = forms.BooleanField(label="On", required=False, initial=True)
    rotate_secret = forms.BooleanField(label="Make a new signing secret", required=False)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["kind"].required = False
            self.fields["kind"].disabled = True
        else:
            del self.fields["is_active"]
            del self.fields["rotate_secret"]


class ReminderPreferencesForm(forms.Form):
    """Two checkboxes per reminder kind: email_<kind> (by email at all) and digest_<kind> (in the daily digest)."""

    def __init__(self, *args, kinds: list[tuple[str, str, bool, bool]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind, label, email, digest in kinds:
            self.fields[f"email_{kind}"] = forms.BooleanField(label=label, required=False, initial=email)
            self.fields[f"digest_{kind}"] = forms.BooleanField(label="In the digest", required=False, initial=digest)

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"email_{kind}"], self[f"digest_{kind}"]) for kind, label, _, _ in self.kinds]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            kind: (self.cleaned_data[f"email_{kind}"], self.cleaned_data[f"digest_{kind}"])
            for kind, _, _, _ in self.kinds
        }
