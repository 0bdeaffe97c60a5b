"""Every refusal a plain sentence that names the real problem: the wrong delimiter, an
unclosed quote, a number too large to be finite, a file outside the landing layout, a
full or read-only data directory, and a killed publication's leftovers."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.ingestion.preflight import landing_root
from pipelines.publishing.publish import publish_build
from pipelines.publishing.snapshots import snapshots_dir
from pipelines.resources import Warehouse
from pipelines.sql import read_sql, run_sql
from pipelines.storage_errors import storage_problem
from tests.pipelines.ingestion.conftest import PROM_HEADER, TODAY, load, write


def _validate(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(path), "--today", str(TODAY)])
    return result.exit_code, result.output


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons (;)"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_is_told_its_delimiter(
    landing: Path, delimiter: str, name: str
):
    rows = [PROM_HEADER.strip().split(","), ["E1", "PHQ9", "2026-01-10", "1", "2"]]
    text = "".join(delimiter.join(row) + "\n" for row in rows)
    write(landing, "ICBT01/2026-01/prom_responses.csv", text)
    code, output = _validate(landing / "ICBT01" / "2026-01" / "prom_responses.csv")
    assert code == 1
    assert f"REFUSED: the columns are separated by {name}, not commas" in output
    assert "header row missing" not in output


def test_an_unclosed_quote_is_named_not_taken_for_free_text(landing: Path, con):
    write(
        landing,
        "ICBT01/2026-01/prom_responses.csv",
        PROM_HEADER
        + "E1,PHQ9,2026-01-10,1,2\n"
        + 'E1,PHQ9,"2026-01-10,2,1\n'
        + "E1,PHQ9,2026-01-10,3,1\n"
        + "E2,PHQ9,2026-01-10,4,1\n",
    )
    report = load(con, landing)
    [prom] = [f for f in report.loaded if f.table == "prom_responses"]
    assert prom.outcome == "loaded_with_quarantine" and prom.rows_loaded == 1
    reasons = {
        r for (r,) in con.execute("SELECT DISTINCT reason FROM ingest_quarantine").fetchall()
    }
    assert reasons == {
        "a quoted value opened on row 2 runs over lines 3 to 5 (a closing quote is probably "
        "missing)"
    }


def test_a_number_too_large_to_be_finite_is_out_of_range_as_typed(landing: Path, con):
    write(
        landing,
        "ICBT01/2026-01/engagement_events.jsonl",
        json.dumps(
            {
                "episode_key": "E1",
                "event_timestamp": "2026-01-10T10:00:00Z",
                "event_type": "login",
                "minutes": "1e309",
            }
        )
        + "\n",
    )
    write(
        landing, "ICBT01/2026-01/prom_responses.csv", PROM_HEADER + "E1,PHQ9,2026-01-10,1,1e309\n"
    )
    load(con, landing)
    found = set(con.execute("SELECT field, value, reason FROM ingest_quarantine").fetchall())
    assert found == {
        ("minutes", "1e309", "is out of range: not a finite number"),
        ("value", "1e309", "is out of range: not a finite number"),
    }


def test_validate_a_file_outside_the_landing_layout_says_so_plainly(tmp_path: Path):
    loose = write(tmp_path / "exports", "episodes.csv", "anything\n")
    assert landing_root(loose) is None
    code, output = _validate(loose)
    assert code == 1
    assert "is not in a <program>/<batch>/ folder, so it cannot be checked" in output
    # A period folder directly under something that is not a program folder: the same.
    misplaced = write(tmp_path / "exports", "2026-01/episodes.csv", "anything\n")
    code, output = _validate(misplaced)
    assert code == 1 and "is not in a <program>/<batch>/ folder" in output
    # A file at the top of the file system has no grandparent: no walking up, no crash.
    assert landing_root(Path("/")) == Path("/")


def test_an_unwritable_data_directory_ends_with_one_plain_sentence(monkeypatch):
    monkeypatch.setenv("ICBT_DATA_DIR", "/sys/icbt-observatory-data")
    result = CliRunner().invoke(main, ["run", "--no-brief"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Could not write to the data directory")
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_storage_problems_are_recognised_from_errno_or_message():
    assert storage_problem(OSError(errno.ENOSPC, "full")) == "the disk is full"
    assert storage_problem(OSError(errno.EROFS, "ro")).endswith("read-only file system")
    message = "IO Error: Could not write file 'x.duckdb': No space left on device"
    assert storage_problem(duckdb.IOException(message)) == "the disk is full"
    assert storage_problem(ValueError("something else")) is None


def test_the_next_publication_removes_a_killed_one_s_temporary_copies(tmp_path: Path):
    published = tmp_path / "warehouse" / "observatory.duckdb"
    snapshots = snapshots_dir(published)
    snapshots.mkdir(parents=True)
    stale_copy = published.with_name(f".{published.name}.99999.tmp")
    stale_copy.write_bytes(b"half a warehouse")
    stale_snapshot = snapshots / ".2026-12-07.1.99999.tmp"
    stale_snapshot.mkdir()
    (stale_snapshot / "observatory.duckdb").write_bytes(b"half")
    warehouse = Warehouse(database=str(tmp_path / "build.duckdb"))
    with warehouse.connect() as con:
        run_sql(con, read_sql("ingestion/create_ingest_tables.sql"))
    publish_build(warehouse.connect, Path(warehouse.database), published, "run-1", retain=3)
    assert published.is_file()
    assert not stale_copy.exists() and not stale_snapshot.exists()
    assert [p.name for p in published.parent.iterdir() if p.name.endswith(".tmp")] == []
