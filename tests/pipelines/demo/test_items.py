"""Item answers add up to the generated scores, in the files as in the simulation."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.contract import load_instruments
from pipelines.demo.items import SCALES, decompose, phq9_item9, split_total

# One worker builds the shared generated runs (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo_generator")


@settings(max_examples=60, deadline=None)
@given(
    n_items=st.integers(1, 13),
    lo=st.integers(0, 1),
    width=st.integers(1, 10),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_split_total_hits_every_feasible_total(n_items, lo, width, seed, data):
    hi = lo + width
    totals = np.array(
        data.draw(st.lists(st.integers(n_items * lo, n_items * hi), min_size=1, max_size=50))
    )
    offsets = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=n_items, max_size=n_items)))
    items = split_total(totals, offsets, lo, hi, 0.8, np.random.default_rng(seed))
    assert items.shape == (len(totals), n_items)
    assert (items >= lo).all() and (items <= hi).all()
    assert (items.sum(axis=1) == totals).all()


def test_every_instrument_decomposes_exactly():
    rng = np.random.default_rng(0)
    for code, scales in SCALES.items():
        spec = load_instruments()[code]
        bounds = [len(spec.subscales[k.split(".")[1]]) for k in scales]
        totals = np.column_stack(
            [rng.integers(n * spec.item_min, n * spec.item_max + 1, 2000) for n in bounds]
        )
        items = decompose(code, totals, rng)
        assert items.min() >= spec.item_min and items.max() <= spec.item_max, code
        for column, key in enumerate(scales):
            positions = np.asarray(spec.subscales[key.split(".")[1]]) - 1
            assert (items[:, positions].sum(axis=1) == totals[:, column]).all(), key


def test_phq9_item9_is_mostly_zero_and_rises_with_depression():
    rng = np.random.default_rng(1)
    mild, severe = np.full(20_000, 6), np.full(20_000, 22)
    assert (phq9_item9(mild, rng) == 0).mean() > 0.9
    assert (phq9_item9(severe, rng) >= 2).mean() > 0.2
    # A population like the demo's baseline (mean 13.5, SD 5.5): up to ~10% answer 2-3
    # (Simon et al., Psychiatr Serv 2013).
    totals = np.clip(np.rint(rng.normal(13.5, 5.5, 50_000)), 0, 27).astype(int)
    assert 0.03 < (phq9_item9(totals, rng) >= 2).mean() < 0.12
    edge = phq9_item9(np.array([0, 1, 25, 27]), rng)
    assert edge[0] == 0 and edge[1] <= 1 and edge[2] >= 1 and edge[3] == 3


def test_scored_files_reproduce_the_planted_deterioration_counts(runs):
    """Score the written PHQ-9 items and recount reliable deterioration per month.

    With no skipped items every administration is complete, so the counts must equal
    truth.json exactly: the items in the files sum to the totals the truth was built on.
    """
    run = runs("exact")
    t = run.landing.tables
    weeks = t["programs"].group_by("_program").agg(pl.col("length_weeks").first())
    eps = (
        t["episodes"]
        .sort("_batch")
        .group_by("_program", "episode_key")
        .last()
        .filter(pl.col("start_date").is_not_null())
        .join(weeks, on="_program")
        .with_columns(
            (pl.col("start_date") + pl.duration(weeks=pl.col("length_weeks"))).alias("planned")
        )
    )
    phq9 = (
        t["prom_responses"]
        .filter(pl.col("instrument") == "PHQ9")
        .group_by("_program", "episode_key", "administered_date")
        .agg(pl.col("value").sum().alias("total"), pl.col("value").count().alias("k"))
    )
    assert (phq9["k"] == 9).all()
    scored = phq9.join(eps, on=["_program", "episode_key"])
    since_start = pl.col("administered_date") - pl.col("start_date")
    from_planned = pl.col("administered_date") - pl.col("planned")
    baseline = scored.filter(since_start.is_between(timedelta(-14), timedelta(3)))
    post = scored.filter(from_planned.is_between(timedelta(-14), timedelta(14)))
    pairs = baseline.join(post, on=["_program", "episode_key"], suffix="_post")
    assert not pairs.select("_program", "episode_key").is_duplicated().any()
    counts = (
        pairs.with_columns(
            (pl.col("total_post") - pl.col("total") >= 6).alias("worse"),
            pl.col("administered_date_post").dt.strftime("%Y-%m").alias("month"),
        )
        .group_by("_program", "month")
        .agg(pl.len().alias("n"), pl.col("worse").sum().alias("deteriorated"))
    )
    found = {(r["_program"], r["month"]): (r["n"], r["deteriorated"]) for r in counts.to_dicts()}
    planted = {
        (pid, month): (v["n"], v["deteriorated"])
        for pid, months in run.truth.deterioration.items()
        for month, v in months.items()
    }
    assert found == planted
