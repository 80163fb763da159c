"""Charts drawn on the server: the geometry of a trend's bar chart and of a search's sparkline,
as numbers the templates write out as SVG (no script, no external file)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.results import Sparkline, Trend

# The chart's own units (its viewBox); the page scales it to its width, so a phone shows it
# whole. Text is sized in these units: 12 of them read as about 9 px on a 375 px phone.
WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 50, 8, 10, 30
X_LABELS = 6  # at most this many period labels under the chart
SPARK_WIDTH, SPARK_HEIGHT = 96, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    href: str
    title: str


@dataclass(frozen=True)
class Tick:
    at: float  # x for a period label, y for a value line
    label: str


@dataclass
class Chart:
    """A grouped bar chart: one group a period, one bar a query."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT
    bars: list[Bar] = field(default_factory=list)
    values: list[Tick] = field(default_factory=list)
    periods: list[Tick] = field(default_factory=list)


def values_of(trend: Trend, show: str) -> list[list[float]]:
    """Each series' values: percentages of the period's items, or raw counts."""
    if show == "count":
        return [[float(c) for c in s["counts"]] for s in trend["series"]]
    return [[(r or 0.0) * 100 for r in s["shares"]] for s in trend["series"]]


def shown(value: float, show: str) -> str:
    """A value as the chart and table write it: 1,234 or 3.45%."""
    if show == "count":
        return f"{value:,.0f}"
    return f"{value:.2f}%" if value < 10 else f"{value:.1f}%"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above value (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def bar_chart(trend: Trend, show: str, link: Callable[[int, int], str]) -> Chart:
    """The trend as grouped bars, each titled and linked (link(series, period) gives its
    href), with three value lines and up to X_LABELS period labels."""
    chart = Chart()
    series = values_of(trend, show)
    periods = trend["periods"]
    top = nice_ceiling(max((v for values in series for v in values), default=0.0))
    plot_height = chart.bottom - TOP
    slot = (chart.right - chart.left) / max(len(periods), 1)
    width = slot * 0.8 / max(len(series), 1)
    unit = "条" if show == "count" else "占当期"
    for number, values in enumerate(series):
        query = trend["series"][number]["query"]
        counts = trend["series"][number]["counts"]
        for at, value in enumerate(values):
            height = plot_height * value / top
            chart.bars.append(
                Bar(
                    x=round(chart.left + at * slot + slot * 0.1 + number * width, 2),
                    y=round(chart.bottom - height, 2),
                    width=round(width, 2),
                    height=round(height, 2),
                    series=number,
                    href=link(number, at),
                    title=f"{periods[at]['period']} · {query}：{counts[at]:,} 条"
                    + ("" if show == "count" else f"，{unit} {shown(value, show)}"),
                )
            )
    chart.values = [
        Tick(
            round(chart.bottom - plot_height * part, 2),
            f"{top * part:,g}" if show == "count" else f"{top * part:g}%",
        )
        for part in (0, 0.5, 1)
    ]
    step = math.ceil(len(periods) / X_LABELS) if periods else 1
    chart.periods = [
        Tick(round(chart.left + (at + 0.5) * slot, 2), period["period"])
        for at, period in enumerate(periods)
        if at % step == 0
    ]
    return chart


def spark_bars(line: Sparkline) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) of a sparkline's bars: each period's share, scaled to the
    largest; a period with items but no match is a bar of no height."""
    values = [r or 0.0 for r in line["shares"]]
    top = max(values, default=0.0) or 1.0
    slot = SPARK_WIDTH / max(len(values), 1)
    return [
        (
            round(at * slot, 2),
            round(SPARK_HEIGHT * (1 - v / top), 2),
            round(max(slot * 0.8, 0.5), 2),
            round(SPARK_HEIGHT * v / top, 2),
        )
        for at, v in enumerate(values)
    ]
