"""FHIR R4 QuestionnaireResponse NDJSON maps onto prom_responses and back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.contract import load_instruments
from pipelines.ingestion.fhir import (
    EPISODE_EXTENSION,
    LOINC_ITEMS,
    questionnaire_responses,
    read_questionnaire_responses,
    write_questionnaire_responses,
)
from pipelines.ingestion.frames import READER_REASON
from pipelines.ingestion.identifiers import IdentifierRefusedError
from tests.pipelines.ingestion.conftest import count, load, reconciles, write

INSTRUMENTS = load_instruments()
COLUMNS = ["episode_key", "instrument", "administered_date", "item_number", "value"]


def _as_text(prom: pl.DataFrame) -> list[tuple]:
    return sorted(
        prom.select(pl.col(COLUMNS).cast(pl.Utf8)).rows(), key=lambda r: tuple(map(str, r))
    )


@st.composite
def administrations(draw) -> pl.DataFrame:
    rows = []
    for episode in draw(st.lists(st.sampled_from(["E1", "E2", "E30"]), min_size=1, unique=True)):
        for code in draw(st.lists(st.sampled_from(list(INSTRUMENTS)), min_size=1, unique=True)):
            spec = INSTRUMENTS[code]
            day = draw(st.dates(date(2025, 1, 1), date(2026, 6, 1)))
            for number in range(1, spec.n_items + 1):
                value = draw(st.none() | st.integers(spec.item_min, spec.item_max))
                rows.append((episode, code, day, number, value))
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prom=administrations())
def test_rows_survive_a_round_trip_through_fhir(tmp_path_factory, prom):
    path = tmp_path_factory.mktemp("fhir") / "QuestionnaireResponse.ndjson"
    write_questionnaire_responses(prom, path)
    read = read_questionnaire_responses(path)
    assert read[READER_REASON].null_count() == read.height
    assert _as_text(read) == _as_text(prom)


def test_loinc_panels_use_loinc_item_codes_and_answer_codes():
    prom = pl.DataFrame(
        [("E1", "PHQ9", date(2026, 2, 1), 9, 3), ("E1", "BPI_SF", date(2026, 2, 1), 5, 7)],
        schema=COLUMNS,
        orient="row",
    )
    bpi, phq = questionnaire_responses(prom)
    assert phq["questionnaire"] == "http://loinc.org/q/44249-1"
    assert phq["item"] == [
        {
            "linkId": "44260-8",
            "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6571-9"}}],
        }
    ]
    assert bpi["questionnaire"] == "urn:icbt-observatory:fhir:Questionnaire:BPI_SF"
    assert bpi["item"] == [{"linkId": "BPI_SF-5", "answer": [{"valueInteger": 7}]}]
    assert LOINC_ITEMS["GAD7"][0] == "69725-0" and LOINC_ITEMS["PEG"][2] == "91146-1"


def _resource(**overrides) -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://loinc.org/q/69737-5|2.76",
        "authored": "2026-02-01T09:30:00-05:00",
        "extension": [
            {"url": EPISODE_EXTENSION, "valueReference": {"reference": "EpisodeOfCare/E1"}}
        ],
        "item": [
            {
                "linkId": "group",
                "item": [
                    {"linkId": "69725-0", "answer": [{"valueCoding": {"code": "LA6570-1"}}]},
                    {"linkId": "68509-9"},
                    {"linkId": "70274-6", "answer": [{"valueInteger": 9}]},
                ],
            }
        ],
    } | overrides


def _read(tmp_path: Path, *resources: dict | str) -> pl.DataFrame:
    path = tmp_path / "QuestionnaireResponse.ndjson"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in resources))
    return read_questionnaire_responses(path)


def test_groups_answer_codes_skipped_items_and_total_scores(tmp_path):
    rows = _read(tmp_path, _resource())
    assert rows.select(COLUMNS).rows() == [
        ("E1", "GAD7", "2026-02-01", "1", "2"),
        ("E1", "GAD7", "2026-02-01", "2", None),
    ]


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (_resource(status="entered-in-error"), "line 1: response status is 'entered-in-error'"),
        (_resource(questionnaire="http://example.org/q/unknown"), "is not a known instrument"),
        (_resource(extension=[]), "line 1: no episode"),
        ({"resourceType": "Observation"}, "line 1 is a 'Observation' resource"),
        ("{not json", "line 1 is not valid UTF-8 JSON"),
    ],
)
def test_unusable_resources_become_rows_with_a_reason(tmp_path, resource, reason):
    rows = _read(tmp_path, resource)
    assert rows.height >= 1
    assert all(reason in r for r in rows[READER_REASON].to_list()), rows[READER_REASON]


def test_unknown_item_and_uncodable_answer_are_named(tmp_path):
    resource = _resource(
        item=[
            {"linkId": "69725-0", "answer": [{"valueCoding": {"code": "LA9999-9"}}]},
            {"linkId": "12345-6", "answer": [{"valueInteger": 1}]},
        ]
    )
    reasons = _read(tmp_path, resource)[READER_REASON].to_list()
    assert reasons == [
        "line 1, item '69725-0': answer code 'LA9999-9' has no numeric value",
        "line 1: linkId '12345-6' is not an item of GAD7",
    ]


@pytest.mark.parametrize(
    ("overrides", "element"),
    [
        ({"contained": [{"resourceType": "Patient"}]}, "contained"),
        ({"subject": {"reference": "Patient/1", "display": "Jane"}}, "subject.display"),
        ({"subject": {"identifier": {"value": "x"}}}, "subject.identifier"),
        ({"text": {"status": "generated", "div": "<div>x</div>"}}, "text.div"),
        (
            {"item": [{"linkId": "69725-0", "answer": [{"valueString": "my notes"}]}]},
            "valueString",
        ),
    ],
)
def test_identifier_bearing_elements_refuse_the_file(tmp_path, overrides, element):
    with pytest.raises(IdentifierRefusedError, match=element):
        _read(tmp_path, _resource(), _resource(**overrides))


def test_fhir_delivery_loads_like_a_table(con, landing):
    prom = pl.DataFrame(
        [("E1", "PEG", date(2026, 2, 1), n, v) for n, v in [(1, 6), (2, 5), (3, 11)]],
        schema=COLUMNS,
        orient="row",
    )
    write(landing, "ICBT01/2026-02/QuestionnaireResponse.ndjson", "")
    write_questionnaire_responses(prom, landing / "ICBT01/2026-02/QuestionnaireResponse.ndjson")
    [outcome] = [f for f in load(con, landing).loaded if f.table == "prom_responses"]
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (3, 2, 1)
    assert con.execute("SELECT value, reason FROM ingest_quarantine").fetchall() == [
        ("11", "is outside PEG item range 0 to 10")
    ]
    assert count(con, "raw_prom_responses") == 2 and reconciles(con)
