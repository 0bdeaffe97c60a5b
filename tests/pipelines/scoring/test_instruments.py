"""Scale scoring: published known answers, missing-item rules, and vectorised = scalar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.scoring.config import ScoringConfig, load_scoring_config
from pipelines.scoring.instruments import (
    SCORE_SCHEMA,
    scale_membership,
    score_administrations,
    score_one,
)

DAY = dt.date(2024, 3, 1)


def _items(*administrations: tuple[int, str, Mapping[int, int | None]]) -> pl.DataFrame:
    rows = [
        (episode, instrument, DAY, item, value)
        for episode, instrument, answers in administrations
        for item, value in answers.items()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "episode_id": pl.Int64,
            "instrument": pl.String,
            "administered_date": pl.Date,
            "item_number": pl.Int8,
            "value": pl.Int64,
        },
        orient="row",
    )


def _scored(config: ScoringConfig, instrument: str, answers: Mapping[int, int | None]) -> dict:
    """The vectorised result for one administration, as {scale: row}."""
    out = score_administrations(_items((1, instrument, answers)), config)
    return {row["scale"]: row for row in out.iter_rows(named=True)}


def _phq9_with_total(total: int) -> dict[int, int]:
    """Nine answers 0-3 adding up to `total` (fill items 1..9 greedily)."""
    answers = {}
    for item in range(1, 10):
        answers[item] = min(3, total)
        total -= answers[item]
    return answers


# Kroenke, Spitzer & Williams, J Gen Intern Med 2001: 5/10/15/20 = mild, moderate,
# moderately severe, severe; >= 10 is the depression cut-off.
@pytest.mark.parametrize(
    ("total", "band", "case"),
    [
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "moderately severe", True),
        (19, "moderately severe", True),
        (20, "severe", True),
        (27, "severe", True),
    ],
)
def test_phq9_severity_bands_and_caseness(config, total, band, case) -> None:
    row = _scored(config, "PHQ9", _phq9_with_total(total))["total"]
    assert (row["score"], row["severity_band"], row["is_case"]) == (total, band, case)
    assert row["prorated"] is False and row["items_answered"] == 9


def test_phq9_prorates_eight_answered_items(config) -> None:
    # 8 answered items summing to 13 -> 13 / 8 * 9 = 14.625 (moderate, a case).
    answers = {**_phq9_with_total(13), 9: None}
    assert sum(v for v in answers.values() if v) == 13
    row = _scored(config, "PHQ9", answers)["total"]
    assert row["score"] == pytest.approx(14.625)
    assert (row["prorated"], row["items_answered"], row["items_expected"]) == (True, 8, 9)
    assert (row["severity_band"], row["is_case"]) == ("moderate", True)
    assert score_one("PHQ9", answers, config) == {"total": pytest.approx(14.625)}


def test_phq9_two_missing_is_the_limit(config) -> None:
    seven = {i: 2 for i in range(1, 8)}
    six = {i: 2 for i in range(1, 7)}
    assert _scored(config, "PHQ9", seven)["total"]["score"] == pytest.approx(18.0)
    row = _scored(config, "PHQ9", six)["total"]
    assert row["score"] is None and row["prorated"] is False
    assert row["severity_band"] is None and row["is_case"] is None


# Spitzer et al., Arch Intern Med 2006: 5/10/15 = mild, moderate, severe. Caseness >= 8 is
# the NHS Talking Therapies cut-off. Totals: 4, 5, 7, 8, 9, 10, 14, 15.
@pytest.mark.parametrize(
    ("values", "band", "case"),
    [
        ([1, 1, 1, 1, 0, 0, 0], "minimal", False),
        ([1, 1, 1, 1, 1, 0, 0], "mild", False),
        ([1, 1, 1, 1, 1, 1, 1], "mild", False),
        ([2, 1, 1, 1, 1, 1, 1], "mild", True),
        ([3, 2, 1, 1, 1, 1, 0], "mild", True),
        ([3, 2, 1, 1, 1, 1, 1], "moderate", True),
        ([3, 3, 2, 2, 2, 1, 1], "moderate", True),
        ([3, 3, 2, 2, 2, 2, 1], "severe", True),
    ],
)
def test_gad7_bands_and_caseness(config, values, band, case) -> None:
    row = _scored(config, "GAD7", dict(enumerate(values, start=1)))["total"]
    assert (row["score"], row["severity_band"], row["is_case"]) == (sum(values), band, case)


def test_gad7_has_no_proration(config) -> None:
    assert score_one("GAD7", {i: 3 for i in range(1, 7)}, config) == {"total": None}


def test_bpi_severity_is_the_mean_of_four_items(config) -> None:
    # Worst 8, least 3, average 5, now 6 -> 22 / 4 = 5.5 (ePPOC band 5-6: moderate).
    scored = _scored(config, "BPI_SF", {1: 8, 2: 3, 3: 5, 4: 6})
    assert scored["severity"]["score"] == 5.5
    assert scored["severity"]["severity_band"] == "moderate"
    assert scored["severity"]["is_case"] is None
    # Interference items absent entirely: the row is still there, unscored.
    assert scored["interference"]["score"] is None
    assert scored["interference"]["items_answered"] == 0
    assert score_one("BPI_SF", {1: 8, 2: 3, 3: None, 4: 6}, config)["severity"] is None


def test_bpi_interference_needs_four_of_seven(config) -> None:
    # BPI User Guide: the interference mean is used when at least 4 of the 7 are answered.
    four = {5: 2, 6: 4, 7: 6, 8: 9, 9: None, 10: None, 11: None}
    three = {5: 2, 6: 4, 7: 6, 8: None, 9: None, 10: None, 11: None}
    row = _scored(config, "BPI_SF", four)["interference"]
    assert (row["score"], row["prorated"], row["items_answered"]) == (5.25, True, 4)
    assert _scored(config, "BPI_SF", three)["interference"]["score"] is None


def test_peg_is_the_mean_of_three_items(config) -> None:
    assert score_one("PEG", {1: 7, 2: 6, 3: 5}, config) == {"total": 6.0}


def test_pcs_total_and_subscales(config) -> None:
    # Item i answered i mod 5: rumination (8-11) 3+4+0+1, magnification (6, 7, 13) 1+2+3,
    # helplessness (1-5, 12) 1+2+3+4+0+2; total 26.
    answers = {i: i % 5 for i in range(1, 14)}
    expected = {"total": 26, "rumination": 8, "magnification": 6, "helplessness": 12}
    scored = _scored(config, "PCS", answers)
    assert {k: r["score"] for k, r in scored.items()} == expected
    assert scored["total"]["is_case"] is False
    assert _scored(config, "PCS", {i: 3 for i in range(1, 14)})["total"]["is_case"] is True


def test_pcs_caseness_at_thirty(config) -> None:
    thirty = {i: 2 for i in range(1, 14)} | {1: 3, 2: 3, 3: 3, 4: 3}
    assert score_one("PCS", thirty, config)["total"] == 30
    assert _scored(config, "PCS", thirty)["total"]["is_case"] is True


def test_wai_sr_subscales(config) -> None:
    # Item i answered (i - 1) mod 5 + 1: task (1, 2, 10, 12) 1+2+5+2, bond (3, 5, 7, 9)
    # 3+5+2+4, goal (4, 6, 8, 11) 4+1+3+1; total 33.
    answers = {i: (i - 1) % 5 + 1 for i in range(1, 13)}
    expected = {"total": 33, "task": 10, "bond": 14, "goal": 9}
    assert score_one("WAI_SR", answers, config) == expected
    assert {k: r["score"] for k, r in _scored(config, "WAI_SR", answers).items()} == expected


@pytest.mark.parametrize(("value", "total"), [(0, 0), (6, 60), (3, 30)])
def test_pseq_total(config, value, total) -> None:
    assert score_one("PSEQ", dict.fromkeys(range(1, 11), value), config) == {"total": total}


def test_out_of_range_answers_count_as_skipped(config) -> None:
    answers = {**_phq9_with_total(12), 9: 7}
    row = _scored(config, "PHQ9", answers)["total"]
    assert row["items_answered"] == 8 and row["prorated"] is True
    assert score_one("PHQ9", answers, config)["total"] == pytest.approx(row["score"])


def test_output_schema_and_grain(config) -> None:
    items = pl.concat(
        [
            _items((1, "PHQ9", _phq9_with_total(3)), (1, "PCS", {1: 1}), (2, "WAI_SR", {1: 1})),
            _items((3, "NOT_AN_INSTRUMENT", {1: 1})),
        ]
    )
    out = score_administrations(items, config)
    assert out.schema == pl.Schema(SCORE_SCHEMA)
    assert sorted(out.select("episode_id", "instrument").unique().rows()) == [
        (1, "PCS"),
        (1, "PHQ9"),
        (2, "WAI_SR"),
    ]
    assert out.height == 1 + 4 + 4
    assert out.filter(pl.col("instrument") == "PCS")["score"].null_count() == 4


def test_membership_frame_is_built_from_the_contract(config) -> None:
    membership = scale_membership(config)
    assert membership.filter(pl.col("instrument") == "BPI_SF").group_by("scale").len().sort(
        "scale"
    ).rows() == [("interference", 7), ("severity", 4)]
    assert membership.height == sum(s.n_items for s in config.scales())


def _answers(config: ScoringConfig, instrument: str) -> st.SearchStrategy[dict[int, int | None]]:
    ins = config.instruments[instrument]
    n_items = max(i for s in ins.scales.values() for i in s.items)
    value = st.one_of(
        st.none(),
        st.integers(ins.item_min, ins.item_max),
        st.integers(ins.item_min, ins.item_max),
        st.sampled_from([ins.item_min - 1, ins.item_max + 1]),
    )
    return st.dictionaries(st.integers(1, n_items), value, max_size=n_items)


_CONFIG = load_scoring_config()
_ADMINISTRATION = st.sampled_from(list(_CONFIG.instruments)).flatmap(
    lambda code: st.tuples(st.just(code), _answers(_CONFIG, code))
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ADMINISTRATION, min_size=1, max_size=8))
def test_vectorised_matches_scalar_and_respects_rules(administrations) -> None:
    config = _CONFIG
    frame = _items(*[(ep, code, ans) for ep, (code, ans) in enumerate(administrations)])
    out = score_administrations(frame, config)
    for row in out.iter_rows(named=True):
        code, answers = administrations[row["episode_id"]]
        scale = config.scale(code, row["scale"])
        expected = score_one(code, answers, config)[row["scale"]]
        if expected is None:
            assert row["score"] is None
        else:
            assert row["score"] == pytest.approx(expected)
        missing = row["items_expected"] - row["items_answered"]
        if row["score"] is None:
            assert missing > scale.missing.max_missing or row["items_answered"] == 0
            assert not row["prorated"]
        else:
            assert scale.scoring.min <= row["score"] <= scale.scoring.max
            assert missing <= scale.missing.max_missing
            assert row["prorated"] == (missing > 0)
