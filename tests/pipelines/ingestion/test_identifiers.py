"""The de-identification gate: identifiers are found wherever they are put, named by
column and kind, and never repeated in a message."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.contract import load_contract
from pipelines.ingestion.frames import with_source_row
from pipelines.ingestion.identifiers import (
    IdentifierRefusedError,
    bc_phn_valid,
    column_label,
    find_identifier_values,
    identifier_column_kind,
    luhn_valid,
    refuse_identifier_values,
    screen_columns,
)

EPISODES = load_contract()["episodes"]
PROGRAMS = load_contract()["programs"]
ENGAGEMENT = load_contract()["engagement_events"]


def screen_values(raw: pl.DataFrame, contract) -> None:
    """Screen every value of every column, as the gate does for free-text fields."""
    refuse_identifier_values(find_identifier_values(raw, contract))


def _luhn_digit(body: str) -> str:
    return next(str(d) for d in range(10) if luhn_valid(body + str(d)))


def _episodes(**columns: list[str]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"patient_key": [f"P{i:06d}" for i in range(n)], "sex": ["female"] * n}
    return with_source_row(pl.DataFrame(base | columns))


def test_luhn_and_bc_check_digits_follow_their_specifications():
    assert luhn_valid("1234567897") and not luhn_valid("1234567898")
    # Digits 2-9 of 912345679 weighted 2, 4, 8, 5, 10, 9, 7, 3, each product mod 11:
    # 2+8+2+9+6+10+5+5 = 47, and 11 - 47 mod 11 = 8, so the valid number ends in 8.
    assert bc_phn_valid("9123456798") and not bc_phn_valid("9123456797")


ontario = st.from_regex(r"\A[0-9]{9}\Z").map(lambda body: body + _luhn_digit(body))
formatted = st.tuples(ontario, st.sampled_from(["", " ", "-"]), st.sampled_from(["", "AB", "K"]))


@settings(max_examples=60, deadline=None)
@given(number=formatted, column=st.sampled_from(["patient_key", "sex", "episode_key"]))
def test_an_ontario_health_number_is_refused_in_any_column(number, column):
    digits, separator, version = number
    value = separator.join((digits[:4], digits[4:7], digits[7:])) + version
    frame = _episodes(**{column: ["ok", value] if column != "sex" else ["female", value]})
    with pytest.raises(IdentifierRefusedError) as refused:
        screen_values(frame, EPISODES)
    message = str(refused.value)
    assert f"column '{column}' holds an Ontario health number in 1 row(s) (row 2)" in message
    assert digits not in message.replace(" ", "") and value not in message


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("jane.doe@example.org", "an e-mail address"),
        ("call (416) 555-0199", "a phone number"),
        ("+1 613.555.0101", "a phone number"),
        ("K1A 0B1", "a full postal code"),
        ("TREM 8501 1512", "a Quebec health insurance number"),
        ("1985-03-14", "a date (possibly a birth date)"),
        ("14/03/1985", "a date (possibly a birth date)"),
        ("Jane Doe", "free text or a name"),
        ("patient reported severe pain after the session", "free text or a name"),
        ("123456789", "a 9-digit number (an Alberta health number or a social insurance number)"),
        ("9123456798", "a British Columbia personal health number"),
        ("https://example.org/chart/7", "a URL"),
        ("10.1.2.3", "an IP address"),
    ],
)
def test_each_kind_of_identifier_value_is_named(value, kind):
    with pytest.raises(IdentifierRefusedError) as refused:
        screen_values(_episodes(sex=["female", "male", value]), EPISODES)
    message = str(refused.value)
    assert f"column 'sex' holds {kind} in 1 row(s) (row 3)" in message
    assert value not in message


@settings(max_examples=80, deadline=None)
@given(
    key=st.from_regex(r"\A[A-Z]{1,3}[0-9]{3,14}\Z"),
    sex=st.sampled_from(EPISODES.field("sex").enum),
    typo=st.sampled_from(["F", "not stated", "Female", "fem"]),
)
def test_ordinary_keys_codes_and_typos_pass_the_gate(key, sex, typo):
    screen_values(_episodes(patient_key=[key, key + "1"], sex=[sex, typo]), EPISODES)


def test_descriptive_text_may_have_words_but_no_contact_details():
    programs = with_source_row(pl.DataFrame({"program_name": ["Pain Course Online Ontario"]}))
    screen_values(programs, PROGRAMS)
    with pytest.raises(IdentifierRefusedError, match="program_name' holds a phone number"):
        screen_values(
            with_source_row(pl.DataFrame({"program_name": ["Pain Course 416-555-0199"]})),
            PROGRAMS,
        )


def test_numbers_in_numeric_columns_are_screened_too():
    events = with_source_row(pl.DataFrame({"minutes": [12.5, 1234567897.0]}))
    screen_values(events.with_columns(pl.col("minutes").cast(pl.Int64)).head(1), ENGAGEMENT)
    with pytest.raises(IdentifierRefusedError, match="Ontario health number"):
        screen_values(events.with_columns(pl.col("minutes").cast(pl.Int64)), ENGAGEMENT)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("email", "an e-mail address"),
        ("E-Mail Address", "an e-mail address"),
        ("first_name", "a personal name"),
        ("Surname", "a personal name"),
        ("phone_number", "a phone number"),
        ("OHIP", "a health card number"),
        ("health_card_number", "a health card number"),
        ("postal_code", "an address"),
        ("DOB", "a birth date"),
        ("date_of_birth", "a birth date"),
        ("clinician_notes", "free text"),
        ("MRN", "a medical record number"),
    ],
)
def test_identifier_column_names_are_recognised(name, kind):
    assert identifier_column_kind(name) == kind


@pytest.mark.parametrize("name", ["ethnicity", "age_band", "capacity", "session_minutes"])
def test_ordinary_column_names_are_not(name):
    assert identifier_column_kind(name) is None


def test_identifier_column_refuses_with_column_and_kind():
    frame = _episodes(email=["a@b.ca"])
    with pytest.raises(IdentifierRefusedError) as refused:
        screen_columns(frame, EPISODES)
    assert "column 'email' looks like an e-mail address" in str(refused.value)
    assert "a@b.ca" not in str(refused.value)


def test_a_header_that_is_really_a_data_row_is_never_echoed():
    """A file sent without its header row has values where the names should be."""
    frame = with_source_row(pl.DataFrame({"jane@example.org": ["x"], "K1A 0B1": ["y"]}))
    with pytest.raises(IdentifierRefusedError) as refused:
        screen_columns(frame, EPISODES)
    message = str(refused.value)
    assert "jane@example.org" not in message and "K1A 0B1" not in message
    assert "column 1 (its header looks like a value: is the header row missing?)" in message
    assert column_label("sex", 3) == "'sex'"
