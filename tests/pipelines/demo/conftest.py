"""Small generated landing zones, each built once per session.

`main` plants both signals strongly (a safety rise of 50% and a case-mix drift in two
high-volume programs) so the tests can see them at a few thousand episodes; `plain` is
the same run with both plants off. Small chunks make every program append several
chunks to its monthly files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

from pipelines.demo import GeneratorConfig, Truth, generate
from tests.pipelines.demo.landing import Landing, load_landing

MAIN = GeneratorConfig(
    n_episodes=3000,
    seed=11,
    end_month=date(2025, 12, 1),
    months=12,
    chunk_size=250,
    safety_program="ICBT01",
    safety_from_month=date(2025, 7, 1),
    safety_planted_probability=0.5,
    drift_program="INPERSON_ON",
    drift_from_month=date(2025, 7, 1),
    effect_overrides={"ICBT05": {"PHQ9.total": -3.0}},
)
CONFIGS = {
    "main": MAIN,
    "plain": replace(MAIN, plant_safety_signal=False, plant_drift=False),
    "exact": replace(MAIN, n_episodes=1000, item_skip_rate=0.0),
    "tiny": GeneratorConfig(n_episodes=300, seed=3, end_month=date(2024, 6, 1), months=6),
    "tiny_again": GeneratorConfig(n_episodes=300, seed=3, end_month=date(2024, 6, 1), months=6),
    "tiny_other_seed": GeneratorConfig(
        n_episodes=300, seed=4, end_month=date(2024, 6, 1), months=6
    ),
}


@dataclass
class Run:
    config: GeneratorConfig
    landing_dir: Path
    truth_path: Path
    truth: Truth
    _landing: Landing | None = None

    @property
    def landing(self) -> Landing:
        if self._landing is None:
            self._landing = load_landing(self.landing_dir)
        return self._landing


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, Run] = {}

    def get(name: str) -> Run:
        if name not in cache:
            root = tmp_path_factory.mktemp(name)
            config = CONFIGS[name]
            truth = generate(root / "landing", root / "demo" / "truth.json", config)
            cache[name] = Run(config, root / "landing", root / "demo" / "truth.json", truth)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def main(runs) -> Run:
    return runs("main")


@pytest.fixture(scope="session")
def plain(runs) -> Run:
    return runs("plain")
