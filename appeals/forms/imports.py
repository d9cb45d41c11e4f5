"""Forms of the file import: the upload, and matching a foreign layout's columns to ours."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from appeals import imports
from appeals.models import ImportBatch

NOT_IN_FILE = ""


def max_import_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_FILE_BYTES", 50 * 1024 * 1024)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="A CSV (UTF-8, comma-separated) or an .xlsx workbook (first sheet); the first line or row names "
        "the columns.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_import_bytes():
            raise forms.ValidationError(
                f"This file is {filesizeformat(upload.size)}; the import takes files up to "
                f"{filesizeformat(max_import_bytes())}. Split it and import the parts."
            )
        return upload


class ImportMappingForm(forms.Form):
    """One choice per column of ours: which of the file's columns holds it (with sample values)."""

    date_order = forms.ChoiceField(
        label="How are the dates written?",
        choices=list(imports.DATE_ORDERS.items()),
        help_text="Only numeric dates such as 03/04/2026 need this; ISO dates and dates typed as dates are clear.",
    )
    save_as = forms.CharField(
        label="Save this matching as",
        max_length=80,
        required=False,
        help_text="A name such as “Seller Center export”: the next file with the same headers skips this step.",
    )

    def __init__(self, *args, batch: ImportBatch, **kwargs) -> None:
        initial = {column: str(position) for column, position in batch.mapping.items()}
        initial["date_order"] = batch.date_order
        if batch.profile_id:
            initial["save_as"] = batch.profile.name
        super().__init__(*args, initial=initial, **kwargs)
        choices = [(NOT_IN_FILE, "— not in this file —")]
        for position, header in enumerate(batch.headers):
            examples = [row[position] for row in batch.samples if position < len(row) and row[position]][:2]
            label = header or f"Column {position + 1}"
            choices.append((str(position), f"{label} (e.g. {', '.join(examples)})" if examples else label))
        fields = {}
        for column in imports.COLUMNS:
            fields[column] = forms.ChoiceField(
                label=imports.LABELS[column],
                choices=choices,
                required=column in imports.REQUIRED,
                error_messages={"required": f"Pick the column that holds the {imports.LABELS[column].lower()}."},
            )
        # Our columns first, in the import's order, then the date order and the profile name.
        self.fields = {**fields, **self.fields}

    def mapping(self) -> dict[str, int]:
        return {
            column: int(value)
            for column in imports.COLUMNS
            if (value := self.cleaned_data.get(column)) not in (None, NOT_IN_FILE)
        }
