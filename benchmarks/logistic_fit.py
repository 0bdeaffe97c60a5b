"""Propensity fits: the project's Newton-Raphson logistic fit against statsmodels' GLM.

`pipelines.effectiveness.estimates.logistic_probabilities` fits every comparison's
propensity (and response) model on covariate cells with episode counts, as
`pipelines.effectiveness.comparisons` calls it; `pipelines.safety.expected` fits its
reference models with `statsmodels` GLM (Binomial). This measures both on cells shaped
like the comparisons' (the six case-mix columns of config/effectiveness.yaml and the
centred baseline score), checks that they give the same probabilities, and writes
benchmarks/RESULTS-logistic.md.

    .venv/bin/python benchmarks/logistic_fit.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import statsmodels.api as sm

from pipelines.effectiveness.estimates import logistic_probabilities

RESULTS = Path(__file__).with_name("RESULTS-logistic.md")
EPISODES = (1_000, 5_000, 20_000)
LEVELS = {"age_band": 6, "sex": 2, "rurality": 2, "language": 3, "readiness": 4, "referral": 4}
REPEATS = 15
SEED = 15


def cells(episodes: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indicator design, events (program episodes) and counts per cell of a program and
    its comparator, as the comparisons aggregate them (case mix by baseline score)."""
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, n, episodes) for n in LEVELS.values()])
    baseline = rng.integers(5, 28, episodes)
    logit = -0.3 + 0.15 * (codes[:, 0] - 2.5) + 0.4 * codes[:, 4] / 3 + 0.05 * (baseline - 15)
    treated = rng.random(episodes) < 1 / (1 + np.exp(-logit))
    keys, inverse, counts = np.unique(
        np.column_stack([codes, baseline]), axis=0, return_inverse=True, return_counts=True
    )
    events = np.bincount(inverse.ravel(), weights=treated, minlength=len(keys))
    indicators = [
        (keys[:, j][:, None] == np.arange(1, n)[None, :]).astype(float)
        for j, n in enumerate(LEVELS.values())
    ]
    centred = keys[:, -1] - np.average(keys[:, -1], weights=counts)
    return np.column_stack([*indicators, centred]), events, counts.astype(float)


def statsmodels_probabilities(x: np.ndarray, events: np.ndarray, counts: np.ndarray):
    endog = np.column_stack([events, counts - events])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(endog, sm.add_constant(x), family=sm.families.Binomial()).fit()
    return fit.predict()


def _best_ms(function, *args) -> float:
    """Fastest of the repeats: on a shared machine the others measure the neighbours."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return float(min(times) * 1000)


def measure() -> list[tuple[int, int, int, float, float, float]]:
    rows = []
    for episodes in EPISODES:
        x, events, counts = cells(episodes, SEED)
        own = logistic_probabilities(x, events, counts)
        reference = statsmodels_probabilities(x, events, counts)
        difference = float(np.max(np.abs(own - reference)))
        own_ms = _best_ms(logistic_probabilities, x, events, counts)
        statsmodels_ms = _best_ms(statsmodels_probabilities, x, events, counts)
        rows.append((episodes, len(counts), x.shape[1] + 1, own_ms, statsmodels_ms, difference))
    return rows


def main() -> None:
    """Measures in fresh processes, with the BLAS threads as installed and with one (the
    fair figure on a busy machine, where BLAS threads wait for each other)."""
    tables = []
    for threads in (None, "1"):
        env = {**os.environ, **({"OPENBLAS_NUM_THREADS": threads} if threads else {})}
        result = subprocess.run(
            [sys.executable, __file__, "--measure"], env=env, capture_output=True, text=True
        )
        result.check_returncode()
        tables.append((threads or "as installed", json.loads(result.stdout)))
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# Logistic propensity fits: own Newton-Raphson vs statsmodels GLM",
        "",
        "Why `pipelines/effectiveness/estimates.py` keeps `logistic_probabilities` (issue 15)",
        "while `pipelines/safety/expected.py` fits with statsmodels' GLM (it needs the",
        "covariance of the coefficients, which the propensity fits do not).",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/logistic_fit.py` on"
        f" {os.cpu_count()} CPUs ({platform.machine()}, Python {platform.python_version()}),"
        f" load average {load} at the end; fastest of {REPEATS} fits. Cells: a program and its"
        " comparator's episodes grouped by six case-mix columns and baseline score, as the"
        " comparisons fit them; the largest difference in fitted probability is checked.",
    ]
    for threads, rows in tables:
        lines += [
            "",
            f"BLAS threads: {threads}",
            "",
            "| episodes | cells | parameters | own (ms) | statsmodels GLM (ms) | own is faster by"
            " | largest difference |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            *(
                f"| {e:,} | {c:,} | {p} | {o:.2f} | {s:.2f} | {s / o:.1f}x | {d:.1e} |"
                for e, c, p, o, s, d in rows
            ),
        ]
    RESULTS.write_text("\n".join([*lines, ""]))
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        print(json.dumps(measure()))
    else:
        main()
