"""The program registry side by side, with each program's headline outcome and completion.

Reads `staging_programs` (the registry on the CADTH Environmental Scan's dimensions:
therapist involvement and training, length, modules, topics, funding, reimbursement,
province, status), `mart_program_outcomes` (post-treatment change in the headline
outcome) and `mart_engagement_funnel` (each program's completion rate, period 'all').
The chart plots completion against change, because a program that helps the few who
finish is not the same as one most people finish. Outcome and funnel frames must be the
suppressed marts (`SuppressedMarts`); the registry holds no counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    CONFIDENCE_LEVEL,
    MISSING,
    Status,
    ci_name,
    ci_text,
    confidence_of,
    configured_confidence,
    level_headers,
    no_data_figure,
    ordered_modes,
    percent,
    points,
    require_suppressed,
    status,
    text_frame,
    titled,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.base import ALL_PERIODS, POST_TREATMENT
from dashboards.marts.engagement import FUNNEL
from dashboards.marts.outcomes import PROGRAM_OUTCOMES
from dashboards.suppression import (
    SMALL_SUFFIX,
    SUPPRESSED_SUFFIX,
    SuppressionRules,
    SuppressionSpec,
)
from dashboards.theme import mode_label, mode_style
from dashboards.view_state import ViewState

MARTS = ("staging_programs", "mart_program_outcomes", "mart_engagement_funnel")

OUTCOME_COLUMNS = ("n_paired", "mean_change", "change_ci_low", "change_ci_high")
FUNNEL_COLUMNS = ("n_started_and_ended", "n_completed", "completion_rate")

# The joined frame keeps each mart's own flags; this spec only labels them.
SUPPRESSION = SuppressionSpec(
    dependents={
        "n_paired": ("mean_change", "change_ci_low", "change_ci_high"),
        "n_started_and_ended": ("completion_rate",),
        "n_completed": ("completion_rate",),
    }
)

INVOLVEMENT = {
    "none": "None (self-guided)",
    "asynchronous": "Asynchronous messages",
    "synchronous": "Real-time sessions",
}


def _words(code: str | None) -> str:
    """`free_at_point_of_care` -> "Free at point of care"."""
    return MISSING if code is None else code.replace("_", " ").capitalize()


def _flags(columns: tuple[str, ...], spec: SuppressionSpec) -> list[str]:
    flags = [c + SUPPRESSED_SUFFIX for c in columns]
    return flags + [c + SMALL_SUFFIX for c in columns if c in spec.counts]


def process_data(
    registry: pl.DataFrame,
    outcomes: pl.DataFrame,
    funnel: pl.DataFrame,
    filters: ViewState,
) -> pl.DataFrame:
    """One row per program in view: registry, headline outcome and completion, by id."""
    require_suppressed(outcomes, PROGRAM_OUTCOMES)
    require_suppressed(funnel, FUNNEL)
    if filters.outcome is None:
        raise ValueError("the program registry needs a headline outcome")
    headline = outcomes.filter(
        pl.col("timepoint") == POST_TREATMENT,
        pl.col("instrument") == filters.outcome.instrument,
        pl.col("scale") == filters.outcome.scale,
    ).select(
        "program_id",
        "outcome_label",
        "higher_is_better",
        *OUTCOME_COLUMNS,
        *_flags(OUTCOME_COLUMNS, PROGRAM_OUTCOMES),
        CONFIDENCE_LEVEL,
    )
    completion = funnel.filter(
        pl.col("unit_type") == "program", pl.col("period") == ALL_PERIODS
    ).select(
        pl.col("unit_id").alias("program_id"),
        *FUNNEL_COLUMNS,
        *_flags(FUNNEL_COLUMNS, FUNNEL),
    )
    flags = [
        c
        for c in (*headline.columns, *completion.columns)
        if c.endswith((SUPPRESSED_SUFFIX, SMALL_SUFFIX))
    ]
    return (
        registry.filter(
            pl.col("delivery_mode").is_in(list(filters.modes)),
            pl.col("program_id").is_in(list(filters.programs)),
        )
        .join(headline, on="program_id", how="left")
        .join(completion, on="program_id", how="left")
        .with_columns(pl.col(c).fill_null(False) for c in flags)
        .with_columns(
            pl.lit(str(filters.outcome)).alias("outcome"),
            status("n_paired", "mean_change").alias("outcome_status"),
            status("n_started_and_ended", "completion_rate").alias("completion_status"),
        )
        .sort("program_id")
    )


def _plotted(data: pl.DataFrame) -> pl.DataFrame:
    return data.filter(
        pl.col("outcome_status") == Status.SHOWN.value,
        pl.col("completion_status") == Status.SHOWN.value,
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Completion rate (x) against mean change with its CI (y), by delivery mode."""
    plotted = _plotted(data)
    if plotted.is_empty():
        return no_data_figure(
            "No program matches the filters."
            if data.is_empty()
            else "No program has both a completion rate and a change to show."
        )
    figure = go.Figure()
    for mode in ordered_modes(plotted["delivery_mode"].to_list()):
        rows = plotted.filter(pl.col("delivery_mode") == mode)
        style = mode_style(mode)
        figure.add_trace(
            go.Scatter(
                x=rows["completion_rate"].to_list(),
                y=rows["mean_change"].to_list(),
                # Each point is labelled with its program id (the names are too long to
                # sit beside a point); the name is in the hover text and the table.
                mode="markers+text",
                name=style.label,
                text=rows["program_id"].to_list(),
                textposition="top center",
                hovertext=rows["program_name"].to_list(),
                marker={"color": style.colour, "symbol": style.symbol, "size": 13},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["change_ci_high"] - rows["mean_change"]).to_list(),
                    "arrayminus": (rows["mean_change"] - rows["change_ci_low"]).to_list(),
                    "color": style.colour,
                    "thickness": 1.5,
                    "width": 4,
                },
                customdata=rows.select("n_paired", "n_started_and_ended").rows(),
                hovertemplate=(
                    "<b>%{hovertext}</b><br>Completion %{x:.0%} of %{customdata[1]} ended"
                    "<br>Mean change %{y:.1f} (%{customdata[0]} episodes)<extra></extra>"
                ),
            )
        )
    figure.add_hline(y=0, line={"color": "#212529", "width": 1})
    figure.update_xaxes(
        title="Completion rate (completed among started and ended)", tickformat=".0%"
    )
    label = plotted["outcome_label"][0]
    # A short axis title: a long one, turned on its side, runs up into the subtitle. The
    # outcome is named in the chart's title.
    figure.update_yaxes(title="Mean change (points)")
    better = "higher" if plotted["higher_is_better"][0] else "lower"
    left_out = data.height - plotted.height
    footer = f"Better is {better} on this outcome."
    if left_out:
        footer += (
            f" {left_out} program{'s' if left_out != 1 else ''} in view not plotted (no "
            "completion rate or change to show); see the table."
        )
    return titled(
        figure,
        f"Completion and change: {label}",
        "Each program's completion rate against its mean change at post-treatment "
        f"({ci_name(confidence_of(plotted))})",
        footer,
        460,
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No program matches the filters."
    plotted = _plotted(data)
    if plotted.is_empty():
        return (
            f"{data.height} programs in view; none has both a completion rate and a change to show."
        )
    label = plotted["outcome_label"][0]
    items = [
        f"{row['program_name']} ({mode_label(row['delivery_mode'])}): completion "
        f"{percent(row['completion_rate'])}, {label} {points(row['mean_change'])} points"
        for row in plotted.sort("completion_rate", descending=True).iter_rows(named=True)
    ]
    return (
        f"{plotted.height} of {data.height} programs in view have both a completion rate and "
        f"a change in {label} to show, by completion rate: " + "; ".join(items) + "."
    )


def about(rules: SuppressionRules) -> list[str]:
    return [
        "Registry: each program as most recently delivered (warehouse table "
        "staging_programs), on the dimensions the CADTH Environmental Scan of iCBT for "
        "chronic pain compared (HT0037, 2022).",
        "Headline outcome: the program's mean change from baseline to post-treatment "
        "(mart_program_outcomes), for the outcome chosen above. Completion: completed "
        "among started episodes that have ended (mart_engagement_funnel, all referrals).",
        "Reading it: programs treat different people; neither axis is adjusted for case "
        "mix. The Effectiveness comparisons adjust for it.",
        f"Privacy: counts from 1 to {rules.threshold - 1} are shown as {rules.small_label}, "
        f"and values hidden so that a small program cannot be worked out from a delivery "
        f"mode's total as {rules.suppressed_label}; the cells are the same as on the "
        "Outcomes and Engagement pages.",
    ]


TABLE_HEADERS = {
    "program_name": "Program",
    "delivery_mode": "Delivery mode",
    "therapist_involvement": "Therapist involvement",
    "therapist_trained_in_chronic_pain": "Therapists trained in chronic pain",
    "length_weeks": "Weeks",
    "module_count": "Modules",
    "topics": "Topics",
    "funding": "Funding",
    "reimbursement_eligibility": "Reimbursement",
    "province": "Province",
    "status": "Status",
    "n_paired": "Paired n",
    "mean_change": "Mean change",
    "change_ci": "CI",
    "completion_rate": "Completion",
}
NUMERIC_COLUMNS = frozenset(
    {"length_weeks", "module_count", "n_paired", "mean_change", "change_ci", "completion_rate"}
)

CSV_COLUMNS = (
    "program_id",
    "program_name",
    "delivery_mode",
    "therapist_involvement",
    "therapist_trained_in_chronic_pain",
    "length_weeks",
    "module_count",
    "topics",
    "funding",
    "reimbursement_eligibility",
    "province",
    "status",
    "outcome",
    "n_paired",
    "mean_change",
    "change_ci_low",
    "change_ci_high",
    "confidence_level",
    "n_started_and_ended",
    "n_completed",
    "completion_rate",
)


def shared_topics(registry: pl.DataFrame) -> list[str]:
    """Topics every program covers, listed once instead of in every row."""
    lists = [topics or [] for topics in registry["topics"].to_list()]
    if not lists:
        return []
    common = set.intersection(*(set(topics) for topics in lists))
    return [topic for topic in lists[0] if topic in common]


def topic_text(topic: str) -> str:
    return topic.replace("_", " ")


def shared_sentence(data: pl.DataFrame) -> str:
    """The topics every listed program covers, said once for the table's caption."""
    shared = shared_topics(data)
    if not shared:
        return ""
    return f"Every program covers {', '.join(map(topic_text, shared))}; Topics lists the others."


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "change_ci")


def table_frame(
    data: pl.DataFrame, rules: SuppressionRules, shared: Sequence[str] | None = None
) -> pl.DataFrame:
    """Registry and numbers as display text, suppression labels in place.

    The Topics column leaves out `shared` (by default the topics every listed program
    covers, which the caption names once: `shared_sentence`).
    """
    if shared is None:
        shared = shared_topics(data)
    text = text_frame(data, SUPPRESSION, rules, percents=("completion_rate",))
    markers = [rules.small_label, rules.suppressed_label, MISSING]
    ci = [
        ci_text(low, high, markers)
        for low, high in text.select("change_ci_low", "change_ci_high").iter_rows()
    ]
    return text.with_columns(
        pl.Series("change_ci", ci, dtype=pl.String),
        pl.col("delivery_mode").map_elements(mode_label, return_dtype=pl.String),
        pl.col("therapist_involvement").replace_strict(INVOLVEMENT, default=MISSING),
        pl.when(pl.col("therapist_trained_in_chronic_pain").is_null())
        .then(pl.lit(MISSING))
        .when(pl.col("therapist_trained_in_chronic_pain"))
        .then(pl.lit("Yes"))
        .otherwise(pl.lit("No")),
        pl.col("length_weeks").cast(pl.String),
        pl.col("module_count").cast(pl.String),
        pl.col("topics")
        .list.set_difference(pl.lit(list(shared), dtype=pl.List(pl.String)))
        .list.eval(pl.element().str.replace_all("_", " "))
        .list.join(", "),
        *[
            pl.col(c).map_elements(_words, return_dtype=pl.String)
            for c in ("funding", "reimbursement_eligibility", "status")
        ],
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, decimals=4)
    return text.with_columns(pl.col("topics").list.join(";")).select(CSV_COLUMNS)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.OUTCOME, Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules)


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(
        marts.programs(), marts.program_outcomes(), marts.engagement_funnel(), view.state
    )
    headers = table_headers(configured_confidence(marts))
    return ChartData(data, data, shared_sentence(data), headers)


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
