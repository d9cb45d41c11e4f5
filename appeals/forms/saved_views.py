"""The "save this view" form of the violation list."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django import forms

from appeals.filters import ViolationFilter

# Query keys a saved view keeps: the list's filters and sort (not the page number).
KEPT = set(ViolationFilter.base_filters)


def list_query(querystring: str) -> str:
    """The list's query string with only filter and sort values (empty ones dropped), in a stable order."""
    pairs = [(k, v) for k, v in parse_qsl(querystring, keep_blank_values=False) if k in KEPT and v.strip()]
    return urlencode(pairs)


class SavedViewForm(forms.Form):
    name = forms.CharField(
        label="Save these filters as a view named",
        strip=True,
        error_messages={"required": "Give the view a name."},
        # Length and duplicates are checked by services.saved_views with messages of their own (no maxlength:
        # the browser would cut a long name silently).
        widget=forms.TextInput(attrs={"placeholder": "e.g. My trademark cases", "autocomplete": "off"}),
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_query(self) -> str:
        return list_query(self.cleaned_data.get("query") or "")
