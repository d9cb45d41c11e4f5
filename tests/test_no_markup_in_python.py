"""Markup lives in templates (templates/, templates/jinja2/): no HTML or SVG built in the Python sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A string literal (optionally f/r/b-prefixed) that opens or closes a tag, format_html with a tag, or mark_safe
# of a literal with a tag. "<" followed by a letter or "/" then a tag-name character: "<{url}>" headers and
# "<= 5" comparisons and regular expressions' named groups "(?P<label>" are not markup.
MARKUP = re.compile(
    r"""(?ix)
    (?:[rfbu]{0,2}["']|format_html(?:_join)?\(\s*[rfbu]{0,2}["']|mark_safe\(\s*[rfbu]{0,2}["'])
    [^"'\n]*?(?<!\?P)</?(?:a|abbr|b|br|button|circle|code|dd|details|div|dl|dt|em|fieldset|figure|form|h[1-6]|hr|i|img|
       input|label|legend|li|line|ol|optgroup|option|p|path|polyline|pre|rect|section|select|small|span|strong|
       summary|svg|table|tbody|td|text|textarea|th|thead|time|title|tr|ul)\b[^"'\n]*?[\s>/]
    """
)


def markup_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if MARKUP.search(line)]


def _sources() -> list[Path]:
    return [
        p
        for package in ("appeals", "core")
        for p in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in p.parts and "tests" not in p.parts
    ]


@pytest.mark.parametrize(
    ("line", "markup"),
    [
        ("return f'<td data-label=\"Status\">{x}</td>'", True),
        ('html = "<tr>" + cells', True),
        ("out.append('<span class=\"badge\">')", True),
        ("format_html('<a href=\"{}\">{}</a>', url, label)", True),
        ('mark_safe("<br>".join(lines))', True),
        ('parts.append(f"</svg>")', True),
        ('body = f\'<rect class="bar" x="{x}"/>\'', True),
        ('"List-Unsubscribe": f"<{unsubscribe}>"', False),
        ('return f"<{local_part}@appealdesk>"', False),
        ("if points <= limit:", False),
        ('re.compile(r"(?P<a>\\d{1,2})[/.-](?P<label>\\w+)")', False),
        ('help_text="Use <= 10 characters"', False),
        ('label = "Time to answer"', False),
        ("# a <td> in a comment is not a string", False),
    ],
)
def test_markup_pattern(line, markup):
    assert bool(markup_lines(line)) is markup


def test_no_markup_in_python_sources():
    found = [
        f"{path.relative_to(ROOT)}:{n}" for path in _sources() for n in markup_lines(path.read_text(encoding="utf-8"))
    ]
    assert not found, "HTML built in Python (move it to a template):\n" + "\n".join(found)
