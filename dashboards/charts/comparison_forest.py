"""Forest plot: each program and delivery mode against in-person CBT, for one outcome.

Reads `mart_comparisons` (one row per subject, outcome, timepoint and comparator level):
the overlap-weighted ANCOVA difference in change with its CI, program minus
in-person CBT, on the primary comparator (local where the province has in-person CBT,
else national, flagged indirect), with the national sensitivity comparison beside a
local one. Beside each row the mart's `verdict_display`: the non-inferiority verdict
when every diagnostic passed, otherwise the failed diagnostics, never a bare verdict.
Input frames must be the suppressed mart (`Marts.comparisons`). The intervals' level is
the snapshot's confidence_level, carried in the frame (`confidence_of`).
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
    ordered_modes,
    points,
    require_suppressed,
    status,
    text_frame,
    titled,
)
from dashboards.charts.comparison_common import (
    comparator_text,
    difference_axis_title,
    direction_note,
    fit_legend,
    margin_position,
    mode_order,
    not_drawn_reason,
    subject_names,
    verdict_label,
)
from dashboards.charts.comparison_common import title as outcome_title
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.effectiveness import COMPARISONS as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR, mode_label, mode_style
from dashboards.view_state import ViewState

MART = "mart_comparisons"
WHAT = "analysed episodes"

CSV_COLUMNS = (
    "comparison_id",
    "subject_type",
    "subject_id",
    "subject_name",
    "delivery_mode",
    "province",
    "program_status",
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "comparator_level",
    "comparator_province",
    "comparator_programs",
    "is_primary",
    "is_indirect",
    "n_program_due",
    "n_program_analysed",
    "n_comparator_analysed",
    "program_completeness",
    "program_mean_change",
    "comparator_mean_change",
    "crude_difference",
    "adjusted_difference",
    "adjusted_se",
    "adjusted_ci_low",
    "adjusted_ci_high",
    "hedges_g",
    "hedges_g_ci_low",
    "hedges_g_ci_high",
    "max_abs_smd_before",
    "max_abs_smd_after",
    "fraction_in_equipoise",
    "minimum_detectable_difference",
    "mcid_points",
    "noninferiority_margin",
    "verdict",
    "verdict_display",
    "sensitivity_difference",
    "sensitivity_ci_low",
    "sensitivity_ci_high",
    "sensitivity_verdict",
    "confidence_level",
)


def process_data(df: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """The outcome's comparisons at the timepoint for the modes and programs in view.

    One row per primary comparison, each followed by its national sensitivity row where
    the primary one is local; programs grouped by delivery mode (in the contract's order),
    each mode's own comparison after its programs. Every row has a `status`.
    """
    require_suppressed(df, SUPPRESSION)
    if filters.outcome is None or filters.timepoint is None:
        raise ValueError("the forest plot needs an outcome and a timepoint")
    rows = df.filter(
        pl.col("instrument") == filters.outcome.instrument,
        pl.col("scale") == filters.outcome.scale,
        pl.col("timepoint") == filters.timepoint,
        pl.col("delivery_mode").is_in(list(filters.modes)),
        (pl.col("subject_type") == "delivery_mode")
        | pl.col("subject_id").is_in(list(filters.programs)),
    )
    is_mode = pl.col("subject_type") == "delivery_mode"
    return (
        rows.with_columns(
            status("n_program_analysed", "adjusted_difference"),
            subject_names(rows),
            mode_order(rows).alias("_mode_order"),
            is_mode.alias("_is_mode"),
        )
        .with_columns(
            pl.struct("comparator_level", "is_indirect", "is_primary")
            .map_elements(
                lambda r: (
                    comparator_text(r["comparator_level"], r["is_indirect"])
                    + ("" if r["is_primary"] else ", sensitivity")
                ),
                return_dtype=pl.String,
            )
            .alias("comparator"),
            verdict_label("verdict_display").alias("verdict_label"),
        )
        .sort(
            "_mode_order",
            "_is_mode",
            "subject_id",
            pl.col("is_primary"),
            descending=[False, False, False, True],
        )
        .drop("_mode_order", "_is_mode")
    )


def primary(data: pl.DataFrame) -> pl.DataFrame:
    return data.filter(pl.col("is_primary"))


def omitted(data: pl.DataFrame) -> str:
    """Primary comparisons not drawn, each with why (failed diagnostics named)."""
    hidden = primary(data).filter(pl.col("status") != Status.SHOWN.value)
    if hidden.is_empty():
        return ""
    parts = [
        f"{row['name']} ({not_drawn_reason(row['status'], row['verdict_display'], WHAT)})"
        for row in hidden.iter_rows(named=True)
    ]
    return "Not shown: " + "; ".join(parts) + "."


def _margin(data: pl.DataFrame) -> float | None:
    margins = data["noninferiority_margin"].drop_nulls()
    return margins[0] if margins.len() else None


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Difference with its CI per primary comparison, margin and zero drawn, verdicts beside."""
    main = primary(data)
    shown = main.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return no_data_figure(
            "No comparison matches the filters."
            if main.is_empty()
            else "No comparison has an estimate that can be shown."
        )
    higher_is_better = bool(shown["higher_is_better"][0])
    ci = ci_name(confidence_of(data))
    figure = go.Figure()
    for mode in ordered_modes(shown["delivery_mode"].to_list()):
        for indirect in (False, True):
            rows = shown.filter(pl.col("delivery_mode") == mode, pl.col("is_indirect") == indirect)
            if rows.is_empty():
                continue
            style = mode_style(mode)
            figure.add_trace(
                go.Scatter(
                    x=rows["adjusted_difference"].to_list(),
                    y=rows["name"].to_list(),
                    mode="markers",
                    name=mode_label(mode) + (", indirect" if indirect else ""),
                    marker={
                        "color": style.colour,
                        "symbol": style.symbol + ("-open" if indirect else ""),
                        "size": 12,
                        "line": {"width": 2, "color": style.colour},
                    },
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": (rows["adjusted_ci_high"] - rows["adjusted_difference"]).to_list(),
                        "arrayminus": (
                            rows["adjusted_difference"] - rows["adjusted_ci_low"]
                        ).to_list(),
                        "color": style.colour,
                        "thickness": 2,
                        "width": 6,
                    },
                    customdata=rows.select(
                        "adjusted_ci_low",
                        "adjusted_ci_high",
                        "n_program_analysed",
                        "n_comparator_analysed",
                        "comparator",
                        "verdict_label",
                    ).rows(),
                    hovertemplate=(
                        "<b>%{y}</b><br>Difference %{x:.2f} "
                        f"({ci} %{{customdata[0]:.2f}} to %{{customdata[1]:.2f}})<br>"
                        "%{customdata[2]} program and %{customdata[3]} in-person episodes<br>"
                        "Comparator: %{customdata[4]}<br>%{customdata[5]}<extra></extra>"
                    ),
                )
            )
    sensitivity = data.filter(~pl.col("is_primary"), pl.col("status") == Status.SHOWN.value)
    sensitivity = sensitivity.filter(pl.col("name").is_in(shown["name"].to_list()))
    if sensitivity.height:
        figure.add_trace(
            go.Scatter(
                x=sensitivity["adjusted_difference"].to_list(),
                y=sensitivity["name"].to_list(),
                mode="markers",
                name="National cohort (sensitivity)",
                marker={"color": TEXT_COLOUR, "symbol": "x-thin-open", "size": 10},
                marker_line={"width": 2, "color": TEXT_COLOUR},
                customdata=sensitivity.select("adjusted_ci_low", "adjusted_ci_high").rows(),
                hovertemplate=(
                    "<b>%{y}</b><br>National sensitivity %{x:.2f} "
                    f"({ci} %{{customdata[0]:.2f}} to %{{customdata[1]:.2f}})<extra></extra>"
                ),
            )
        )
    margin = margin_position(_margin(data), higher_is_better)
    ends = [0.0, *shown["adjusted_ci_low"].drop_nulls(), *shown["adjusted_ci_high"].drop_nulls()]
    ends += sensitivity["adjusted_difference"].to_list()
    if margin is not None:
        ends.append(margin)
        figure.add_vline(
            x=margin,
            line={"color": OKABE_ITO["vermillion"], "dash": "dash", "width": 2},
            annotation={"text": "non-inferiority margin", "font": {"size": 12}},
            annotation_position="top",
        )
    figure.add_vline(x=0, line={"color": TEXT_COLOUR, "width": 1})
    pad = 0.08 * ((max(ends) - min(ends)) or 1.0)
    order = main["name"].unique(maintain_order=True).to_list()
    drawn = [name for name in order if name in set(shown["name"])]
    # One update with every verdict label: add_annotation copies the whole list each time.
    verdicts = [
        {
            "x": 1.0,
            "xref": "paper",
            "xanchor": "left",
            "xshift": 8,
            "y": row["name"],
            "yref": "y",
            "text": row["verdict_label"],
            "showarrow": False,
            "align": "left",
            "font": {"size": 12},
        }
        for row in shown.iter_rows(named=True)
    ]
    figure.update_layout(annotations=[*figure.layout.annotations, *verdicts])
    figure.update_yaxes(categoryorder="array", categoryarray=drawn, autorange="reversed")
    figure.update_xaxes(
        title=difference_axis_title(
            "adjusted difference, program minus in-person CBT (points)", higher_is_better
        ),
        title_font={"size": 13},
        range=[min(ends) - pad, max(ends) + pad],
    )
    figure.update_layout(showlegend=True)
    notes = [direction_note(higher_is_better)]
    if margin is None:
        notes.append("This outcome has no published MCID, so no margin and no verdict.")
    notes.append(omitted(data))
    figured = titled(
        figure,
        outcome_title(data),
        f"Adjusted difference from in-person CBT with {ci}; verdict or failed diagnostics "
        "on the right",
        " ".join(n for n in notes if n),
        260 + 44 * len(drawn),
    )
    figured.update_layout(margin={"r": 260})
    return fit_legend(figured)


def summarise(data: pl.DataFrame) -> str:
    """The chart in words: each drawn comparison with its interval and verdict."""
    title = outcome_title(data)
    main = primary(data)
    if main.is_empty():
        return f"{title}: no comparison matches the filters."
    shown = main.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return f"{title}: none of {main.height} comparisons can be shown. {omitted(data)}"
    ci = ci_name(confidence_of(data))
    items = [
        f"{row['name']} {points(row['adjusted_difference'], 2)} "
        f"({ci} {points(row['adjusted_ci_low'], 2)} to {points(row['adjusted_ci_high'], 2)}; "
        f"{row['comparator']}): {row['verdict_label']}"
        for row in shown.iter_rows(named=True)
    ]
    sentences = [
        f"{title}, adjusted difference in change from in-person CBT for {shown.height} of "
        f"{main.height} comparisons: " + "; ".join(items) + ".",
        direction_note(bool(shown["higher_is_better"][0])),
    ]
    margin = _margin(data)
    if margin is not None:
        sentences.append(f"The non-inferiority margin is {margin:g} points.")
    sentences.append(omitted(data))
    return " ".join(s for s in sentences if s)


def about(
    rules: SuppressionRules, mart_comment: str | None, confidence: float, margin_fraction: float
) -> list[str]:
    paragraphs = [
        "Each row compares one program, or every program of a delivery mode together, with "
        "in-person CBT: the difference in change from baseline, program minus in-person, "
        "after overlap weighting on case mix and adjustment for baseline score, age band, sex "
        f"and rurality (ANCOVA on completers), with its {level(confidence)} confidence "
        f"interval. The dashed line is the non-inferiority margin, {margin_fraction:g} times "
        "the outcome's minimal clinically important difference, on the side where the "
        "program does worse.",
        "Comparator: the province's own in-person cohort where there is one (local), else "
        "the national cohort, marked with an open marker because it is an indirect "
        "comparison. For a local comparison the national one is drawn beside it as a "
        "sensitivity analysis (x).",
        "The verdict (superior, non-inferior, inferior, inconclusive) is shown only when "
        "every diagnostic passed (sample size, variance, covariate balance, equipoise, "
        "detectable difference, a published margin); otherwise the failed diagnostics are "
        "named instead.",
        f"Source: the warehouse table {MART}; methods in docs/methods-effectiveness.md. The "
        "dashboard shows the published numbers and does not recompute them.",
        f"Privacy: a comparison is not shown when either arm has 1 to {rules.threshold - 1} "
        "analysed episodes, or when the program is hidden on the Outcomes page so that a "
        "small program cannot be worked out from its delivery mode's total (this page shows "
        "those totals in the delivery-mode rows).",
    ]
    if mart_comment:
        paragraphs.insert(4, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "name": "Program or mode",
    "comparator": "Comparator",
    "n_program_due": "Due n",
    "n_program_analysed": "Program n",
    "program_completeness": "Completeness",
    "n_comparator_analysed": "In-person n",
    "adjusted_difference": "Difference",
    "adjusted_ci": "CI",
    "hedges_g": "Hedges' g",
    "noninferiority_margin": "Margin",
    "verdict_display": "Verdict",
}
NUMERIC_COLUMNS = frozenset(
    {
        "n_program_due",
        "n_program_analysed",
        "program_completeness",
        "n_comparator_analysed",
        "adjusted_difference",
        "adjusted_ci",
        "hedges_g",
        "noninferiority_margin",
    }
)


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "adjusted_ci")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """Every row of the chart, sensitivity rows included, with suppression labels."""
    text = text_frame(data, SUPPRESSION, rules, decimals=2).with_columns(
        text_frame(data, SUPPRESSION, rules, decimals=0, percents=("program_completeness",))[
            "program_completeness"
        ]
    )
    markers = [rules.small_label, rules.suppressed_label, MISSING, ""]
    ci = [
        ci_text(low, high, markers)
        for low, high in text.select("adjusted_ci_low", "adjusted_ci_high").iter_rows()
    ]
    return text.with_columns(
        pl.Series("adjusted_ci", ci, dtype=pl.String),
        pl.col("noninferiority_margin").cast(pl.String).fill_null(MISSING),
        verdict_label("verdict_display"),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset(
    {Control.OUTCOME, Control.TIMEPOINT, Control.MODES, Control.PROGRAMS}
)


def describe(marts: Marts) -> list[str]:
    margin_fraction = marts.reference_value("ref_effectiveness_thresholds", "margin_mcid_fraction")
    return about(marts.rules, marts.comment(MART), configured_confidence(marts), margin_fraction)


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.comparisons(), view.state)
    headers = table_headers(configured_confidence(marts))
    return ChartData(data, data, headers=headers)


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
