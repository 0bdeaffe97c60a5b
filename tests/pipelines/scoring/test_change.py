"""Change classification: Jacobson-Truax, IMMPACT responders, NHS Talking Therapies."""

from __future__ import annotations

import dataclasses
import math
from types import MappingProxyType

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.scoring.change import (
    CHANGE_SCHEMA,
    EPISODE_SCHEMA,
    change_parameters,
    classify_change,
    criterion_c,
    standard_error_of_difference,
    talking_therapies_episode,
)
from pipelines.scoring.config import (
    ClinicalSignificance,
    Norms,
    ScoringConfig,
    load_scoring_config,
)


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "episode_id": pl.Int64,
            "instrument": pl.String,
            "scale": pl.String,
            "baseline": pl.Float64,
            "post": pl.Float64,
        },
        orient="row",
    )


def _with_sd(config: ScoringConfig, sd: float, reliability: float) -> pl.DataFrame:
    """Parameters with every scale's S_diff set from one SD and r (for hand-made examples)."""
    s_diff = standard_error_of_difference(sd, reliability)
    return change_parameters(config).with_columns(
        s_diff=pl.lit(s_diff), rci_threshold=pl.lit(config.rci_z.value * s_diff)
    )


def test_jacobson_truax_worked_example() -> None:
    # SD 5, r 0.84: SE_meas = 5 * 0.4 = 2, S_diff = 2 * sqrt(2) = 2.83, 1.96 * 2.83 = 5.54,
    # which rounds to the 6 points NHS Talking Therapies uses for the PHQ-9.
    config = load_scoring_config()
    smallest_reliable_change = config.rci_z.value * standard_error_of_difference(5.0, 0.84)
    assert standard_error_of_difference(5.0, 0.84) == pytest.approx(2.8284, abs=1e-4)
    assert smallest_reliable_change == pytest.approx(5.5437, abs=1e-4)
    assert round(smallest_reliable_change) == 6


def test_criterion_c_weights_by_the_other_sd() -> None:
    # (SD_dys * M_fun + SD_fun * M_dys) / (SD_dys + SD_fun) = (5*3 + 3*15) / 8 = 7.5
    assert criterion_c(3.0, 3.0, 15.0, 5.0) == 7.5
    assert criterion_c(2.0, 4.0, 12.0, 4.0) == 7.0


def test_configured_thresholds(config: ScoringConfig) -> None:
    params = change_parameters(config).filter(pl.col("sd_method") == "fixed")
    thresholds = dict(zip(params["instrument"], params["rci_threshold"], strict=True))
    # PHQ-9: 1.96 * sqrt(2) * 5.5 * sqrt(0.16); GAD-7: 1.96 * sqrt(2) * 4.5 * sqrt(0.17).
    assert thresholds["PHQ9"] == pytest.approx(6.098, abs=1e-3)
    assert thresholds["GAD7"] == pytest.approx(5.143, abs=1e-3)


def test_sample_baseline_sd_comes_from_the_cohort(config: ScoringConfig) -> None:
    cohort = _frame([(i, "PSEQ", "total", b, b) for i, b in enumerate([10.0, 20.0, 30.0])])
    params = change_parameters(config, cohort).filter(pl.col("instrument") == "PSEQ")
    assert params["sd"].item() == pytest.approx(10.0)
    assert params["rci_threshold"].item() == pytest.approx(
        1.96 * math.sqrt(2) * 10 * math.sqrt(0.14)
    )
    assert change_parameters(config).filter(pl.col("instrument") == "PSEQ")["sd"].item() is None


def test_reliable_change_on_the_phq9(config: ScoringConfig) -> None:
    frame = _frame(
        [
            (1, "PHQ9", "total", 15, 9),
            (2, "PHQ9", "total", 15, 10),
            (3, "PHQ9", "total", 9, 15),
            (4, "PHQ9", "total", 9, 9),
        ]
    )
    out = classify_change(frame, config, parameters=_with_sd(config, 5.0, 0.84))
    assert out["reliable_improvement"].to_list() == [True, False, False, False]
    assert out["reliable_deterioration"].to_list() == [False, False, True, False]
    assert out["rci"][0] == pytest.approx(-6 / standard_error_of_difference(5.0, 0.84))
    assert out["change"].to_list() == [-6, -5, 6, 0]
    assert out["improvement"].to_list() == [6, 5, -6, 0]


def test_output_schema(config: ScoringConfig) -> None:
    frame = _frame([(1, "PHQ9", "total", 12, 8)]).with_columns(program=pl.lit("p"))
    out = classify_change(frame, config)
    assert out.columns == [*frame.columns, *CHANGE_SCHEMA]
    assert out.select(list(CHANGE_SCHEMA)).schema == pl.Schema(CHANGE_SCHEMA)


def test_immpact_responders_follow_the_improvement_direction(config: ScoringConfig) -> None:
    frame = _frame(
        [
            (1, "PSEQ", "total", 20, 30),  # +50%: self-efficacy improves upwards
            (2, "PSEQ", "total", 20, 10),  # -50%: worse
            (3, "PHQ9", "total", 20, 14),  # -30%: depression improves downwards
            (4, "PHQ9", "total", 20, 26),  # +30%: worse
            (5, "BPI_SF", "severity", 6, 3),  # -50%
            (6, "PHQ9", "total", 0, 0),  # percentage undefined
            (7, "PSEQ", "total", 0, 12),  # percentage undefined
        ]
    )
    out = classify_change(frame, config)
    assert out["immpact_moderate_responder"].to_list() == [
        True,
        False,
        True,
        False,
        True,
        None,
        None,
    ]
    assert out["immpact_substantial_responder"].to_list() == [
        True,
        False,
        False,
        False,
        True,
        None,
        None,
    ]
    assert out["percent_change"].to_list()[:5] == pytest.approx([50, -50, -30, 30, -50])


def test_mcid_points_and_percent(config: ScoringConfig) -> None:
    # PHQ-9 MCID 3.7 points (Bauer-Staeb 2021) and 21% (Kounali 2022).
    frame = _frame(
        [(1, "PHQ9", "total", 10, 6), (2, "PHQ9", "total", 10, 7), (3, "PHQ9", "total", 10, 8)]
    )
    out = classify_change(frame, config)
    assert out["mcid_points_improved"].to_list() == [True, False, False]
    assert out["mcid_percent_improved"].to_list() == [True, True, False]
    # No MCID configured for BPI severity: unknown, not "not improved".
    bpi = classify_change(_frame([(1, "BPI_SF", "severity", 8, 2)]), config)
    assert bpi["mcid_points_improved"].to_list() == [None]


def test_process_measures_are_not_classified(config: ScoringConfig) -> None:
    out = classify_change(_frame([(1, "WAI_SR", "total", 30, 50)]), config)
    assert out["change"].to_list() == [20]
    for column in ("reliable_improvement", "immpact_moderate_responder", "tt_recovery"):
        assert out[column].to_list() == [None]


def _with_norms(config: ScoringConfig) -> ScoringConfig:
    """PHQ-9 with hand-made norms giving c = 7.5 (functional 3 +/- 3, clinical 15 +/- 5)."""
    phq = config.instruments["PHQ9"]
    scale = dataclasses.replace(
        phq.scales["total"],
        clinical_significance=ClinicalSignificance(
            Norms(mean=3.0, sd=3.0, source="test", evidence="U"),
            Norms(mean=15.0, sd=5.0, source="test", evidence="U"),
        ),
    )
    instrument = dataclasses.replace(phq, scales=MappingProxyType({"total": scale}))
    return dataclasses.replace(
        config, instruments=MappingProxyType({**config.instruments, "PHQ9": instrument})
    )


def test_clinically_significant_change_needs_norms(config: ScoringConfig) -> None:
    frame = _frame(
        [
            (1, "PHQ9", "total", 15, 7),  # reliable and below c: recovered
            (2, "PHQ9", "total", 15, 8),  # reliable, still above c
            (3, "PHQ9", "total", 9, 7),  # below c but not reliable
            (4, "PHQ9", "total", 5, 0),  # started in the functional range: not applicable
        ]
    )
    normed = _with_norms(config)
    assert (
        change_parameters(normed).filter(pl.col("instrument") == "PHQ9")["criterion_c"].item()
        == 7.5
    )
    out = classify_change(
        frame,
        normed,
        parameters=_with_sd(normed, 5.0, 0.84).with_columns(
            criterion_c=pl.when(pl.col("instrument") == "PHQ9").then(7.5)
        ),
    )
    assert out["clinically_significant_improvement"].to_list() == [True, False, False, None]
    without = classify_change(frame, config)
    assert without["clinically_significant_improvement"].null_count() == 4


def test_talking_therapies_per_measure(config: ScoringConfig) -> None:
    frame = _frame(
        [
            (1, "PHQ9", "total", 15, 9),  # case, recovered, reliable (6)
            (2, "PHQ9", "total", 12, 10),  # case, still a case
            (3, "GAD7", "total", 8, 7),  # case, recovered, not reliable (1)
            (4, "GAD7", "total", 5, 9),  # not a case at start, reliable deterioration (4)
            (5, "PCS", "total", 40, 20),  # not a Talking Therapies measure
        ]
    )
    out = classify_change(frame, config)
    assert out["tt_case_baseline"].to_list() == [True, True, True, False, None]
    assert out["tt_recovery"].to_list() == [True, False, True, None, None]
    assert out["tt_reliable_improvement"].to_list() == [True, False, False, False, None]
    assert out["tt_reliable_deterioration"].to_list() == [False, False, False, True, None]
    assert out["tt_reliable_recovery"].to_list() == [True, False, False, None, None]


def _pairs(rows: list[tuple[int, float | None, float | None, float | None, float | None]]):
    """(episode, PHQ-9 pre, PHQ-9 post, GAD-7 pre, GAD-7 post) -> long frame."""
    long = []
    for ep, dep_pre, dep_post, anx_pre, anx_post in rows:
        if dep_pre is not None:
            long.append((ep, "PHQ9", "total", dep_pre, dep_post))
        if anx_pre is not None:
            long.append((ep, "GAD7", "total", anx_pre, anx_post))
    return _frame(long)


def test_talking_therapies_paired_episode_definitions(config: ScoringConfig) -> None:
    frame = _pairs(
        [
            (1, 15, 8, 10, 7),  # case; both below cut-off at end; PHQ-9 reliable (7)
            (2, 12, 5, 6, 10),  # PHQ-9 improves reliably but GAD-7 deteriorates (4)
            (3, 8, 8, 5, 4),  # never a case
            (4, 9, 16, 7, 7),  # not a case at start; PHQ-9 deteriorates reliably
            (5, 14, 9, None, None),  # no GAD-7 pair: not assessable
            (6, 10, 9, 8, 7),  # case, recovers, but neither change is reliable
            (7, 20, 14, 15, 11),  # reliable on both, still a case at the end
        ]
    )
    out = talking_therapies_episode(frame, config).sort("episode_id")
    assert out.schema == pl.Schema({"episode_id": pl.Int64, **EPISODE_SCHEMA})
    assert out["tt_complete"].to_list() == [True, True, True, True, False, True, True]
    assert out["tt_case_at_start"].to_list() == [True, True, False, False, None, True, True]
    assert out["tt_recovery"].to_list() == [True, False, None, None, None, True, False]
    assert out["tt_reliable_improvement"].to_list() == [
        True,
        False,
        False,
        False,
        None,
        False,
        True,
    ]
    assert out["tt_reliable_deterioration"].to_list() == [
        False,
        False,
        False,
        True,
        None,
        False,
        False,
    ]
    assert out["tt_reliable_recovery"].to_list() == [True, False, None, None, None, False, False]


def test_talking_therapies_refuses_duplicate_measures(config: ScoringConfig) -> None:
    frame = _pairs([(1, 15, 8, 10, 7), (1, 12, 8, 10, 7)])
    with pytest.raises(ValueError, match="more than one PHQ9/total"):
        talking_therapies_episode(frame, config)


_CONFIG = load_scoring_config()
_PHQ = st.integers(0, 27)
_GAD = st.integers(0, 21)
_PSEQ = st.integers(0, 60)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_PHQ, _PHQ, _PSEQ, _PSEQ),
        min_size=1,
        max_size=20,
    )
)
def test_swapping_timepoints_swaps_improvement_and_deterioration(rows) -> None:
    frame = _frame(
        [(i, "PHQ9", "total", a, b) for i, (a, b, _, _) in enumerate(rows)]
        + [(i, "PSEQ", "total", c, d) for i, (_, _, c, d) in enumerate(rows)]
    )
    params = _with_sd(_CONFIG, 5.0, 0.84)
    forward = classify_change(frame, _CONFIG, parameters=params)
    backward = classify_change(frame, _CONFIG, baseline="post", post="baseline", parameters=params)
    assert forward["reliable_improvement"].to_list() == backward["reliable_deterioration"].to_list()
    assert forward["reliable_deterioration"].to_list() == backward["reliable_improvement"].to_list()
    assert not (forward["reliable_improvement"] & forward["reliable_deterioration"]).any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(-30, 30)), min_size=1, max_size=20))
def test_direction_symmetry_between_lower_and_higher_is_better(rows) -> None:
    # The same improvement from the same baseline gets the same verdicts, whether the
    # scale improves downwards (PHQ-9) or upwards (PSEQ), given identical parameters.
    frame = _frame(
        [(i, "PHQ9", "total", b, b - d) for i, (b, d) in enumerate(rows)]
        + [(i, "PSEQ", "total", b, b + d) for i, (b, d) in enumerate(rows)]
    )
    params = _with_sd(_CONFIG, 5.0, 0.84).with_columns(
        mcid_points=pl.lit(4.0), mcid_percent=pl.lit(25.0)
    )
    out = classify_change(frame, _CONFIG, parameters=params)
    verdicts = [
        "improvement",
        "reliable_improvement",
        "reliable_deterioration",
        "mcid_points_improved",
        "mcid_percent_improved",
        "immpact_moderate_responder",
        "immpact_substantial_responder",
    ]
    phq = out.filter(pl.col("instrument") == "PHQ9").select(verdicts)
    pseq = out.filter(pl.col("instrument") == "PSEQ").select(verdicts)
    assert phq.equals(pseq)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_PHQ, _PHQ, _GAD, _GAD), min_size=1, max_size=25))
def test_talking_therapies_invariants(rows) -> None:
    frame = _pairs([(i, *r) for i, r in enumerate(rows)])
    out = talking_therapies_episode(frame, _CONFIG)
    assert out["tt_complete"].all()
    assert not (out["tt_reliable_improvement"] & out["tt_reliable_deterioration"]).any()
    recovered = out.filter(pl.col("tt_reliable_recovery"))
    assert recovered["tt_recovery"].all() and recovered["tt_reliable_improvement"].all()
    assert (
        out.filter(~pl.col("tt_case_at_start"))["tt_recovery"].null_count()
        == out.filter(~pl.col("tt_case_at_start")).height
    )
