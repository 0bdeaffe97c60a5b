"""Every generated file conforms to the data contract and to the batch semantics."""

from __future__ import annotations

import itertools
import re
from datetime import date

import polars as pl
import pytest

from pipelines.contract import ALL_TABLES, CONTRACT_VERSIONS, load_contract, load_instruments

# One worker builds the shared generated runs (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo_generator")

EPISODE_DATES = ("referral_date", "enrolment_date", "start_date", "end_date")


def _month(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%Y-%m")


def test_layout_formats_and_batches(main):
    truth = main.truth
    programs = truth.programs
    formats = {pid: p["file_format"] for pid, p in programs.items()}
    assert sorted(formats.values()).count("parquet") == 4
    assert sorted(formats.values()).count("jsonl") == 2
    batches = truth.window["batches"]
    for path in main.landing.files:
        program, batch, name = path.relative_to(main.landing_dir).parts
        assert not name.startswith(".") and not name.endswith(".tmp"), path
        table, ext = name.split(".")
        assert table in ALL_TABLES and ext == formats[program], path
        assert re.fullmatch(r"\d{4}-\d{2}", batch) and batch in batches, path
    delivered = main.landing.tables["programs"].group_by("_program").agg(pl.col("_batch"))
    for program, sent in delivered.iter_rows():
        first = programs[program]["first_batch"]
        assert sorted(sent) == [b for b in batches if b >= first], program
    assert set(delivered["_program"]) == set(programs)


def test_every_row_meets_the_field_rules(main):
    for (table, whole), version in itertools.product(
        main.landing.tables.items(), CONTRACT_VERSIONS
    ):
        frame = whole.filter(pl.col("_version") == version)
        if frame.is_empty():
            continue
        contract = load_contract(version)[table]
        for f in contract.fields:
            col = frame[f.name]
            values = col.drop_nulls()
            if f.required:
                assert col.null_count() == 0, f"{table}.{f.name} has empty required values"
            if f.enum is not None:
                assert values.is_in(list(f.enum)).all(), f"{table}.{f.name} outside enum"
            if f.minimum is not None:
                assert (values >= f.minimum).all(), f"{table}.{f.name} below minimum"
            if f.maximum is not None:
                assert (values <= f.maximum).all(), f"{table}.{f.name} above maximum"
            if f.pattern is not None:
                assert values.str.contains(f.pattern).all(), f"{table}.{f.name} pattern"
            if f.max_length is not None:
                assert (values.str.len_chars() <= f.max_length).all(), f"{table}.{f.name}"


def test_primary_keys_are_unique(main):
    for table, frame in main.landing.tables.items():
        key = list(load_contract(CONTRACT_VERSIONS[-1])[table].primary_key)
        # Episodes and the program row are re-sent by later batches; events never are.
        scope = ["_program", "_batch"] if table in ("episodes", "programs") else ["_program"]
        assert not frame.select(*scope, *key).is_duplicated().any(), table


def test_nothing_is_dated_after_the_window(main):
    end = date.fromisoformat(main.truth.window["end_date"])
    assert end == date(2025, 12, 31)
    t = main.landing.tables
    for table, columns in {
        "episodes": EPISODE_DATES,
        "prom_responses": ("administered_date",),
        "adverse_events": ("event_date",),
    }.items():
        for c in columns:
            assert (t[table][c].drop_nulls() <= end).all(), f"{table}.{c}"
    assert (t["engagement_events"]["event_timestamp"].dt.date() <= end).all()


def test_episode_rows_show_what_was_known_at_the_end_of_their_batch(main):
    eps = main.landing.tables["episodes"]
    assert (eps["program_id"] == eps["_program"]).all()
    in_batch = pl.any_horizontal(_month(c) == pl.col("_batch") for c in EPISODE_DATES)
    assert eps.filter(~in_batch.fill_null(False)).is_empty(), "row without a change in its batch"
    for c in EPISODE_DATES:
        assert eps.filter(_month(c) > pl.col("_batch")).is_empty(), f"{c} from the future"
    for earlier, later in itertools.combinations(EPISODE_DATES, 2):
        assert eps.filter(pl.col(later) < pl.col(earlier)).is_empty(), f"{later} < {earlier}"
    ended = pl.col("end_date").is_not_null()
    assert eps.filter(ended != pl.col("discharge_reason").is_not_null()).is_empty()
    not_started = pl.col("discharge_reason") == "not_started"
    assert eps.filter(not_started & pl.col("start_date").is_not_null()).is_empty()
    started_reasons = pl.col("discharge_reason").is_in(["completed", "dropped_out"])
    assert eps.filter(started_reasons & pl.col("start_date").is_null()).is_empty()
    # A later delivery repeats what an earlier one said and only adds to it.
    resent = eps.sort("_batch").group_by("_program", "episode_key", maintain_order=True)
    for c in EPISODE_DATES:
        changed = resent.agg(pl.col(c).drop_nulls().n_unique().alias("n")).filter(pl.col("n") > 1)
        assert changed.is_empty(), f"{c} changed between deliveries"
    latest = resent.last()
    assert latest["end_date"].null_count() > 0, "some episodes should still be ongoing"


def test_event_rows_sit_in_the_batch_of_their_date(main):
    t = main.landing.tables
    checks = {
        "prom_responses": _month("administered_date"),
        "adverse_events": _month("event_date"),
        "engagement_events": _month("event_timestamp"),
    }
    for table, month in checks.items():
        assert t[table].filter(month != pl.col("_batch")).is_empty(), table


def test_rows_refer_to_episodes_already_delivered(main):
    t = main.landing.tables
    first = (
        t["episodes"]
        .group_by("_program", "episode_key")
        .agg(pl.col("_batch").min().alias("first_batch"))
    )
    for table in ("prom_responses", "engagement_events", "adverse_events"):
        joined = t[table].join(first, on=["_program", "episode_key"], how="left")
        orphan = joined.filter(
            pl.col("first_batch").is_null() | (pl.col("first_batch") > pl.col("_batch"))
        )
        assert orphan.is_empty(), f"{table}: {orphan.height} rows before their episode"


def test_prom_items_exist_and_stay_in_range(main):
    instruments = load_instruments()
    spec = pl.DataFrame(
        {
            "instrument": list(instruments),
            "n": [s.n_items for s in instruments.values()],
            "lo": [s.item_min for s in instruments.values()],
            "hi": [s.item_max for s in instruments.values()],
        }
    )
    prom = main.landing.tables["prom_responses"].join(spec, on="instrument")
    assert prom.filter(pl.col("item_number") > pl.col("n")).is_empty()
    bad = (pl.col("value") < pl.col("lo")) | (pl.col("value") > pl.col("hi"))
    assert prom.filter(bad).is_empty()
    complete = prom.group_by("_program", "episode_key", "instrument", "administered_date").agg(
        pl.len().alias("rows"), pl.col("n").first(), pl.col("value").null_count().alias("skipped")
    )
    assert (complete["rows"] == complete["n"]).all(), "every administration has all its items"
    assert complete["skipped"].max() <= 2, "skips never make a PHQ-9 unscorable"
    skipped = prom["value"].null_count() / prom.height
    assert 0.005 < skipped < 0.03


def test_engagement_is_ordered_and_inside_its_episode(main):
    t = main.landing.tables
    events = t["engagement_events"].sort("_program", "_batch", "_row")
    module_event = pl.col("event_type").is_in(["module_started", "module_completed"])
    assert events.filter(module_event & pl.col("module_number").is_null()).is_empty()
    step = pl.col("event_timestamp").diff().over("_program", "episode_key")
    assert events.filter(step <= pl.duration(seconds=0)).is_empty(), "not strictly increasing"
    latest = t["episodes"].sort("_batch").group_by("_program", "episode_key").last()
    joined = events.join(latest, on=["_program", "episode_key"])
    day = pl.col("event_timestamp").dt.date()
    outside = (day < pl.col("start_date")) | (day > pl.col("end_date"))
    assert joined.filter(outside.fill_null(pl.col("start_date").is_null())).is_empty()


def test_program_rows(main):
    programs = main.landing.tables["programs"]
    assert (programs["program_id"] == programs["_program"]).all()
    assert programs.group_by("_program", "_batch").len()["len"].max() == 1
    distinct = programs.drop("_batch", "_version", "_row").unique()
    assert distinct.height == len(main.truth.programs), "the row is the same in every batch"
    for row in distinct.iter_rows(named=True):
        name = row["program_name"]
        assert "archetype" in name or name.startswith("In-person CBT clinic, "), name
