"""Pooling each care stratum and testing the difference: known answers, without a
warehouse (the demo-build tests check the whole path finds the planted gap)."""

import polars as pl
import pytest
from scipy import stats

from pipelines.context.modification import care_modification, stratum_episodes
from pipelines.effectiveness.config import load_effectiveness_config

OUTCOME = {
    "instrument": "PHQ9",
    "scale": "total",
    "outcome_label": "PHQ-9",
    "higher_is_better": False,
    "timepoint": "post_treatment",
}


def _comparisons(estimates: list[float], ses: list[float], failed: list[list[str]]):
    n = len(estimates)
    return pl.DataFrame(
        {
            **{key: [value] * n for key, value in OUTCOME.items()},
            "subject_type": ["program"] * n,
            "subject_id": [f"ICBT0{i + 1}" for i in range(n)],
            "is_primary": [True] * n,
            "adjusted_difference": estimates,
            "adjusted_se": ses,
            "diagnostics_failed": pl.Series(failed, dtype=pl.List(pl.String)),
            "n_program_analysed": [100] * n,
        }
    )


CARE = pl.DataFrame(
    {
        "episode_id": [1, 2, 3, 4, 5],
        "program_id": ["ICBT01", "ICBT01", "ICBT02", "INPERSON_ON", "ICBT03"],
        "is_in_person": [False, False, False, True, False],
        "contract_version": ["v2", "v2", "v2", "v1", "v1"],
        "multidisciplinary_care": [True, False, None, None, None],
    }
)


def test_two_strata_differ_by_the_two_group_q_test():
    with_care = _comparisons([-1.0, 0.0], [0.5, 0.5], [[], []])
    # A comparison that failed a bias-related diagnostic is not pooled.
    without = _comparisons([2.0, 1.0, 9.0], [0.5, 0.5, 0.1], [[], [], ["covariate_balance"]])
    rows = care_modification(
        {"with_care": with_care, "without_care": without}, CARE, load_effectiveness_config()
    )
    fixed = [r for r in rows if r["method"] == "dl"]
    assert [r["stratum"] for r in fixed] == ["with_care", "without_care"]
    (w, wo) = fixed
    # Equal SEs within a stratum: the pooled estimate is the plain mean, whatever tau^2.
    assert (w["k"], wo["k"]) == (2, 2) and wo["programs"] == ["ICBT01", "ICBT02"]
    assert w["estimate"] == pytest.approx(-0.5) and wo["estimate"] == pytest.approx(1.5)
    assert w["difference_without_minus_with"] == pytest.approx(2.0)
    q = 2.0**2 / (w["se"] ** 2 + wo["se"] ** 2)
    assert w["q_between"] == pytest.approx(q) and w["df"] == 1
    assert w["p_value"] == pytest.approx(stats.chi2.sf(q, 1))
    assert (w["v2_programs"], w["v2_episodes"]) == (2, 3)


def test_no_row_without_a_pooled_comparison_in_both_strata():
    with_care = _comparisons([-1.0], [0.5], [[]])
    without = _comparisons([2.0], [0.5], [["minimum_n"]])
    rows = care_modification(
        {"with_care": with_care, "without_care": without}, CARE, load_effectiveness_config()
    )
    assert rows == []


def test_strata_keep_every_in_person_episode_and_only_v2_icbt_episodes_of_the_stratum():
    episodes = pl.DataFrame({"episode_id": [1, 2, 3, 4, 5], "score": [1, 2, 3, 4, 5]})
    assert stratum_episodes(episodes, CARE, True)["episode_id"].to_list() == [1, 4]
    assert stratum_episodes(episodes, CARE, False)["episode_id"].to_list() == [2, 4]
