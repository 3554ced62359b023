"""Charts drawn on the server as SVG: no chart library, no script, nothing from a CDN, so they show
with JavaScript off and under the Content-Security-Policy (colours come from the site's
stylesheet by class; no inline style).

One kind of chart is enough for the operators' statistics: horizontal bars in groups (a measure
with its two figures, a bundle with its median and 90th percentile, a status with its count).
Every figure is written next to its bar as text, and the whole chart is an image with a title and
a description that say every figure in words, for screen readers; the page also offers the
figures as a table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from markupsafe import Markup, escape

WIDTH = 640
BAR_X = 170         # bars start here; series labels are right-aligned before it
BAR_SPACE = 360     # the longest bar; its figure is written after it
ROW = 22
BAR_HEIGHT = 14
GROUP_TITLE = 24
GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str   # the series: "separately", "median", a status
    value: float
    shown: str   # the figure as written: "10", "1.2 min", "90%"
    kind: str = "a"  # colour: class chart-bar-<kind>


@dataclass(frozen=True)
class Group:
    title: str   # "" for a chart of single bars
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    id: str      # unique on the page: ids of its title and description derive from it
    title: str
    lead: str    # what it shows, said first in the description
    groups: tuple[Group, ...]
    per_group_scale: bool = False  # each group its own scale (measures in different units)

    @property
    def description(self) -> str:
        """Every figure in words: "<lead> <group>: <label> <figure>, ...; ..."."""
        parts = []
        for group in self.groups:
            figures = ", ".join(f"{bar.label} {bar.shown}" for bar in group.bars)
            parts.append(f"{group.title}: {figures}" if group.title else figures)
        return f"{self.lead} " + "; ".join(parts) + "."

    @property
    def empty(self) -> bool:
        return not any(group.bars for group in self.groups)


def _scale(bars: Iterable[Bar]) -> float:
    return max((bar.value for bar in bars), default=0.0) or 1.0


def _length(value: float, scale: float) -> float:
    if value <= 0:
        return 0.0
    return max(1.0, round(value / scale * BAR_SPACE, 1))


def svg(chart: Chart) -> Markup:
    """The chart as an inline <svg> element."""
    shared = _scale(bar for group in chart.groups for bar in group.bars)
    body: list[str] = []
    y = GAP
    for group in chart.groups:
        scale = _scale(group.bars) if chart.per_group_scale else shared
        if group.title:
            body.append(f'<text class="chart-group" x="0" y="{y + 16}">{escape(group.title)}</text>')
            y += GROUP_TITLE
        for bar in group.bars:
            length = _length(bar.value, scale)
            body.append(f'<text class="chart-label" x="{BAR_X - 8}" y="{y + 13}" text-anchor="end">'
                        f'{escape(bar.label)}</text>')
            body.append(f'<rect class="chart-bar chart-bar-{escape(bar.kind)}" x="{BAR_X}" y="{y + 2}" '
                        f'width="{length}" height="{BAR_HEIGHT}"><title>{escape(bar.label)} {escape(bar.shown)}'
                        f'</title></rect>')
            body.append(f'<text class="chart-value" x="{BAR_X + length + 6}" y="{y + 13}" data-figure="">'
                        f'{escape(bar.shown)}</text>')
            y += ROW
        y += GAP
    height = y + GAP
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{escape(chart.id)}-title '
        f'{escape(chart.id)}-desc" data-chart="{escape(chart.id)}">'
        f'<title id="{escape(chart.id)}-title">{escape(chart.title)}</title>'
        f'<desc id="{escape(chart.id)}-desc">{escape(chart.description)}</desc>'
        + "".join(body) + "</svg>")
