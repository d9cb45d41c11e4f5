"""Every uploaded file goes out the same way: as an attachment named for its sniffed type, never cached,
and sandboxed should a browser still try to render it."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

from appeals.services.evidence import download_name


def private_file(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def private_download(file: FieldFile, *, name: str, content_type: str) -> FileResponse:
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=download_name(name, content_type), content_type=content_type
    )
    return private_file(response)
