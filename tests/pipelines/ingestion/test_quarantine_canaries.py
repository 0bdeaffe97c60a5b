"""Canaries the identifier gate cannot recognise (a one-word surname, a made-up code)
planted where a check rejects them: in a code, a date, an integer, a number, a boolean,
every FHIR element a reason could quote, and in folder names. The files load with those
rows quarantined, and the canary's bytes are found nowhere: not in the DuckDB file, the
lake's Parquet, Dagster's run storage (the sqlite files of DAGSTER_HOME), the logs, or
the output of `icbt validate`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.ingestion.assets import raw_landing
from pipelines.ingestion.pseudonymise import create_key_file, load_key
from pipelines.lake import INGEST_TABLES, Lake
from pipelines.partitions import PROGRAM as PROGRAM_PARTITIONS
from pipelines.partitions import range_tags
from pipelines.resources import LandingZone, Warehouse
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    PROGRAM,
    PROM_HEADER,
    TODAY,
    episode,
    load,
    write,
)

CANARY = "Qxvorne"
FOLDER_CANARY = "Zyphrill"
FORMS = (CANARY, CANARY.lower(), CANARY.upper(), FOLDER_CANARY, FOLDER_CANARY.lower())


def _fhir(**changes: object) -> str:
    resource: dict[str, object] = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://loinc.org/q/44249-1",
        "authored": "2026-02-02",
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
                "valueReference": {"reference": "EpisodeOfCare/E1"},
            }
        ],
        "item": [{"linkId": "44250-9", "answer": [{"valueInteger": 1}]}],
    }
    resource.update(changes)
    return json.dumps(resource)


def plant(landing: Path) -> None:
    """One clean first batch, then a batch with the canary in every kind of field."""
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + episode("1"))
    write(
        landing,
        "ICBT01/2026-02/episodes.csv",
        EPISODES_HEADER
        + episode("2", sex=CANARY)  # a code
        + episode("3").replace("2026-01-02", CANARY)  # a date
        + episode("4"),
    )
    write(
        landing,
        "ICBT01/2026-02/prom_responses.csv",
        PROM_HEADER
        + f"E1,PHQ9,2026-02-01,1,{CANARY}\n"  # an integer
        + f"E1,{CANARY},2026-02-01,2,1\n"  # an instrument code
        + "E1,PHQ9,2026-02-01,3,4\n",  # a number out of range: shown, it is safe
    )
    write(
        landing,
        "ICBT01/2026-02/engagement_events.jsonl",
        json.dumps(
            {
                "episode_key": "E1",
                "event_timestamp": "2026-02-01T10:00:00Z",
                "event_type": "login",
                "minutes": CANARY,  # a number
            }
        )
        + "\n",
    )
    write(
        landing,
        "ICBT01/2026-02/adverse_events.csv",
        "episode_key,event_date,category,severity,serious,relatedness\n"
        f"E1,2026-02-03,pain_flare,mild,{CANARY},unlikely\n",  # a boolean
    )
    coding = {"valueCoding": {"system": "http://example.org", "code": CANARY}}
    write(
        landing,
        "ICBT01/2026-03/QuestionnaireResponse.ndjson",
        "\n".join(
            [
                _fhir(authored=CANARY),
                _fhir(status=CANARY),
                _fhir(questionnaire=f"urn:icbt-observatory:fhir:Questionnaire:{CANARY}"),
                _fhir(item=[{"linkId": CANARY, "answer": [{"valueInteger": 1}]}]),
                _fhir(item=[{"linkId": "44250-9", "answer": [coding]}]),
                _fhir(resourceType=CANARY),
            ]
        )
        + "\n",
    )
    # Folder names: a batch that is not a period, a program folder that is not a program.
    write(landing, f"ICBT01/{FOLDER_CANARY}/episodes.csv", EPISODES_HEADER + episode("5"))
    write(landing, "ICBT01/2026-13/episodes.csv", EPISODES_HEADER + episode("6"))
    write(landing, f"{FOLDER_CANARY.lower()}/2026-01/episodes.csv", EPISODES_HEADER)
    write(landing, f"ICBT01/2026-02/{FOLDER_CANARY}.csv", EPISODES_HEADER)


def _assert_no_canary(where: str, data: bytes) -> None:
    for form in FORMS:
        assert form.encode() not in data, f"{form!r} found in {where}"


def _tables_as_text(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> bytes:
    return "\n".join(str(con.table(t).fetchall()) for t in tables).encode()


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    plant(landing)
    return landing


def test_canaries_reach_no_duckdb_file(planted: Path, tmp_path: Path):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        report = load(con, planted)
        outcomes = {f.source_file: f.outcome for f in report.loaded}
        # The gate does not recognise the canary, so its files load and quarantine it.
        assert outcomes["ICBT01/2026-02/episodes.csv"] == "loaded_with_quarantine"
        assert outcomes["ICBT01/2026-03/QuestionnaireResponse.ndjson"] == "loaded_with_quarantine"
        assert "refused" not in outcomes.values()
        text = _tables_as_text(con, ("ingest_load_ledger", "ingest_quarantine"))
        [(withheld,)] = con.execute(
            "SELECT count(*) FROM ingest_quarantine WHERE value LIKE 'withheld (%'"
        ).fetchall()
        [(shown,)] = con.execute(
            "SELECT count(*) FROM ingest_quarantine WHERE field = 'value' AND value = '4'"
        ).fetchall()
        con.execute("CHECKPOINT")
    assert withheld >= 7 and shown == 1
    _assert_no_canary("the quarantine and ledger", text)
    _assert_no_canary("the DuckDB file", database.read_bytes())
    _assert_no_canary("stray names", "".join(s.relative_path for s in report.strays).encode())
    reasons = {s.reason for s in report.strays}
    assert "the batch folder name is not a delivery period YYYY-MM (e.g. 2026-03)" in reasons
    assert "the program folder name is not a program id (e.g. ICBT04)" in reasons


def test_repeated_withheld_values_match_by_their_keyed_hash(planted: Path, tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load(con, planted)
        values = con.execute(
            "SELECT DISTINCT value FROM ingest_quarantine "
            "WHERE value LIKE 'withheld (7 characters%' AND field IN ('sex', 'minutes')"
        ).fetchall()
    assert len(values) == 1  # the same canary in two fields and files: one hash


def test_canaries_reach_no_lake_file_dagster_storage_or_validate_output(
    planted: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    key_file = tmp_path / "secrets" / "pseudonym.key"
    create_key_file(key_file)
    lake = tmp_path / "lake"
    home = tmp_path / "dagster_home"
    home.mkdir()
    caplog.set_level(logging.DEBUG)
    with dg.DagsterInstance.local_temp(tempdir=str(home)) as instance:
        instance.add_dynamic_partitions(PROGRAM_PARTITIONS, ["ICBT01"])
        result = dg.materialize(
            [raw_landing],
            instance=instance,
            tags=range_tags("ICBT01", "2026-01", "2026-03"),
            resources={
                "warehouse": Warehouse(database=str(tmp_path / "build.duckdb"), lake_dir=str(lake)),
                "landing": LandingZone(landing_dir=str(planted), pseudonym_key_file=str(key_file)),
            },
        )
        assert result.success
        logs = "\n".join(entry.user_message for entry in instance.all_logs(result.run_id))
        events = "\n".join(f"{e.message}\n{e.event_specific_data}" for e in result.all_events)
    assert "Not loaded: ICBT01/withheld (8 characters" in logs
    _assert_no_canary("the run's log", logs.encode())
    storage = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in storage)
    for path in storage:
        _assert_no_canary(f"Dagster storage {path.name}", path.read_bytes())
    _assert_no_canary("Dagster events", events.encode())
    _assert_no_canary("the logs", caplog.text.encode())
    for path in lake.rglob("*"):
        if path.is_file():
            _assert_no_canary(f"lake file {path.name}", path.read_bytes())
    with duckdb.connect() as con:
        Lake(lake).register_views(con, INGEST_TABLES)
        [(quarantined,)] = con.execute("SELECT count(*) FROM ingest_quarantine").fetchall()
        _assert_no_canary("the lake's tables", _tables_as_text(con, INGEST_TABLES))
    assert quarantined >= 8
    assert load_key(key_file)  # the run hashed withheld values under the real key

    validate = CliRunner().invoke(main, ["validate", str(planted), "--today", str(TODAY)])
    assert validate.exit_code == 1
    assert "would be quarantined" in validate.output and "withheld (" in validate.output
    assert "value: '4' is outside PHQ9 item range 0 to 3" in validate.output
    _assert_no_canary("icbt validate", validate.output.encode())
