"""Scale scores from item responses, vectorised for tens of millions of item rows.

Each administration (episode x instrument x date) yields one row per scale in the
contract, even when none of that scale's items were answered, so missing scores stay
visible downstream instead of disappearing. Item values outside the contract's answer
range count as unanswered. Prorated scores are kept unrounded: rounding is a reporting
choice with no published rule, and rounding first would move cases across cut-offs.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pipelines.scoring.config import ScaleConfig, ScoringConfig, load_scoring_config

ADMINISTRATION_KEYS = ("episode_id", "instrument", "administered_date")

ITEM_SCHEMA = {
    "episode_id": pl.Int64,
    "instrument": pl.String,
    "administered_date": pl.Date,
    "item_number": pl.Int64,
    "value": pl.Int64,
}

SCORE_SCHEMA = {
    "episode_id": pl.Int64,
    "instrument": pl.String,
    "administered_date": pl.Date,
    "scale": pl.String,
    "score": pl.Float64,
    "items_answered": pl.Int64,
    "items_expected": pl.Int64,
    "prorated": pl.Boolean,
    "severity_band": pl.String,
    "is_case": pl.Boolean,
}


def scale_membership(config: ScoringConfig) -> pl.DataFrame:
    """One row per (instrument, scale, item): the contract's subscale definitions."""
    rows = [(s.instrument, s.name, item) for s in config.scales() for item in s.items]
    return pl.DataFrame(
        rows,
        schema={"instrument": pl.String, "scale": pl.String, "item_number": pl.Int64},
        orient="row",
    )


def scale_parameters(config: ScoringConfig) -> pl.DataFrame:
    """One row per scale with what the aggregation needs: size, proration limit, cut-off."""
    return pl.DataFrame(
        {
            "instrument": [s.instrument for s in config.scales()],
            "scale": [s.name for s in config.scales()],
            "items_expected": [s.n_items for s in config.scales()],
            "min_answered": [s.min_answered for s in config.scales()],
            "is_mean": [s.scoring.method == "mean" for s in config.scales()],
            "caseness_min": [
                s.caseness_min.value if s.caseness_min else None for s in config.scales()
            ],
        },
        schema={
            "instrument": pl.String,
            "scale": pl.String,
            "items_expected": pl.Int64,
            "min_answered": pl.Int64,
            "is_mean": pl.Boolean,
            "caseness_min": pl.Float64,
        },
    )


def _item_ranges(config: ScoringConfig) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "instrument": list(config.instruments),
            "item_min": [i.item_min for i in config.instruments.values()],
            "item_max": [i.item_max for i in config.instruments.values()],
        },
        schema={"instrument": pl.String, "item_min": pl.Int64, "item_max": pl.Int64},
    )


def _severity_band(config: ScoringConfig) -> pl.Expr:
    """A when/then chain over the (few) configured bands, highest bound first per scale."""
    branches = [
        (
            (pl.col("instrument") == s.instrument)
            & (pl.col("scale") == s.name)
            & (pl.col("score") >= band.min),
            band.label,
        )
        for s in config.scales()
        if s.severity_bands
        for band in reversed(s.severity_bands.bands)
    ]
    if not branches:
        return pl.lit(None, dtype=pl.String)
    (cond, label), *rest = branches
    chain = pl.when(cond).then(pl.lit(label))
    for cond, label in rest:
        chain = chain.when(cond).then(pl.lit(label))
    return chain.otherwise(pl.lit(None, dtype=pl.String))


def score_administrations(items: pl.DataFrame, config: ScoringConfig) -> pl.DataFrame:
    """Score every scale of every administration in long-form item rows.

    Input: `episode_id`, `instrument`, `administered_date`, `item_number`, `value` (null =
    skipped), one row per item per administration. Instruments not in the config and item
    numbers outside a scale are ignored. Output columns: `SCORE_SCHEMA`, in no set order.
    A score is null when fewer than `items_expected - max_missing` items were answered;
    `prorated` is true only for a score computed from an incomplete set of items.
    """
    keys = list(ADMINISTRATION_KEYS)
    responses = (
        items.lazy()
        .select([pl.col(c).cast(t) for c, t in ITEM_SCHEMA.items()])
        .join(_item_ranges(config).lazy(), on="instrument", how="inner")
        .with_columns(
            value=pl.when(pl.col("value").is_between(pl.col("item_min"), pl.col("item_max")))
            .then(pl.col("value"))
            .otherwise(None)
        )
    )
    answered = (
        responses.join(scale_membership(config).lazy(), on=["instrument", "item_number"])
        .group_by([*keys, "scale"])
        .agg(
            items_answered=pl.col("value").count().cast(pl.Int64),
            item_sum=pl.col("value").sum(),
        )
    )
    every_scale = (
        responses.select(keys)
        .unique()
        .join(scale_parameters(config).lazy(), on="instrument", how="inner")
    )
    n = pl.col("items_answered")
    valid = (n >= pl.col("min_answered")) & (n > 0)
    total = pl.col("item_sum").cast(pl.Float64)
    return (
        every_scale.join(answered, on=[*keys, "scale"], how="left")
        .with_columns(items_answered=n.fill_null(0))
        .with_columns(
            score=pl.when(valid)
            .then(
                pl.when(pl.col("is_mean"))
                .then(total / n)
                # sum * expected / answered: exact when nothing is missing.
                .otherwise(total * pl.col("items_expected") / n)
            )
            .otherwise(None),
            prorated=valid & (n < pl.col("items_expected")),
        )
        .with_columns(
            severity_band=_severity_band(config),
            is_case=pl.col("score") >= pl.col("caseness_min"),
        )
        .select([pl.col(c).cast(t) for c, t in SCORE_SCHEMA.items()])
        .collect()
    )


def _score(scale: ScaleConfig, answers: Mapping[int, int | None], lo: int, hi: int) -> float | None:
    values = [v for i in scale.items if (v := answers.get(i)) is not None and lo <= v <= hi]
    if not values or len(values) < scale.min_answered:
        return None
    if scale.scoring.method == "mean":
        return sum(values) / len(values)
    return sum(values) * scale.n_items / len(values)


def score_one(
    instrument: str, answers: Mapping[int, int | None], config: ScoringConfig | None = None
) -> dict[str, float | None]:
    """Scores of one administration, `{item_number: value}` in, `{scale: score}` out.

    A plain-Python restatement of the rules, kept independent of the Polars path so the
    two can check each other and known-answer tests read like the published examples.
    """
    config = config or load_scoring_config()
    ins = config.instruments[instrument]
    return {
        name: _score(scale, answers, ins.item_min, ins.item_max)
        for name, scale in ins.scales.items()
    }
