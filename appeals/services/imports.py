"""Writes for the file import: upload, match the columns of a foreign layout, save it as a profile, apply.

1. `import_batch_preview` reads the headers. Our own column names, or a saved profile for the same headers,
   give the mapping at once and the file is parsed; otherwise the batch waits for a person to match them.
2. `import_batch_map` parses the kept file with the mapping a person picked, and saves it as a profile.
3. `import_batch_apply` upserts the parsed rows in one transaction (`violations_import`), all or none.
"""

from __future__ import annotations

import itertools
from typing import IO

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals import imports
from appeals.models import Account, ImportBatch, ImportProfile
from appeals.services import ServiceError
from appeals.services.violations import violations_import
from appeals.tables import FileProblem, is_xlsx, open_table
from core.models import Organization

SAMPLE_ROWS = 50
PROFILE_NAME_MAX = 80


def _actor(by):
    return by if getattr(by, "is_authenticated", False) else None


def _parse_into(batch: ImportBatch, binary: IO[bytes], *, mapping: dict[str, int] | None, date_order: str) -> None:
    accounts = imports.account_lookup(Account.objects.filter(organization=batch.organization))
    binary.seek(0)
    parsed = imports.parse_violations_csv(
        binary, accounts=accounts, timezone=batch.organization.timezone, mapping=mapping, date_order=date_order
    )
    batch.unit = parsed.unit
    batch.rows = [] if parsed.errors else parsed.rows
    batch.errors = parsed.errors
    batch.status = ImportBatch.Status.FAILED if parsed.errors else ImportBatch.Status.PREVIEWED


def _samples(rows, width: int) -> list[list[str]]:
    samples = []
    for _number, values in itertools.islice(rows, SAMPLE_ROWS * 2):
        cells = [v.strip()[:80] for v in values[:width]] + [""] * max(0, width - len(values))
        if any(cells):
            samples.append(cells)
        if len(samples) == SAMPLE_ROWS:
            break
    return samples


def import_layout(
    *, organization: Organization, binary: IO[bytes], profile_name: str | None = None
) -> tuple[dict[str, int] | None, str]:
    """(mapping, date order) for a file read without a person: ours by name, the named profile, or the saved
    profile for its headers (the command and the API). Refused with a message when none fits."""
    binary.seek(0)
    try:
        header = open_table(binary).header
    except FileProblem as exc:
        raise ServiceError(exc.error["message"], code="invalid_file") from None
    finally:
        binary.seek(0)
    profiles = ImportProfile.objects.filter(organization=organization)
    if profile_name:
        profile = profiles.filter(name=profile_name).first()
        if profile is None:
            raise ServiceError(f"No import profile named “{profile_name}”.", field="profile")
        if profile.header_key != imports.header_key(header):
            raise ServiceError(f"The file's headers are not those of the profile “{profile_name}”.", field="profile")
        return profile.mapping, profile.date_order
    if imports.exact_positions(header) is not None:
        return None, "auto"
    profile = profiles.filter(header_key=imports.header_key(header)).order_by("-updated_at").first()
    if profile is None:
        raise ServiceError(
            "The file's headers are not the import's own (" + ", ".join(imports.COLUMNS) + ") and no import profile "
            "matches them: match its columns once in the web import (Violations → Import) and save them as a profile.",
            field="file",
            code="invalid_file",
        )
    return profile.mapping, profile.date_order


def import_batch_preview(*, organization: Organization, upload, by) -> ImportBatch:
    """Read an uploaded CSV or XLSX into an ImportBatch: parsed (our headers or a saved profile's) or waiting
    for its columns to be matched."""
    batch = ImportBatch(
        organization=organization,
        created_by=_actor(by),
        filename=(getattr(upload, "name", "") or "upload.csv").rsplit("/", 1)[-1][:255],
    )
    upload.seek(0)
    batch.unit = "row" if is_xlsx(upload) else "line"
    try:
        table = open_table(upload)
        header = table.header
        if imports.exact_positions(header) is None:
            batch.headers = header
            batch.samples = _samples(table.rows, len(header))
    except FileProblem as exc:
        batch.errors, batch.status = [exc.error], ImportBatch.Status.FAILED
        batch.save()
        return batch
    if not batch.headers:
        _parse_into(batch, upload, mapping=None, date_order="auto")
        batch.save()
        return batch
    profile = (
        ImportProfile.objects.filter(organization=organization, header_key=imports.header_key(header))
        .order_by("-updated_at")
        .first()
    )
    upload.seek(0)
    batch.source.save(batch.filename, File(upload), save=False)
    if profile is None:
        batch.mapping = imports.suggest_positions(header)
        batch.status = ImportBatch.Status.NEEDS_MAPPING
    else:
        batch.profile, batch.mapping, batch.date_order = profile, profile.mapping, profile.date_order
        _parse_into(batch, upload, mapping=profile.mapping, date_order=profile.date_order)
    batch.save()
    return batch


def _check_mapping(batch: ImportBatch, mapping: dict[str, int], date_order: str) -> str:
    """Refuse a mapping a person must fix; return the date order to read with ("auto" becomes what the
    column's dates show, e.g. a 13/03/2026 means day first)."""
    width = len(batch.headers)
    for column in imports.REQUIRED:
        if column not in mapping:
            raise ServiceError(f"Pick the column that holds the {imports.LABELS[column].lower()}.", field=column)
    used: dict[int, str] = {}
    for column, position in mapping.items():
        if column not in imports.COLUMNS or not 0 <= position < width:
            raise ServiceError("Pick one of the file's columns.", field=column)
        if position in used:
            raise ServiceError(
                f"“{batch.headers[position]}” is already matched to {imports.LABELS[used[position]].lower()}.",
                field=column,
            )
        used[position] = column
    if date_order not in imports.DATE_ORDERS:
        raise ServiceError("Pick how the dates are written.", field="date_order")
    if date_order == "auto":
        values = [row[mapping["enforced_at"]] for row in batch.samples if mapping["enforced_at"] < len(row)]
        shown = imports.date_order_of(values)
        if shown is None:
            example = next((v for v in values if imports.date_order_of([v]) is None), "")
            raise ServiceError(
                f"Dates such as “{example}” can be read day first or month first: say which.", field="date_order"
            )
        return shown
    return date_order


def import_batch_map(
    *, batch: ImportBatch, mapping: dict[str, int], date_order: str = "auto", save_as: str = "", by
) -> ImportBatch:
    """Parse the kept file with a person's mapping and, when named, keep the mapping as an import profile."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().select_related("organization").get(pk=batch.pk)
        if locked.status == ImportBatch.Status.APPLIED:
            raise ServiceError("This file was already imported.")
        if not locked.source:
            raise ServiceError("This file's columns are our own; there is nothing to match.")
        date_order = _check_mapping(locked, mapping, date_order)
        save_as = save_as.strip()
        if len(save_as) > PROFILE_NAME_MAX:
            raise ServiceError(f"Keep the profile name under {PROFILE_NAME_MAX} characters.", field="save_as")
        if save_as:
            try:
                with transaction.atomic():
                    locked.profile, _ = ImportProfile.objects.update_or_create(
                        organization=locked.organization,
                        name=save_as,
                        defaults={
                            "header_key": imports.header_key(locked.headers),
                            "headers": locked.headers,
                            "mapping": mapping,
                            "date_order": date_order,
                            "created_by": _actor(by),
                            "updated_at": timezone.now(),
                        },
                    )
            except IntegrityError:
                raise ServiceError("Another import profile has this name.", field="save_as") from None
        locked.mapping, locked.date_order = mapping, date_order
        try:
            with locked.source.open("rb") as source:
                _parse_into(locked, source, mapping=mapping, date_order=date_order)
        except FileNotFoundError:
            raise ServiceError("The uploaded file is gone; upload it again.") from None
        locked.save()
        return locked


def import_batch_apply(*, batch: ImportBatch, by) -> ImportBatch:
    """Apply a previewed batch once, in one transaction; a failed or applied batch is refused."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().select_related("organization").get(pk=batch.pk)
        if locked.status == ImportBatch.Status.APPLIED:
            raise ServiceError("This file was already imported.")
        if locked.status == ImportBatch.Status.NEEDS_MAPPING:
            raise ServiceError("Match the file's columns first.")
        if locked.errors or locked.status != ImportBatch.Status.PREVIEWED:
            raise ServiceError("Fix the errors in the file and upload it again; nothing was imported.")
        result = violations_import(organization=locked.organization, rows=locked.rows, by=by)
        locked.status = ImportBatch.Status.APPLIED
        locked.applied_at = timezone.now()
        locked.created_count, locked.updated_count, locked.unchanged_count = (
            result.created,
            result.updated,
            result.unchanged,
        )
        source = locked.source
        locked.source = ""
        locked.save()
    if source:
        # The rows are stored now; the uploaded file has no further use.
        source.storage.delete(source.name)
    return locked


def import_profile_delete(*, organization: Organization, profile_id: int) -> None:
    deleted, _ = ImportProfile.objects.filter(organization=organization, pk=profile_id).delete()
    if not deleted:
        raise ServiceError("This import profile was already deleted.")
