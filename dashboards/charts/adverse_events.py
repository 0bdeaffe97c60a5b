"""Adverse events of one reporting unit beside in-person CBT, one dimension per panel.

Reads `mart_adverse_event_profile` (one row per reporting unit, dimension and value:
category, severity, seriousness in the ICH E2A sense, relatedness on the WHO-UMC scale,
and the total), built from the same events as `mart_adverse_events`. Rates are events per
100 started episodes, crude (not adjusted for case mix or time in treatment); the
case-mix adjusted comparison is the funnel plot. Input frames must be the suppressed mart
(`Marts.adverse_event_profile`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    no_data_figure,
    require_suppressed,
    text_frame,
    with_unit_names,
)
from dashboards.charts.grid import SIDE_LEGEND, grid_layout, panel_axes
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.safety import ADVERSE_EVENT_PROFILE as SUPPRESSION
from dashboards.marts.safety import AE_DIMENSIONS, AE_TOTAL
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import Unit

MART = "mart_adverse_event_profile"
COMPARATOR = Unit("delivery_mode", "in_person")

DIMENSION_LABELS = {
    "category": "Category",
    "severity": "Severity",
    "seriousness": "Seriousness (ICH E2A)",
    "relatedness": "Relatedness (WHO-UMC)",
    AE_TOTAL: "All adverse events",
}
# Contract enums (contracts/v1/adverse_events.schema.json) in their order; values the
# contract does not list come after, as published.
VALUE_LABELS = {
    "category": {
        "suicidal_ideation": "Suicidal ideation",
        "self_harm": "Self-harm",
        "symptom_deterioration": "Symptom deterioration",
        "pain_flare": "Pain flare",
        "emergency_visit": "Emergency visit",
        "hospitalisation": "Hospitalisation",
        "other": "Other",
    },
    "severity": {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"},
    "seriousness": {"serious": "Serious", "not_serious": "Not serious"},
    "relatedness": {
        "not_related": "Not related",
        "unlikely": "Unlikely",
        "possible": "Possible",
        "probable": "Probable",
        "certain": "Certain",
    },
    AE_TOTAL: {"all": "All"},
}
SERIES_STYLES = {
    "unit": (OKABE_ITO["blue"], ""),
    "comparator": (OKABE_ITO["vermillion"], "/"),
}

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "dimension",
    "group_value",
    "events",
    "episodes_with_event",
    "n_started",
    "events_per_100_started",
)


def value_label(dimension: str, value: str) -> str:
    return VALUE_LABELS.get(dimension, {}).get(value, value.replace("_", " ").capitalize())


def _rank(dimension: str, value: str) -> int:
    """Dimensions in panel order, values in the contract's order, unknown values last."""
    dimensions = [*AE_DIMENSIONS, AE_TOTAL]
    values = list(VALUE_LABELS.get(dimension, {}))
    first = dimensions.index(dimension) if dimension in dimensions else len(dimensions)
    return first * 100 + (values.index(value) if value in values else len(values))


def process_data(df: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """Rows of the unit and of in-person CBT (`series` unit or comparator), each value
    labelled, in the contract's order; `shown` is false where the rate is hidden."""
    require_suppressed(df, SUPPRESSION)
    units = [unit] if unit == COMPARATOR else [unit, COMPARATOR]
    parts = [
        df.filter(pl.col("unit_type") == u.unit_type, pl.col("unit_id") == u.unit_id).with_columns(
            pl.lit("comparator" if u == COMPARATOR else "unit").alias("series")
        )
        for u in units
    ]
    rows = with_unit_names(pl.concat(parts))
    pairs = rows.select("dimension", "group_value").rows()
    return (
        rows.with_columns(
            pl.Series("_rank", [_rank(d, v) for d, v in pairs], dtype=pl.Int64),
            pl.Series("value_label", [value_label(d, v) for d, v in pairs], dtype=pl.String),
            (~pl.col("events_per_100_started" + SUPPRESSED_SUFFIX)).alias("shown"),
        )
        .sort(pl.col("series") != "unit", "_rank", "group_value")
        .drop("_rank")
    )


def totals(data: pl.DataFrame) -> pl.DataFrame:
    """The total row of each series in `data`."""
    return data.filter(pl.col("dimension") == AE_TOTAL)


def create_figure(data: pl.DataFrame) -> go.Figure:
    """A panel per dimension: events per 100 started episodes, unit and in-person CBT."""
    if data.is_empty():
        return no_data_figure("No started episodes for this unit.")
    if not data.filter(pl.col("shown"), pl.col("dimension") != AE_TOTAL).height:
        return no_data_figure("Too few adverse events or started episodes to show rates.")
    traces: list[dict[str, object]] = []
    for series, (colour, pattern) in SERIES_STYLES.items():
        rows = data.filter(pl.col("series") == series)
        if rows.is_empty():
            continue
        name = rows["unit_name"][0]
        for index, dimension in enumerate(AE_DIMENSIONS):
            part = rows.filter(pl.col("dimension") == dimension, pl.col("shown"))
            traces.append(
                {
                    "type": "bar",
                    **panel_axes(index),
                    "x": part["events_per_100_started"].to_list(),
                    "y": part["value_label"].to_list(),
                    "orientation": "h",
                    "name": name,
                    "legendgroup": series,
                    "showlegend": index == 0,
                    "marker": {"color": colour, "pattern": {"shape": pattern}},
                    "customdata": part.select("events", "n_started").rows(),
                    "hovertemplate": (
                        f"<b>{name}</b><br>%{{y}}: %{{x:.1f}} per 100 started episodes"
                        "<br>%{customdata[0]} events among %{customdata[1]} started"
                        "<extra></extra>"
                    ),
                }
            )
    layout = grid_layout(
        [DIMENSION_LABELS[d] for d in AE_DIMENSIONS], 2, column_gap=0.22, row_gap=0.16
    )
    for key, axis in layout.items():
        if key.startswith("yaxis"):
            axis["autorange"] = "reversed"
        elif key.startswith("xaxis"):
            axis.update(title={"text": "Events per 100 started episodes"}, rangemode="tozero")
    layout.update(
        barmode="group",
        title={
            "text": f"Adverse events: {data['unit_name'][0]} and in-person CBT",
            "subtitle": {"text": "Events per 100 started episodes, crude"},
            "x": 0.01,
            "xref": "container",
        },
        height=720,
        margin={"t": 130},
        legend=SIDE_LEGEND,
    )
    return go.Figure(data=traces, layout=layout)


def _total_text(row: dict[str, object], rules: SuppressionRules) -> str:
    if row["events" + SUPPRESSED_SUFFIX]:
        count = rules.small_label if row["events" + SMALL_SUFFIX] else rules.suppressed_label
        return f"{row['unit_name']}: {count} adverse events"
    started = (
        rules.small_label
        if row["n_started" + SMALL_SUFFIX]
        else rules.suppressed_label
        if row["n_started" + SUPPRESSED_SUFFIX]
        else f"{row['n_started']:,}"
    )
    rate = row["events_per_100_started"]
    per_100 = f" ({rate:.1f} per 100)" if rate is not None else ""
    return (
        f"{row['unit_name']}: {row['events']:,} adverse events among {started} started "
        f"episodes{per_100}"
    )


def summarise(data: pl.DataFrame, rules: SuppressionRules) -> str:
    if data.is_empty():
        return "No started episodes for this unit."
    parts = [_total_text(row, rules) for row in totals(data).iter_rows(named=True)]
    serious = data.filter(
        pl.col("dimension") == "seriousness", pl.col("group_value") == "serious", pl.col("shown")
    )
    items = [
        f"{row['unit_name']} {row['events_per_100_started']:.1f}"
        for row in serious.iter_rows(named=True)
    ]
    sentences = ["; ".join(parts) + "."]
    if items:
        sentences.append("Serious events per 100 started episodes: " + "; ".join(items) + ".")
    hidden = data.filter(~pl.col("shown"), pl.col("dimension") != AE_TOTAL)
    if hidden.height:
        sentences.append(
            f"{hidden.height} values are not shown: too few events, or hidden so that a "
            "small number cannot be worked out from the totals."
        )
    return " ".join(sentences)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Adverse events reported by the programs, one dimension per panel: category, "
        "severity, seriousness (ICH E2A: death, life-threatening, hospitalisation, "
        "persistent disability) and relatedness to the program (WHO-UMC causality). Bars "
        "are events per 100 started episodes for the chosen unit (one program, one "
        "delivery mode, or all iCBT programs) and for in-person CBT. Crude rates: not "
        "adjusted for case mix or for how long episodes lasted.",
        f"Source: the warehouse table {MART}, built from the same events as mart_adverse_events.",
        f"Privacy: counts of 1 to {rules.threshold - 1} events are hidden with their rates. "
        "Each dimension's values add up to the unit's total, and programs add up to their "
        "delivery mode, so when one value is hidden another is hidden too. Started episodes "
        "are hidden wherever the Engagement funnel hides them.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "unit_name": "Unit",
    "dimension": "Dimension",
    "value_label": "Value",
    "events": "Events",
    "episodes_with_event": "Episodes with the event",
    "n_started": "Started episodes",
    "events_per_100_started": "Per 100 started",
}
NUMERIC_COLUMNS = frozenset(
    {"events", "episodes_with_event", "n_started", "events_per_100_started"}
)


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules)
    return text.with_columns(
        pl.col("dimension").replace_strict(DIMENSION_LABELS, default=pl.col("dimension"))
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.MODES, Control.PROGRAMS, Control.UNIT})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.adverse_event_profile(), view.unit))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot, view.rules))
