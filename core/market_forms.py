"""Forms for the markets screen (owners): a market's platform clock and a new version of its rules."""

from __future__ import annotations

from django import forms

from core.forms import TIMEZONE_CHOICES
from core.markets import Market

WEEKDAY_CHOICES = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class MarketClockForm(forms.Form):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, label="Market time zone")
    holiday_country = forms.CharField(max_length=2, label="Public holidays of (country code)")
    holiday_subdivision = forms.CharField(
        max_length=10, required=False, label="Region", help_text="Where the holidays differ inside the country."
    )
    support_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple, label="Support days"
    )
    support_opens_at = forms.TimeField(label="Support opens", widget=forms.TimeInput(attrs={"type": "time"}))
    support_closes_at = forms.TimeField(label="Support closes", widget=forms.TimeInput(attrs={"type": "time"}))

    @staticmethod
    def initial_for(market: Market) -> dict:
        return {
            "timezone": market.timezone,
            "holiday_country": market.holiday_country,
            "holiday_subdivision": market.holiday_subdivision,
            "support_days": list(market.support_days),
            "support_opens_at": market.support_opens_at,
            "support_closes_at": market.support_closes_at,
        }


def _days(label: str, maximum: int) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1, max_value=maximum, label=label)


class RuleVersionForm(forms.Form):
    """Blank fields keep the organization's setting (shown as the placeholder)."""

    effective_from = forms.DateField(
        label="Effective from", widget=forms.DateInput(attrs={"type": "date"}), help_text="Today or later, market time."
    )
    appeal_window_days = _days("Appeal window (days after enforcement)", 365)
    follow_up_window_days = _days("Follow-up window (days after a decision)", 365)
    max_rounds = _days("Appeal rounds allowed", 10)
    review_business_days = _days("Review time (business days)", 60)
    ticket_first_response_hours = _days("Ticket first response (support hours)", 1000)
    ticket_resolution_hours = _days("Ticket resolution (support hours)", 1000)
    appeal_char_limit = forms.IntegerField(
        required=False, min_value=100, max_value=100000, label="Appeal text limit (characters)"
    )
    note = forms.CharField(max_length=200, required=False, label="What changed (for the team)")

    def __init__(self, *args, kinds: list[tuple[str, str]], defaults: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in kinds:
            self.fields[f"window_{name}"] = _days(f"Appeal window for {label.lower()} (days)", 365)
        for name, field in self.fields.items():
            if name in defaults:
                field.widget.attrs["placeholder"] = str(defaults[name])

    def rule_values(self) -> dict:
        """The rule fields for core.rules.rule_version_add (per-kind windows gathered into one mapping)."""
        data = dict(self.cleaned_data)
        by_kind = {k[len("window_") :]: v for k, v in data.items() if k.startswith("window_") and v is not None}
        values = {k: v for k, v in data.items() if not k.startswith("window_") and k not in ("note", "effective_from")}
        values = {k: v for k, v in values.items() if v is not None}
        if by_kind:
            values["appeal_window_days_by_kind"] = by_kind
        return values
