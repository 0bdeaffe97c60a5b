"""Shared fixtures: the real scoring policy, loaded once."""

from __future__ import annotations

import pytest

from pipelines.scoring.config import ScoringConfig, load_scoring_config


@pytest.fixture(scope="session")
def config() -> ScoringConfig:
    return load_scoring_config()
