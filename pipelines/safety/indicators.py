"""Safety indicators as yes/no outcomes of dated units, ready to compare with in-person CBT.

Every indicator reduces to the same shape, one row per unit (an episode, or a trigger
for the process indicator): when the outcome became known (`unit_date`, and its
`month`), whether it happened (`event`) and the case mix the expected-rate model
adjusts for. One shape lets the funnel plot and the CUSUM treat every indicator alike.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from pipelines.contract import load_contract, load_instruments
from pipelines.safety.config import Indicator, SafetyConfig

UNIT_SCHEMA = {
    "indicator": pl.Utf8,
    "program_id": pl.Utf8,
    "episode_id": pl.Int64,
    "unit_date": pl.Date,
    "month": pl.Date,
    "event": pl.Boolean,
    "age_band_index": pl.Int8,
    "female": pl.Boolean,
    "rurality": pl.Utf8,
    "baseline_severity": pl.Float64,
    "baseline_item9": pl.Float64,
    "trigger_type": pl.Utf8,
}
TRIGGER_SCHEMA = {
    "program_id": pl.Utf8,
    "episode_id": pl.Int64,
    "trigger_type": pl.Utf8,
    "trigger_date": pl.Date,
    "contact_date": pl.Date,
    "deadline": pl.Date,
    "business_days_to_contact": pl.Int64,
    "met": pl.Boolean,
    "judged": pl.Boolean,
}


def case_mix(episodes: pl.DataFrame) -> pl.DataFrame:
    """Episode keys with the model's covariates: age band as its ordinal index in the
    contract, female vs any other sex, rurality and the baseline severity score."""
    bands = list(load_contract()["episodes"].field("age_band").enum or ())
    return episodes.select(
        "episode_id",
        "program_id",
        pl.col("age_band")
        .replace_strict(bands, list(range(len(bands))), return_dtype=pl.Int8)
        .alias("age_band_index"),
        (pl.col("sex") == "female").alias("female"),
        "rurality",
        pl.col("baseline_severity").cast(pl.Float64),
    )


def _units(indicator: str, frame: pl.DataFrame, mix: pl.DataFrame) -> pl.DataFrame:
    """Attach case mix and the month to (episode_id, unit_date, event); a baseline
    severity in `frame` (the indicator's own scale) replaces the episode's PHQ-9."""
    shared = [c for c in frame.columns if c in mix.columns and c != "episode_id"]
    joined = frame.join(mix.drop(shared), on="episode_id", how="inner")
    if "baseline_item9" not in joined.columns:
        joined = joined.with_columns(baseline_item9=pl.lit(None, dtype=pl.Float64))
    if "trigger_type" not in joined.columns:
        joined = joined.with_columns(trigger_type=pl.lit(None, dtype=pl.Utf8))
    return joined.with_columns(
        indicator=pl.lit(indicator),
        month=pl.col("unit_date").dt.truncate("1mo"),
    ).select([pl.col(c).cast(t) for c, t in UNIT_SCHEMA.items()])


def deterioration_units(
    indicator: Indicator, rows: pl.DataFrame, mix: pl.DataFrame, definition: str
) -> pl.DataFrame:
    """Episodes judged on the indicator's scale; the event is the configured definition
    (NULL flags, e.g. Talking Therapies points on a scale without them, are not judged)."""
    scale = rows.filter(
        (pl.col("instrument") == indicator.instrument) & (pl.col("scale") == indicator.scale)
    )
    frame = scale.filter(pl.col(definition).is_not_null()).select(
        "episode_id",
        "unit_date",
        pl.col(definition).alias("event"),
        pl.col("baseline_score").alias("baseline_severity"),
    )
    return _units(indicator.name, frame, mix)


def item9_units(
    indicator: Indicator, rows: pl.DataFrame, mix: pl.DataFrame, top_answer: int
) -> pl.DataFrame:
    """New (baseline 0) or worse item-9 answers at the later timepoint than at baseline;
    a baseline at the top answer cannot get worse, so it is not judged."""
    frame = rows.filter(pl.col("baseline_item") < top_answer).select(
        "episode_id",
        "unit_date",
        (pl.col("later_item") > pl.col("baseline_item")).alias("event"),
        pl.col("baseline_item").cast(pl.Float64).alias("baseline_item9"),
    )
    return _units(indicator.name, frame, mix)


def adverse_event_units(
    indicator: Indicator, episodes: pl.DataFrame, events: pl.DataFrame, mix: pl.DataFrame
) -> pl.DataFrame:
    """Ended episodes, dated by their end; the event is any adverse event of the episode
    that passes every one of the indicator's filters."""
    match = pl.lit(True)
    for field, values in indicator.filter.items():
        match = match & pl.col(field).is_in(list(values))
    hit = events.filter(match).select("episode_id").unique()
    frame = (
        episodes.filter(pl.col("end_date").is_not_null())
        .select("episode_id", pl.col("end_date").alias("unit_date"))
        .with_columns(event=pl.col("episode_id").is_in(hit["episode_id"].implode()))
    )
    return _units(indicator.name, frame, mix)


def disengagement_units(
    indicator: Indicator, rows: pl.DataFrame, mix: pl.DataFrame, reasons: tuple[str, ...]
) -> pl.DataFrame:
    """Ended episodes that deteriorated during treatment; the event is a disengaged end."""
    frame = rows.select(
        "episode_id",
        "unit_date",
        pl.col("discharge_reason").is_in(list(reasons)).fill_null(False).alias("event"),
    )
    return _units(indicator.name, frame, mix)


def follow_up_triggers(
    triggers: pl.DataFrame, episodes: pl.DataFrame, standard_days: int, data_end: date
) -> pl.DataFrame:
    """Each trigger's business days to the next therapist contact against the standard.

    `business_days_to_contact` counts weekdays from the trigger day up to (not including)
    the contact day, so a contact on the trigger day is 0 and one the next business day
    is 1. The deadline is the standard's last day; a trigger is judged once it has a
    contact by the deadline or the data reach past the deadline.
    """
    if triggers.is_empty():
        return pl.DataFrame(schema=TRIGGER_SCHEMA)
    start = triggers["trigger_date"].to_numpy().astype("datetime64[D]")
    contact = triggers["contact_date"].to_numpy().astype("datetime64[D]")
    contacted = ~np.isnat(contact)
    days = np.full(len(start), -1, dtype=np.int64)
    days[contacted] = np.busday_count(start[contacted], contact[contacted])
    deadline = np.busday_offset(start, standard_days, roll="forward")
    met = contacted & (days <= standard_days)
    judged = met | (deadline <= np.datetime64(data_end, "D"))
    return (
        triggers.with_columns(
            deadline=pl.Series(deadline).cast(pl.Date),
            business_days_to_contact=pl.Series(days).replace(-1, None),
            met=pl.Series(met),
            judged=pl.Series(judged),
        )
        .join(episodes.select("episode_id", "program_id"), on="episode_id")
        .select([pl.col(c).cast(t) for c, t in TRIGGER_SCHEMA.items()])
    )


def process_units(indicator: Indicator, triggers: pl.DataFrame, mix: pl.DataFrame) -> pl.DataFrame:
    """Judged triggers; the event is a breach of the follow-up standard. The trigger type
    tells apart an item-9 answer and a serious adverse event of the same day."""
    frame = triggers.filter(pl.col("judged")).select(
        "episode_id",
        "trigger_type",
        pl.col("trigger_date").alias("unit_date"),
        (~pl.col("met")).alias("event"),
    )
    return _units(indicator.name, frame, mix)


def build_units(
    config: SafetyConfig,
    *,
    episodes: pl.DataFrame,
    deterioration: pl.DataFrame,
    item9: pl.DataFrame,
    adverse_events: pl.DataFrame,
    disengagement: pl.DataFrame,
    triggers: pl.DataFrame,
) -> pl.DataFrame:
    """Units of every configured indicator, in UNIT_SCHEMA."""
    mix = case_mix(episodes)
    parts = [pl.DataFrame(schema=UNIT_SCHEMA)]
    for indicator in config.indicators.values():
        if indicator.family == "deterioration":
            part = deterioration_units(
                indicator, deterioration, mix, config.deterioration_definition
            )
        elif indicator.family == "item9":
            top = load_instruments()[config.item9_instrument].item_max
            part = item9_units(indicator, item9, mix, top)
        elif indicator.family == "adverse_event":
            part = adverse_event_units(indicator, episodes, adverse_events, mix)
        elif indicator.family == "disengagement":
            part = disengagement_units(indicator, disengagement, mix, config.disengaged_reasons)
        else:
            part = process_units(indicator, triggers, mix)
        parts.append(part)
    return pl.concat(parts).sort("indicator", "program_id", "unit_date", "episode_id")
