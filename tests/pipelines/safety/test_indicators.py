"""Indicator units: follow-up against a business-day standard, adverse-event filters,
item 9 and deterioration definitions."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.safety.config import load_safety_config
from pipelines.safety.indicators import (
    UNIT_SCHEMA,
    adverse_event_units,
    build_units,
    case_mix,
    follow_up_triggers,
    item9_units,
)

CONFIG = load_safety_config()
EPISODES = pl.DataFrame(
    {
        "episode_id": [1, 2, 3],
        "program_id": ["A", "A", "B"],
        "start_date": [date(2026, 1, 5)] * 3,
        "end_date": [date(2026, 3, 2), None, date(2026, 2, 20)],
        "planned_end_date": [date(2026, 3, 16)] * 3,
        "discharge_reason": ["completed", None, "dropped_out"],
        "age_band": ["45-54", "18-24", "75+"],
        "sex": ["female", "male", "not_stated"],
        "rurality": ["urban", "rural", "remote"],
        "baseline_severity": [12.0, None, 20.0],
    }
)


def _triggers(rows):
    return pl.DataFrame(
        rows,
        schema={
            "episode_id": pl.Int64,
            "trigger_type": pl.Utf8,
            "trigger_date": pl.Date,
            "contact_date": pl.Date,
        },
        orient="row",
    )


@pytest.mark.parametrize(
    ("trigger", "contact", "days", "met"),
    [
        (date(2026, 2, 2), date(2026, 2, 2), 0, True),  # Monday, same day
        (date(2026, 2, 2), date(2026, 2, 3), 1, True),  # next business day
        (date(2026, 2, 2), date(2026, 2, 4), 2, False),
        (date(2026, 2, 6), date(2026, 2, 9), 1, True),  # Friday -> Monday
        (date(2026, 2, 5), date(2026, 2, 9), 2, False),  # Thursday -> Monday
        (date(2026, 2, 7), date(2026, 2, 10), 1, True),  # Saturday -> Tuesday
        (date(2026, 2, 7), date(2026, 2, 11), 2, False),
    ],
)
def test_follow_up_counts_business_days(trigger, contact, days, met):
    frame = follow_up_triggers(
        _triggers([(1, "item9_answer", trigger, contact)]), EPISODES, 1, date(2026, 3, 31)
    )
    row = frame.row(0, named=True)
    assert (row["business_days_to_contact"], row["met"], row["judged"]) == (days, met, True)
    assert row["program_id"] == "A"


def test_follow_up_without_contact_is_judged_only_after_the_deadline():
    frame = follow_up_triggers(
        _triggers(
            [
                (1, "item9_answer", date(2026, 3, 27), None),  # Friday; deadline Monday 30
                (1, "serious_adverse_event", date(2026, 3, 31), None),  # deadline April 1
            ]
        ),
        EPISODES,
        1,
        date(2026, 3, 31),
    ).sort("trigger_date")
    assert frame["deadline"].to_list() == [date(2026, 3, 30), date(2026, 4, 1)]
    assert frame["judged"].to_list() == [True, False]
    assert frame["met"].to_list() == [False, False]
    assert frame["business_days_to_contact"].to_list() == [None, None]


def test_adverse_event_units_need_every_filter_and_an_ended_episode():
    events = pl.DataFrame(
        {
            "episode_id": [1, 3, 3],
            "event_date": [date(2026, 2, 1)] * 3,
            "category": ["self_harm", "pain_flare", "self_harm"],
            "severity": ["severe", "mild", "moderate"],
            "serious": [True, False, False],
            "relatedness": ["possible", "possible", "unlikely"],
        }
    )
    mix = case_mix(EPISODES)
    serious = adverse_event_units(CONFIG.indicators["serious_adverse_event"], EPISODES, events, mix)
    related = adverse_event_units(CONFIG.indicators["related_adverse_event"], EPISODES, events, mix)
    assert dict(serious.select("episode_id", "event").iter_rows()) == {1: True, 3: False}
    assert dict(related.select("episode_id", "event").iter_rows()) == {1: True, 3: True}
    assert serious["unit_date"].to_list() == [date(2026, 3, 2), date(2026, 2, 20)]
    assert serious.schema == pl.Schema(UNIT_SCHEMA)


def test_item9_counts_new_and_worse_answers_only():
    rows = pl.DataFrame(
        {
            "episode_id": [1, 2, 3],
            "unit_date": [date(2026, 3, 1)] * 3,
            "baseline_item": [0, 2, 3],
            "later_item": [1, 2, 3],
        }
    )
    mix = case_mix(EPISODES)
    units = item9_units(CONFIG.indicators["item9_new_or_worse"], rows, mix, top_answer=3)
    # Episode 3 answered 3 ("nearly every day") at baseline: it cannot get worse.
    assert dict(units.select("episode_id", "event").iter_rows()) == {1: True, 2: False}
    assert units["baseline_item9"].to_list() == [0.0, 2.0]
    assert units["age_band_index"].to_list() == [3, 0]
    assert units["female"].to_list() == [True, False]


def test_deterioration_uses_the_configured_definition_and_own_baseline():
    rows = pl.DataFrame(
        {
            "episode_id": [1, 3],
            "program_id": ["A", "B"],
            "instrument": ["PHQ9", "PHQ9"],
            "scale": ["total", "total"],
            "unit_date": [date(2026, 3, 10), date(2026, 2, 18)],
            "baseline_score": [9.0, 15.0],
            "jacobson_truax": [False, True],
            "talking_therapies": [True, True],
        }
    )
    empty = pl.DataFrame()
    units = build_units(
        CONFIG.restricted(("phq9_reliable_deterioration",)),
        episodes=EPISODES,
        deterioration=rows,
        item9=empty,
        adverse_events=empty,
        disengagement=empty,
        triggers=empty,
    )
    assert units["event"].to_list() == [False, True]
    assert units["baseline_severity"].to_list() == [9.0, 15.0]
    assert units["month"].to_list() == [date(2026, 3, 1), date(2026, 2, 1)]
