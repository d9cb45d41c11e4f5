"""Server-rendered SVG charts: escaped, themed by classes, sane axes, no script."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from appeals import charts


def _svg(html: str) -> ElementTree.Element:
    return ElementTree.fromstring(re.search(r"<svg.*</svg>", html, re.S).group(0))


def test_stacked_bars_heights_follow_the_values():
    html = charts.stacked_bar_chart(
        "Violations", ["W1", "W2"], [charts.Series("A", [2, 0]), charts.Series("B", [2, 4])]
    )
    svg = _svg(html)
    rects = svg.findall("{http://www.w3.org/2000/svg}rect")
    heights = [float(r.get("height")) for r in rects]
    assert len(rects) == 3  # zero values draw nothing
    assert heights[0] == heights[1] == heights[2] / 2
    assert {r.get("class") for r in rects} == {"bar series-0", "bar series-1"}
    assert 'class="chart-legend"' in html and "style=" not in html and "<script" not in html


def test_text_is_escaped():
    html = charts.bar_chart('<b>"x"</b>', ["<script>alert(1)</script>"], [1])
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    _svg(html)  # still well-formed XML


def test_line_chart_leaves_gaps_for_missing_periods():
    svg = _svg(charts.line_chart("Rate", ["a", "b", "c", "d", "e"], [0.5, 0.6, None, 0.2, 0.3], percent=True))
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2
    assert len(svg.findall("{http://www.w3.org/2000/svg}circle")) == 4


def test_empty_chart_renders():
    svg = _svg(charts.stacked_bar_chart("Nothing", [], []))
    assert svg.get("role") == "img"


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_axis_maximum_covers_the_value_with_whole_ticks(value):
    top = charts._nice_max(value)
    assert top >= value
    assert top / 4 == int(top / 4)


def test_a_series_with_a_fixed_colour_keeps_it_whatever_its_position():
    html = charts.stacked_bar_chart(
        "Volume", ["W1"], [charts.Series("Orders", [1], colour=3), charts.Series("Listings", [2], colour=0)]
    )
    rects = _svg(html).findall("{http://www.w3.org/2000/svg}rect")
    assert [r.get("class") for r in rects] == ["bar series-3", "bar series-0"]
    assert '<span class="swatch series-3" aria-hidden="true"></span>Orders' in html
    assert '<span class="swatch series-0" aria-hidden="true"></span>Listings' in html
