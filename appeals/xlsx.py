"""Rows of an XLSX workbook's first sheet as Python values, read as a stream.

openpyxl's read-only reader builds and checks a cell object for every cell: 100,000 rows of 10 cells took
87 s on this 2-core machine under load, where the sheet's XML alone parses in 7.5 s. This reader takes the
sheet's XML from expat's callbacks (no element objects; ElementTree's iterparse cost 5.8 s of CPU for
those 100,000 rows, this 4.3-4.7 s) and leaves the format's tricky parts to openpyxl: which number formats
are dates (`is_date_format`, `BUILTIN_FORMATS`) and serial numbers to datetimes (`from_excel`). Its
output is checked against openpyxl's own reader in tests/test_xlsx.py.
"""

from __future__ import annotations

import posixpath
import pyexpat
import re
import zipfile
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import iterparse as _stdlib_iterparse

from defusedxml.ElementTree import iterparse as _defused_iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
STRICT_REL = "{http://purl.oclc.org/ooxml/officeDocument/relationships}"
_COLUMN = re.compile(r"[A-Z]+")
# Some writers use the strict OOXML namespace; the element names are the same.
_STRICT = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"


# Expat 2.4.1 and later refuse entity amplification ("billion laughs") by themselves, and ElementTree never
# fetches external entities, so the standard parser is safe there and twice as fast as defusedxml's wrapper.
iterparse = _stdlib_iterparse if pyexpat.version_info >= (2, 4, 1) else _defused_iterparse
_COLUMNS: dict[str, int] = {}


class WorkbookError(Exception):
    """The file is a zip but not a workbook this reader understands."""


def _column_index(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        if not _COLUMN.fullmatch(letters):
            raise WorkbookError(f"bad cell reference {reference!r}")
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter) - 64
        index -= 1
        if len(_COLUMNS) < 20000:
            _COLUMNS[letters] = index
    return index


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, bool]:
    """The first sheet's part name, and whether the workbook counts dates from 1904."""
    sheet_rid = ""
    date1904 = False
    for _event, element in iterparse(archive.open("xl/workbook.xml")):
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = element.get("date1904", "0").lower() in ("1", "true")
        elif name == "sheet" and not sheet_rid:
            sheet_rid = (
                element.get(REL + "id")
                or element.get("{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
                or ""
            )
    if not sheet_rid:
        raise WorkbookError("the workbook has no sheet")
    for _event, element in iterparse(archive.open("xl/_rels/workbook.xml.rels")):
        if _local(element.tag) == "Relationship" and element.get("Id") == sheet_rid:
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path, date1904
    raise WorkbookError("the first sheet's part is missing")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    for _event, element in iterparse(archive.open("xl/sharedStrings.xml")):
        if _local(element.tag) == "si":
            # Rich text keeps its runs' text in <r><t>; phonetic hints (<rPh>) are not part of the value.
            strings.append(
                "".join(t.text or "" for t in element.iter() if _local(t.tag) == "t" and not _in_phonetic(element, t))
            )
            element.clear()
    return strings


def _in_phonetic(si, text_element) -> bool:
    return any(_local(child.tag) == "rPh" and text_element in list(child.iter()) for child in si)


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles whose number format shows a date or time."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    styles: list[int] = []
    in_cell_xfs = False
    for event, element in iterparse(archive.open("xl/styles.xml"), events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            if name == "cellXfs":
                in_cell_xfs = True
            continue
        if name == "numFmt":
            custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        elif name == "xf" and in_cell_xfs:
            styles.append(int(element.get("numFmtId", "0")))
        elif name == "cellXfs":
            in_cell_xfs = False
    dates = set()
    for index, format_id in enumerate(styles):
        code = custom.get(format_id, BUILTIN_FORMATS.get(format_id, ""))
        if code and is_date_format(code):
            dates.add(index)
    return dates


def iter_rows(binary: IO[bytes]) -> Iterator[tuple[int, list[object]]]:
    """(spreadsheet row number, values) of the first sheet; missing rows are empty lists, missing cells and
    empty text None, numbers int or float, dates datetime, booleans bool, text str (as openpyxl reads them)."""
    try:
        archive = zipfile.ZipFile(binary)
        sheet_path, date1904 = _first_sheet(archive)
        strings = _shared_strings(archive)
        date_styles = _date_styles(archive)
        sheet = archive.open(sheet_path)
    except (KeyError, ValueError) as exc:
        raise WorkbookError(str(exc)) from None
    reader = _SheetReader(strings, date_styles, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    try:
        while chunk := sheet.read(_CHUNK):
            reader.parser.Parse(chunk, False)
            yield from reader.take()
        reader.parser.Parse(b"", True)
    except pyexpat.ExpatError as exc:
        raise WorkbookError(f"the sheet is not well-formed XML ({exc})") from None
    yield from reader.take()
    archive.close()


_CHUNK = 1 << 16
# Element names as expat reports them with namespace_separator="}" (ElementTree's "{uri}name" without the "{").
_ROW_TAG, _CELL_TAG, _VALUE_TAG, _TEXT_TAG = 1, 2, 3, 4
_TAGS = {
    uri + "}" + name: code
    for uri in (MAIN[1:-1], _STRICT[1:-1])
    for name, code in (("row", _ROW_TAG), ("c", _CELL_TAG), ("v", _VALUE_TAG), ("t", _TEXT_TAG))
}


class _SheetReader:
    """A sheet's rows from expat's callbacks: no element objects, a few comparisons per element.

    ElementTree built an element for each of a 100,000-row sheet's 3 million elements and handed every one
    to Python; here only a cell's attributes and its value's text reach Python. Rows are collected in
    `done` while a chunk is parsed and handed out by `take`.
    """

    def __init__(self, strings: list[str], date_styles: set[int], epoch) -> None:
        self.done: list[tuple[int, list[object]]] = []
        self.expected = 1
        parser = self.parser = pyexpat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        # A worksheet has no document type: refusing one rules out entity expansion whatever expat's version.
        parser.StartDoctypeDeclHandler = _refuse_doctype
        tags, columns = _TAGS, _COLUMNS
        done = self.done
        row: list[object] = []
        number = 0
        # The open cell: its type ("n", "s", "str", "inlineStr", ...), style, and the text read so far.
        kind: str | None = None
        style: str | None = None
        texts: list[str] = []
        has_value = False
        reading = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, number, kind, style, texts, has_value, reading
            tag = tags.get(name)
            if tag is None:
                return
            if tag == _CELL_TAG:
                if reference := attrs.get("r"):
                    column = columns.get(reference.rstrip("0123456789"))
                    if column is None:
                        column = _column_index(reference)
                    if column > len(row):
                        row.extend([None] * (column - len(row)))
                kind = attrs.get("t", "n")
                style = attrs.get("s")
                texts = []
                has_value = False
            elif tag == _VALUE_TAG:
                # The first <v> of a cell holds its value (ElementTree's find()); an inline string has none.
                reading = kind is not None and kind != "inlineStr" and not has_value
                has_value = True
            elif tag == _TEXT_TAG:
                reading = kind == "inlineStr"
            else:
                row = []
                number = int(attrs.get("r") or self.expected)

        def end(name: str) -> None:
            nonlocal kind, reading
            tag = tags.get(name)
            if tag is None:
                return
            if tag == _CELL_TAG:
                row.append(_cell_value(kind, style, "".join(texts) if texts else None, strings, date_styles, epoch))
                kind = None
            elif tag == _ROW_TAG:
                expected = self.expected
                while expected < number:
                    done.append((expected, []))
                    expected += 1
                done.append((number, row))
                self.expected = number + 1
            else:
                reading = False

        def text(data: str) -> None:
            if reading:
                texts.append(data)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text

    def take(self) -> list[tuple[int, list[object]]]:
        rows = self.done[:]
        self.done.clear()
        return rows


def _refuse_doctype(*_args) -> None:
    raise WorkbookError("the sheet declares a document type")


def _cell_value(kind, style, value: str | None, strings: list[str], date_styles: set[int], epoch) -> object:
    if kind == "inlineStr":
        return value or None
    if value is None:
        return None
    if kind == "s":
        return strings[int(value)] or None
    if kind in ("str", "e"):
        return value or None
    if kind == "b":
        return value == "1"
    number = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
    return from_excel(number, epoch) if style and int(style) in date_styles else number
