"""The safety signal register: every signal a program has opened, as a timeline.

Reads `safety_signal_register` (one row per signal: program, indicator, method, the
month it opened, status new, ongoing or resolved, and the evidence at opening and at the
latest month it was open). The register persists across pipeline runs, so a resolved
signal stays visible. Evidence counts are suppressed like every count
(`Marts.signal_register`); whether a signal is open is never hidden, because
that is what the register is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    level,
    no_data_figure,
    require_suppressed,
    text_frame,
    titled,
)
from dashboards.charts.grid import SIDE_LEGEND
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.safety import SIGNAL_REGISTER as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO

MART = "safety_signal_register"

OPEN = ("new", "ongoing")
STATUS_LABELS = {"new": "New", "ongoing": "Ongoing", "resolved": "Resolved"}
STATUS_STYLES = {
    "new": (OKABE_ITO["vermillion"], "solid"),
    "ongoing": (OKABE_ITO["orange"], "solid"),
    "resolved": (OKABE_ITO["blue"], "dot"),
}
METHOD_LABELS = {"cusum": "CUSUM", "funnel": "Funnel plot"}
# Short names for the timeline and table; the full label (ref_safety_indicators) is in the
# hover text, the CSV and the other charts' titles. An indicator not listed keeps its label.
SHORT_LABELS = {
    "phq9_reliable_deterioration": "PHQ-9 deterioration",
    "gad7_reliable_deterioration": "GAD-7 deterioration",
    "pain_interference_reliable_deterioration": "Pain interference deterioration",
    "item9_new_or_worse": "Item 9 new or worse",
    "serious_adverse_event": "Serious adverse event",
    "related_adverse_event": "Related adverse event",
    "self_harm_event": "Self-harm event",
    "symptom_deterioration_event": "Symptom-deterioration event",
    "disengagement_after_deterioration": "Dropout after deterioration",
    "item9_follow_up_breach": "Item-9 follow-up breach",
}
METHOD_SYMBOLS = {"cusum": "circle", "funnel": "diamond"}

CSV_COLUMNS = (
    "signal_id",
    "program_id",
    "program_name",
    "delivery_mode",
    "indicator",
    "indicator_label",
    "severe",
    "method",
    "opened_month",
    "status",
    "resolved_month",
    "latest_month",
    "as_of_month",
    "opened_n",
    "opened_observed",
    "opened_expected",
    "opened_statistic",
    "opened_threshold",
    "latest_n",
    "latest_observed",
    "latest_expected",
    "latest_statistic",
    "latest_threshold",
)


def month_text(value: date | None) -> str:
    return "" if value is None else f"{value:%Y-%m}"


def process_data(df: pl.DataFrame, programs: Sequence[str]) -> pl.DataFrame:
    """Signals of the programs in view: open first (severe first), newest first.

    Adds `until` (resolution month, else the last month evaluated), `short_label` and
    `label`, the row name on the timeline (program, indicator, method).
    """
    require_suppressed(df, SUPPRESSION)
    short = pl.col("indicator").replace_strict(SHORT_LABELS, default=pl.col("indicator_label"))
    return (
        df.filter(pl.col("program_id").is_in(list(programs)))
        .with_columns(
            pl.coalesce("resolved_month", "as_of_month").alias("until"),
            short.alias("short_label"),
            pl.format(
                "{} · {} ({})",
                pl.col("program_id"),
                short,
                pl.col("method").replace_strict(METHOD_LABELS, default=pl.col("method")),
            ).alias("label"),
            pl.col("status").is_in(OPEN).alias("open"),
        )
        .sort(["open", "severe", "opened_month", "label"], descending=[True, True, True, False])
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """One line per signal from the month it opened to its resolution or the latest month."""
    if data.is_empty():
        return no_data_figure("No safety signal has been recorded for the programs in view.")
    figure = go.Figure()
    for status_code, (colour, dash) in STATUS_STYLES.items():
        for method, symbol in METHOD_SYMBOLS.items():
            rows = data.filter(pl.col("status") == status_code, pl.col("method") == method)
            if rows.is_empty():
                continue
            xs: list[date | None] = []
            ys: list[str | None] = []
            names: list[str | None] = []
            for start, end, label, program, indicator in rows.select(
                "opened_month", "until", "label", "program_name", "indicator_label"
            ).iter_rows():
                xs += [start, end, None]
                ys += [label, label, None]
                names += [f"{program or label}: {indicator}"] * 2 + [None]
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=f"{STATUS_LABELS[status_code]}, {METHOD_LABELS[method]}",
                    line={"color": colour, "dash": dash, "width": 4},
                    marker={"symbol": symbol, "size": 11, "color": colour},
                    customdata=names,
                    hovertemplate="<b>%{customdata}</b><br>%{x|%Y-%m}<extra>"
                    + STATUS_LABELS[status_code]
                    + "</extra>",
                )
            )
    labels = data["label"].to_list()
    figure.update_yaxes(
        categoryorder="array", categoryarray=labels, autorange="reversed", title=None
    )
    figure.update_xaxes(title="Month", tickformat="%Y-%m")
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    open_count = data.filter(pl.col("open")).height
    return titled(
        figure,
        "Safety signal register",
        f"{open_count} open and {data.height - open_count} resolved signals, from the month "
        "each opened",
        "Solid lines are open signals, dotted lines resolved ones; circles mark CUSUM "
        "signals, diamonds funnel-plot signals.",
        220 + 30 * data.height,
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No safety signal has been recorded for the programs in view."
    open_rows = data.filter(pl.col("open"))
    new = open_rows.filter(pl.col("status") == "new").height
    severe = open_rows.filter(pl.col("severe")).height
    sentences = [
        f"{data.height} safety signals for the programs in view: {open_rows.height} open "
        f"({new} new since the previous run, {severe} on a severe indicator) and "
        f"{data.height - open_rows.height} resolved."
    ]
    if open_rows.height:
        items = [
            f"{row['label']} since {month_text(row['opened_month'])}"
            for row in open_rows.iter_rows(named=True)
        ]
        sentences.append("Open: " + "; ".join(items) + ".")
    return " ".join(sentences)


def about(
    rules: SuppressionRules, mart_comment: str | None, alarm_level: float, resolve_months: int
) -> list[str]:
    """`alarm_level`, `resolve_months`: ref_safety_policy's funnel.alarm_level and
    funnel.resolve_after_months."""
    paragraphs = [
        "Each line is one signal: a program whose harm indicator rose above what in-person "
        "CBT patients with the same case mix experience, found by the risk-adjusted CUSUM "
        f"(an alarm) or by the funnel plot (a point above the {level(alarm_level)} limit). A "
        "signal opens in the month the method first flags it and resolves when the CUSUM "
        f"drains to zero or the funnel has not flagged it for {resolve_months} months "
        "(docs/safety.md).",
        f"Source: the warehouse table {MART}, which the pipeline keeps across runs: new "
        "means first recorded by the latest run, ongoing means still open.",
        f"Privacy: evidence counts of 1 to {rules.threshold - 1} events or units are shown "
        f"as {rules.small_label}, with the statistic computed on them. A signal needs at "
        "least the minimum number of events set in config/safety.yaml, so its existence "
        "says that much; the signal itself is never hidden.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "short_label": "Indicator",
    "method": "Method",
    "status": "Status",
    "opened_month": "Opened",
    "resolved_month": "Resolved",
    "opened_observed": "Events at opening",
    "opened_expected": "Expected at opening",
    "opened_statistic": "Statistic at opening",
    "opened_threshold": "Threshold at opening",
    "latest_observed": "Events, latest",
    "latest_expected": "Expected, latest",
    "latest_statistic": "Statistic, latest",
}
NUMERIC_COLUMNS = frozenset(
    {
        "opened_observed",
        "opened_expected",
        "opened_statistic",
        "opened_threshold",
        "latest_observed",
        "latest_expected",
        "latest_statistic",
    }
)
_MONTHS = ("opened_month", "resolved_month", "latest_month", "as_of_month")


def _with_month_text(text: pl.DataFrame) -> pl.DataFrame:
    return text.with_columns(pl.col(c).dt.strftime("%Y-%m").fill_null("") for c in _MONTHS)


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = _with_month_text(text_frame(data, SUPPRESSION, rules, decimals=1))
    return text.with_columns(
        pl.col("program_name").fill_null(pl.col("program_id")),
        pl.col("method").replace_strict(METHOD_LABELS, default=pl.col("method")),
        pl.col("status").replace_strict(STATUS_LABELS, default=pl.col("status")),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return _with_month_text(text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4))


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(
        marts.rules,
        marts.comment(MART),
        marts.reference_value("ref_safety_policy", "funnel.alarm_level"),
        round(marts.reference_value("ref_safety_policy", "funnel.resolve_after_months")),
    )


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.signal_register(), view.programs))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
