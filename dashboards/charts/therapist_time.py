"""Therapist minutes per started patient: median and interquartile range per unit.

Reads `mart_therapist_time` (one row per reporting unit: minutes of therapist messages
and live sessions per started episode). Therapist time is the cost side of guided iCBT,
reported beside outcomes in routine care (about 68 minutes per patient with regular
contact in the Pain Course trial, Dear et al., Pain 2015). The chart compares the units
of the chosen unit's level (programs with programs; delivery modes with each other and
with all iCBT) and highlights the chosen one. Input frames must be the suppressed mart
(`Marts.therapist_time`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    Status,
    no_data_figure,
    omitted_note,
    require_suppressed,
    status,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.engagement import THERAPIST_TIME as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import Unit

MART = "mart_therapist_time"
WHAT = "started episodes"

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "n_started",
    "total_therapist_minutes",
    "therapist_minutes_mean",
    "therapist_minutes_p25",
    "therapist_minutes_median",
    "therapist_minutes_p75",
    "therapist_messages_mean",
    "live_sessions_mean",
    "modules_completed_mean",
)


def compared_types(unit: Unit) -> tuple[str, ...]:
    """Unit types drawn beside `unit`: programs for a program, else modes and all iCBT."""
    return ("program",) if unit.unit_type == "program" else ("delivery_mode", "all_icbt")


def process_data(df: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """Units of the chosen unit's level, most therapist time first, with a `status`.

    `focal` marks the chosen unit.
    """
    require_suppressed(df, SUPPRESSION)
    return (
        with_unit_names(df.filter(pl.col("unit_type").is_in(compared_types(unit))))
        .with_columns(
            status("n_started", "therapist_minutes_median"),
            ((pl.col("unit_type") == unit.unit_type) & (pl.col("unit_id") == unit.unit_id)).alias(
                "focal"
            ),
        )
        .sort(
            pl.col("status") != Status.SHOWN.value,
            pl.col("therapist_minutes_median"),
            pl.col("unit_name"),
            descending=[False, True, False],
            nulls_last=True,
        )
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Median minutes (point) and interquartile range (whisker); the chosen unit in blue."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return no_data_figure("No unit has enough started episodes to show therapist time.")
    figure = go.Figure()
    for focal, colour, symbol, name in (
        (False, OKABE_ITO["orange"], "circle", "Other units"),
        (True, OKABE_ITO["blue"], "diamond", "Chosen unit"),
    ):
        rows = shown.filter(pl.col("focal") == focal)
        if rows.is_empty():
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["therapist_minutes_median"].to_list(),
                y=rows["unit_name"].to_list(),
                mode="markers",
                name=name,
                marker={"color": colour, "symbol": symbol, "size": 13 if focal else 10},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (
                        rows["therapist_minutes_p75"] - rows["therapist_minutes_median"]
                    ).to_list(),
                    "arrayminus": (
                        rows["therapist_minutes_median"] - rows["therapist_minutes_p25"]
                    ).to_list(),
                    "color": colour,
                    "thickness": 2,
                    "width": 6,
                },
                customdata=rows.select(
                    "therapist_minutes_p25",
                    "therapist_minutes_p75",
                    "therapist_minutes_mean",
                    "n_started",
                ).rows(),
                hovertemplate=(
                    "<b>%{y}</b><br>Median %{x:.0f} minutes "
                    "(IQR %{customdata[0]:.0f} to %{customdata[1]:.0f})<br>"
                    "Mean %{customdata[2]:.0f} minutes; %{customdata[3]} started<extra></extra>"
                ),
            )
        )
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=shown["unit_name"].to_list(),
        autorange="reversed",
        title=None,
    )
    figure.update_xaxes(title="Therapist minutes per started episode", rangemode="tozero")
    return titled(
        figure,
        "Therapist time per patient",
        "Median minutes of therapist messages and live sessions per started episode, with "
        "interquartile range",
        omitted_note(data, "unit_name", WHAT),
        220 + 34 * shown.height,
    )


def summarise(data: pl.DataFrame) -> str:
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return "No unit has enough started episodes to show therapist time."
    items = [
        f"{row['unit_name']} {row['therapist_minutes_median']:.0f} minutes "
        f"(interquartile range {row['therapist_minutes_p25']:.0f} to "
        f"{row['therapist_minutes_p75']:.0f}; mean {row['therapist_minutes_mean']:.0f})"
        for row in shown.iter_rows(named=True)
    ]
    focal = data.filter(pl.col("focal"))
    lead = ""
    if focal.height and focal["status"][0] == Status.SHOWN.value:
        row = focal.row(0, named=True)
        lead = f"{row['unit_name']}: median {row['therapist_minutes_median']:.0f} minutes. "
    return (
        lead
        + "Median therapist minutes per started episode, most first: "
        + "; ".join(items)
        + ". "
        + omitted_note(data, "unit_name", WHAT)
    ).strip()


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Each point is the median number of therapist minutes (messages from therapists "
        "plus live sessions) per started episode; the whisker spans the 25th to 75th "
        "percentile. Programs are compared with programs; delivery modes with each other "
        "and with all iCBT programs together. Self-guided programs have little or none "
        "by design.",
        f"Source: the warehouse table {MART}, one row per reporting unit.",
        f"Privacy: a unit with 1 to {rules.threshold - 1} started episodes is not shown, and "
        "neither is a unit whose number of started episodes the Engagement funnel hides so "
        "that a small one cannot be worked out from a total.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "unit_name": "Unit",
    "n_started": "Started",
    "therapist_minutes_median": "Median minutes",
    "therapist_minutes_p25": "25th percentile",
    "therapist_minutes_p75": "75th percentile",
    "therapist_minutes_mean": "Mean minutes",
    "therapist_messages_mean": "Mean messages",
    "live_sessions_mean": "Mean live sessions",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"unit_name"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=2)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.therapist_time(), view.unit))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
