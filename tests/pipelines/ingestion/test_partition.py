"""One program's partition run writes the lake: each delivery replaced whole, the ledger
last, no file half-written, and a run cut off before its ledger reruns to exact counts."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.ingestion.partition import ProgramIngestion
from pipelines.lake import INGEST_TABLES, PARTIAL_SUFFIX, Lake, ProgramBusyError
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    KEY,
    PROM_HEADER,
    TODAY,
    episode,
    reconciles,
    write,
)

MONTHS = ["2026-01", "2026-02"]


def _load(lake: Lake, landing: Path, months=MONTHS):
    return ProgramIngestion(lake, "ICBT01", KEY, today=TODAY, run_id="test").run(landing, months)


def _counts(lake: Lake) -> dict[str, int]:
    con = duckdb.connect()
    try:
        lake.register_views(con, INGEST_TABLES, "ICBT01")
        counts = {t: con.table(t).aggregate("count(*)").fetchall()[0][0] for t in INGEST_TABLES}
        counts["reconciles"] = reconciles(con)
        return counts
    finally:
        con.close()


@pytest.fixture
def two_months(landing: Path) -> Path:
    prom = PROM_HEADER + "E1,PHQ9,2026-02-01,1,2\nE1,PHQ9,2026-02-01,2,1\nE9,PHQ9,2026-02-01,1,2\n"
    write(landing, "ICBT01/2026-02/episodes.csv", EPISODES_HEADER + episode("3"))
    write(landing, "ICBT01/2026-02/prom_responses.csv", prom)
    return landing


def test_each_delivery_is_one_file_and_the_counts_reconcile(tmp_path, two_months):
    lake = Lake(tmp_path / "lake")
    report = _load(lake, two_months)
    assert [f.outcome for f in report.loaded] == ["loaded"] * 3 + ["loaded_with_quarantine"]
    assert lake.files("raw_episodes", "ICBT01") == [
        str(lake.path("raw_episodes", "ICBT01", month)) for month in MONTHS
    ]
    counts = _counts(lake)
    assert counts["raw_episodes"] == 3 and counts["raw_prom_responses"] == 2
    assert counts["ingest_quarantine"] == 1 and counts["reconciles"]
    assert not list(lake.root.rglob(f"*{PARTIAL_SUFFIX}"))
    before = _counts(lake)
    assert _load(lake, two_months).loaded == []  # an identical re-delivery changes nothing
    assert _counts(lake) == before


def test_a_run_cut_off_before_its_ledger_reruns_to_exact_counts(tmp_path, two_months):
    lake = Lake(tmp_path / "lake")
    _load(lake, two_months)
    expected = _counts(lake)
    # The state a kill leaves between a delivery's rows and the ledger: rows on disk, the
    # ledger and fingerprints that would have recorded them gone, a temporary file left.
    for table in ("ingest_load_ledger", "ingest_file_fingerprints"):
        os.remove(lake.path(table, "ICBT01"))
    partial = lake.path("raw_episodes", "ICBT01", "2026-02").with_suffix(PARTIAL_SUFFIX)
    partial.write_bytes(b"half a file")

    rerun = _load(lake, two_months)

    assert len(rerun.loaded) == 4
    assert _counts(lake) == expected
    assert not partial.exists()


def test_only_the_named_months_load(tmp_path, two_months):
    lake = Lake(tmp_path / "lake")
    report = _load(lake, two_months, ["2026-01"])
    assert {f.batch_id for f in report.loaded} == {"2026-01"}
    assert lake.files("raw_prom_responses", "ICBT01") == []


def test_a_second_writer_of_the_same_program_is_refused(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.program_lock("ICBT01"), pytest.raises(ProgramBusyError, match="ICBT01"):  # noqa: SIM117
        with lake.program_lock("ICBT01"):
            pass
