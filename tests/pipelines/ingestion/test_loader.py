"""Loading the landing zone into a real DuckDB file: exactly once, reconciled, atomic."""

from pathlib import Path

import polars as pl
import pytest

from pipelines.ingestion.landing import classify
from pipelines.ingestion.loader import LandingLoader
from pipelines.ingestion.readers import scan_file
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    KEY,
    PROGRAM,
    TODAY,
    count,
    episode,
    load,
    reconciles,
    write,
)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write(root, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(
        root,
        "ICBT01/2026-01/episodes.csv",
        EPISODES_HEADER + episode("1") + episode("2") + episode("3", sex="X"),
    )
    write(
        root,
        "ICBT01/2026-01/prom_responses.csv",
        "episode_key,instrument,administered_date,item_number,value\n"
        "E1,PHQ9,2026-01-05,1,2\nE1,PHQ9,2026-01-05,2,1\nE3,PHQ9,2026-01-05,1,1\n",
    )
    return root


def test_every_row_loaded_or_quarantined_and_counts_reconcile(con, landing):
    report = load(con, landing)
    assert [f.outcome for f in report.loaded] == [
        "loaded",
        "loaded_with_quarantine",
        "loaded_with_quarantine",
    ]
    assert report.rows_read == 7 and report.rows_loaded == 5 and report.rows_quarantined == 2
    assert (count(con, "raw_episodes"), count(con, "raw_prom_responses")) == (2, 2)
    reasons = con.execute(
        "SELECT source_file, source_row, field, reason FROM ingest_quarantine ORDER BY ALL"
    ).fetchall()
    assert reasons == [
        (
            "ICBT01/2026-01/episodes.csv",
            3,
            "sex",
            "is not one of: female, male, other, not_stated",
        ),
        (
            "ICBT01/2026-01/prom_responses.csv",
            3,
            "episode_key",
            "episode_key does not match any episode of this program",
        ),
    ]
    assert reconciles(con)


def test_identical_redelivery_changes_nothing(con, landing):
    load(con, landing)
    before = con.execute("SELECT count(*) FROM ingest_load_ledger").fetchall()
    report = load(con, landing)
    assert report.loaded == [] and len(report.unchanged) == 3
    assert con.execute("SELECT count(*) FROM ingest_load_ledger").fetchall() == before
    assert count(con, "raw_episodes") == 2


def test_corrected_redelivery_replaces_the_batch(con, landing):
    load(con, landing)
    write(
        landing,
        "ICBT01/2026-01/episodes.csv",
        EPISODES_HEADER + episode("1") + episode("2") + episode("3") + episode("4"),
    )
    report = load(con, landing)
    assert [f.table for f in report.loaded] == ["episodes"]
    assert count(con, "raw_episodes") == 4
    assert con.execute(
        "SELECT count(*) FROM ingest_quarantine WHERE table_name = 'episodes'"
    ).fetchall() == [(0,)]
    superseded = con.execute(
        "SELECT count(*) FROM ingest_load_ledger WHERE superseded_at IS NOT NULL"
    ).fetchall()
    assert superseded == [(1,)]
    assert reconciles(con)


def test_unknown_column_refuses_the_whole_file(con, landing):
    write(
        landing,
        "ICBT01/2026-02/episodes.csv",
        EPISODES_HEADER.replace("\n", ",colour\n") + episode("9").replace("\n", ",blue\n"),
    )
    report = load(con, landing)
    refused = [f for f in report.loaded if f.outcome == "refused"]
    assert len(refused) == 1 and "unknown column(s) 'colour'" in refused[0].message
    assert refused[0].rows_read == refused[0].rows_quarantined == 1
    assert "blue" not in str(con.execute("SELECT * FROM ingest_quarantine").fetchall())
    assert reconciles(con)


def test_failure_inside_a_load_leaves_the_previous_state(con, landing, monkeypatch):
    load(con, landing)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + episode("1") + episode("5"))

    def crash(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("pipelines.ingestion.loader._quarantine_rows", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        load(con, landing)
    assert count(con, "raw_episodes") == 2
    assert con.execute(
        "SELECT count(*) FROM ingest_load_ledger WHERE superseded_at IS NOT NULL"
    ).fetchall() == [(0,)]
    monkeypatch.undo()
    load(con, landing)
    assert count(con, "raw_episodes") == 2 and reconciles(con)


def test_a_correction_in_another_format_supersedes_the_first(con, landing):
    load(con, landing)
    (landing / "ICBT01/2026-01/prom_responses.csv").unlink()
    pl.DataFrame(
        {
            "episode_key": ["E1"],
            "instrument": ["GAD7"],
            "administered_date": ["2026-01-05"],
            "item_number": [1],
            "value": [3],
        }
    ).write_parquet(landing / "ICBT01/2026-01/prom_responses.parquet")
    [outcome] = load(con, landing).loaded
    assert outcome.source_file.endswith(".parquet") and outcome.outcome == "loaded"
    assert con.execute("SELECT instrument FROM raw_prom_responses").fetchall() == [("GAD7",)]
    assert reconciles(con)


def test_episodes_of_a_program_without_a_registry_row_are_quarantined(con, tmp_path):
    root = tmp_path / "other"
    write(root, "ICBT02/2026-01/episodes.csv", EPISODES_HEADER + episode("1", program="ICBT02"))
    [outcome] = load(con, root).loaded
    assert outcome.rows_quarantined == 1
    assert con.execute("SELECT field, reason FROM ingest_quarantine").fetchall() == [
        (
            "program_id",
            "program 'ICBT02' has no programs row yet: deliver programs in this batch or "
            "an earlier one",
        )
    ]


def test_a_file_that_changes_while_read_is_left_for_the_next_run(con, landing):
    path = landing / "ICBT01/2026-01/programs.csv"
    stale = scan_file(path)
    path.write_text(PROGRAM + PROGRAM.splitlines()[1] + "\n")
    loader = LandingLoader(con, KEY, today=TODAY, run_id="test")
    assert loader.load_file(classify(landing, path), stale) is None
    assert con.execute("SELECT count(*) FROM ingest_load_ledger").fetchall() == [(0,)]
