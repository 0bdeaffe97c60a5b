"""Layout for the safety and data-quality charts: small multiples laid out by hand, and a
legend beside the plot.

`plotly.subplots.make_subplots` builds and validates a whole grid object and costs
hundreds of milliseconds for twenty panels, most of a callback's time budget; the same
layout written as plain axis domains costs a few. Traces name their panel's axes with
`panel_axes`. The template's legend sits above the plot, where a legend of two rows
covers the subtitle; these charts have up to six entries and put it beside the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

SIDE_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}


def program_batch_grid(figure: go.Figure, programs: Sequence[str], batch_title: str) -> None:
    """Lay out a programs-by-batch grid: batches in order across, programs A to Z down."""
    figure.update_xaxes(title=batch_title, type="category", categoryorder="category ascending")
    figure.update_yaxes(
        title=None, type="category", categoryorder="array", categoryarray=list(programs)[::-1]
    )


def panel_axes(index: int) -> dict[str, str]:
    """The `xaxis`/`yaxis` references of panel `index` (0-based, row by row)."""
    suffix = "" if index == 0 else str(index + 1)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def grid_layout(
    titles: Sequence[str],
    columns: int,
    *,
    shared_x: bool = False,
    column_gap: float = 0.06,
    row_gap: float = 0.08,
) -> dict[str, Any]:
    """Layout entries placing one panel per title, `columns` to a row, titled above.

    `shared_x` makes every panel's x axis follow the first one (zoom and range).
    """
    rows = max(1, math.ceil(len(titles) / columns))
    width = (1 - column_gap * (columns - 1)) / columns
    height = (1 - row_gap * (rows - 1)) / rows
    layout: dict[str, Any] = {}
    annotations = []
    for index, title in enumerate(titles):
        row, column = divmod(index, columns)
        left = column * (width + column_gap)
        top = 1 - row * (height + row_gap)
        axes = panel_axes(index)
        x_name = "xaxis" + axes["xaxis"][1:]
        y_name = "yaxis" + axes["yaxis"][1:]
        layout[x_name] = {"domain": [left, left + width], "anchor": axes["yaxis"]}
        layout[y_name] = {"domain": [max(0.0, top - height), top], "anchor": axes["xaxis"]}
        if shared_x and index:
            layout[x_name]["matches"] = "x"
        annotations.append(
            {
                "text": title,
                "x": left + width / 2,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
    layout["annotations"] = annotations
    return layout
