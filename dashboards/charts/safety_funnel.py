"""Funnel plot of one safety indicator: each program's observed/expected ratio against its
expected events, with limits at the alert and alarm levels, exact and adjusted for
over-dispersion.

Reads `mart_safety_funnel` (one row per indicator, program and window end month;
Spiegelhalter, Stat Med 2005). Expected events are what in-person CBT patients with the
same case mix would have had (mart_safety_reference), so a ratio of 1 is "as in-person
CBT". Only non-overlapping windows reach the dashboard (`Marts.safety_funnel`).
Limits are published per program (at its expected count); the lines join them in order of
expected events, and a lower limit below zero (the exact interpolated limit can be, for
small expected counts) is drawn at zero. The levels are the snapshot's
(ref_safety_policy funnel.alert_level and funnel.alarm_level), carried in the processed
frame, so every legend, label and table heading quotes the configuration behind the limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    level,
    no_data_figure,
    ordered_modes,
    require_suppressed,
    text_frame,
    titled,
)
from dashboards.charts.grid import SIDE_LEGEND
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing, require_window
from dashboards.marts import Marts
from dashboards.marts.safety import SAFETY_FUNNEL as SUPPRESSION
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR, mode_label, mode_style

MART = "mart_safety_funnel"

SHOWN = "shown"
REASONS = {
    "small_units": "too few units judged to show",
    "small_events": "too few events to show",
    "hidden": "hidden with a count shown elsewhere",
    "no_units": "no units judged in the window",
    "no_reference": "no in-person expectation for this indicator",
}
ALERT_EXACT = ("alert_low", "alert_high")
ALERT_DISPERSED = ("alert_low_dispersed", "alert_high_dispersed")
ALARM_EXACT = ("alarm_low", "alarm_high")
ALARM_DISPERSED = ("alarm_low_dispersed", "alarm_high_dispersed")
# (limit, exact limits, limits adjusted for over-dispersion, line dash)
LIMITS = (
    ("alert", ALERT_EXACT, ALERT_DISPERSED, "dot"),
    ("alarm", ALARM_EXACT, ALARM_DISPERSED, "dash"),
)
LEVEL_COLUMNS = ("alert_level", "alarm_level")


@dataclass(frozen=True)
class FunnelLevels:
    """The two levels the limits are drawn at, as shares (ref_safety_policy)."""

    alert: float
    alarm: float

    @classmethod
    def of(cls, marts: Marts) -> FunnelLevels:
        """The snapshot's levels, from ref_safety_policy."""
        return cls(
            marts.reference_value("ref_safety_policy", "funnel.alert_level"),
            marts.reference_value("ref_safety_policy", "funnel.alarm_level"),
        )

    @classmethod
    def of_frame(cls, data: pl.DataFrame) -> FunnelLevels:
        """The levels `process_data` carried into its (non-empty) frame."""
        return cls(*(float(data[column][0]) for column in LEVEL_COLUMNS))

    def limits(self, limit: str) -> str:
        """ "<alert level> limits" for "alert", the level as `level` writes it."""
        return f"{level(getattr(self, limit))} limits"

    def positions(self) -> dict[str, str]:
        """Each position code against the limits, in words."""
        alert, alarm = level(self.alert), level(self.alarm)
        return {
            "above_alarm": f"above the {alarm} limit",
            "above_alert": f"above the {alert} limit",
            "within": "within the limits",
            "below_alert": f"below the {alert} limit",
            "below_alarm": f"below the {alarm} limit",
        }

    def headers(self) -> dict[str, str]:
        """The table's headings, the limit columns named by their levels."""
        return TABLE_HEADERS | {
            "alert_limits": self.limits("alert"),
            "alarm_limits": self.limits("alarm"),
        }


CSV_COLUMNS = (
    "indicator",
    "program_id",
    "program_name",
    "delivery_mode",
    "window_start",
    "month",
    "n",
    "observed",
    "expected",
    "observed_rate",
    "expected_rate",
    "ratio",
    "z",
    "phi",
    "tau2",
    "programs_compared",
    "overdispersion_applied",
    "alert_low",
    "alert_high",
    "alarm_low",
    "alarm_high",
    "alert_low_dispersed",
    "alert_high_dispersed",
    "alarm_low_dispersed",
    "alarm_high_dispersed",
    "signal_threshold",
    "above_alert",
    "alarm",
    *LEVEL_COLUMNS,
)


def window_label(start: date, end: date) -> str:
    """ "12 months to 2026-09" for the window from `start` to `end` (first days of months)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return f"{months} month{'s' if months != 1 else ''} to {end:%Y-%m}"


def _applied(exact: str, dispersed: str) -> pl.Expr:
    """The limit signalling uses: adjusted for over-dispersion where the mart applies it."""
    return (
        pl.when(pl.col("overdispersion_applied")).then(pl.col(dispersed)).otherwise(pl.col(exact))
    )


def _status() -> pl.Expr:
    hidden = pl.col("n" + SUPPRESSED_SUFFIX) | pl.col("observed" + SUPPRESSED_SUFFIX)
    return (
        pl.when(pl.col("n" + SUPPRESSED_SUFFIX) & pl.col("n" + SMALL_SUFFIX))
        .then(pl.lit("small_units"))
        .when(pl.col("observed" + SUPPRESSED_SUFFIX) & pl.col("observed" + SMALL_SUFFIX))
        .then(pl.lit("small_events"))
        .when(hidden)
        .then(pl.lit("hidden"))
        .when(pl.col("n").fill_null(0) == 0)
        .then(pl.lit("no_units"))
        .when(pl.col("ratio").is_null())
        .then(pl.lit("no_reference"))
        .otherwise(pl.lit(SHOWN))
        .alias("status")
    )


def rows_in_view(
    df: pl.DataFrame, indicator: str, window_end: date, programs: Sequence[str]
) -> pl.DataFrame:
    """The window's rows for the indicator and programs in view, with `status` and
    `position` (against the limits signalling uses); shown programs first, by name."""
    require_suppressed(df, SUPPRESSION)
    ratio = pl.col("ratio")
    alert_low = _applied("alert_low", "alert_low_dispersed")
    alert_high = _applied("alert_high", "alert_high_dispersed")
    alarm_low = _applied("alarm_low", "alarm_low_dispersed")
    alarm_high = _applied("alarm_high", "alarm_high_dispersed")
    position = (
        pl.when(ratio.is_null())
        .then(None)
        .when(ratio > alarm_high)
        .then(pl.lit("above_alarm"))
        .when(ratio > alert_high)
        .then(pl.lit("above_alert"))
        .when(ratio < alarm_low)
        .then(pl.lit("below_alarm"))
        .when(ratio < alert_low)
        .then(pl.lit("below_alert"))
        .otherwise(pl.lit("within"))
    )
    return (
        df.filter(
            pl.col("indicator") == indicator,
            pl.col("month") == window_end,
            pl.col("program_id").is_in(list(programs)),
        )
        .with_columns(
            _status(),
            position.alias("position"),
            pl.coalesce("program_name", "program_id").alias("program_name"),
        )
        .sort(pl.col("status") != SHOWN, "program_name")
    )


def process_data(
    df: pl.DataFrame,
    indicator: str,
    window_end: date,
    programs: Sequence[str],
    levels: FunnelLevels,
) -> pl.DataFrame:
    """`rows_in_view`, each row with the levels its limits are drawn at."""
    return rows_in_view(df, indicator, window_end, programs).with_columns(
        pl.lit(levels.alert, pl.Float64).alias("alert_level"),
        pl.lit(levels.alarm, pl.Float64).alias("alarm_level"),
    )


def _limit_line(shown: pl.DataFrame, low: str, high: str) -> tuple[list, list]:
    """A lower and an upper limit line through the programs' limits, ordered by expected."""
    rows = shown.sort("expected").select("expected", low, high)
    xs = rows["expected"].to_list()
    lows = [max(0.0, v) for v in rows[low].to_list()]
    highs = rows[high].to_list()
    return [*xs, None, *xs], [*lows, None, *highs]


def create_figure(data: pl.DataFrame, indicator_label: str) -> go.Figure:
    """Programs as points (shape and colour by delivery mode), limits as lines, target 1."""
    shown = data.filter(pl.col("status") == SHOWN)
    if shown.is_empty():
        message = (
            "No program in view has this indicator in the window."
            if data.is_empty()
            else "No program in view can be shown for this indicator and window."
        )
        return no_data_figure(message)
    figure = go.Figure()
    levels = FunnelLevels.of_frame(shown)
    adjusted = bool(shown["overdispersion_applied"].any())
    for limit, exact, dispersed, dash in LIMITS:
        label = levels.limits(limit)
        xs, ys = _limit_line(shown, *exact)
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"{label}, exact binomial",
                line={"color": TEXT_COLOUR, "dash": dash, "width": 1.5},
                hoverinfo="skip",
            )
        )
        if adjusted:
            xs, ys = _limit_line(shown, *dispersed)
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=f"{label}, adjusted for over-dispersion",
                    line={"color": OKABE_ITO["reddish_purple"], "dash": dash, "width": 2},
                    hoverinfo="skip",
                )
            )
    top = float(shown["expected"].max()) * 1.05
    figure.add_trace(
        go.Scatter(
            x=[0, top],
            y=[1, 1],
            mode="lines",
            name="As expected (observed = expected)",
            line={"color": OKABE_ITO["bluish_green"], "width": 2},
            hoverinfo="skip",
        )
    )
    for mode in ordered_modes(shown["delivery_mode"].drop_nulls().to_list()):
        rows = shown.filter(pl.col("delivery_mode") == mode)
        style = mode_style(mode)
        figure.add_trace(
            go.Scatter(
                x=rows["expected"].to_list(),
                y=rows["ratio"].to_list(),
                mode="markers",
                name=mode_label(mode),
                marker={"color": style.colour, "symbol": style.symbol, "size": 11},
                customdata=rows.select("program_name", "observed", "n", "position").rows(),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>Observed/expected %{y:.2f}<br>"
                    "%{customdata[1]} events, %{x:.1f} expected among %{customdata[2]} "
                    "units<br>%{customdata[3]}<extra></extra>"
                ),
            )
        )
    outside = shown.filter(pl.col("position") != "within")
    if outside.height:
        figure.add_trace(
            go.Scatter(
                x=outside["expected"].to_list(),
                y=outside["ratio"].to_list(),
                mode="markers+text",
                name=f"Outside the {levels.limits('alert')}",
                text=[
                    f"{p} (signal)" if alarm else p
                    for p, alarm in outside.select("program_id", "alarm").iter_rows()
                ],
                textposition="top center",
                marker={
                    "symbol": "circle-open",
                    "size": 22,
                    "color": TEXT_COLOUR,
                    "line": {"width": 2},
                },
                hoverinfo="skip",
            )
        )
    figure.update_xaxes(title="Expected events (in-person CBT, same case mix)", rangemode="tozero")
    figure.update_yaxes(title="Observed / expected", rangemode="tozero")
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    first = shown.row(0, named=True)
    return titled(
        figure,
        f"Funnel plot: {indicator_label}",
        f"Observed / expected per program, {window_label(first['window_start'], first['month'])}",
        not_shown_count(data),
        520,
    )


def not_shown_count(data: pl.DataFrame) -> str:
    """The figure's footnote: how many programs are not drawn (the summary names them)."""
    hidden = data.filter(pl.col("status") != SHOWN).height
    if not hidden:
        return ""
    return f"{hidden} program{'s are' if hidden != 1 else ' is'} not drawn; see the table."


def not_shown_note(data: pl.DataFrame) -> str:
    hidden = data.filter(pl.col("status") != SHOWN)
    if hidden.is_empty():
        return ""
    items = [
        f"{name} ({REASONS[status]})"
        for name, status in hidden.select("program_name", "status").rows()
    ]
    return "Not shown: " + "; ".join(items) + "."


def summarise(data: pl.DataFrame, indicator_label: str) -> str:
    if data.is_empty():
        return f"{indicator_label}: no program in view has this indicator in the window."
    shown = data.filter(pl.col("status") == SHOWN)
    first = data.row(0, named=True)
    window = window_label(first["window_start"], first["month"])
    sentences = [
        f"{indicator_label}, {window}: observed/expected ratio for {shown.height} of "
        f"{data.height} programs."
    ]
    positions = FunnelLevels.of_frame(data).positions()
    for code in ("above_alarm", "above_alert", "below_alarm", "below_alert"):
        names = shown.filter(pl.col("position") == code)["program_name"].to_list()
        if names:
            sentences.append(f"{positions[code].capitalize()}: {', '.join(names)}.")
    signals = data.filter(pl.col("alarm").fill_null(False))["program_name"].to_list()
    sentences.append(
        f"Signalling: {', '.join(signals)}." if signals else "No program signals in this window."
    )
    if first["phi"] is not None:
        adjusted = "used" if first["overdispersion_applied"] else "not needed"
        sentences.append(f"Over-dispersion ratio {first['phi']:.2f}; adjusted limits {adjusted}.")
    sentences.append(not_shown_note(data))
    return " ".join(s for s in sentences if s)


def about(rules: SuppressionRules, mart_comment: str | None, levels: FunnelLevels) -> list[str]:
    alert_level, alarm_level = levels.alert, levels.alarm
    paragraphs = [
        "Each point is a program: its observed events divided by the events expected if its "
        "patients had had in-person CBT's risk for their case mix, over the window, against "
        "the expected events (more expected events, narrower limits). Points above the upper "
        "lines have more harm than in-person CBT than chance explains. Black lines are exact "
        f"binomial {level(alert_level)} and {level(alarm_level)} limits; purple lines are "
        "the same limits widened for over-dispersion between programs (additive random "
        "effects), which signalling uses when over-dispersion is present. A program "
        f"signals when its count exceeds the {level(alarm_level)} quantile itself with at "
        "least the minimum number of events.",
        f"Source: the warehouse table {MART} (Spiegelhalter, Stat Med 2005; Qual Saf Health "
        "Care 2005). Windows are the latest and those before it that do not overlap it.",
        f"Privacy: a program with 1 to {rules.threshold - 1} units judged or events in the "
        "window is not drawn and its ratio is not shown. Earlier, overlapping windows are "
        "not offered: the difference between two of them would be a month's count.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "delivery_mode": "Delivery mode",
    "n": "Units judged",
    "observed": "Events",
    "expected": "Expected",
    "ratio": "Observed / expected",
    # Named by their levels where the snapshot is known (FunnelLevels.headers).
    "alert_limits": "Alert limits",
    "alarm_limits": "Alarm limits",
    "position": "Position",
    "signal": "Signal",
}
NUMERIC_COLUMNS = frozenset({"n", "observed", "expected", "ratio", "alert_limits", "alarm_limits"})


def _limits_text(
    data: pl.DataFrame, rules: SuppressionRules, exact: tuple[str, str], dispersed: tuple[str, str]
) -> list[str]:
    """The limits signalling uses, as "low to high" (a lower limit below zero as zero)."""
    values = []
    for row in data.iter_rows(named=True):
        low, high = dispersed if row["overdispersion_applied"] else exact
        if row[high + SUPPRESSED_SUFFIX]:
            values.append(rules.suppressed_label)
        elif row[low] is None or row[high] is None:
            values.append(MISSING)
        else:
            values.append(f"{max(0.0, row[low]):.2f} to {row[high]:.2f}")
    return values


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    if data.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(TABLE_HEADERS, pl.String))
    text = text_frame(data, SUPPRESSION, rules)
    positions = FunnelLevels.of_frame(data).positions()
    return text.with_columns(
        pl.col("delivery_mode").map_elements(mode_label, return_dtype=pl.String),
        pl.Series(
            "alert_limits",
            _limits_text(data, rules, ALERT_EXACT, ALERT_DISPERSED),
            dtype=pl.String,
        ),
        pl.Series(
            "alarm_limits",
            _limits_text(data, rules, ALARM_EXACT, ALARM_DISPERSED),
            dtype=pl.String,
        ),
        pl.when(pl.col("status") == SHOWN)
        .then(pl.col("position").replace_strict(positions, default=MISSING))
        .otherwise(pl.col("status").replace_strict(REASONS, default=MISSING))
        .alias("position"),
        pl.when(pl.col("alarm")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("signal"),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)
    return text.with_columns(pl.col("window_start", "month").dt.strftime("%Y-%m"))


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset(
    {Control.INDICATOR, Control.WINDOW, Control.MODES, Control.PROGRAMS}
)


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), FunnelLevels.of(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    levels = FunnelLevels.of(marts)
    data = process_data(
        marts.safety_funnel(),
        str(view.state.indicator),
        require_window(view),
        view.programs,
        levels,
    )
    return ChartData(data, data, headers=levels.headers())


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(
        create_figure(data.plot, view.indicator_label),
        summarise(data.plot, view.indicator_label),
    )
