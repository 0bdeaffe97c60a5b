"""Row-level validation: each broken value is named by row, field and reason."""

from datetime import date

import polars as pl
import pytest

from pipelines.contract import load_contract, load_instruments
from pipelines.ingestion.pseudonymise import Pseudonymiser
from pipelines.ingestion.readers import SOURCE_ROW
from pipelines.ingestion.validation import BatchContext, coerce, validate

CONTRACT = load_contract()
TODAY = date(2026, 6, 30)
PSEUDONYMISE = Pseudonymiser(b"k" * 32, "ICBT01")


def _frame(rows: list[dict]) -> pl.DataFrame:
    return (
        pl.DataFrame(rows)
        .with_row_index(SOURCE_ROW, offset=1)
        .with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    )


def _episode(**overrides) -> dict:
    row = {
        "patient_key": "P1",
        "episode_key": "E1",
        "program_id": "ICBT01",
        "referral_source": "self",
        "referral_date": "2026-01-02",
        "enrolment_date": "2026-01-03",
        "start_date": "2026-01-05",
        "end_date": "",
        "discharge_reason": "",
        "age_band": "25-34",
        "sex": "female",
        "rurality": "urban",
        "language": "en",
        "readiness_stage": "action",
    }
    return row | overrides


def _reasons(result) -> list[tuple[int, str, str]]:
    return [
        (r[SOURCE_ROW], r["field"], r["reason"]) for r in result.rejections.iter_rows(named=True)
    ]


def _validate(table: str, rows: list[dict], known=None):
    ctx = BatchContext("ICBT01", TODAY, known, load_instruments())
    return validate(_frame(rows), CONTRACT[table], ctx, PSEUDONYMISE)


def test_valid_episode_loads_with_hashed_keys_only():
    result = _validate("episodes", [_episode()])
    assert result.rejections.is_empty()
    assert result.valid.height == 1
    assert {"patient_id", "episode_id"} <= set(result.valid.columns)
    assert not {"patient_key", "episode_key"} & set(result.valid.columns)
    assert (
        result.valid["episode_id"][0]
        == PSEUDONYMISE(pl.DataFrame({"episode_key": ["E1"]}))["episode_id"][0]
    )


@pytest.mark.parametrize(
    ("override", "field", "reason"),
    [
        ({"sex": "F"}, "sex", "is not one of: female, male, other, not_stated"),
        (
            {"referral_date": "2026-02-30"},
            "referral_date",
            "is not a date (YYYY-MM-DD)",
        ),
        (
            {"referral_date": "2027-01-01", "enrolment_date": "", "start_date": ""},
            "referral_date",
            "referral_date is after today (2026-06-30)",
        ),
        ({"start_date": "2026-01-01"}, "start_date", "start_date is before referral_date"),
        (
            {"end_date": "2026-03-01"},
            "discharge_reason",
            "discharge_reason is required when end_date is given",
        ),
        (
            {"discharge_reason": "completed"},
            "discharge_reason",
            "discharge_reason is given but end_date is empty",
        ),
        (
            {"program_id": "ICBT02"},
            "program_id",
            "does not match the program folder ICBT01",
        ),
        ({"age_band": ""}, "age_band", "required field is empty"),
    ],
)
def test_each_broken_episode_field_is_named(override, field, reason):
    result = _validate("episodes", [_episode(), _episode(episode_key="E2", **override)])
    assert (2, field, reason) in _reasons(result)
    assert result.valid.height == 1
    assert result.rows_quarantined == 1


def test_source_keys_never_echoed_in_rejections():
    long_key = "SECRET" * 20
    result = _validate("episodes", [_episode(patient_key=long_key)])
    assert result.rows_quarantined == 1
    assert long_key not in result.rejections.write_csv()


def test_duplicate_names_the_first_row():
    result = _validate("episodes", [_episode(), _episode(sex="male"), _episode()])
    assert [(r, reason) for r, _, reason in _reasons(result)] == [
        (2, "duplicate of row 1 (same episode_key)"),
        (3, "duplicate of row 1 (same episode_key)"),
    ]


def _item(**overrides) -> dict:
    return {
        "episode_key": "E1",
        "instrument": "PHQ9",
        "administered_date": "2026-01-05",
        "item_number": "1",
        "value": "2",
    } | overrides


def test_prom_item_rules_use_the_instrument_structure():
    known = PSEUDONYMISE(pl.DataFrame({"episode_key": ["E1"]}))["episode_id"]
    rows = [
        _item(),
        _item(item_number="2", value="4"),
        _item(item_number="10"),
        _item(instrument="BPI_SF", item_number="3", value="9"),
        _item(episode_key="E404", item_number="4"),
        _item(item_number="5", value="x"),
        _item(item_number="6", value=""),
    ]
    result = _validate("prom_responses", rows, known)
    assert _reasons(result) == [
        (2, "value", "is outside PHQ9 item range 0 to 3"),
        (3, "item_number", "does not exist in PHQ9 (9 items)"),
        (5, "episode_key", "episode_key does not match any episode of this program"),
        (6, "value", "is not an integer"),
    ]
    values = dict(zip(result.rejections[SOURCE_ROW], result.rejections["value"], strict=True))
    assert (values[2], values[3], values[5], values[6]) == ("4", "10", None, "x")
    assert result.valid.height == 3
    assert result.valid.filter(pl.col(SOURCE_ROW) == 7)["value"].to_list() == [None]


def test_engagement_timestamps_need_an_offset_and_become_utc():
    typed, rejections = coerce(
        _frame(
            [
                {
                    "episode_key": "E1",
                    "event_timestamp": "2026-01-05T10:00:00Z",
                    "event_type": "login",
                },
                {
                    "episode_key": "E1",
                    "event_timestamp": "2026-01-05T10:00:00-05:00",
                    "event_type": "login",
                },
                {"episode_key": "E1", "event_timestamp": "2026-01-05 10:00", "event_type": "login"},
            ]
        ),
        CONTRACT["engagement_events"],
    )
    assert typed["event_timestamp"].dt.hour().to_list()[:2] == [10, 15]
    assert rejections["reason"].to_list() == ["is not an ISO 8601 timestamp with a UTC offset"]
    assert rejections["value"].to_list() == ["2026-01-05 10:00"]


def test_module_events_need_a_module_number():
    known = PSEUDONYMISE(pl.DataFrame({"episode_key": ["E1"]}))["episode_id"]
    rows = [
        {
            "episode_key": "E1",
            "event_timestamp": "2026-01-05T10:00:00Z",
            "event_type": "module_started",
            "module_number": "",
            "minutes": "12.5",
        }
    ]
    result = _validate("engagement_events", rows, known)
    assert _reasons(result) == [
        (1, "module_number", "module_number is required for module_started and module_completed")
    ]


def test_typed_parquet_columns_are_accepted_as_they_are():
    typed, rejections = coerce(
        _frame(
            [
                {
                    "program_id": "ICBT01",
                    "program_name": "x",
                    "delivery_mode": "self_guided",
                    "therapist_trained_in_chronic_pain": False,
                    "length_weeks": 8,
                    "module_count": 6.0,
                    "topics": "sleep",
                    "funding": "public",
                    "reimbursement_eligibility": "public_plan",
                    "province": "ON",
                    "status": "available",
                }
            ]
        ),
        CONTRACT["programs"],
    )
    assert rejections.is_empty()
    assert typed["module_count"].dtype == pl.Int64 and typed["module_count"][0] == 6


def test_exact_duplicate_engagement_events_without_a_module_cannot_pass():
    """module_number is part of the key but optional: empty counts as a value of its own."""
    login = {"episode_key": "E1", "event_timestamp": "2026-01-05T10:00:00Z", "event_type": "login"}
    module = login | {"event_type": "module_started", "module_number": "1"}
    rows = [login, login, module, module | {"module_number": "2"}, module]
    result = _validate("engagement_events", rows)
    label = "episode_key, event_timestamp, event_type, module_number"
    assert [(r, reason) for r, _, reason in _reasons(result)] == [
        (2, f"duplicate of row 1 (same {label})"),
        (5, f"duplicate of row 3 (same {label})"),
    ]
    assert result.valid.height == 3
