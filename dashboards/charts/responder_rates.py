"""Responders per program: reliable improvement and deterioration, IMMPACT responders.

Reads `mart_program_outcomes` at post-treatment, like the program-change chart: the share
of paired episodes with a reliable improvement or deterioration (Jacobson-Truax) and
improving by the IMMPACT moderate and substantial shares of baseline (config/scoring.yaml).
Mean change hides how many people improved; these rates show it. Input frames must be
the suppressed mart (`Marts.program_outcomes`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    Status,
    level,
    no_data_figure,
    omitted_note,
    percent,
    require_suppressed,
    status,
    text_frame,
    titled,
)
from dashboards.charts.comparison_common import fit_legend
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.base import POST_TREATMENT
from dashboards.marts.outcomes import PROGRAM_OUTCOMES as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import ViewState
from pipelines.scoring.config import load_scoring_config

MART = "mart_program_outcomes"
WHAT = "episodes with both measurements"

_SCORING = load_scoring_config()
MODERATE_PERCENT = _SCORING.responder_moderate.value
SUBSTANTIAL_PERCENT = _SCORING.responder_substantial.value

# Rate column -> (label, colour, bar pattern): each bar has its own fill pattern as well
# as its colour, so the four are told apart without colour (WCAG 1.4.1). The IMMPACT
# labels carry the configured shares.
RATES = {
    "reliable_improvement_rate": ("Reliable improvement", OKABE_ITO["blue"], ""),
    "immpact_moderate_responder_rate": (
        f"{MODERATE_PERCENT:g}% or more better",
        OKABE_ITO["bluish_green"],
        ".",
    ),
    "immpact_substantial_responder_rate": (
        f"{SUBSTANTIAL_PERCENT:g}% or more better",
        OKABE_ITO["sky_blue"],
        "x",
    ),
    "reliable_deterioration_rate": ("Reliable deterioration", OKABE_ITO["vermillion"], "/"),
}

CSV_COLUMNS = (
    "program_id",
    "program_name",
    "delivery_mode",
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "n_paired",
    "n_reliable_improvement",
    "reliable_improvement_rate",
    "n_reliable_deterioration",
    "reliable_deterioration_rate",
    "n_immpact_moderate_responder",
    "immpact_moderate_responder_rate",
    "n_immpact_substantial_responder",
    "immpact_substantial_responder_rate",
)


def process_data(df: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Post-treatment rows of the outcome for the programs in view, most responders first."""
    require_suppressed(df, SUPPRESSION)
    if filters.outcome is None:
        raise ValueError("the responder chart needs an outcome")
    return (
        df.filter(
            pl.col("timepoint") == POST_TREATMENT,
            pl.col("instrument") == filters.outcome.instrument,
            pl.col("scale") == filters.outcome.scale,
            pl.col("delivery_mode").is_in(list(filters.modes)),
            pl.col("program_id").is_in(list(filters.programs)),
        )
        .with_columns(status("n_paired", "immpact_moderate_responder_rate"))
        .sort(
            pl.col("status") != Status.SHOWN.value,
            pl.col("immpact_moderate_responder_rate"),
            pl.col("program_name"),
            descending=[False, True, False],
            nulls_last=True,
        )
    )


def reliable_change_published(data: pl.DataFrame) -> bool:
    """Whether this outcome has a reliable-change threshold (a published reliability)."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    return bool(shown["reliable_improvement_rate"].is_not_null().any())


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Grouped horizontal bars: one group per program, one bar per rate."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return no_data_figure(
            "No program matches the filters."
            if data.is_empty()
            else "No program has enough episodes with both measurements to show."
        )
    figure = go.Figure()
    for column, (label, colour, pattern) in RATES.items():
        values = shown[column].to_list()
        if all(v is None for v in values):
            continue
        figure.add_trace(
            go.Bar(
                x=values,
                y=shown["program_name"].to_list(),
                orientation="h",
                name=label,
                marker={"color": colour, "pattern": {"shape": pattern}},
                hovertemplate=f"<b>%{{y}}</b><br>{label}: %{{x:.0%}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group", bargap=0.25)
    figure.update_xaxes(title="Share of episodes with both measurements", tickformat=".0%")
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=shown["program_name"].to_list(),
        autorange="reversed",
        title=None,
    )
    notes = [omitted_note(data, "program_name", WHAT)]
    if not reliable_change_published(data):
        notes.insert(0, "No reliable-change threshold is published for this outcome.")
    # Four rates make two rows of legend: room for both below the subtitle.
    return fit_legend(
        titled(
            figure,
            f"Responders: {data['outcome_label'][0]}",
            "Share of episodes improving or deteriorating by post-treatment",
            " ".join(filter(None, notes)),
            220 + 64 * shown.height,
        )
    )


def summarise(data: pl.DataFrame) -> str:
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return (
            "No program matches the filters."
            if data.is_empty()
            else "No program has enough episodes with both measurements to show."
        )
    items = []
    for row in shown.iter_rows(named=True):
        parts = [
            f"{label.lower()} {percent(row[column])}"
            for column, (label, _, _) in RATES.items()
            if row[column] is not None
        ]
        items.append(f"{row['program_name']}: " + ", ".join(parts))
    return " ".join(
        filter(
            None,
            [
                f"{data['outcome_label'][0]}, share of episodes with both measurements at "
                "post-treatment: " + "; ".join(items) + ".",
                omitted_note(data, "program_name", WHAT),
            ],
        )
    )


def about(
    rules: SuppressionRules,
    mart_comment: str | None,
    moderate_percent: float,
    substantial_percent: float,
) -> list[str]:
    """The IMMPACT percentages are config/scoring.yaml's immpact_responder values."""
    paragraphs = [
        "For each program, among episodes with both a baseline and a post-treatment score: "
        "the share with a reliable improvement and with a reliable deterioration "
        "(Jacobson-Truax reliable change index, thresholds in the warehouse table "
        "int_change_parameters), and the share improving by at least "
        f"{level(moderate_percent / 100)} and at least {level(substantial_percent / 100)} "
        "of their baseline score (IMMPACT moderate and substantial improvement).",
        f"Source: the warehouse table {MART}, at post-treatment.",
        f"Privacy: a rate is not shown when its program has 1 to {rules.threshold - 1} "
        "episodes with both measurements, when its own count is that small, or when the "
        "program is hidden so that a small one cannot be worked out from a total.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "n_paired": "Paired n",
    **{column: label for column, (label, _, _) in RATES.items()},
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"program_name"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, list(TABLE_HEADERS), percents=tuple(RATES))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.OUTCOME, Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), MODERATE_PERCENT, SUBSTANTIAL_PERCENT)


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.program_outcomes(), view.state))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
