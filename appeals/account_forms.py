"""Forms for accounts: validate and normalise input; the rules live in appeals.services.accounts."""

from __future__ import annotations

from django import forms

from appeals.models import Account
from core.markets import MARKET_CHOICES  # each market's platform clock: core.markets.MARKETS


class AccountForm(forms.Form):
    kind = forms.ChoiceField(choices=Account.Kind.choices, label="Type", widget=forms.RadioSelect)
    external_id = forms.CharField(
        max_length=120,
        label="Shop ID or creator username",
        help_text="Seller shops: the shop ID from Seller Center. Creators: the TikTok username (with or without @).",
    )
    name = forms.CharField(max_length=160, label="Shop name or display name")
    market = forms.ChoiceField(choices=MARKET_CHOICES, initial="US")
    health_rating = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        label="Health rating",
        help_text="Optional: the Account / Creator Health Rating (0–1000) as shown on the platform.",
    )

    def __init__(self, *args, account: Account | None = None, **kwargs) -> None:
        if account is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": account.kind,
                "external_id": account.external_id,
                "name": account.name,
                "market": account.market,
                "health_rating": account.health_rating,
            }
        super().__init__(*args, **kwargs)
        if account is not None and account.market not in dict(MARKET_CHOICES):
            self.fields["market"].choices = [*MARKET_CHOICES, (account.market, account.market)]


class AccountFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All accounts"), *Account.Kind.choices], required=False, label="Show")
