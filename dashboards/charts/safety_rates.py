"""Observed harm beside the rate in-person CBT patients with the same case mix would have.

The funnel plot's window (`mart_safety_funnel`) as rates: events per unit judged, and the
expected events per unit, which `mart_safety_reference` models from in-person CBT (a
case-mix logistic model, a simpler one or the crude rate when events are few, shifted to
the program's province's clinics when they differ). CADTH found no study comparing the
safety of iCBT and in-person CBT; this chart is that comparison, program by program.
Input frames are the suppressed funnel and the reference's methods (no counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards.charts import safety_funnel
from dashboards.charts.common import no_data_figure, percent, text_frame, titled
from dashboards.charts.grid import SIDE_LEGEND
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing, require_window
from dashboards.charts.safety_funnel import SHOWN, window_label
from dashboards.marts import Marts
from dashboards.marts.safety import SAFETY_FUNNEL as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, mode_label, mode_style

MART = "mart_safety_reference"

METHODS = {
    "logistic": "a logistic model of the event on age band, sex, rurality and baseline "
    "severity, fitted to every in-person clinic",
    "severity": "a logistic model on baseline severity alone (too few in-person events for "
    "the full model)",
    "crude": "the in-person clinics' crude rate (too few events for a model)",
    "published": "a published rate (no in-person clinic had units to judge)",
    "none": "nothing: in-person clinics had too few events to compare with",
}

CSV_COLUMNS = (
    "indicator",
    "program_id",
    "program_name",
    "delivery_mode",
    "window_start",
    "month",
    "n",
    "observed",
    "expected",
    "observed_rate",
    "expected_rate",
    "ratio",
)


def reference_text(reference: pl.DataFrame, indicator: str) -> str:
    """How the indicator's expectation is made, in words."""
    rows = reference.filter(pl.col("indicator") == indicator)
    if rows.is_empty():
        return "No in-person reference is published for this indicator."
    row = rows.row(0, named=True)
    text = f"Expected rates come from {METHODS.get(row['method'], row['method'])}"
    if row["province_offsets_applied"]:
        text += ", shifted to the program's own province's clinics where they differ"
    if row["source"]:
        text += f" (source: {row['source']})"
    return text + "."


def process_data(
    df: pl.DataFrame, indicator: str, window_end: date, programs: Sequence[str]
) -> pl.DataFrame:
    """The funnel's rows for the view (see `safety_funnel.rows_in_view`), shown programs
    ordered from the largest excess of observed over expected rate."""
    data = safety_funnel.rows_in_view(df, indicator, window_end, programs)
    return data.with_columns(
        (pl.col("observed_rate") - pl.col("expected_rate")).alias("excess")
    ).sort(pl.col("status") != SHOWN, "excess", "program_name", descending=[False, True, False])


def create_figure(data: pl.DataFrame, indicator_label: str) -> go.Figure:
    """Per program: observed rate (mode's marker) and expected rate (a bar mark), joined."""
    shown = data.filter(pl.col("status") == SHOWN)
    if shown.is_empty():
        return no_data_figure("No program in view can be shown for this indicator and window.")
    figure = go.Figure()
    xs: list[float | None] = []
    ys: list[str | None] = []
    for name, observed, expected in shown.select(
        "program_name", "observed_rate", "expected_rate"
    ).iter_rows():
        xs += [expected, observed, None]
        ys += [name, name, None]
    figure.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#868E96", "width": 2},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=shown["expected_rate"].to_list(),
            y=shown["program_name"].to_list(),
            mode="markers",
            name="Expected under in-person CBT",
            marker={
                "symbol": "line-ns",
                "size": 22,
                "line": {"width": 4, "color": OKABE_ITO["vermillion"]},
            },
            hovertemplate="<b>%{y}</b><br>Expected %{x:.1%}<extra></extra>",
        )
    )
    for mode in dict.fromkeys(shown["delivery_mode"].to_list()):
        rows = shown.filter(pl.col("delivery_mode") == mode)
        style = mode_style(mode)
        figure.add_trace(
            go.Scatter(
                x=rows["observed_rate"].to_list(),
                y=rows["program_name"].to_list(),
                mode="markers",
                name=f"Observed, {mode_label(mode)}",
                marker={"color": style.colour, "symbol": style.symbol, "size": 12},
                hovertemplate="<b>%{y}</b><br>Observed %{x:.1%}<extra></extra>",
            )
        )
    figure.update_xaxes(title="Share of units with the event", tickformat=".0%", rangemode="tozero")
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=shown["program_name"].to_list(),
        autorange="reversed",
        title=None,
    )
    first = shown.row(0, named=True)
    return titled(
        figure,
        f"Observed and expected: {indicator_label}",
        f"Rate per unit judged, {window_label(first['window_start'], first['month'])}",
        safety_funnel.not_shown_count(data),
        200 + 36 * shown.height,
    )


def summarise(data: pl.DataFrame, indicator_label: str, reference: str) -> str:
    shown = data.filter(pl.col("status") == SHOWN)
    if shown.is_empty():
        return f"{indicator_label}: no program in view can be shown. {reference}"
    items = [
        f"{row['program_name']} {percent(row['observed_rate'])} observed, "
        f"{percent(row['expected_rate'])} expected"
        for row in shown.iter_rows(named=True)
    ]
    return " ".join(
        s
        for s in (
            f"{indicator_label}, from the largest excess over in-person CBT: "
            + "; ".join(items)
            + ".",
            reference,
            safety_funnel.not_shown_note(data),
        )
        if s
    )


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "For each program, the share of its units (episodes, or follow-up triggers) with the "
        "event over the funnel plot's window, and the share expected if the same patients "
        "had had in-person CBT's risk for their case mix. The expectation is modelled on the "
        "observatory's own in-person clinics (mart_safety_reference), not on a published "
        "rate, except where no clinic has units.",
        f"Source: mart_safety_funnel for the rates and {MART} for how each expectation is "
        "made. Rates are rounded to whole percentages on screen; the CSV has four decimals.",
        f"Privacy: the same as the funnel plot: programs with 1 to {rules.threshold - 1} "
        "units or events in the window are not shown. The in-person clinics' own counts are "
        "shown only as programs, in the same way.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "delivery_mode": "Delivery mode",
    "n": "Units judged",
    "observed": "Events",
    "observed_rate": "Observed rate",
    "expected": "Expected events",
    "expected_rate": "Expected rate",
    "ratio": "Observed / expected",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"program_name", "delivery_mode"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, percents=("observed_rate", "expected_rate"))
    return text.with_columns(
        pl.col("delivery_mode").map_elements(mode_label, return_dtype=pl.String)
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)
    return text.with_columns(pl.col("window_start", "month").dt.strftime("%Y-%m"))


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset(
    {Control.INDICATOR, Control.WINDOW, Control.MODES, Control.PROGRAMS}
)


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData(
        frame := process_data(
            marts.safety_funnel(), str(view.state.indicator), require_window(view), view.programs
        ),
        frame,
        reference_text(marts.safety_reference(), str(view.state.indicator)),
    )


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(
        create_figure(data.plot, view.indicator_label),
        summarise(data.plot, view.indicator_label, data.reference),
    )
