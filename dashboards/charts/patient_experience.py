"""What patients say of their care at discharge, per questionnaire item, for one unit.

Reads `mart_patient_experience` (one row per reporting unit and item of the NHS Talking
Therapies treatment Patient Experience Questionnaire, contract v2 only): per item the
share of discharged episodes that answered and the distribution of answers, never to
all of the time. The items are all worded so that more often is better care; no total
score is formed because none is published. Only contract v2 programs send the
questionnaire, so the chart says how many programs and episodes it rests on. Input
frames must be the suppressed mart (`Marts.patient_experience`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    no_data_figure,
    of_unit,
    percent,
    require_suppressed,
    rests_on,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.comparison_common import fit_legend
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.context import ANSWERS
from dashboards.marts.context import PATIENT_EXPERIENCE as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.view_state import Unit

MART = "mart_patient_experience"

# Answer count column -> (label, colour): a diverging blue-orange scale, light in the
# middle, so "never" and "all of the time" read apart without a legend.
ANSWER_STYLES = {
    "n_never": ("Never", "#B35806"),
    "n_rarely": ("Rarely", "#F1A340"),
    "n_sometimes": ("Sometimes", "#D9D9D9"),
    "n_most_of_the_time": ("Most of the time", "#6BAED6"),
    "n_all_of_the_time": ("All of the time", "#08519C"),
}
OFTEN = ("n_most_of_the_time", "n_all_of_the_time")

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "item_number",
    "item_label",
    "n_programs",
    "n_discharged",
    "n_answered",
    "share_answering",
    "mean_answer",
    *ANSWERS,
)


def process_data(df: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """The unit's items in order, each answer's share of those answering, and how many
    answered most or all of the time (null wherever a count it needs is hidden)."""
    require_suppressed(df, SUPPRESSION)
    rows = with_unit_names(df.filter(of_unit(unit))).sort("item_number")
    answered = pl.col("n_answered")
    return rows.with_columns(
        *[
            pl.when(answered > 0).then(pl.col(a) / answered).alias(f"share_{a[2:]}")
            for a in ANSWERS
        ],
        pl.when(answered > 0).then(pl.sum_horizontal(OFTEN) / answered).alias("share_often"),
        (
            ~pl.col("share_answering" + SUPPRESSED_SUFFIX) & pl.col("share_answering").is_not_null()
        ).alias("shown"),
    ).with_columns(
        # A sum over a hidden count is not a number to show.
        pl.when(pl.any_horizontal(pl.col(c).is_null() for c in OFTEN))
        .then(None)
        .otherwise(pl.col("share_often"))
        .alias("share_often"),
        (pl.col("item_number").cast(pl.String) + ". " + pl.col("item_label")).alias("item_name"),
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """One bar per item: the answers' shares of those answering, stacked to 100%."""
    if data.is_empty():
        return no_data_figure("No contract v2 discharged episodes for this unit.")
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return no_data_figure("Too few discharged episodes to show patients' experience.")
    labels = [
        f"{name} ({percent(share)} answered)"
        for name, share in shown.select("item_name", "share_answering").rows()
    ]
    figure = go.Figure()
    for answer, (label, colour) in ANSWER_STYLES.items():
        figure.add_trace(
            go.Bar(
                x=shown[f"share_{answer[2:]}"].to_list(),
                y=labels,
                orientation="h",
                name=label,
                marker={"color": colour},
                hovertemplate=f"<b>%{{y}}</b><br>{label}: %{{x:.0%}} of answers<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title="Share of those answering", tickformat=".0%", range=[0, 1])
    figure.update_yaxes(autorange="reversed", title=None)
    titled(
        figure,
        f"Patients' experience at discharge: {data['unit_name'][0]}",
        "Answers to each questionnaire item (contract v2 episodes)",
        _rests_on(data) + " A gap in a bar is an answer count hidden to protect privacy.",
        220 + 44 * shown.height,
    )
    # Legend in the answers' order, never to all of the time (Plotly reverses stacks).
    figure.update_layout(legend={"traceorder": "normal"})
    return fit_legend(figure, per_row=3)


def _rests_on(data: pl.DataFrame) -> str:
    """ "Rests on 3 programs and 900 discharged contract v2 episodes." """
    row = data.row(0, named=True)
    return rests_on(row["n_programs"], row["n_discharged"], "discharged contract v2 episodes")


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No contract v2 discharged episodes for this unit."
    name = data["unit_name"][0]
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return f"{name}: too few discharged episodes to show patients' experience."
    items = [
        f"{row['item_label']}: {percent(row['share_answering'])} answered"
        + (
            f", {percent(row['share_often'])} most or all of the time"
            if row["share_often"] is not None
            else ""
        )
        for row in shown.iter_rows(named=True)
    ]
    return f"{name}: {_rests_on(data)} " + "; ".join(items) + "."


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Each bar is one item of the NHS Talking Therapies treatment Patient Experience "
        "Questionnaire, answered at discharge: how often staff listened, the service "
        "helped, the patient was involved in choices, got the help that mattered and "
        "trusted the therapist's skills. Bars show each answer's share of those who "
        "answered; the label gives the share of discharged episodes that answered at "
        "all, since a low response can hide the least satisfied.",
        "Only programs that send contract v2 deliveries collect the questionnaire, so the "
        "figures rest on those programs alone; the footnote says how many.",
        f"Source: the warehouse table {MART}, one row per reporting unit and item.",
        f"Privacy: a count of 1 to {rules.threshold - 1} is not shown, nor is a count that "
        "would let one be worked out from a total; a share is hidden with its count.",
    ]
    if mart_comment:
        paragraphs.insert(3, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "item_name": "Item",
    "n_discharged": "Discharged",
    "n_answered": "Answered",
    "share_answering": "Share answering",
    **{answer: label for answer, (label, _) in ANSWER_STYLES.items()},
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"item_name"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, percents=("share_answering",))
    return text.select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.patient_experience(), view.unit))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
