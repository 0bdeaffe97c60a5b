"""What goes with programs doing better: one-moderator meta-regressions across programs.

Reads `mart_meta_regression` (one row per outcome, timepoint, moderator and model term):
mixed-effects meta-regressions of the programs' adjusted differences from in-person
CBT on one program attribute at a time (therapist training in chronic pain, therapist
involvement, length, modules, alliance), with Knapp-Hartung CIs at the snapshot's
confidence_level (carried in the frame, `confidence_of`). An association
across about a dozen programs, not the effect of changing a program. The mart holds
no counts of patients (nothing to suppress); `registry` (`Marts.programs`)
names the reference level of therapist involvement.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    ci_name,
    confidence_of,
    configured_confidence,
    level,
    level_headers,
    no_data_figure,
    points,
    titled,
)
from dashboards.charts.comparison_common import title
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR
from dashboards.view_state import ViewState

MART = "mart_meta_regression"
INVOLVEMENT = "therapist_involvement"
MODERATORS = {
    "therapist_trained_in_chronic_pain": "Therapist trained in chronic pain (yes vs no)",
    INVOLVEMENT: "Therapist involvement",
    "length_weeks": "Program length (per week)",
    "module_count": "Number of modules (per module)",
    "alliance_mean": "Therapeutic alliance (per WAI-SR point)",
}

CSV_COLUMNS = (
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "moderator",
    "term",
    "label",
    "k",
    "programs",
    "programs_failing_equipoise",
    "coefficient",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "tau2_residual",
    "r2",
    "confidence_level",
)


def term_label(moderator: str, term: str, reference: str | None) -> str:
    """A model term in words, with its unit or the level it is compared with."""
    if moderator == INVOLVEMENT and "=" in term:
        involvement = term.split("=", 1)[1]
        versus = f" vs {reference}" if reference else " vs the reference level"
        return f"Therapist involvement: {involvement}{versus}"
    return MODERATORS.get(moderator, term.replace("_", " "))


def _reference_level(programs: str | None, registry: pl.DataFrame) -> str | None:
    """Therapist involvement's reference: the first level, alphabetically, in the model."""
    if not programs:
        return None
    levels = registry.filter(pl.col("program_id").is_in(programs.split(", ")))[INVOLVEMENT]
    return levels.drop_nulls().min() if levels.drop_nulls().len() else None


def process_data(df: pl.DataFrame, registry: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Moderator terms (intercepts left out) of the outcome and timepoint, in a fixed order."""
    if filters.outcome is None or filters.timepoint is None:
        raise ValueError("the meta-regression chart needs an outcome and a timepoint")
    rows = df.filter(
        pl.col("instrument") == filters.outcome.instrument,
        pl.col("scale") == filters.outcome.scale,
        pl.col("timepoint") == filters.timepoint,
        pl.col("term") != "intercept",
    )
    labels = [
        term_label(moderator, term, _reference_level(programs, registry))
        for moderator, term, programs in rows.select("moderator", "term", "programs").rows()
    ]
    order = {m: i for i, m in enumerate(MODERATORS)}
    return (
        rows.with_columns(
            pl.Series("label", labels, dtype=pl.String),
            pl.col("moderator").replace_strict(order, default=len(order)).alias("_order"),
            pl.col("coefficient").is_not_null().alias("shown"),
        )
        .sort("_order", "term")
        .drop("_order")
    )


def _p(value: float | None) -> str:
    if value is None:
        return "p not estimated"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _fit(row: dict) -> str:
    r2 = f", R\u00b2 {100 * row['r2']:.0f}%" if row["r2"] is not None else ""
    return f"{_p(row['p_value'])}{r2}, k = {row['k']}"


def better_direction(higher_is_better: bool) -> str:
    if higher_is_better:
        return (
            "Higher scores are better: a positive coefficient means the attribute goes with "
            "programs doing better relative to in-person CBT."
        )
    return (
        "Lower scores are better: a negative coefficient means the attribute goes with "
        "programs doing better relative to in-person CBT."
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Coefficient with its CI per term; zero (no association) drawn, fit beside."""
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return no_data_figure("No meta-regression for this outcome and timepoint.")
    higher_is_better = bool(shown["higher_is_better"][0])
    ci = ci_name(confidence_of(data))
    figure = go.Figure(
        go.Scatter(
            x=shown["coefficient"].to_list(),
            y=shown["label"].to_list(),
            mode="markers",
            name=f"Coefficient with {ci}",
            marker={"color": OKABE_ITO["blue"], "symbol": "square", "size": 12},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["ci_high"] - shown["coefficient"]).to_list(),
                "arrayminus": (shown["coefficient"] - shown["ci_low"]).to_list(),
                "color": OKABE_ITO["blue"],
                "thickness": 2,
                "width": 6,
            },
            customdata=shown.select("ci_low", "ci_high", "p_value", "k").rows(),
            hovertemplate=(
                "<b>%{y}</b><br>Coefficient %{x:.2f} "
                f"({ci} %{{customdata[0]:.2f}} to %{{customdata[1]:.2f}})<br>"
                "p = %{customdata[2]:.3f}, %{customdata[3]} programs<extra></extra>"
            ),
        )
    )
    for row in shown.iter_rows(named=True):
        figure.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            xshift=8,
            y=row["label"],
            yref="y",
            text=_fit(row),
            showarrow=False,
            font={"size": 12},
        )
    figure.add_vline(x=0, line={"color": TEXT_COLOUR, "width": 1})
    figure.update_yaxes(
        categoryorder="array", categoryarray=shown["label"].to_list(), autorange="reversed"
    )
    figure.update_xaxes(
        title="Change in the difference from in-person CBT (points) per unit of the attribute"
    )
    figured = titled(
        figure,
        title(data),
        f"Univariable meta-regressions across programs: coefficient with {ci} (Knapp-Hartung)",
        " ".join(
            [
                better_direction(higher_is_better),
                "Each attribute has its own unit, so compare the p-values and intervals, not "
                "the lengths of the bars. An association across programs, not an effect.",
            ]
        ),
        240 + 48 * shown.height,
    )
    figured.update_layout(margin={"r": 220})
    return figured


def summarise(data: pl.DataFrame) -> str:
    label = title(data)
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return f"{label}: no meta-regression for this outcome and timepoint."
    ci = ci_name(confidence_of(data))
    items = [
        f"{row['label']} {points(row['coefficient'], 2)} ({ci} {points(row['ci_low'], 2)} "
        f"to {points(row['ci_high'], 2)}; {_fit(row)})"
        for row in shown.iter_rows(named=True)
    ]
    return (
        f"{label}, what goes with a larger or smaller difference from in-person CBT, one "
        "attribute at a time: "
        + "; ".join(items)
        + ". "
        + better_direction(bool(shown["higher_is_better"][0]))
    )


def about(mart_comment: str | None, confidence: float) -> list[str]:
    paragraphs = [
        "Each row is a separate mixed-effects meta-regression of the programs' adjusted "
        "differences from in-person CBT (the pooled programs of the forest plot, and those "
        "whose comparison failed only the equipoise diagnostic) on one "
        "program attribute: method-of-moments residual tau\u00b2, Knapp-Hartung standard "
        f"errors with t on k - p degrees of freedom, {level(confidence)} confidence "
        "intervals. R\u00b2 is the share of between-program "
        "variance the attribute explains. About a dozen programs cannot support several "
        "attributes at once, so each is tested alone.",
        "Therapist involvement compares each level with the first level alphabetically. "
        "Alliance (mean WAI-SR) exists only for programs with a therapist.",
        "Programs whose patients barely overlap with in-person patients (equipoise failed; "
        "in the demo, the self-guided ones) enter with their estimate for the overlap "
        "population only, so that programs without a therapist are represented; the table "
        "names them, and their comparisons' certainty is rated down.",
        "Reading it: an association across programs is ecological and observational; it "
        "does not say what would happen if a program changed the attribute.",
        f"Source: the warehouse table {MART}; methods in docs/methods-effectiveness.md. No "
        "counts of patients are shown, so nothing here is suppressed; the filters for "
        "delivery mode and program do not apply (the models use every pooled program).",
    ]
    if mart_comment:
        paragraphs.insert(4, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "label": "Attribute",
    "k": "Programs",
    "coefficient": "Coefficient",
    "ci": "CI",
    "p_value": "p",
    "r2": "R\u00b2",
    "tau2_residual": "Residual tau\u00b2",
    "programs": "Programs in the model",
    "programs_failing_equipoise": "Of which failing equipoise (overlap population only)",
}
NUMERIC_COLUMNS = frozenset({"k", "coefficient", "ci", "p_value", "r2", "tau2_residual"})


def _number(value: float | None, decimals: int) -> str:
    return MISSING if value is None else f"{value:.{decimals}f}"


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "ci")


def table_frame(data: pl.DataFrame, _rules: SuppressionRules) -> pl.DataFrame:
    rows = [
        {
            "label": row["label"],
            "k": str(row["k"]),
            "coefficient": _number(row["coefficient"], 2),
            "ci": f"{row['ci_low']:.2f} to {row['ci_high']:.2f}"
            if row["ci_low"] is not None and row["ci_high"] is not None
            else MISSING,
            "p_value": _number(row["p_value"], 3),
            "r2": MISSING if row["r2"] is None else f"{100 * row['r2']:.0f}%",
            "tau2_residual": _number(row["tau2_residual"], 3),
            "programs": row["programs"] or MISSING,
            "programs_failing_equipoise": row["programs_failing_equipoise"] or MISSING,
        }
        for row in data.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(TABLE_HEADERS, pl.String))


def csv_frame(data: pl.DataFrame, _rules: SuppressionRules) -> pl.DataFrame:
    return data.select(CSV_COLUMNS)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.OUTCOME, Control.TIMEPOINT})


def describe(marts: Marts) -> list[str]:
    return about(marts.comment(MART), configured_confidence(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.meta_regression(), marts.programs(), view.state)
    headers = table_headers(configured_confidence(marts))
    return ChartData(data, data, headers=headers)


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
