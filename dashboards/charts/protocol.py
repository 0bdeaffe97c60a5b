"""The one interface every chart module exposes, so a page can loop over its charts.

A chart module (one per chart, after 8Knot's one-module-per-chart) keeps its pure
`process_data`, `create_figure` and `summarise`, and adds the same small surface as
every other chart:

- `CONTROLS`: which of its page's controls redraw it (the others are read, not
  listened to, so changing them costs this chart nothing);
- `describe(marts)`: the "About this chart" paragraphs;
- `load(marts, view)`: reads its marts from the request's snapshot and calls
  `process_data`; the result (`ChartData`) is all the figure, table and CSV need;
- `draw(data, view)`: the figure and its text summary;
- `table_frame(numbers, rules)`, `csv_frame(numbers, rules)`, `TABLE_HEADERS`,
  `NUMERIC_COLUMNS`: the numbers behind the chart, on screen and as CSV.

Pages register a `Chart` per module (dashboards/chart_page.py) and never branch on
which module it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol

import plotly.graph_objects as go
import polars as pl

from dashboards.suppression import SuppressionRules
from dashboards.view_state import ALL_ICBT, OutcomeKey, Unit, ViewState

if TYPE_CHECKING:
    from dashboards.marts import Marts


class Control(StrEnum):
    """A page control a chart can depend on."""

    OUTCOME = "outcome"
    TIMEPOINT = "timepoint"
    MODES = "modes"
    PROGRAMS = "programs"
    UNIT = "unit"
    PERIOD = "period"
    DIMENSION = "dimension"
    INDICATOR = "indicator"
    WINDOW = "window"
    BATCH = "batch"


@dataclass(frozen=True)
class ChartView:
    """What the page's controls select, resolved once for the request.

    `state` is the URL view; the rest is what pages resolve from it against the
    warehouse: the programs in view (chosen, in a chosen delivery mode), the one unit a
    unit chart reports on, the outcome's and indicator's labels, the funnel window.
    """

    state: ViewState
    rules: SuppressionRules
    programs: tuple[str, ...] = ()
    unit: Unit = ALL_ICBT
    outcome_label: str = ""
    indicator_label: str = ""
    window: date | None = None


@dataclass(frozen=True)
class ChartData:
    """A chart's processed frame, and the frame its table and CSV list.

    The two are the same frame for most charts; the funnel lists its unit's mart row.
    `reference` is text the summary quotes from another table (how an expectation is
    made, for the safety rates). `headers` replaces the module's TABLE_HEADERS where a
    heading quotes the snapshot's configuration (the funnel's limit levels).
    """

    plot: pl.DataFrame
    numbers: pl.DataFrame
    reference: str = ""
    headers: Mapping[str, str] | None = None

    @classmethod
    def of(cls, frame: pl.DataFrame) -> ChartData:
        return cls(frame, frame)


class Drawing(NamedTuple):
    figure: go.Figure
    summary: str


class ChartModule(Protocol):
    """What `dashboards/chart_page.py` calls on every chart module."""

    CONTROLS: frozenset[Control]
    TABLE_HEADERS: Mapping[str, str]
    NUMERIC_COLUMNS: AbstractSet[str]

    def describe(self, marts: Marts) -> list[str]: ...

    def load(self, marts: Marts, view: ChartView) -> ChartData: ...

    def draw(self, data: ChartData, view: ChartView) -> Drawing: ...

    def table_frame(self, numbers: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame: ...

    def csv_frame(self, numbers: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame: ...


def require_outcome(view: ChartView) -> OutcomeKey:
    """The view's outcome, for a chart that cannot be drawn without one."""
    if view.state.outcome is None:
        raise ValueError("this chart needs an outcome")
    return view.state.outcome


def require_window(view: ChartView) -> date:
    """The view's funnel window, for a chart that cannot be drawn without one."""
    if view.window is None:
        raise ValueError("this chart needs a funnel window")
    return view.window
