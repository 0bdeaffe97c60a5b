"""Monthly surveillance of every program and indicator against in-person CBT.

From units with expected probabilities it builds the monthly indicator table, the
funnel evaluation of each month's rolling window, the CUSUM of each program, and the
signal episodes both methods imply. Everything is recomputed from the full history on
every run, so the same data always give the same answer; the register (register.py)
is what remembers which of these episodes were already announced.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from pipelines.safety import cusum, funnel
from pipelines.safety.config import SafetyConfig

EPISODE_SCHEMA = {
    "program_id": pl.Utf8,
    "indicator": pl.Utf8,
    "method": pl.Utf8,
    "opened_month": pl.Date,
    "resolved_month": pl.Date,
    "opened_n": pl.Int64,
    "opened_observed": pl.Float64,
    "opened_expected": pl.Float64,
    "opened_statistic": pl.Float64,
    "opened_threshold": pl.Float64,
    "latest_month": pl.Date,
    "latest_n": pl.Int64,
    "latest_observed": pl.Float64,
    "latest_expected": pl.Float64,
    "latest_statistic": pl.Float64,
    "latest_threshold": pl.Float64,
}
_STATE_COLUMNS = ("n", "observed", "expected", "statistic", "threshold")
_KEYS = {"indicator": pl.Utf8, "program_id": pl.Utf8, "month": pl.Date}
FUNNEL_SCHEMA = {
    **_KEYS,
    "window_start": pl.Date,
    "n": pl.Int64,
    "observed": pl.Int64,
    "expected": pl.Float64,
    "ratio": pl.Float64,
    "z": pl.Float64,
    "phi": pl.Float64,
    "tau2": pl.Float64,
    "programs_compared": pl.Int64,
    "overdispersion_applied": pl.Boolean,
    "reference_logit_se": pl.Float64,
    **dict.fromkeys(
        [
            f"{level}_{side}{suffix}"
            for suffix in ("", "_dispersed")
            for level in ("alert", "alarm")
            for side in ("low", "high")
        ],
        pl.Float64,
    ),
    "signal_threshold": pl.Float64,
    "above_alert": pl.Boolean,
    "alarm": pl.Boolean,
}
CUSUM_SCHEMA = {
    **_KEYS,
    "n": pl.Int64,
    "observed": pl.Int64,
    "expected": pl.Float64,
    "llr": pl.Float64,
    "statistic": pl.Float64,
    "peak": pl.Float64,
    "threshold": pl.Float64,
    "simulated_arl_months": pl.Float64,
    "reference_logit_se": pl.Float64,
    "alarm": pl.Boolean,
    "in_signal": pl.Boolean,
    "excursion_n": pl.Int64,
    "excursion_observed": pl.Int64,
    "excursion_expected": pl.Float64,
}


@dataclass(frozen=True)
class Surveillance:
    indicators: pl.DataFrame  # program x indicator x month
    funnel: pl.DataFrame  # program x indicator x month (window ending that month)
    cusum: pl.DataFrame  # program x indicator x month
    episodes: pl.DataFrame  # signal episodes implied by both methods
    thresholds: dict[str, cusum.Threshold]  # the CUSUM thresholds used, by key


def month_grid(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def monthly_indicators(units: pl.DataFrame) -> pl.DataFrame:
    """Counts per program, indicator and month; expected sums over compared units only."""
    compared = pl.col("expected").is_not_null()
    return (
        units.group_by("program_id", "indicator", "month")
        .agg(
            n=pl.len(),
            observed=pl.col("event").sum(),
            n_compared=compared.sum(),
            observed_compared=(pl.col("event") & compared).sum(),
            expected=pl.col("expected").sum(),
            variance=(pl.col("expected") * (1 - pl.col("expected"))).sum(),
            reference=pl.col("reference").first(),
            reference_method=pl.col("reference_method").first(),
        )
        .sort("indicator", "program_id", "month")
    )


def reference_errors(units: pl.DataFrame, config: SafetyConfig) -> pl.DataFrame:
    """Per indicator and program, the standard error of the expected log-odds that the
    methods carry: the reference's own (expected.py) with `reference_uncertainty: carry`,
    0 with `ignore` (the reference treated as exact)."""
    keys = {"indicator": pl.Utf8, "program_id": pl.Utf8}
    carried = config.carries_reference_uncertainty and "reference_logit_se" in units.columns
    source = pl.col("reference_logit_se").drop_nulls().first() if carried else pl.lit(0.0)
    return (
        units.group_by(*keys)
        .agg(reference_logit_se=source)
        .with_columns(pl.col("reference_logit_se").fill_null(0.0).cast(pl.Float64))
        .select(*[pl.col(k).cast(t) for k, t in keys.items()], "reference_logit_se")
    )


def _dense(monthly: pl.DataFrame, months: list[date]) -> pl.DataFrame:
    """Every month from each chart's first month to the last, zero-filled."""
    firsts = monthly.group_by("program_id", "indicator").agg(first=pl.col("month").min())
    grid = firsts.join(pl.DataFrame({"month": months}), how="cross").filter(
        pl.col("month") >= pl.col("first")
    )
    counts = ("n_compared", "observed_compared", "expected", "variance")
    return (
        grid.drop("first")
        .join(
            monthly.select("program_id", "indicator", "month", *counts),
            on=[
                "program_id",
                "indicator",
                "month",
            ],
            how="left",
        )
        .with_columns([pl.col(c).fill_null(0) for c in counts])
        .sort("indicator", "program_id", "month")
    )


def evaluate_funnel(
    monthly: pl.DataFrame,
    months: list[date],
    config: SafetyConfig,
    errors: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Each month's rolling-window funnel for every program with expected events.

    `errors` (reference_errors) gives each chart's reference standard error on the
    log-odds scale; the expected count's variance (V sigma)^2 then joins the binomial
    variance V in the z-scores, the over-dispersion estimate and the limits."""
    window = int(config.window_months.value)
    keys = ["indicator", "program_id"]
    dense = _dense(monthly.filter(pl.col("n_compared") > 0), months)
    rolled = dense.with_columns(
        window_start=pl.col("month").dt.offset_by(f"-{window - 1}mo"),
        **{
            name: pl.col(source).rolling_sum(window, min_samples=1).over(keys)
            for name, source in (
                ("n", "n_compared"),
                ("observed", "observed_compared"),
                ("expected", "expected"),
                ("variance", "variance"),
            )
        },
    ).filter((pl.col("n") > 0) & (pl.col("expected") > 0))
    if errors is None:
        rolled = rolled.with_columns(reference_logit_se=pl.lit(0.0))
    else:
        rolled = rolled.join(errors, on=keys, how="left").with_columns(
            pl.col("reference_logit_se").fill_null(0.0)
        )
    parts = []
    method = config.overdispersion
    for _, group in rolled.group_by("indicator", "month", maintain_order=True):
        n = group["n"].to_numpy().astype(float)
        o = group["observed"].to_numpy().astype(float)
        e = group["expected"].to_numpy()
        v = group["variance"].to_numpy()
        se = group["reference_logit_se"].to_numpy()
        total = v + (v * se) ** 2
        s = np.sqrt(total) / e
        z = (o - e) / np.sqrt(total)
        spread = funnel.overdispersion(z, s, config.winsorise.value)
        alert = funnel.limits(config.alert_level.value, n, e, v, spread, method, se)
        alarm = funnel.limits(config.alarm_level.value, n, e, v, spread, method, se)
        dispersed = funnel.is_dispersed(spread, method)
        upper = alarm.count_high / e
        if dispersed:
            upper = np.maximum(upper, alarm.dispersed_high)
        ratio = o / e
        beyond_alert = funnel.beyond(alert, o, ratio, dispersed)
        beyond_alarm = funnel.beyond(alarm, o, ratio, dispersed)
        parts.append(
            group.with_columns(
                ratio=pl.Series(ratio),
                z=pl.Series(z),
                phi=pl.lit(spread.phi),
                tau2=pl.lit(spread.tau2),
                programs_compared=pl.lit(spread.units),
                overdispersion_applied=pl.lit(dispersed),
                alert_low=pl.Series(alert.exact_low),
                alert_high=pl.Series(alert.exact_high),
                alarm_low=pl.Series(alarm.exact_low),
                alarm_high=pl.Series(alarm.exact_high),
                alert_low_dispersed=pl.Series(alert.dispersed_low),
                alert_high_dispersed=pl.Series(alert.dispersed_high),
                alarm_low_dispersed=pl.Series(alarm.dispersed_low),
                alarm_high_dispersed=pl.Series(alarm.dispersed_high),
                signal_threshold=pl.Series(upper),
                above_alert=pl.Series(beyond_alert),
                alarm=pl.Series(beyond_alarm & (o >= config.minimum_events.value)),
            )
        )
    if not parts:
        return pl.DataFrame()
    return (
        pl.concat(parts)
        .drop("n_compared", "observed_compared")
        .sort("indicator", "program_id", "month")
    )


def evaluate_cusum(
    units: pl.DataFrame,
    monthly: pl.DataFrame,
    months: list[date],
    config: SafetyConfig,
    thresholds: MutableMapping[str, cusum.Threshold],
    used: dict[str, cusum.Threshold],
    workers: int = 1,
) -> pl.DataFrame:
    """Each program's monthly risk-adjusted CUSUM, with its simulated threshold.

    `thresholds` caches simulations by their inputs (cusum.threshold_key): a chart whose
    months, risks and design are unchanged reuses its threshold; the others are simulated
    in `workers` processes. The thresholds this evaluation used are added to `used`.
    """
    compared = units.filter(pl.col("expected").is_not_null())
    if compared.is_empty():
        return pl.DataFrame(schema=CUSUM_SCHEMA)
    errors = {
        (row["indicator"], row["program_id"]): row["reference_logit_se"]
        for row in reference_errors(compared, config).iter_rows(named=True)
    }
    odds_ratio = config.odds_ratio.value
    compared = compared.with_columns(
        weight=pl.Series(
            cusum.weights(compared["expected"].to_numpy(), compared["event"].to_numpy(), odds_ratio)
        )
    )
    llr = compared.group_by("indicator", "program_id", "month").agg(
        llr=pl.col("weight").sum(), risks=pl.col("expected").sort()
    )
    dense = (
        _dense(monthly.filter(pl.col("n_compared") > 0), months)
        .join(llr, on=["indicator", "program_id", "month"], how="left")
        .sort("indicator", "program_id", "month")
    )
    charts = []
    for (indicator, program_id), chart in dense.group_by(
        "indicator", "program_id", maintain_order=True
    ):
        risks = [np.asarray(r if r is not None else [], dtype=float) for r in chart["risks"]]
        design = {
            "odds_ratio": odds_ratio,
            "target_arl_months": config.in_control_arl_months.value,
            "cycles": config.simulation_cycles,
            "seed": cusum.chart_seed(config.simulation_seed, str(indicator), str(program_id)),
            "logit_se": errors.get((indicator, program_id), 0.0),
            "nodes": config.reference_nodes,
        }
        charts.append((chart, design, risks, cusum.threshold_key(risks, **design)))
    missing = {key: (risks, design) for _, design, risks, key in charts if key not in thresholds}
    thresholds.update(cusum.simulate_thresholds(missing, workers))
    parts = []
    for chart, design, _, key in charts:
        threshold = used[key] = thresholds[key]
        state = cusum.run_chart(
            chart["llr"].fill_null(0.0).to_numpy(),
            chart["observed_compared"].to_numpy().astype(float),
            chart["expected"].to_numpy(),
            chart["n_compared"].to_numpy(),
            threshold=threshold.h,
            restart_fraction=config.restart_fraction.value,
            minimum_events=int(config.minimum_events.value),
        )
        parts.append(
            chart.select("indicator", "program_id", "month", "n_compared", "observed_compared")
            .rename({"n_compared": "n", "observed_compared": "observed"})
            .with_columns(
                expected=chart["expected"],
                llr=pl.Series(state.llr),
                statistic=pl.Series(state.statistic),
                peak=pl.Series(state.peak),
                threshold=pl.lit(threshold.h),
                simulated_arl_months=pl.lit(threshold.arl_months),
                reference_logit_se=pl.lit(design["logit_se"]),
                alarm=pl.Series(state.alarm),
                in_signal=pl.Series(state.in_signal),
                excursion_n=pl.Series(state.excursion_n),
                excursion_observed=pl.Series(state.excursion_observed),
                excursion_expected=pl.Series(state.excursion_expected),
            )
        )
    rows = pl.concat(parts).sort("indicator", "program_id", "month")
    return rows.select([pl.col(c).cast(t) for c, t in CUSUM_SCHEMA.items()])


def _funnel_open(alarm: np.ndarray, resolve_after: int) -> np.ndarray:
    """Open from an alarm until `resolve_after` consecutive months without one."""
    state, inside = np.zeros(len(alarm), dtype=bool), 0
    is_open = False
    for i, hit in enumerate(alarm):
        if hit:
            is_open, inside = True, 0
        elif is_open:
            inside += 1
            if inside >= resolve_after:
                is_open = False
        state[i] = is_open
    return state


def episodes_from_states(states: pl.DataFrame) -> pl.DataFrame:
    """Signal episodes: runs of months in which a chart's signal is open.

    `states` has program_id, indicator, method, month, open and the evidence columns
    (n, observed, expected, statistic, threshold). An episode opens in the first month
    of a run and is resolved in the first month after it; one still open at the last
    month has no resolved month. Its latest evidence is from its last open month.
    """
    rows = []
    for (program_id, indicator, method), chart in states.sort("month").group_by(
        "program_id", "indicator", "method", maintain_order=True
    ):
        is_open = chart["open"].to_numpy()
        months = chart["month"].to_list()
        values = {c: chart[c].to_list() for c in _STATE_COLUMNS}
        i = 0
        while i < len(is_open):
            if not is_open[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(is_open) and is_open[j + 1]:
                j += 1
            resolved = months[j + 1] if j + 1 < len(is_open) else None
            rows.append(
                {
                    "program_id": program_id,
                    "indicator": indicator,
                    "method": method,
                    "opened_month": months[i],
                    "resolved_month": resolved,
                    **{f"opened_{c}": values[c][i] for c in _STATE_COLUMNS},
                    "latest_month": months[j],
                    **{f"latest_{c}": values[c][j] for c in _STATE_COLUMNS},
                }
            )
            i = j + 1
    return pl.DataFrame(rows, schema=EPISODE_SCHEMA)


def signal_episodes(
    funnel_rows: pl.DataFrame, cusum_rows: pl.DataFrame, config: SafetyConfig
) -> pl.DataFrame:
    """Episodes of both methods, with each method's evidence in common columns."""
    states = []
    if not funnel_rows.is_empty():
        resolve_after = int(config.resolve_after_months.value)
        opened = [
            _funnel_open(chart["alarm"].to_numpy(), resolve_after)
            for _, chart in funnel_rows.group_by("indicator", "program_id", maintain_order=True)
        ]
        states.append(
            funnel_rows.select(
                "program_id",
                "indicator",
                pl.lit("funnel").alias("method"),
                "month",
                pl.Series("open", np.concatenate(opened)),
                "n",
                "observed",
                "expected",
                pl.col("ratio").alias("statistic"),
                pl.col("signal_threshold").alias("threshold"),
            )
        )
    if not cusum_rows.is_empty():
        states.append(
            cusum_rows.select(
                "program_id",
                "indicator",
                pl.lit("cusum").alias("method"),
                "month",
                pl.col("in_signal").alias("open"),
                pl.col("excursion_n").alias("n"),
                pl.col("excursion_observed").alias("observed"),
                pl.col("excursion_expected").alias("expected"),
                pl.col("peak").alias("statistic"),
                "threshold",
            )
        )
    if not states:
        return pl.DataFrame(schema=EPISODE_SCHEMA)
    evidence = {"n": pl.Int64, **dict.fromkeys(_STATE_COLUMNS[1:], pl.Float64)}
    combined = pl.concat(
        [s.with_columns([pl.col(c).cast(t) for c, t in evidence.items()]) for s in states]
    )
    return episodes_from_states(combined)


def survey(
    units: pl.DataFrame,
    as_of: date,
    config: SafetyConfig,
    thresholds: MutableMapping[str, cusum.Threshold] | None = None,
    workers: int = 1,
) -> Surveillance:
    """The whole monthly surveillance up to the month containing `as_of`; `thresholds`
    is the CUSUM threshold cache (see evaluate_cusum), filled in place, and `workers`
    the processes that simulate the missing ones."""
    units = units.filter(pl.col("month") <= as_of.replace(day=1))
    monthly = monthly_indicators(units)
    if monthly.is_empty():
        return Surveillance(
            monthly,
            pl.DataFrame(schema=FUNNEL_SCHEMA),
            pl.DataFrame(schema=CUSUM_SCHEMA),
            pl.DataFrame(schema=EPISODE_SCHEMA),
            {},
        )
    months = month_grid(monthly["month"].min(), as_of)
    funnel_rows = evaluate_funnel(monthly, months, config, reference_errors(units, config))
    used: dict[str, cusum.Threshold] = {}
    cache = {} if thresholds is None else thresholds
    cusum_rows = evaluate_cusum(units, monthly, months, config, cache, used, workers)
    episodes = signal_episodes(funnel_rows, cusum_rows, config)
    return Surveillance(monthly, funnel_rows, cusum_rows, episodes, used)
