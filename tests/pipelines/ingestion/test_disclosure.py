"""What of a rejected value may be stored or shown: a short number or a contract code as
typed; anything else by its shape and a keyed hash."""

from __future__ import annotations

from pipelines.contract import load_contract
from pipelines.ingestion.disclosure import disclosed, is_safe_number, shape, value_hash

KEY = b"k" * 32
EPISODES = load_contract()["episodes"]
PROM = load_contract()["prom_responses"]


def test_short_numbers_and_contract_codes_are_shown_as_typed():
    value = PROM.field("value")
    assert disclosed(KEY, "4", value) == "4"
    assert disclosed(KEY, "1e309", value) == "1e309"
    assert disclosed(KEY, "-2.5", value) == "-2.5"
    assert disclosed(KEY, "female", EPISODES.field("referral_source")) == "female"
    assert disclosed(KEY, "PHQ9", EPISODES.field("sex")) == "PHQ9"


def test_anything_that_could_identify_is_withheld_by_shape_and_keyed_hash():
    sex = EPISODES.field("sex")
    surname = disclosed(KEY, "Qxvorne", sex)
    assert "Qxvorne" not in surname
    assert surname == (
        f"withheld (7 characters: upper-case letters, lower-case letters; "
        f"key {value_hash(KEY, 'Qxvorne')})"
    )
    for text in ("4165550199", "123456789", "F", "2026-13-01", "Qx vorne"):
        assert text not in disclosed(KEY, text, sex)
    # Dates are never shown, even when they would parse: one may be a birth date.
    assert "2031" not in disclosed(KEY, "2031-01-01", EPISODES.field("referral_date"))
    assert not is_safe_number("1234567")  # seven digits: could be part of a health number


def test_repeats_match_under_one_key_and_nothing_matches_across_keys():
    assert value_hash(KEY, "Qxvorne") == value_hash(KEY, "Qxvorne")
    assert value_hash(KEY, "Qxvorne") != value_hash(KEY, "Qxvornf")
    assert value_hash(KEY, "Qxvorne") != value_hash(b"j" * 32, "Qxvorne")


def test_shape_names_length_and_character_classes():
    assert shape("ab 12-") == (
        "6 characters: lower-case letters, digits, spaces, punctuation or symbols"
    )
    assert shape("É") == "1 character: upper-case letters"
