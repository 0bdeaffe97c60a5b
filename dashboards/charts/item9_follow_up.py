"""Follow-up after a PHQ-9 item-9 answer or a serious adverse event, against the standard.

Reads `mart_item9_follow_up` (one row per reporting unit, trigger type and outcome over
every month of mart_item9_response_times): how many triggers had a therapist contact
within the standard number of business days (met), how many did not (breached) and how
many are still within their deadline (pending). The process indicator is the share met
among judged triggers; in-person CBT's share is drawn as the comparison, since no
published standard for the share exists. Input frames must be the suppressed mart
(`Marts.item9_follow_up`).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    no_data_figure,
    percent,
    require_suppressed,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.grid import SIDE_LEGEND
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.safety import ITEM9_FOLLOW_UP as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO, mode_label, mode_style

MART = "mart_item9_follow_up"
ALL = "all"
OUTCOMES = ("met", "breached", "pending")
COMPARATOR = ("delivery_mode", "in_person")

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "trigger_type",
    "outcome",
    "triggers",
    "share_met",
    "standard_business_days",
    "first_month",
    "last_month",
)


def standard_text(days: int) -> str:
    return f"within {days} business day{'s' if days != 1 else ''}"


def process_data(df: pl.DataFrame, programs: Sequence[str]) -> pl.DataFrame:
    """All triggers (both types) of the programs in view and of in-person CBT, one row per
    unit and outcome; `comparator` marks in-person CBT's row."""
    require_suppressed(df, SUPPRESSION)
    is_comparator = (pl.col("unit_type") == COMPARATOR[0]) & (pl.col("unit_id") == COMPARATOR[1])
    rows = df.filter(
        pl.col("trigger_type") == ALL,
        ((pl.col("unit_type") == "program") & pl.col("unit_id").is_in(list(programs)))
        | is_comparator,
    ).with_columns(is_comparator.alias("comparator"))
    return with_unit_names(rows).sort("comparator", "unit_name", "outcome")


def wide(data: pl.DataFrame) -> pl.DataFrame:
    """One row per unit: share met (null when hidden) and its flag."""
    met = data.filter(pl.col("outcome") == "met")
    return met.select(
        "unit_type",
        "unit_id",
        "unit_name",
        "delivery_mode",
        "comparator",
        "share_met",
        "standard_business_days",
        pl.col("share_met" + SUPPRESSED_SUFFIX).alias("hidden"),
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Bars of each program's share met, with in-person CBT's share as a line."""
    units = wide(data)
    programs = units.filter(~pl.col("comparator"))
    shown = programs.filter(~pl.col("hidden"), pl.col("share_met").is_not_null())
    if programs.is_empty():
        return no_data_figure("No program in view has had a trigger.")
    if shown.is_empty():
        return no_data_figure("Too few triggers to show the share followed up in time.")
    figure = go.Figure()
    for mode in dict.fromkeys(shown["delivery_mode"].to_list()):
        rows = shown.filter(pl.col("delivery_mode") == mode)
        style = mode_style(mode)
        figure.add_trace(
            go.Bar(
                x=rows["share_met"].to_list(),
                y=rows["unit_name"].to_list(),
                orientation="h",
                name=mode_label(mode),
                marker={"color": style.colour},
                text=[percent(v) for v in rows["share_met"].to_list()],
                # Labels at the bar's base, clear of the in-person reference line, which
                # runs near the bars' ends.
                textposition="inside",
                insidetextanchor="start",
                hovertemplate="<b>%{y}</b><br>%{x:.0%} followed up in time<extra></extra>",
            )
        )
    comparator = units.filter(pl.col("comparator"), ~pl.col("hidden"))
    if comparator.height and comparator["share_met"][0] is not None:
        share = comparator["share_met"][0]
        figure.add_trace(
            go.Scatter(
                x=[share, share],
                y=[shown["unit_name"][0], shown["unit_name"][-1]],
                mode="lines",
                name=f"In-person CBT ({percent(share)})",
                line={"color": OKABE_ITO["vermillion"], "dash": "dash", "width": 3},
                hoverinfo="skip",
            )
        )
    figure.update_xaxes(
        title="Share of judged triggers followed up in time", tickformat=".0%", range=[0, 1.1]
    )
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=shown["unit_name"].to_list(),
        autorange="reversed",
        title=None,
    )
    days = shown["standard_business_days"][0]
    return titled(
        figure,
        "Follow-up after an item-9 answer or a serious adverse event",
        f"Share with a therapist contact {standard_text(days)}",
        hidden_note(programs),
        220 + 34 * shown.height,
    )


def hidden_note(units: pl.DataFrame) -> str:
    names = units.filter(pl.col("hidden"))["unit_name"].to_list()
    return f"Not shown (too few triggers): {', '.join(names)}." if names else ""


def summarise(data: pl.DataFrame) -> str:
    units = wide(data)
    programs = units.filter(~pl.col("comparator"))
    if programs.is_empty():
        return "No program in view has had an item-9 answer or serious adverse event to follow up."
    shown = programs.filter(~pl.col("hidden"), pl.col("share_met").is_not_null())
    days = units["standard_business_days"][0]
    sentences = []
    if shown.height:
        items = [f"{n} {percent(s)}" for n, s in shown.select("unit_name", "share_met").rows()]
        sentences.append(
            f"Share of item-9 answers and serious adverse events followed up by a therapist "
            f"{standard_text(days)}: " + "; ".join(items) + "."
        )
    comparator = units.filter(pl.col("comparator"), ~pl.col("hidden"))
    if comparator.height and comparator["share_met"][0] is not None:
        sentences.append(f"In-person CBT: {percent(comparator['share_met'][0])}.")
    sentences.append(hidden_note(programs))
    return " ".join(s for s in sentences if s)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "A trigger is a PHQ-9 item-9 answer above 'not at all' or a serious adverse event "
        "while the episode is open. It is met when a therapist message or live session "
        "follows within the standard (business days, Monday to Friday; public holidays are "
        "not modelled), breached when none did, and pending while its deadline is after "
        "the end of the data. Bars are the share met among judged (met or breached) "
        "triggers; the dashed line is in-person CBT's share. Self-guided programs have no "
        "therapist, so every trigger is breached by design.",
        f"Source: the warehouse table {MART}, summed over months from "
        "mart_item9_response_times. The standard comes from config/safety.yaml "
        "(process_of_care, a project policy: no published standard was found).",
        f"Privacy: counts of 1 to {rules.threshold - 1} triggers are hidden. Programs add up "
        "to their delivery mode, so when one program's count is hidden another program's "
        "is too. A share is shown only when both met and breached are; the total of "
        "triggers is not shown.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "unit_name": "Unit",
    "met": "Met",
    "breached": "Breached",
    "pending": "Pending",
    "share_met": "Share met",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"unit_name"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """One row per unit: the outcomes' counts and the share met, as labelled text."""
    text = text_frame(data, SUPPRESSION, rules, percents=("share_met",))
    if text.is_empty():
        return pl.DataFrame(schema={column: pl.String for column in TABLE_HEADERS})
    counts = text.pivot("outcome", index=["unit_name", "comparator"], values="triggers")
    shares = text.filter(pl.col("outcome") == "met").select("unit_name", "share_met")
    return (
        counts.join(shares, on="unit_name", how="left", maintain_order="left")
        .with_columns(
            pl.col(o).fill_null(MISSING) if o in counts.columns else pl.lit(MISSING).alias(o)
            for o in OUTCOMES
        )
        .select(list(TABLE_HEADERS))
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)
    return text.with_columns(pl.col("first_month", "last_month").dt.strftime("%Y-%m"))


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.item9_follow_up(), view.programs))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
