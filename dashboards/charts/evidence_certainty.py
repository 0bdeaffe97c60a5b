"""How much to trust each result: GRADE-style certainty with its reasons per domain.

Reads `mart_evidence_certainty` (one row per primary comparison and per pooled effect,
DerSimonian-Laird): observational evidence starts low and is rated down 0-2 levels per
domain (risk of bias, inconsistency, imprecision, indirectness), each downgrade with its
reasons. The heatmap shows the levels removed per domain; the overall certainty and the
verdict graded are written beside each row. Input frames must be the suppressed mart
(`Marts.evidence_certainty`): a rating is hidden wherever its result is.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    Status,
    level,
    no_data_figure,
    ordered_modes,
    reasons,
    require_suppressed,
    text_frame,
    titled,
)
from dashboards.charts.comparison_common import (
    ALL_PROGRAMS,
    mode_subject_name,
    subgroup_name,
    title,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.effectiveness import EVIDENCE_CERTAINTY as SUPPRESSION
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR
from dashboards.view_state import ViewState

MART = "mart_evidence_certainty"
WHAT = "analysed episodes"
DOMAINS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "imprecision": "Imprecision",
    "indirectness": "Indirectness",
}
# Levels removed -> cell colour; the number is written in every cell, so colour is never
# the only cue (WCAG 1.4.1).
LEVEL_COLOURS = ("#FFFFFF", OKABE_ITO["yellow"], OKABE_ITO["orange"])

CSV_COLUMNS = (
    "evidence_id",
    "evidence_type",
    "subject_id",
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "comparator_level",
    "verdict",
    "start_level",
    *[f"{d}_{part}" for d in DOMAINS for part in ("downgrade", "reasons")],
    "certainty",
    "reasons",
)


def _status() -> pl.Expr:
    counts = ("n_program_analysed", "n_comparator_analysed")
    small = pl.any_horizontal(
        pl.col(c + SUPPRESSED_SUFFIX) & pl.col(c + SMALL_SUFFIX) for c in counts
    )
    return (
        pl.when(small)
        .then(pl.lit(Status.SMALL.value))
        .when(pl.col("certainty" + SUPPRESSED_SUFFIX))
        .then(pl.lit(Status.COMPLEMENTARY.value))
        .when(pl.col("certainty").is_null())
        .then(pl.lit(Status.NO_ESTIMATE.value))
        .otherwise(pl.lit(Status.SHOWN.value))
        .alias("status")
    )


def process_data(df: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Ratings of the outcome and timepoint: pooled effects first, then each mode's programs
    and the mode's own comparison, for the modes and programs in view."""
    require_suppressed(df, SUPPRESSION)
    if filters.outcome is None or filters.timepoint is None:
        raise ValueError("the certainty chart needs an outcome and a timepoint")
    modes = list(filters.modes)
    pooled = pl.col("evidence_type") == "pooled"
    rows = df.filter(
        pl.col("instrument") == filters.outcome.instrument,
        pl.col("scale") == filters.outcome.scale,
        pl.col("timepoint") == filters.timepoint,
        (pooled & pl.col("subject_id").is_in([ALL_PROGRAMS, *modes]))
        | (
            ~pooled
            & pl.col("delivery_mode").is_in(modes)
            & (
                (pl.col("subject_type") == "delivery_mode")
                | pl.col("subject_id").is_in(list(filters.programs))
            )
        ),
    )
    order = ordered_modes(modes)
    names = []
    for kind, subject_type, subject, name in rows.select(
        "evidence_type", "subject_type", "subject_id", "subject_name"
    ).rows():
        if kind == "pooled":
            names.append(f"{subgroup_name(subject)} (pooled)")
        elif subject_type == "delivery_mode":
            names.append(mode_subject_name(subject))
        else:
            names.append(name or subject)
    group = (
        pl.when(pooled)
        .then(-1)
        .otherwise(
            pl.col("delivery_mode").replace_strict(
                {m: i for i, m in enumerate(order)}, default=len(order)
            )
        )
    )
    pooled_order = (
        pl.when(pl.col("subject_id") == ALL_PROGRAMS)
        .then(-1)
        .otherwise(
            pl.col("subject_id").replace_strict(
                {m: i for i, m in enumerate(order)}, default=len(order)
            )
        )
    )
    return (
        rows.with_columns(_status(), pl.Series("name", names, dtype=pl.String))
        .with_columns(
            group.alias("_group"),
            pl.when(pooled).then(pooled_order).otherwise(0).alias("_pooled"),
            (pl.col("subject_type") == "delivery_mode").alias("_mode_row"),
        )
        .sort("_group", "_pooled", "_mode_row", "subject_id")
        .drop("_group", "_pooled", "_mode_row")
    )


def _omitted(data: pl.DataFrame) -> str:
    hidden = data.filter(pl.col("status") != Status.SHOWN.value)
    if hidden.is_empty():
        return ""
    why = reasons(WHAT)
    parts = [
        f"{row['name']} ({why[Status(row['status'])]})" for row in hidden.iter_rows(named=True)
    ]
    return "Not rated here: " + "; ".join(parts) + "."


def _verdict(row: dict) -> str:
    return row["verdict"] or "no verdict shown"


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Levels removed per domain (cells), with certainty and verdict beside each row."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return no_data_figure(
            "No rated result matches the filters."
            if data.is_empty()
            else "No rating can be shown for these results."
        )
    z = [[row[f"{d}_downgrade"] for d in DOMAINS] for row in shown.iter_rows(named=True)]
    hover = [
        [row[f"{d}_reasons"] or "not rated down" for d in DOMAINS]
        for row in shown.iter_rows(named=True)
    ]
    scale = [[i / 2, colour] for i, colour in enumerate(LEVEL_COLOURS)]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=list(DOMAINS.values()),
            y=shown["name"].to_list(),
            zmin=0,
            zmax=2,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
            text=[[f"\u2212{v}" if v else "0" for v in row] for row in z],
            texttemplate="%{text}",
            textfont={"color": TEXT_COLOUR, "size": 14},
            customdata=hover,
            hovertemplate="<b>%{y}</b><br>%{x}: %{text} levels<br>%{customdata}<extra></extra>",
        )
    )
    for row in shown.iter_rows(named=True):
        figure.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            xshift=8,
            y=row["name"],
            yref="y",
            text=f"<b>{row['certainty']}</b> \u00b7 {_verdict(row)}",
            showarrow=False,
            font={"size": 12},
        )
    figure.update_yaxes(autorange="reversed", title=None)
    figure.update_xaxes(side="top", title=None)
    figured = titled(
        figure,
        title(data),
        "Levels of certainty removed per GRADE domain (from low, observational); overall "
        "certainty and the verdict graded on the right",
        _omitted(data),
        240 + 34 * shown.height,
    )
    figured.update_layout(margin={"r": 240})
    return figured


def summarise(data: pl.DataFrame) -> str:
    label = title(data)
    if data.is_empty():
        return f"{label}: no rated result matches the filters."
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    items = []
    for row in shown.iter_rows(named=True):
        downs = [
            f"{DOMAINS[d].lower()} \u2212{row[f'{d}_downgrade']}"
            for d in DOMAINS
            if row[f"{d}_downgrade"]
        ]
        items.append(
            f"{row['name']}: {row['certainty']} certainty ({_verdict(row)}"
            + (f"; rated down for {', '.join(downs)}" if downs else "")
            + ")"
        )
    counts = shown["certainty"].value_counts(sort=True)
    tally = ", ".join(f"{n} {level}" for level, n in counts.rows())
    sentences = [
        f"{label}, certainty of evidence for {shown.height} results ({tally}): "
        + "; ".join(items)
        + "."
        if items
        else f"{label}: no rating can be shown.",
        _omitted(data),
    ]
    return " ".join(s for s in sentences if s)


def about(
    rules: SuppressionRules,
    mart_comment: str | None,
    completeness_min: float,
    i2_serious: float,
) -> list[str]:
    """`completeness_min`, `i2_serious` (percent): ref_effectiveness_thresholds'
    follow_up_completeness_min and i2_serious."""
    paragraphs = [
        "Certainty of each comparison with in-person CBT and of each pooled effect, modelled "
        "on GRADE: observational evidence starts at low and is rated down one level per "
        "concern, at most two per domain, and rated up for a large effect when nothing rated "
        "it down. Each cell shows the levels removed in one domain; hover for the reasons, "
        "or read them in the table.",
        "Risk of bias: a verdict (or a CI's relation to no difference) that changes when "
        "missing outcomes are imputed, outcomes missing for more than "
        f"{level(1 - completeness_min)} of due episodes where no imputation exists, or "
        "residual imbalance. Inconsistency (pooled effects only): I\u00b2 above "
        f"{level(i2_serious / 100)} or a prediction interval spanning inferior and better "
        "programs. Imprecision: a CI crossing the non-inferiority margin or, without an "
        "MCID, including no difference, or too few episodes to detect an important "
        "difference. Indirectness: a national or benchmark-only comparator, or populations "
        "that barely overlap (equipoise failed). Large effect: the responders' risk ratio "
        "beyond the configured limit (GRADE 9).",
        f"Source: the warehouse table {MART}; rules in docs/methods-effectiveness.md.",
        f"Privacy: a rating is hidden with the result it rates (an arm of 1 to "
        f"{rules.threshold - 1} analysed episodes, or a program hidden so that such a "
        "program cannot be worked out from a total).",
    ]
    if mart_comment:
        paragraphs.insert(3, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "name": "Result",
    "verdict": "Verdict graded",
    "certainty": "Certainty",
    **{f"{d}_downgrade": DOMAINS[d] for d in DOMAINS},
    "reasons": "Reasons",
}
NUMERIC_COLUMNS = frozenset(f"{d}_downgrade" for d in DOMAINS)


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules)
    hidden = (rules.small_label, rules.suppressed_label)
    return (
        text.with_columns(
            pl.when(pl.col(c).is_in(hidden) | (pl.col(c) == "0"))
            .then(pl.col(c))
            .otherwise(pl.lit("\u2212") + pl.col(c))
            .alias(c)
            for c in (f"{d}_downgrade" for d in DOMAINS)
        )
        .with_columns(
            pl.when(pl.col("verdict") == MISSING)
            .then(pl.lit("no verdict shown"))
            .otherwise(pl.col("verdict"))
            .alias("verdict"),
            pl.col("reasons").replace("", MISSING),
        )
        .select(list(TABLE_HEADERS))
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=2)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset(
    {Control.OUTCOME, Control.TIMEPOINT, Control.MODES, Control.PROGRAMS}
)


def describe(marts: Marts) -> list[str]:
    return about(
        marts.rules,
        marts.comment(MART),
        marts.reference_value("ref_effectiveness_thresholds", "follow_up_completeness_min"),
        marts.reference_value("ref_effectiveness_thresholds", "i2_serious"),
    )


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.evidence_certainty(), view.state))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
