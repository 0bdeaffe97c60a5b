"""Dose and response: post-treatment change by the share of the program completed.

Reads `mart_dose_response` (one row per reporting unit, change-outcome scale and dose
band of ref_dose_bands). Descriptive: dose is not randomised, and patients who improve
may also engage more, so a slope is an association. Input frames must be the suppressed
mart (`Marts.dose_response`); the whiskers' level is the snapshot's confidence_level,
carried in the frame (`confidence_of`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    Status,
    ci_name,
    ci_text,
    confidence_of,
    configured_confidence,
    level,
    level_headers,
    no_data_figure,
    of_unit,
    omitted_note,
    points,
    require_suppressed,
    status,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing, require_outcome
from dashboards.marts import Marts
from dashboards.marts.engagement import DOSE_RESPONSE as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import OutcomeKey, Unit

MART = "mart_dose_response"
WHAT = "episodes with both measurements"

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "instrument",
    "scale",
    "outcome_label",
    "dose_band",
    "n_baseline",
    "n_paired",
    "mean_change",
    "change_sd",
    "change_ci_low",
    "change_ci_high",
    "confidence_level",
    "n_reliable_improvement",
    "reliable_improvement_rate",
)


def process_data(df: pl.DataFrame, unit: Unit, outcome: OutcomeKey) -> pl.DataFrame:
    """One row per dose band of the unit and outcome, lowest dose first, with `status`."""
    require_suppressed(df, SUPPRESSION)
    rows = df.filter(
        of_unit(unit), pl.col("instrument") == outcome.instrument, pl.col("scale") == outcome.scale
    )
    return with_unit_names(rows).with_columns(status("n_paired", "mean_change")).sort("band_order")


def _direction(data: pl.DataFrame) -> str:
    if data["higher_is_better"][0]:
        return "Higher scores are better, so a positive change is an improvement."
    return "Lower scores are better, so a negative change is an improvement."


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Mean change (point) with its CI (whisker) per dose band, and the zero line."""
    if data.is_empty():
        return no_data_figure("This outcome is not measured for this unit.")
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return no_data_figure("Too few episodes with both measurements to show.")
    ci = ci_name(confidence_of(data))
    figure = go.Figure(
        go.Scatter(
            x=shown["dose_band"].to_list(),
            y=shown["mean_change"].to_list(),
            mode="markers+lines",
            line={"color": OKABE_ITO["blue"], "dash": "dot", "width": 1},
            marker={"color": OKABE_ITO["blue"], "size": 12},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (shown["change_ci_high"] - shown["mean_change"]).to_list(),
                "arrayminus": (shown["mean_change"] - shown["change_ci_low"]).to_list(),
                "color": OKABE_ITO["blue"],
                "thickness": 2,
                "width": 6,
            },
            customdata=shown.select(
                "change_ci_low", "change_ci_high", "n_paired", "reliable_improvement_rate"
            ).rows(),
            hovertemplate=(
                "<b>%{x} of the program completed</b><br>Mean change %{y:.1f} "
                f"({ci} %{{customdata[0]:.1f}} to %{{customdata[1]:.1f}})<br>"
                "%{customdata[2]} episodes<extra></extra>"
            ),
            name="Mean change",
        )
    )
    figure.add_hline(y=0, line={"color": "#212529", "width": 1})
    figure.update_xaxes(
        title="Share of planned modules or sessions completed",
        categoryorder="array",
        categoryarray=data["dose_band"].to_list(),
    )
    figure.update_yaxes(title="Mean change from baseline (points)")
    figure.update_layout(showlegend=False)
    first = data.row(0, named=True)
    return titled(
        figure,
        f"Dose and response: {first['outcome_label']}, {first['unit_name']}",
        "Mean change from baseline to post-treatment by share of the program completed",
        " ".join(filter(None, [_direction(data), omitted_note(data, "dose_band", WHAT)])),
        400,
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "This outcome is not measured for this unit."
    first = data.row(0, named=True)
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return (
            f"{first['outcome_label']}, {first['unit_name']}: too few episodes with both "
            "measurements to show by dose."
        )
    ci = ci_name(confidence_of(data))
    items = [
        f"{row['dose_band']} completed: {points(row['mean_change'])} points ({ci} "
        f"{points(row['change_ci_low'])} to {points(row['change_ci_high'])}), "
        f"{row['n_paired']} episodes"
        for row in shown.iter_rows(named=True)
    ]
    return " ".join(
        filter(
            None,
            [
                f"{first['outcome_label']}, {first['unit_name']}, mean change by share of the "
                "program completed: " + "; ".join(items) + ".",
                _direction(data),
                omitted_note(data, "dose_band", WHAT),
            ],
        )
    )


def about(rules: SuppressionRules, mart_comment: str | None, confidence: float) -> list[str]:
    paragraphs = [
        "Episodes are grouped by the share of their program's planned modules or sessions "
        "they completed (bands from ref_dose_bands); each point is the group's mean change "
        f"from baseline to post-treatment with its {level(confidence)} confidence interval.",
        f"Source: the warehouse table {MART}, one row per reporting unit, outcome and band.",
        "Reading it: this is an association. Dose is not randomised; people who improve "
        "may stay longer, and people who feel worse may stop.",
        f"Privacy: bands with 1 to {rules.threshold - 1} episodes with both measurements "
        "are not shown. Bands add up to a program's count on the Outcomes page and "
        "programs add up to their delivery mode, so further bands are hidden where a total "
        "would otherwise reveal a small one.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "dose_band": "Share completed",
    "n_paired": "Paired n",
    "mean_change": "Mean change",
    "change_ci": "CI",
    "reliable_improvement_rate": "Reliable improvement",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"dose_band"}


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "change_ci")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, percents=("reliable_improvement_rate",))
    markers = [rules.small_label, rules.suppressed_label, MISSING]
    ci = [
        ci_text(low, high, markers)
        for low, high in text.select("change_ci_low", "change_ci_high").iter_rows()
    ]
    return text.with_columns(pl.Series("change_ci", ci, dtype=pl.String)).select(
        list(TABLE_HEADERS)
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT, Control.OUTCOME})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), configured_confidence(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.dose_response(), view.unit, require_outcome(view))
    headers = table_headers(configured_confidence(marts))
    return ChartData(data, data, headers=headers)


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
