"""The latest delivery wins by delivery order: the newer period, then the later load.
A late re-delivery of an older period never overrides a newer one, and batch folders
that are not real periods (`2026-9`, which sorts after `2026-12` as text) are refused."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingestion.landing import is_batch_id
from pipelines.ingestion.loader import LoadReport
from pipelines.sql import model, run_sql
from tests.pipelines.ingestion.conftest import EPISODES_HEADER, PROGRAM, episode, load, write


def _staged_sex(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    for name in ("staging_programs", "staging_episodes"):
        run_sql(con, model("staging", name).sql)
    rows = con.execute(
        "SELECT last_batch_id, sex FROM staging_episodes ORDER BY last_batch_id"
    ).fetchall()
    return dict(rows)


def deliver(con: duckdb.DuckDBPyConnection, landing: Path, batch: str, sex: str) -> LoadReport:
    """Episode 1 of ICBT01 in `batch` with the given sex, loaded."""
    write(landing, f"ICBT01/{batch}/episodes.csv", EPISODES_HEADER + episode("1", sex=sex))
    return load(con, landing)


def test_an_older_period_delivered_later_does_not_override_a_newer_one(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
):
    landing = tmp_path / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    deliver(con, landing, "2026-12", sex="female")
    # The September batch arrives after December's (a late re-send): loaded later, older.
    report = deliver(con, landing, "2026-09", sex="male")
    assert [f.source_file for f in report.loaded] == ["ICBT01/2026-09/episodes.csv"]
    assert _staged_sex(con) == {"2026-12": "female"}

    # A correction of December, loaded last, wins over December's first version.
    deliver(con, landing, "2026-12", sex="other")
    assert _staged_sex(con) == {"2026-12": "other"}


def test_the_newest_period_wins_whatever_the_load_order(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
):
    landing = tmp_path / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    deliver(con, landing, "2026-02", sex="female")
    deliver(con, landing, "2027-01", sex="male")
    assert _staged_sex(con) == {"2027-01": "male"}


def test_batch_folders_must_be_real_periods(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    assert is_batch_id("2026-09") and is_batch_id("2026-12")
    for name in ("2026-9", "2026-13", "2026-00", "2026-1a", "26-09", "2026_09", "latest"):
        assert not is_batch_id(name), name
    landing = tmp_path / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-9/episodes.csv", EPISODES_HEADER + episode("1", sex="male"))
    report = load(con, landing)
    assert [f.source_file for f in report.loaded] == ["ICBT01/2026-01/programs.csv"]
    [stray] = report.strays
    assert stray.reason == "the batch folder name is not a delivery period YYYY-MM (e.g. 2026-03)"
    assert "2026-9" not in stray.relative_path
