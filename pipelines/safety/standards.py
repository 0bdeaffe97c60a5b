"""Which process-of-care standard applies to each program, and whether it is measured.

The follow-up standard (a therapist contact within the configured business days of an
item-9 answer or a serious adverse event) assumes a therapist. A self-guided program has
none, so it breaches that standard every time by design, and alerting on it every run
tells nobody anything new. The delivery mode's own standard comes from config
(`process_of_care.standards_by_delivery_mode`, with its source) and is recorded once per
program in `mart_safety_process_standards`. A program is measured against the standard
that applies to it: where neither a published figure nor a recorded event can show that
standard being met, its follow-up units stay in the counts but are not compared with
in-person CBT, so no signal opens on a breach the design guarantees.
"""

from __future__ import annotations

import polars as pl

from pipelines.safety.config import SafetyConfig

THERAPIST_CONTACT = "therapist_contact"
STANDARD_SCHEMA = {
    "program_id": pl.Utf8,
    "delivery_mode": pl.Utf8,
    "indicator": pl.Utf8,
    "standard": pl.Utf8,
    "description": pl.Utf8,
    "measured": pl.Boolean,
    "reason": pl.Utf8,
    "source": pl.Utf8,
}


def process_standards(programs: pl.DataFrame, config: SafetyConfig) -> pl.DataFrame:
    """One row per program and process indicator: the standard that applies and why."""
    therapist = (
        f"A therapist contact ({', '.join(config.contact_event_types)}) within "
        f"{int(config.standard_business_days.value)} business day(s) of "
        f"{' or '.join(config.triggers)}."
    )
    process = [name for name, i in config.indicators.items() if i.family == "process"]
    rows = []
    for program in programs.iter_rows(named=True):
        mode = config.mode_standards.get(program["delivery_mode"])
        for indicator in process:
            if mode is None:
                rows.append(
                    {
                        "program_id": program["program_id"],
                        "delivery_mode": program["delivery_mode"],
                        "indicator": indicator,
                        "standard": THERAPIST_CONTACT,
                        "description": therapist,
                        "measured": True,
                        "reason": "The delivery mode includes a therapist.",
                        "source": config.standard_business_days.cite(),
                    }
                )
                continue
            rows.append(
                {
                    "program_id": program["program_id"],
                    "delivery_mode": program["delivery_mode"],
                    "indicator": indicator,
                    "standard": mode.standard,
                    "description": mode.description,
                    "measured": mode.measurable,
                    "reason": mode.note,
                    "source": mode.cite(),
                }
            )
    return pl.DataFrame(rows, schema=STANDARD_SCHEMA).sort("program_id", "indicator")


def apply_standards(units: pl.DataFrame, standards: pl.DataFrame) -> pl.DataFrame:
    """Units of a program whose applicable standard is not measured lose their
    expectation (not compared, so no signal) and name the standard as their reference;
    every other unit is unchanged."""
    unmeasured = standards.filter(~pl.col("measured")).select(
        "program_id", "indicator", pl.col("standard").alias("unmeasured_standard")
    )
    if unmeasured.is_empty():
        return units
    flagged = units.join(unmeasured, on=["program_id", "indicator"], how="left")
    skip = pl.col("unmeasured_standard").is_not_null()
    return flagged.with_columns(
        expected=pl.when(skip).then(None).otherwise(pl.col("expected")),
        reference=pl.when(skip)
        .then(pl.lit("standard:") + pl.col("unmeasured_standard"))
        .otherwise(pl.col("reference")),
        reference_method=pl.when(skip)
        .then(pl.lit("not_measured"))
        .otherwise(pl.col("reference_method")),
        reference_logit_se=pl.when(skip).then(None).otherwise(pl.col("reference_logit_se")),
    ).drop("unmeasured_standard")
