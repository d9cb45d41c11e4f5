"""Server-rendered SVG charts: no JavaScript, no outside host, themed by CSS classes in app.css.

The geometry is computed here; templates/jinja2/chart.svg writes the SVG (Jinja2: ~700 bars in a two-year chart).

Colours come from classes (`.chart .bar`, `.chart .series-N`, `.chart .line`), so the same SVG
reads in the light and the dark theme. Every chart is decorative for screen readers
(the numbers are in a table next to it): it carries a short summary as its accessible name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from core.templatetags.jinja_partials import render_partial

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


def _frame(labels: Sequence[str], top: float, *, percent: bool = False) -> dict:
    """Axes, three horizontal guides with values, and at most ~8 x labels."""
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    guides = []
    for i in range(5):
        value = top * i / 4
        y = PAD_TOP + plot_h - plot_h * i / 4
        text = f"{value * 100:.0f}%" if percent else f"{value:.0f}"
        guides.append((f"{y:.1f}", f"{y + 4:.1f}", text))
    x_labels = []
    n = len(labels)
    if n:
        slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / n
        every = max(1, -(-n // 8))
        x_labels = [(f"{PAD_LEFT + slot * (i + 0.5):.1f}", label) for i, label in enumerate(labels) if not i % every]
    return {
        "guides": guides,
        "axis_y": PAD_TOP + plot_h,
        "x_labels": x_labels,
        "x_label_y": HEIGHT - PAD_BOTTOM + 16,
    }


def _svg(title: str, frame: dict, **parts) -> SafeString:
    """parts: bars, points, lines and legend ((colour class number, name) pairs), as templates/jinja2/chart.svg
    draws them."""
    context = {
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "left": PAD_LEFT,
        "right": WIDTH - PAD_RIGHT,
        "label_x": PAD_LEFT - 4,
        **frame,
        **parts,
    }
    return render_partial("chart.svg", context)


def stacked_bar_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """One bar per label, stacked by series (e.g. violations per week by kind)."""
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1)
    colours = [_colour(s, i) for i, s in enumerate(series)]
    bars = []
    width = f"{bar_w:.1f}"
    for i, label in enumerate(labels):
        y = PAD_TOP + plot_h
        x = f"{PAD_LEFT + slot * i + (slot - bar_w) / 2:.1f}"
        for s_index, s in enumerate(series):
            value = s.values[i] or 0
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            bars.append((colours[s_index], x, f"{y:.1f}", width, f"{h:.1f}", label, s.name, _fmt(value)))
    legend = [(colours[i], s.name) for i, s in enumerate(series)] if len(series) > 1 else ()
    return _svg(title, _frame(labels, top), bars=bars, legend=legend)


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
    segments: list[list[str]] = [[]]
    points = []
    for i, value in enumerate(values):
        if value is None:
            segments.append([])
            continue
        x, y = f"{PAD_LEFT + slot * (i + 0.5):.1f}", f"{PAD_TOP + plot_h - plot_h * value / top:.1f}"
        segments[-1].append(f"{x},{y}")
        points.append((x, y, labels[i], f"{value * 100:.0f}%" if percent else _fmt(value)))
    lines = [" ".join(segment) for segment in segments if len(segment) > 1]
    return _svg(title, _frame(labels, top, percent=percent), points=points, lines=lines)
