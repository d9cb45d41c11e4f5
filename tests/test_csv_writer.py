"""The one CSV writer (core.csv_writer): formula cells written as text, and read back as they were."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.csv_writer import cell_restore, cell_safe, csv_lines


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=1", "''=1"),
        ("'plain", "''plain"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_cell_safe(value, written):
    assert cell_safe(value) == written


@pytest.mark.parametrize(
    ("read", "value"),
    [
        ("'=1", "=1"),
        ("'\t1", "\t1"),
        ("''=1", "'=1"),
        ("''plain", "'plain"),
        # An apostrophe our writer did not add (a hand-made file) is kept.
        ("'plain", "'plain"),
        ("'", "'"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_cell_restore(read, value):
    assert cell_restore(read) == value


@given(st.text())
def test_restore_undoes_safe(text):
    assert cell_restore(cell_safe(text)) == text


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_lines_never_start_a_cell_with_a_formula(cells):
    text = "".join(csv_lines(["h"] * len(cells), [cells]))
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert all(not c[:1] or c[:1] not in "=+-@\t\r" for c in row)
    assert [cell_restore(c) for c in row] == cells
