"""Canaries: identifiers planted in every way a sender could slip them in never reach the
warehouse file, its quarantine, the logs, Dagster's events and metadata, or the report
of `icbt validate`. Each file carrying one is refused with the column and the kind."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.ingestion.assets import quarantine_rate_check, raw_landing
from pipelines.ingestion.identifiers import luhn_valid
from pipelines.ingestion.pseudonymise import create_key_file
from pipelines.lake import INGEST_TABLES, Lake
from pipelines.partitions import PROGRAM as PROGRAM_PARTITIONS
from pipelines.partitions import range_tags
from pipelines.resources import LandingZone, Warehouse
from tests.pipelines.ingestion.conftest import EPISODES_HEADER, PROGRAM, PROM_HEADER, episode, write

HEALTH_BODY = "987654321"
HEALTH_NUMBER = HEALTH_BODY + next(str(d) for d in range(10) if luhn_valid(f"{HEALTH_BODY}{d}"))
CANARIES = {
    "email": "canary.sender@example.org",
    "name": "Jane Canarysmith",
    "phone": "(416) 555-0142",
    "health_number": HEALTH_NUMBER,
    "health_number_spaced": f"{HEALTH_NUMBER[:4]} {HEALTH_NUMBER[4:7]} {HEALTH_NUMBER[7:]}",
    "postal_code": "M5V 2T6",
    "birth_date": "1979-04-23",
    "free_text": "canary said the pain stopped her sleeping",
    "fhir_name": "Canary Fhirperson",
}


def _plant(landing: Path) -> None:
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + episode("1"))
    # An identifier column, refused by its name.
    write(
        landing,
        "ICBT01/2026-02/episodes.csv",
        EPISODES_HEADER.replace("\n", ",email\n")
        + episode("2").replace("\n", f",{CANARIES['email']}\n"),
    )
    # Identifier values in contract columns: a key, a code, a date, free text.
    write(
        landing,
        "ICBT01/2026-02/prom_responses.csv",
        PROM_HEADER
        + "E1,PHQ9,2026-02-01,1,2\n"
        + f"{CANARIES['health_number']},PHQ9,2026-02-01,1,2\n"
        + f"E1,{CANARIES['phone']},2026-02-01,2,1\n"
        + f"E1,PHQ9,{CANARIES['birth_date']},3,1\n",
    )
    write(
        landing,
        "ICBT01/2026-02/adverse_events.csv",
        "episode_key,event_date,category,severity,serious,relatedness\n"
        f"E1,2026-02-03,{CANARIES['free_text']},mild,false,unlikely\n"
        f"E1,2026-02-04,other,{CANARIES['postal_code']},false,unlikely\n",
    )
    lines = [
        {"episode_key": "E1", "event_timestamp": "2026-02-01T10:00:00Z", "event_type": "login"},
        {
            "episode_key": CANARIES["health_number_spaced"],
            "event_timestamp": "2026-02-01T11:00:00Z",
            "event_type": CANARIES["name"],
        },
    ]
    write(
        landing,
        "ICBT01/2026-02/engagement_events.jsonl",
        "".join(json.dumps(line) + "\n" for line in lines),
    )
    # A file sent without its header row: the first data row becomes the "header".
    write(
        landing,
        "ICBT01/2026-03/episodes.csv",
        f"P9,E9,ICBT01,self,{CANARIES['birth_date']},,,,,25-34,female,urban,"
        f"{CANARIES['email']},action\n",
    )
    # FHIR with a patient's name in the resource.
    resource = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://loinc.org/q/44249-1",
        "authored": "2026-03-02",
        "subject": {"reference": "Patient/1", "display": CANARIES["fhir_name"]},
        "item": [{"linkId": "44250-9", "answer": [{"valueInteger": 1}]}],
    }
    write(landing, "ICBT01/2026-03/QuestionnaireResponse.ndjson", json.dumps(resource) + "\n")


def _lake(root: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    Lake(root).register_views(con, INGEST_TABLES)
    return con


def _text_of_every_table(root: Path) -> str:
    with _lake(root) as con:
        return "\n".join(str(con.table(t).fetchall()) for t in INGEST_TABLES)


def _forms(value: str) -> set[str]:
    """The value and the forms it could be stored in (without separators, as bytes)."""
    return {value, value.replace(" ", ""), value.replace("-", ""), value.lower()}


@pytest.fixture
def planted_run(tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture):
    landing = tmp_path / "landing"
    _plant(landing)
    key_file = tmp_path / "secrets" / "pseudonym.key"
    create_key_file(key_file)
    lake = tmp_path / "lake"
    caplog.set_level(logging.DEBUG)
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(PROGRAM_PARTITIONS, ["ICBT01"])
        result = dg.materialize(
            [raw_landing, quarantine_rate_check],
            instance=instance,
            tags=range_tags("ICBT01", "2026-01", "2026-03"),
            resources={
                "warehouse": Warehouse(
                    database=str(tmp_path / "warehouse" / "build.duckdb"), lake_dir=str(lake)
                ),
                "landing": LandingZone(landing_dir=str(landing), pseudonym_key_file=str(key_file)),
            },
        )
        tags = instance.get_run_by_id(result.run_id).tags
    validate = CliRunner().invoke(main, ["validate", str(landing), "--today", "2026-06-30"])
    captured = capfd.readouterr()
    return {
        "result": result,
        "lake": lake,
        "texts": {
            "dagster events": "\n".join(
                f"{e.message}\n{e.event_specific_data}" for e in result.all_events
            ),
            "run tags": json.dumps(dict(tags)),
            "python logs": caplog.text,
            "stdout and stderr": captured.out + captured.err,
            "icbt validate": validate.output,
            "lake tables": _text_of_every_table(lake),
        },
        "validate_exit": validate.exit_code,
    }


def test_every_planted_identifier_is_refused_and_never_stored_or_shown(planted_run):
    result = planted_run["result"]
    assert result.success
    texts = planted_run["texts"]
    files = [path for path in planted_run["lake"].rglob("*") if path.is_file()]
    stored = b"".join(path.read_bytes() for path in files)
    for label, value in CANARIES.items():
        for form in _forms(value):
            assert form.encode() not in stored, f"{label} in the DuckDB file bytes"
            for where, text in texts.items():
                assert form not in text, f"{label} ({form!r}) in {where}"
    assert planted_run["validate_exit"] == 1


def test_each_refusal_names_column_and_kind(planted_run):
    with _lake(planted_run["lake"]) as con:
        ledger = dict(
            con.execute(
                "SELECT source_file, message FROM ingest_load_ledger WHERE outcome = 'refused'"
            ).fetchall()
        )
        [(quarantined_values,)] = con.execute(
            "SELECT count(*) FROM ingest_quarantine WHERE value IS NOT NULL"
        ).fetchall()
    assert quarantined_values == 0
    expected = {
        "ICBT01/2026-02/episodes.csv": "column 'email' looks like an e-mail address",
        "ICBT01/2026-02/prom_responses.csv": "column 'episode_key' holds an Ontario health number",
        "ICBT01/2026-02/adverse_events.csv": "column 'category' holds free text or a name",
        "ICBT01/2026-02/engagement_events.jsonl": "column 'event_type' holds free text or a name",
        "ICBT01/2026-03/episodes.csv": "the first line looks like data, not column names",
        "ICBT01/2026-03/QuestionnaireResponse.ndjson": "subject.display (a person's name)",
    }
    assert set(ledger) == set(expected)
    for source, fragment in expected.items():
        assert fragment in ledger[source], (source, ledger[source])
    prom = ledger["ICBT01/2026-02/prom_responses.csv"]
    assert "column 'instrument' holds a phone number in 1 row(s) (row 3)" in prom
    assert "column 'administered_date' holds" not in prom  # a date in a date column is fine
    adverse = ledger["ICBT01/2026-02/adverse_events.csv"]
    assert "column 'severity' holds a full postal code in 1 row(s) (row 2)" in adverse


def test_counts_of_refused_files_reach_metadata_and_the_quarantine_check_warns(planted_run):
    result = planted_run["result"]
    ledger = next(
        m
        for m in result.get_asset_materialization_events()
        if m.asset_key.path == ["ingest_load_ledger"]
    )
    metadata = ledger.step_materialization_data.materialization.metadata
    assert metadata["run_files_refused"].value == 6
    assert metadata["run_rows_read"].value == (
        metadata["run_rows_loaded"].value + metadata["run_rows_quarantined"].value
    )
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["files_over_threshold"].value == 6
