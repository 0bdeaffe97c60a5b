"""Properties that hold for any delivery: every row read is loaded or quarantined (never
both, never neither), a re-delivery changes nothing, and the one-pass screen of
single-column rules agrees with pandera on every frame."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.contract import load_contract
from pipelines.ingestion.validation import contract_schema, single_column_violations
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    PROGRAM,
    count,
    episode,
    load,
    reconciles,
    write,
)

CONTRACT = load_contract()
cell = st.one_of(
    st.sampled_from(["", "E1", "E2", "PHQ9", "GAD7", "PEG", "2026-02-01", "1", "3", "9", "-1"]),
    # Any text but control characters: a line break inside a value is a broken row by
    # design (tested on its own), which would change what "a row" is here.
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12),
    st.integers(-5, 40).map(str),
)
row = st.lists(cell, min_size=3, max_size=7)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["episode_key", "instrument", "administered_date", "item_number", "value"])
    writer.writerows(rows)
    return buffer.getvalue()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(row, max_size=25))
def test_every_row_is_loaded_or_quarantined_exactly_once(tmp_path_factory, rows):
    root: Path = tmp_path_factory.mktemp("prop")
    landing = root / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + episode("1") + episode("2"))
    write(landing, "ICBT01/2026-02/prom_responses.csv", _csv(rows))
    with duckdb.connect(str(root / "w.duckdb")) as con:
        report = load(con, landing)
        [prom] = [f for f in report.loaded if f.table == "prom_responses"]
        assert prom.rows_read == len(rows)
        assert prom.rows_loaded + prom.rows_quarantined == prom.rows_read
        assert count(con, "raw_prom_responses") == prom.rows_loaded
        [(rows_with_reasons, unreasoned)] = con.execute(
            "SELECT count(DISTINCT source_row), count(*) FILTER (WHERE reason IS NULL) "
            "FROM ingest_quarantine WHERE table_name = 'prom_responses'"
        ).fetchall()
        if prom.outcome != "refused" or prom.rows_read:
            assert rows_with_reasons == prom.rows_quarantined
        assert unreasoned == 0 and reconciles(con)
        before = con.execute("SELECT count(*) FROM ingest_load_ledger").fetchall()
        assert load(con, landing).loaded == []
        assert con.execute("SELECT count(*) FROM ingest_load_ledger").fetchall() == before


def _column(field, n: int):
    """Values for one contract field, inside and outside its rules, nulls included."""
    if field.type == "string":
        choices = [*(field.enum or []), "", "x" * 70, "ICBT01", "bad value", "pain_education"]
        values = st.sampled_from(choices)
    elif field.type == "integer":
        values = st.integers(-3, 60)
    elif field.type == "number":
        values = st.floats(-10, 700, allow_nan=False)
    elif field.type == "boolean":
        values = st.booleans()
    else:
        values = st.dates(date(2020, 1, 1), date(2026, 12, 31))
    return st.lists(st.none() | values, min_size=n, max_size=n)


@st.composite
def typed_frames(draw):
    table = draw(st.sampled_from(list(CONTRACT)))
    contract = CONTRACT[table]
    n = draw(st.integers(1, 6))
    data = {}
    for f in contract.fields:
        values = draw(_column(f, n))
        dtype = {
            "string": pl.Utf8,
            "integer": pl.Int64,
            "number": pl.Float64,
            "boolean": pl.Boolean,
            "date": pl.Date,
        }.get(f.type)
        if f.type == "datetime":
            data[f.name] = pl.Series(
                f.name, [None if v is None else f"{v}T10:00:00Z" for v in values], dtype=pl.Utf8
            ).str.to_datetime(time_zone="UTC", time_unit="us")
        else:
            data[f.name] = pl.Series(f.name, values, dtype=dtype)
    return contract, pl.DataFrame(data)


@settings(max_examples=150, deadline=None)
@given(case=typed_frames())
def test_the_one_pass_screen_agrees_with_pandera(case):
    contract, frame = case
    try:
        contract_schema(contract).validate(frame, lazy=True)
        pandera_fails = False
    except pa.errors.SchemaErrors:
        pandera_fails = True
    assert frame.select(single_column_violations(contract)).item() == pandera_fails
