"""Tabular files as a header and rows of text cells: CSV (UTF-8) and XLSX (first sheet, appeals.xlsx), read
as a stream.

The violations import reads its rows from here, whatever the file type, so the checks in `appeals.imports`
see the same strings from both. Rows carry the number a person would look for: the CSV's line, the
spreadsheet's row.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO

XLSX_MAGIC = b"PK\x03\x04"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, header, delimiter, broken workbook)."""

    def __init__(self, message: str, line: int = 1, column: str = "") -> None:
        super().__init__(message)
        self.error = {"line": line, "column": column, "message": message}


@dataclass
class Table:
    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[str]]]
    # "line" for CSV, "row" for a spreadsheet: the word errors use for the number they carry.
    unit: str = "line"


def is_xlsx(binary: IO[bytes]) -> bool:
    position = binary.tell()
    head = binary.read(4)
    binary.seek(position)
    return head == XLSX_MAGIC


def open_table(binary: IO[bytes]) -> Table:
    """The header (first non-empty line or row) and a stream of the rows after it."""
    return _open_xlsx(binary) if is_xlsx(binary) else _open_csv(binary)


# --- CSV ------------------------------------------------------------------------------------------------------


def _text_lines(binary: IO[bytes]) -> Iterator[str]:
    """Decode UTF-8 (with or without a BOM) line by line, so a huge file never sits in memory."""
    head = binary.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(head) > 1 and b"\x00" in head[:200]):
        raise FileProblem("The file is not UTF-8 text (it looks like UTF-16 or a binary file). Save it as “CSV UTF-8”.")
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    pending = ""
    line_no = 1
    chunk = head
    while True:
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise FileProblem(
                "The file is not UTF-8 text (near line "
                f"{line_no + pending.count(chr(10))}). Save it as “CSV UTF-8” from your spreadsheet.",
                line=line_no,
            ) from None
        pending += text
        if "\n" in pending:
            *complete, pending = pending.split("\n")
            for piece in complete:
                line_no += 1
                yield piece + "\n"
        if not chunk:
            break
        chunk = binary.read(65536)
    if pending:
        yield pending


def _open_csv(binary: IO[bytes]) -> Table:
    lines = _text_lines(binary)
    header_line = 0
    for raw in lines:
        header_line += 1
        if raw.strip():
            break
    else:
        raise FileProblem("The file is empty. The first line must name the columns.")
    header = [h.strip() for h in next(csv.reader([raw]))]
    if len(header) == 1:
        for delimiter, word in ((";", "semicolons (;)"), ("\t", "tabs")):
            if delimiter in raw:
                raise FileProblem(
                    f"The columns are separated by {word}, not commas. Save the file as “CSV UTF-8 (comma delimited)”."
                )

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(lines)
        line = header_line
        try:
            for values in reader:
                line = reader.line_num + header_line
                yield line, values
        except csv.Error as exc:
            raise FileProblem(f"Line {line + 1} cannot be read as CSV ({exc}).", line=line + 1) from None

    return Table(header=header, header_line=header_line, rows=rows(), unit="line")


# --- XLSX -----------------------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # IDs typed into a spreadsheet become numbers: 1729000001.0 is the ID 1729000001.
        return str(int(value))
    return str(value)


def _open_xlsx(binary: IO[bytes]) -> Table:
    from xml.etree.ElementTree import ParseError

    from appeals.xlsx import WorkbookError, iter_rows

    def unreadable(exc: Exception) -> FileProblem:
        name = exc.__class__.__name__
        return FileProblem(f"The spreadsheet cannot be opened ({name}). Save it again as .xlsx from your spreadsheet.")

    try:
        cells = iter_rows(binary)
        header_row = 0
        header: list[str] = []
        for number, values in cells:
            header = [cell_text(v).strip() for v in values]
            if any(header):
                header_row = number
                break
        else:
            raise FileProblem("The first sheet is empty. Its first row must name the columns.")
    except (zipfile.BadZipFile, WorkbookError, ParseError, KeyError, ValueError, EOFError) as exc:
        raise unreadable(exc) from None
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in cells:
                yield number, [cell_text(v) for v in values]
        except (zipfile.BadZipFile, WorkbookError, ParseError, KeyError, ValueError, EOFError) as exc:
            raise unreadable(exc) from None

    return Table(header=header, header_line=header_row, rows=rows(), unit="row")
