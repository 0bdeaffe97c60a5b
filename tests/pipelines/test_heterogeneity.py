"""The one DerSimonian-Laird tau^2, against statsmodels and at its edges."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from pipelines.heterogeneity import dersimonian_laird


def cochran_q(y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / v
    mean = (w * y).sum() / w.sum()
    return float((w * (y - mean) ** 2).sum())


@pytest.mark.parametrize("seed", range(5))
def test_tau2_equals_statsmodels_dersimonian_laird(seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.2, size=8)
    y = rng.normal(0.3, np.sqrt(v + 0.05))
    expected = max(combine_effects(y, v, method_re="dl").tau2, 0.0)
    assert dersimonian_laird(cochran_q(y, v), 1.0 / v) == pytest.approx(expected, abs=1e-12)


def test_no_excess_over_k_minus_one_is_zero() -> None:
    weights = np.array([10.0, 20.0, 30.0])
    assert dersimonian_laird(2.0, weights) == 0.0
    assert dersimonian_laird(1.0, weights) == 0.0
    assert dersimonian_laird(3.0, weights) == pytest.approx(1.0 / (60.0 - 1400.0 / 60.0))


def test_one_unit_has_no_between_unit_variance() -> None:
    assert dersimonian_laird(5.0, np.array([4.0])) == 0.0
    assert dersimonian_laird(0.0, np.array([])) == 0.0
