"""The one writer for every CSV the app hands out (violations export, analytics tables).

A spreadsheet runs a cell that starts with = + - @ (and, in some, a tab or carriage return) as a formula, so
text from a case could run in the reader's spreadsheet. Such text is written with a leading apostrophe, which
spreadsheets show as text and hide. A text cell that already starts with an apostrophe gets one more, so
`cell_restore` (used by the violations import) gives back exactly what was exported.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_STARTS = frozenset("=+-@\t\r")
_QUOTED_STARTS = FORMULA_STARTS | {"'"}


def cell_safe(value: Any) -> Any:
    """The cell as written: text a spreadsheet would run gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in _QUOTED_STARTS:
        return "'" + value
    return value


def cell_restore(text: str) -> str:
    """Undo `cell_safe` on a cell read back from a file (a lone or ordinary apostrophe is kept)."""
    if text[:1] == "'" and text[1:2] in _QUOTED_STARTS:
        return text[1:]
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header and rows as CSV lines, each cell through `cell_safe`."""
    writer = csv.writer(_Echo())
    yield writer.writerow([cell_safe(c) for c in header])
    for row in rows:
        yield writer.writerow([cell_safe(c) for c in row])


def csv_response(filename: str, lines: Iterable[str]) -> StreamingHttpResponse:
    """A streamed CSV download of lines from `csv_lines`."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
