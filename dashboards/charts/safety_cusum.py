"""Risk-adjusted CUSUM charts of one safety indicator, one small chart per program.

Reads `mart_safety_cusum` (one row per indicator, program and month; Steiner, Cook,
Farewell & Treasure, Biostatistics 2000): the chart value S after each month, the
threshold h simulated for the program's case mix, alarms, and whether a signal is open.
A cumulative statistic's steps are counts of events, so only the months that
`cusum_drawn` allows carry a value (`SafetyMarts.safety_cusum`); the line breaks at the
months not drawn, and at an alarm it reaches the threshold, marked, before the restart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import MISSING, no_data_figure
from dashboards.charts.grid import SIDE_LEGEND, grid_layout, panel_axes
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.safety import CUSUM_DRAWN
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR

MART = "mart_safety_cusum"
COLUMNS = 3

CSV_COLUMNS = (
    "indicator",
    "program_id",
    "program_name",
    "delivery_mode",
    "month",
    "statistic",
    "threshold",
    "simulated_arl_months",
    "alarm",
    "in_signal",
)


def require_drawable(df: pl.DataFrame) -> None:
    """Refuse a frame that still holds counts or was not thinned by `cusum_drawn`."""
    if CUSUM_DRAWN not in df.columns or "observed" in df.columns:
        raise ValueError("process_data needs Marts.safety_cusum()")


def process_data(df: pl.DataFrame, indicator: str, programs: Sequence[str]) -> pl.DataFrame:
    """The indicator's months for the programs in view, by program id and month."""
    require_drawable(df)
    return (
        df.filter(pl.col("indicator") == indicator, pl.col("program_id").is_in(list(programs)))
        .with_columns(pl.coalesce("program_name", "program_id").alias("program_name"))
        .sort("program_id", "month")
    )


def value_line(chart: pl.DataFrame) -> tuple[list[object], list[float | None]]:
    """One program's chart line: months and values, with a gap at every month not drawn.

    The line never joins two drawn months across hidden ones (it would show a path the
    chart did not take). At an alarm the line rises to the threshold, where the alarm is
    marked, and drops to the restart value in the same month: the mart keeps only the
    value after the restart, and the value that crossed is at least the threshold.
    """
    x: list[object] = []
    y: list[float | None] = []
    for month, statistic, threshold, alarm, drawn in chart.select(
        "month", "statistic", "threshold", "alarm", CUSUM_DRAWN
    ).iter_rows():
        if alarm:
            x += [month, month]
            y += [threshold, statistic]
        else:
            x.append(month)
            y.append(statistic if drawn else None)
    return x, y


def create_figure(data: pl.DataFrame, indicator_label: str) -> go.Figure:
    """Small multiples: S (line through drawn months), the threshold h, alarm marks."""
    if data.is_empty():
        return no_data_figure("No program in view has a CUSUM chart for this indicator.")
    names = list(dict.fromkeys(data["program_name"].to_list()))
    traces: list[dict[str, object]] = []
    for index, (name, chart) in enumerate(
        zip(names, data.partition_by("program_name", maintain_order=True), strict=True)
    ):
        axes = panel_axes(index)
        first = index == 0
        months = chart["month"]
        x, y = value_line(chart)
        traces.append(
            {
                "type": "scatter",
                **axes,
                "x": x,
                "y": y,
                "mode": "lines+markers",
                "connectgaps": False,
                "name": "CUSUM value",
                "legendgroup": "value",
                "showlegend": first,
                "line": {"color": OKABE_ITO["blue"], "width": 2},
                "marker": {"size": 6},
                "hovertemplate": f"<b>{name}</b><br>%{{x|%Y-%m}}: %{{y:.2f}}<extra></extra>",
            }
        )
        traces.append(
            {
                "type": "scatter",
                **axes,
                "x": [months.min(), months.max()],
                "y": [chart["threshold"][0]] * 2,
                "mode": "lines",
                "name": "Threshold h",
                "legendgroup": "threshold",
                "showlegend": first,
                "line": {"color": OKABE_ITO["vermillion"], "dash": "dash", "width": 1.5},
                "hovertemplate": f"<b>{name}</b><br>Threshold %{{y:.2f}}<extra></extra>",
            }
        )
        alarms = chart.filter(pl.col("alarm"))
        traces.append(
            {
                "type": "scatter",
                **axes,
                "x": alarms["month"].to_list(),
                "y": alarms["threshold"].to_list(),
                "mode": "markers",
                "name": "Alarm",
                "legendgroup": "alarm",
                "showlegend": first,
                "marker": {"symbol": "x", "size": 11, "color": TEXT_COLOUR},
                "hovertemplate": f"<b>{name}</b><br>Alarm in %{{x|%Y-%m}}<extra></extra>",
            }
        )
    rows = math.ceil(len(names) / COLUMNS)
    layout = grid_layout(names, COLUMNS, shared_x=True, row_gap=min(0.3 / rows, 0.08))
    for key, axis in layout.items():
        if key.startswith("xaxis"):
            axis["tickformat"] = "%Y-%m"
        elif key.startswith("yaxis"):
            axis["rangemode"] = "tozero"
    layout.update(
        title={
            "text": f"CUSUM: {indicator_label}",
            "subtitle": {"text": "Chart value after each month against its threshold"},
            "x": 0.01,
            "xref": "container",
        },
        height=180 + 210 * rows,
        margin={"t": 130},
        legend=SIDE_LEGEND,
    )
    return go.Figure(data=traces, layout=layout)


def _chart_lines(data: pl.DataFrame) -> list[dict[str, object]]:
    """Per program: alarms, whether its signal is open now, and its latest drawn value."""
    lines = []
    for name in dict.fromkeys(data["program_name"].to_list()):
        chart = data.filter(pl.col("program_name") == name)
        drawn = chart.filter(pl.col(CUSUM_DRAWN))
        lines.append(
            {
                "name": name,
                "alarms": chart.filter(pl.col("alarm"))["month"].to_list(),
                "open": bool(chart["in_signal"][-1]),
                "latest": drawn.row(-1, named=True) if drawn.height else None,
                "threshold": chart["threshold"][0],
            }
        )
    return lines


def summarise(data: pl.DataFrame, indicator_label: str) -> str:
    if data.is_empty():
        return f"{indicator_label}: no program in view has a CUSUM chart."
    lines = _chart_lines(data)
    alarmed = [line for line in lines if line["alarms"]]
    open_now = [line["name"] for line in lines if line["open"]]
    sentences = [
        f"CUSUM of {indicator_label} for {len(lines)} programs: "
        + (
            f"{len(alarmed)} alarmed at least once ("
            + "; ".join(
                f"{line['name']} in {', '.join(f'{m:%Y-%m}' for m in line['alarms'])}"
                for line in alarmed
            )
            + ")."
            if alarmed
            else "none has alarmed."
        )
    ]
    sentences.append(
        f"Signal open at the latest month: {', '.join(open_now)}."
        if open_now
        else "No signal is open at the latest month."
    )
    hidden = data.filter(~pl.col(CUSUM_DRAWN)).height
    if hidden:
        sentences.append(
            f"{hidden} of {data.height} monthly values are not drawn: fewer than the "
            "threshold of events since the last drawn value."
        )
    return " ".join(sentences)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Each small chart is one program's risk-adjusted CUSUM: every unit adds the log "
        "likelihood ratio of 'the odds of harm are doubled' against 'as in-person CBT for "
        "this case mix', summed by month and never below zero. Crossing the dashed "
        "threshold (set by simulation for each program's case mix, so that a program "
        "performing as expected alarms as rarely as config/safety.yaml asks) is an alarm, "
        "marked with a cross; the chart then restarts at half the threshold.",
        f"Source: the warehouse table {MART} (Steiner, Cook, Farewell & Treasure, "
        "Biostatistics 2000; docs/safety.md).",
        "Privacy: each step of the line is a function of the events in it, so a month's "
        f"value is drawn only when the events since the last drawn value are none or at "
        f"least {rules.threshold}; the line joins the drawn months across the others. The "
        "value after an alarm (the restart) is always drawn, and alarms are always marked. "
        "Monthly counts are not shown.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "threshold": "Threshold h",
    "latest_value": "Latest drawn value",
    "alarms": "Alarms",
    "open": "Signal open now",
}
NUMERIC_COLUMNS = frozenset({"threshold", "latest_value"})


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """One row per program: threshold, latest drawn value (and month), alarm months."""
    lines = _chart_lines(data) if data.height else []
    return pl.DataFrame(
        {
            "program_name": [line["name"] for line in lines],
            "threshold": [f"{line['threshold']:.2f}" for line in lines],
            "latest_value": [
                f"{line['latest']['statistic']:.2f} ({line['latest']['month']:%Y-%m})"
                if line["latest"]
                else MISSING
                for line in lines
            ],
            "alarms": [", ".join(f"{m:%Y-%m}" for m in line["alarms"]) or "none" for line in lines],
            "open": ["yes" if line["open"] else "no" for line in lines],
        },
        schema={column: pl.String for column in TABLE_HEADERS},
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """Every month of the charts in view; a value not drawn is the suppressed label."""
    return (
        data.select(*CSV_COLUMNS, CUSUM_DRAWN)
        .with_columns(
            pl.col("month").dt.strftime("%Y-%m"),
            pl.when(~pl.col(CUSUM_DRAWN))
            .then(pl.lit(rules.suppressed_label))
            .otherwise(pl.col("statistic").round(4).cast(pl.String))
            .alias("statistic"),
        )
        .drop(CUSUM_DRAWN)
    )


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.INDICATOR, Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(
        process_data(marts.safety_cusum(), str(view.state.indicator), view.programs)
    )


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(
        create_figure(data.plot, view.indicator_label),
        summarise(data.plot, view.indicator_label),
    )
