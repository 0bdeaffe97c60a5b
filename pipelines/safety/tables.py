"""Frames for the safety reference tables and marts that are not a method's own output."""

from __future__ import annotations

import polars as pl

from pipelines.safety.config import SafetyConfig
from pipelines.sql import model, model_frame


def policy_table(config: SafetyConfig) -> pl.DataFrame:
    """ref_safety_policy: every sourced number of config/safety.yaml, typed by its model."""
    rows = [
        {
            "name": name,
            "value": sourced.value,
            "source": sourced.source,
            "evidence": sourced.evidence,
            "note": sourced.note or None,
        }
        for name, sourced in sorted(config.sourced_values().items())
    ]
    return model_frame(model("safety", "ref_safety_policy"), rows)


def _definition(config: SafetyConfig, name: str) -> str:
    indicator = config.indicators[name]
    if indicator.family == "deterioration":
        return (
            f"{indicator.instrument} {indicator.scale} at {config.deterioration_timepoint}, "
            f"{config.deterioration_definition} ({config.deterioration_source})"
        )
    if indicator.family == "item9":
        return (
            f"{config.item9_instrument} item {config.item9_number} higher at "
            f"{config.deterioration_timepoint} than at baseline"
        )
    if indicator.family == "adverse_event":
        parts = [f"{k} in {list(v)}" for k, v in indicator.filter.items()]
        return "any adverse event of the ended episode with " + " and ".join(parts)
    if indicator.family == "disengagement":
        return f"discharge reason in {list(config.disengaged_reasons)} after a deterioration"
    return (
        f"no {'/'.join(config.contact_event_types)} within "
        f"{int(config.standard_business_days.value)} business day(s) of "
        f"{' or '.join(config.triggers)}"
    )


def indicator_table(config: SafetyConfig) -> pl.DataFrame:
    """ref_safety_indicators: what each indicator counts and its fallback, typed by its
    model."""
    rows = []
    for name, indicator in config.indicators.items():
        fallback = indicator.published_fallback
        rows.append(
            {
                "indicator": name,
                "label": indicator.label,
                "family": indicator.family,
                "severe": indicator.severe,
                "definition": _definition(config, name),
                "published_fallback": None if fallback is None else fallback.value,
                "fallback_source": indicator.fallback_note if fallback is None else fallback.cite(),
            }
        )
    return model_frame(model("safety", "ref_safety_indicators"), rows)


def indicator_mart(
    monthly: pl.DataFrame, programs: pl.DataFrame, config: SafetyConfig
) -> pl.DataFrame:
    """mart_safety_indicators from the monthly counts."""
    labels = pl.DataFrame(
        {
            "indicator": list(config.indicators),
            "indicator_label": [i.label for i in config.indicators.values()],
            "severe": [i.severe for i in config.indicators.values()],
        }
    )
    return (
        monthly.join(
            programs.select("program_id", "program_name", "delivery_mode"),
            on="program_id",
            how="left",
        )
        .join(labels, on="indicator", how="left")
        .with_columns(
            observed_rate=pl.col("observed") / pl.col("n"),
            expected=pl.when(pl.col("n_compared") > 0).then(pl.col("expected")),
            expected_rate=pl.when(pl.col("n_compared") > 0).then(
                pl.col("expected") / pl.col("n_compared")
            ),
            observed_to_expected=pl.when(pl.col("expected") > 0).then(
                pl.col("observed_compared") / pl.col("expected")
            ),
        )
        .sort("program_id", "indicator", "month")
    )


def response_time_mart(triggers: pl.DataFrame, standard_days: int) -> pl.DataFrame:
    """mart_item9_response_times: follow-up against the standard by program and month."""
    return (
        triggers.with_columns(month=pl.col("trigger_date").dt.truncate("1mo"))
        .group_by("program_id", "trigger_type", "month")
        .agg(
            triggers=pl.len(),
            judged=pl.col("judged").sum(),
            met=pl.col("met").sum(),
            breached=(pl.col("judged") & ~pl.col("met")).sum(),
            pending=(~pl.col("judged")).sum(),
            contacted=pl.col("business_days_to_contact").is_not_null().sum(),
            median_business_days=pl.col("business_days_to_contact").median(),
            p90_business_days=pl.col("business_days_to_contact").quantile(0.9, "nearest"),
        )
        .with_columns(
            standard_business_days=pl.lit(standard_days),
            share_met=pl.when(pl.col("judged") > 0).then(pl.col("met") / pl.col("judged")),
        )
        .sort("program_id", "trigger_type", "month")
    )
