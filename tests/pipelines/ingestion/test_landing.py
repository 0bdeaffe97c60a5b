"""The landing zone's own rules, the same for `icbt validate` and `icbt run`: symbolic
links are refused with a message naming them and never opened; a file is read only once
it has been quiet for the settle time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.ingestion.landing import SYMLINK_REFUSAL, discover
from pipelines.ingestion.loader import LandingLoader
from pipelines.ingestion.preflight import validate_path
from pipelines.settings import SETTLE_ENV
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    KEY,
    PROM_HEADER,
    TODAY,
    episode,
    load,
    write,
)

SECRET = "P1,E1,ICBT01,secret-outside-the-landing-zone"


@pytest.fixture
def linked(landing: Path, tmp_path: Path) -> Path:
    """A file linked to a secret outside the zone, and a batch folder that is a link."""
    outside = tmp_path / "outside"
    secret = write(outside, "secret.csv", EPISODES_HEADER + SECRET + "\n")
    (landing / "ICBT01" / "2026-02").mkdir(parents=True)
    os.symlink(secret, landing / "ICBT01" / "2026-02" / "episodes.csv")
    write(outside, "2026-03/episodes.csv", EPISODES_HEADER + episode("7"))
    os.symlink(outside / "2026-03", landing / "ICBT01" / "2026-03")
    return landing


def test_links_are_refused_named_and_recorded_never_read(linked: Path, con):
    report = load(con, linked)
    outcomes = {f.source_file: (f.outcome, f.rows_read, f.message) for f in report.loaded}
    outcome, rows, message = outcomes["ICBT01/2026-02/episodes.csv"]
    assert (outcome, rows) == ("refused", 0)
    assert message == f"the file {SYMLINK_REFUSAL}"
    [stray] = report.strays
    assert (stray.relative_path, stray.reason) == ("ICBT01/2026-03", SYMLINK_REFUSAL)
    ledger = con.execute(
        "SELECT source_file, file_bytes, message FROM ingest_load_ledger "
        "WHERE source_file = 'ICBT01/2026-02/episodes.csv'"
    ).fetchall()
    [(_, size, _)] = ledger
    assert size == len(os.readlink(linked / "ICBT01/2026-02/episodes.csv"))  # the link's own
    [(entries,)] = con.execute(
        "SELECT count(*) FROM ingest_quarantine WHERE source_file = 'ICBT01/2026-02/episodes.csv'"
    ).fetchall()
    assert entries == 1
    text = str(con.execute("SELECT * FROM ingest_quarantine").fetchall())
    assert "secret-outside" not in text
    # Nothing through the linked folder was loaded, and a rerun changes nothing.
    [(episodes,)] = con.execute("SELECT count(*) FROM raw_episodes").fetchall()
    assert episodes == 2
    again = load(con, linked)
    assert not again.loaded


def test_validate_and_run_say_the_same_about_links(linked: Path, con):
    loaded = load(con, linked)
    checked = validate_path(linked, TODAY)
    refused = {c.file.relative_path: c.refusal for c in checked.checks if c.refusal}
    run_refused = {f.source_file: f.message for f in loaded.loaded if f.outcome == "refused"}
    assert refused == run_refused
    assert [(s.relative_path, s.reason) for s in checked.strays] == [
        (s.relative_path, s.reason) for s in loaded.strays
    ]
    output = CliRunner().invoke(main, ["validate", str(linked), "--today", str(TODAY)]).output
    assert f"ICBT01/2026-03\n  NOT A DELIVERY: {SYMLINK_REFUSAL}" in output
    assert f"REFUSED: the file {SYMLINK_REFUSAL}" in output


def test_a_dangling_link_is_refused_like_any_other(landing: Path, con):
    os.symlink(landing / "nowhere.csv", landing / "ICBT01" / "2026-01" / "prom_responses.csv")
    report = load(con, landing)
    refused = [f for f in report.loaded if f.outcome == "refused"]
    assert [f.source_file for f in refused] == ["ICBT01/2026-01/prom_responses.csv"]


def _age(path: Path, seconds: float = 60) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_file_modified_within_the_settle_time_is_deferred_not_loaded(
    landing: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
):
    """A sender still writing in place: the file's modification time is fresh."""
    monkeypatch.setenv(SETTLE_ENV, "30")
    for path in landing.rglob("*.csv"):
        _age(path)
    partial = write(landing, "ICBT01/2026-02/prom_responses.csv", PROM_HEADER + "E1,PHQ9,2026")
    loader = LandingLoader(con, KEY, today=TODAY, run_id="test", settle_seconds=30)
    report = loader.load(landing)
    assert report.changing == ["ICBT01/2026-02/prom_responses.csv"]
    assert "ICBT01/2026-02/prom_responses.csv" not in {f.source_file for f in report.loaded}
    [(ledgered,)] = con.execute(
        "SELECT count(*) FROM ingest_load_ledger WHERE table_name = 'prom_responses'"
    ).fetchall()
    assert ledgered == 0

    checked = validate_path(landing, TODAY)
    assert checked.settling == ["ICBT01/2026-02/prom_responses.csv"] and not checked.ok

    # Written to the end and quiet for the settle time: now it loads.
    partial.write_text(PROM_HEADER + "E1,PHQ9,2026-02-01,1,2\n")
    _age(partial)
    later = loader.load(landing)
    assert [(f.source_file, f.outcome) for f in later.loaded] == [
        ("ICBT01/2026-02/prom_responses.csv", "loaded")
    ]


def test_the_default_settle_time_is_the_configured_one(monkeypatch: pytest.MonkeyPatch):
    from pipelines.ingestion.rules import load_rules, settle_seconds

    monkeypatch.delenv(SETTLE_ENV)
    assert settle_seconds() == load_rules().sensor_settle_seconds > 0


def test_discover_names_a_linked_program_folder(tmp_path: Path):
    landing = tmp_path / "landing"
    write(tmp_path, "elsewhere/2026-01/episodes.csv", EPISODES_HEADER)
    landing.mkdir()
    os.symlink(tmp_path / "elsewhere", landing / "ICBT02")
    files, strays = discover(landing)
    assert files == []
    assert [(s.relative_path, s.reason) for s in strays] == [("ICBT02", SYMLINK_REFUSAL)]
