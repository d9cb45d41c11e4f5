"""Server-rendered SVG charts: no JavaScript, no outside host, themed by CSS classes in app.css.

Colours come from classes (`.chart .bar`, `.chart .series-N`, `.chart .line`), so the same SVG
reads in the light and the dark theme. Every chart is decorative for screen readers
(the numbers are in a table next to it): it carries a short summary as its accessible name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 240
PAD_LEFT = 60
PAD_RIGHT = 10
PAD_TOP = 12
PAD_BOTTOM = 36
SERIES_CLASSES = 7


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    # The colour class (series-N) when it must follow what the series is (a violation kind keeps its colour
    # in every chart); None: by position.
    colour: int | None = None


def _colour(series: Series, position: int) -> int:
    return (position if series.colour is None else series.colour) % SERIES_CLASSES


def _nice_max(value: float, divisions: int = 4) -> float:
    """A round axis maximum at or above value whose `divisions` ticks are whole numbers of 1, 2 or 5 × 10^k."""
    if value <= 0:
        return divisions
    raw_step = value / divisions
    magnitude = 1.0
    while magnitude * 10 <= raw_step:
        magnitude *= 10
    step = magnitude
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw_step:
            step = factor * magnitude
            break
    step = max(step, 1.0)
    return step * divisions


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _frame(labels: Sequence[str], top: float, *, percent: bool = False) -> list[str]:
    """Axes, three horizontal guides with values, and at most ~8 x labels."""
    parts = []
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    for i in range(5):
        value = top * i / 4
        y = PAD_TOP + plot_h - plot_h * i / 4
        text = f"{value * 100:.0f}%" if percent else f"{value:.0f}"
        parts.append(
            f'<line class="grid-line" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="y-label" x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{PAD_TOP + plot_h}" y2="{PAD_TOP + plot_h}"/>'
    )
    n = len(labels)
    if n:
        slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / n
        every = max(1, -(-n // 8))
        for i, label in enumerate(labels):
            if i % every:
                continue
            x = PAD_LEFT + slot * (i + 0.5)
            parts.append(
                f'<text class="x-label" x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    return parts


def _svg(title: str, body: list[str], legend: Sequence[tuple[int, str]] = ()) -> SafeString:
    """legend: (colour class number, name) pairs."""
    legend_html = ""
    if legend:
        items = "".join(
            format_html('<li><span class="swatch series-{}" aria-hidden="true"></span>{}</li>', colour, name)
            for colour, name in legend
        )
        legend_html = f'<ul class="chart-legend">{items}</ul>'
    return mark_safe(  # noqa: S308 - every text part above is escaped
        f'<figure class="chart"><svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>{legend_html}</figure>"
    )


def stacked_bar_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """One bar per label, stacked by series (e.g. violations per week by kind)."""
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1)
    body = _frame(labels, top)
    # Escaped once each, not per bar (a two-year weekly chart has ~700 bars).
    names = [escape(s.name) for s in series]
    colours = [_colour(s, i) for i, s in enumerate(series)]
    for i, label in enumerate(labels):
        y = PAD_TOP + plot_h
        x = PAD_LEFT + slot * i + (slot - bar_w) / 2
        label_html = escape(label)
        for s_index, s in enumerate(series):
            value = s.values[i] or 0
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect class="bar series-{colours[s_index]}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}"><title>{label_html} · {names[s_index]}: '
                f"{_fmt(value)}</title></rect>"
            )
    legend = [(colours[i], s.name) for i, s in enumerate(series)] if len(series) > 1 else ()
    return _svg(title, body, legend=legend)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> SafeString:
    return stacked_bar_chart(title, labels, [Series(title, values)])


def line_chart(
    title: str, labels: Sequence[str], values: Sequence[float | None], *, percent: bool = False
) -> SafeString:
    """A line through the known points; None leaves a gap (no data in that period)."""
    known = [v for v in values if v is not None]
    top = 1.0 if percent else _nice_max(max(known, default=0))
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(labels), 1)
    body = _frame(labels, top, percent=percent)
    segments: list[list[str]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            segments.append([])
            continue
        x = PAD_LEFT + slot * (i + 0.5)
        y = PAD_TOP + plot_h - plot_h * value / top
        segments[-1].append(f"{x:.1f},{y:.1f}")
        shown = f"{value * 100:.0f}%" if percent else _fmt(value)
        body.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{escape(labels[i])}: {shown}</title></circle>"
        )
    for points in segments:
        if len(points) > 1:
            body.append(f'<polyline class="line" points="{" ".join(points)}"/>')
    return _svg(title, body)
