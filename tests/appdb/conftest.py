"""An application database for each test: SQLite in the test's own data directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from appdb.database import AppDatabase


class Clock:
    """A clock the test moves by hand, so expiry and back-off are exact, not slept."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[AppDatabase]:
    database = AppDatabase.from_data_dir(tmp_path / "data")
    database.upgrade()
    yield database
    database.dispose()
