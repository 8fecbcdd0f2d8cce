"""Horizontal bar charts laid out on the server and drawn as inline SVG by ``components/chart_bars.html``.

No JavaScript and no inline styles (the CSP forbids both): geometry goes into SVG attributes, colours come
from classes in ramec.css, and every chart carries its numbers as text (bar labels, <title> and <desc>), so
it reads the same in print, in greyscale and to a screen reader.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 440
BAR_SPACE = 250  # the longest bar; the rest of the width holds its value
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 12
LEGEND_HEIGHT = 24

Number = int | Decimal


@dataclass(frozen=True)
class Series:
    """One kind of value in a chart: its CSS class, its name in the legend and how to write a value."""

    css_class: str
    label: str
    format: Callable[[Number], str] = str


@dataclass(frozen=True)
class Bar:
    css_class: str
    y: int
    width: int
    height: int
    text: str
    text_x: int
    text_y: int


@dataclass(frozen=True)
class Row:
    label: str
    label_y: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class LegendItem:
    css_class: str
    label: str
    x: int
    text_x: int


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    rows: tuple[Row, ...]
    legend: tuple[LegendItem, ...]
    legend_y: int
    is_empty: bool


def bar_chart(
    *,
    id: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[Number]]],
    series: Sequence[Series],
) -> BarChart:
    """Lay out ``rows`` (a label and one value per series) as labelled bars scaled to the largest value."""
    largest = max((value for _, values in rows for value in values), default=0) or 1
    show_legend = len(series) > 1
    y = LEGEND_HEIGHT if show_legend else 0
    laid_out = []
    summaries = []
    for label, values in rows:
        label_y = y + LABEL_HEIGHT - 4
        y += LABEL_HEIGHT
        bars = []
        for kind, value in zip(series, values, strict=True):
            width = round(BAR_SPACE * value / largest)
            if value and width < 2:
                width = 2  # a small non-zero value stays visible
            text = f"{kind.label}: {kind.format(value)}" if show_legend else kind.format(value)
            bars.append(
                Bar(
                    css_class=kind.css_class,
                    y=y,
                    width=width,
                    height=BAR_HEIGHT,
                    text=text,
                    text_x=width + 6,
                    text_y=y + BAR_HEIGHT - 3,
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        y += ROW_GAP
        laid_out.append(Row(label=label, label_y=label_y, bars=tuple(bars)))
        summaries.append(f"{label}: " + ", ".join(bar.text for bar in bars))
    legend = ()
    if show_legend:
        legend = tuple(
            LegendItem(css_class=kind.css_class, label=kind.label, x=index * 140, text_x=index * 140 + 18)
            for index, kind in enumerate(series)
        )
    return BarChart(
        id=id,
        title=title,
        description="; ".join(summaries) + ("." if summaries else ""),
        width=WIDTH,
        height=max(y, 1),
        rows=tuple(laid_out),
        legend=legend,
        legend_y=LEGEND_HEIGHT // 2,
        is_empty=not any(value for _, values in rows for value in values),
    )
