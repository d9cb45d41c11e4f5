"""The streaming XLSX reader gives what openpyxl's own reader gives, for every kind of cell and layout."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from appeals.xlsx import WorkbookError, iter_rows


def save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def trimmed(row) -> list:
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return values


def ours(data: bytes) -> dict[int, list]:
    return {number: trimmed(values) for number, values in iter_rows(io.BytesIO(data)) if trimmed(values)}


def openpyxls(data: bytes) -> dict[int, list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    out = {}
    for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        if values := trimmed(row):
            out[number] = values
    return out


cells = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cells, max_size=8), min_size=1, max_size=12),
    gaps=st.lists(st.integers(min_value=0, max_value=3), min_size=12, max_size=12),
    write_only=st.booleans(),
)
def test_same_values_as_openpyxl(rows, gaps, write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    for row, gap in zip(rows, gaps, strict=False):
        for _ in range(gap):
            sheet.append([])
        sheet.append(row)
    data = save(workbook)
    assert ours(data) == openpyxls(data)


def test_sparse_cells_shared_and_rich_strings_and_1904_dates():
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet["A1"] = "reference"
    sheet["D1"] = "enforced_at"
    sheet["A3"] = "VR-1"
    sheet["D3"] = datetime(2026, 3, 4, 14, 30)
    sheet["AA3"] = 1729000001
    sheet["B5"] = CellRichText(["bold ", TextBlock(InlineFont(b=True), "part"), " end"])
    sheet["C5"] = True
    data = save(workbook)
    assert ours(data) == openpyxls(data)
    rows = dict(iter_rows(io.BytesIO(data)))
    assert rows[3][3] == datetime(2026, 3, 4, 14, 30) and rows[3][26] == 1729000001
    assert rows[5][1] == "bold part end" and rows[2] == [] and rows[4] == []


def test_only_the_first_sheet_is_read():
    workbook = Workbook()
    workbook.active["A1"] = "first"
    workbook.create_sheet("Other")["A1"] = "second"
    assert ours(save(workbook)) == {1: ["first"]}


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 not a zip at all",
        # A zip without a workbook inside.
        (lambda out: (zipfile.ZipFile(out, "w").writestr("x.txt", "hello"), out.getvalue())[1])(io.BytesIO()),
    ],
)
def test_broken_files_raise_a_reader_error(data):
    with pytest.raises((WorkbookError, zipfile.BadZipFile, KeyError)):
        list(iter_rows(io.BytesIO(data)))


def _with_sheet_xml(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == "xl/worksheets/sheet1.xml" else content)
    return out.getvalue()


def test_a_sheet_with_a_document_type_is_refused():
    workbook = Workbook()
    workbook.active["A1"] = "reference"
    laughs = b'<!DOCTYPE worksheet [<!ENTITY lol "lol">]>'
    data = _with_sheet_xml(save(workbook), lambda xml: laughs + xml)
    with pytest.raises(WorkbookError):
        list(iter_rows(io.BytesIO(data)))


def test_a_sheet_cut_short_is_a_reader_error():
    workbook = Workbook()
    workbook.active["A1"] = "reference"
    data = _with_sheet_xml(save(workbook), lambda xml: xml[: len(xml) // 2])
    with pytest.raises(WorkbookError):
        list(iter_rows(io.BytesIO(data)))
