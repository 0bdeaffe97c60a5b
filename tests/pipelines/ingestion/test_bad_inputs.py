"""Hand-made broken deliveries: every one ends loaded, quarantined with a reason that
names file, row and field, or refused with a message, and the counts reconcile."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingestion.disclosure import withheld
from pipelines.ingestion.loader import FileOutcome
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    KEY,
    PROM_HEADER,
    count,
    episode,
    load,
    reconciles,
    write,
)

PROM = "ICBT01/2026-02/prom_responses.csv"


def _deliver(con, landing: Path, relative: str, content: str | bytes):
    """Deliver one more file after the fixture's batch; return its outcome and quarantine."""
    load(con, landing)
    write(landing, relative, content)
    report = load(con, landing)
    [outcome] = [f for f in report.loaded if f.source_file == relative]
    quarantine = con.execute(
        "SELECT source_row, field, value, reason FROM ingest_quarantine "
        "WHERE source_file = ? ORDER BY source_row, field",
        [relative],
    ).fetchall()
    assert reconciles(con)
    assert outcome.rows_read == outcome.rows_loaded + outcome.rows_quarantined
    return outcome, quarantine


def _counts(outcome: FileOutcome) -> tuple[str, int, int, int]:
    return outcome.outcome, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined


def _prom(*rows: str) -> str:
    return PROM_HEADER + "".join(f"{r}\n" for r in rows)


def test_utf16_file_is_refused_with_its_encoding(con, landing):
    content = (EPISODES_HEADER + episode("3")).encode("utf-16")
    outcome, quarantine = _deliver(con, landing, "ICBT01/2026-02/episodes.csv", content)
    assert outcome.outcome == "refused" and "UTF-16" in outcome.message
    assert outcome.rows_read == len(quarantine) == 1
    assert quarantine[0][3].startswith("file refused: the file is UTF-16")


def test_latin1_bytes_quarantine_only_their_rows(con, landing):
    content = _prom("E1,PHQ9,2026-02-01,1,2", "E1,PHQ9,2026-02-01,2,1").encode() + (
        "E1,PHQ9,2026-02-01,3,1\u00e9\n".encode("latin-1")
    )
    outcome, quarantine = _deliver(con, landing, PROM, content)
    assert _counts(outcome) == ("loaded_with_quarantine", 3, 2, 1)
    [(row, field, value, reason)] = quarantine
    assert (row, field, value) == (3, "value", None)
    assert "not UTF-8" in reason and "Latin-1" in reason


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (EPISODES_HEADER.replace(",sex", ""), "missing required column(s): sex"),
        (EPISODES_HEADER.replace("\n", ",colour\n"), "unknown column(s) 'colour'"),
        (EPISODES_HEADER.replace("sex", "episode_key"), "the header names 'episode_key' more"),
    ],
)
def test_column_problems_refuse_the_file(con, landing, header, message):
    row = episode("3").replace("\n", ",blue\n") if "colour" in header else episode("3")
    outcome, quarantine = _deliver(con, landing, "ICBT01/2026-02/episodes.csv", header + row)
    assert outcome.outcome == "refused" and message in outcome.message
    assert [q[0] for q in quarantine] == [1]
    assert all(q[2] is None for q in quarantine)


def test_short_and_long_rows_are_quarantined_by_line(con, landing):
    content = _prom(
        "E1,PHQ9,2026-02-01,1,2",
        "E1,PHQ9,2026-02-01,2,1,extra",
        "E1,PHQ9,2026-02-01,3",
        "E1,PHQ9,2026-02-01,4,0",
    )
    outcome, quarantine = _deliver(con, landing, PROM, content)
    assert _counts(outcome) == ("loaded_with_quarantine", 4, 2, 2)
    assert [(r, reason) for r, _, _, reason in quarantine] == [
        (2, "has 6 fields; the header has 5"),
        (3, "has 4 fields; the header has 5"),
    ]


def test_wrong_types_and_ranges_name_row_field_and_value(con, landing):
    content = _prom(
        "E1,PHQ9,2026-02-01,two,2",
        "E1,PHQ9,05/02/2026,2,1",
        "E1,PHQ9,2026-02-01,3,4",
        "E1,GAD7,2026-02-01,8,1",
        "E1,PHQ9,2026-02-01,4,99999999999999999999",
    )
    outcome, quarantine = _deliver(con, landing, PROM, content)
    assert _counts(outcome) == ("loaded_with_quarantine", 5, 0, 5)
    assert [(r, f, reason) for r, f, _, reason in quarantine] == [
        (1, "item_number", "is not an integer"),
        (2, "administered_date", "is not a date (YYYY-MM-DD)"),
        (3, "value", "is outside PHQ9 item range 0 to 3"),
        (4, "item_number", "does not exist in GAD7 (7 items)"),
        (5, "value", "is out of range: too large for an integer"),
    ]
    # Short numbers are kept as typed; a word, a date and a long number are withheld.
    values = [value for *_, value, _ in quarantine]
    assert values[2:4] == ["4", "8"]
    assert [v.startswith("withheld (") for v in values[:2] + values[4:]] == [True] * 3


def test_duplicates_name_the_first_row(con, landing):
    content = _prom("E1,PHQ9,2026-02-01,1,2", "E1,PHQ9,2026-02-01,1,3")
    outcome, quarantine = _deliver(con, landing, PROM, content)
    assert _counts(outcome) == ("loaded_with_quarantine", 2, 1, 1)
    assert quarantine[0][0] == 2 and quarantine[0][3].startswith("duplicate of row 1")


def test_truncated_file_quarantines_its_cut_row(con, landing):
    content = _prom("E1,PHQ9,2026-02-01,1,2", "E1,PHQ9,2026-02-01,2,1") + "E2,PHQ9,2026-0"
    outcome, quarantine = _deliver(con, landing, PROM, content)
    assert _counts(outcome) == ("loaded_with_quarantine", 3, 2, 1)
    assert quarantine == [(3, None, None, "has 3 fields; the header has 5")]


def test_empty_file_is_refused_and_listed(con, landing):
    outcome, quarantine = _deliver(con, landing, PROM, "")
    assert _counts(outcome) == ("refused", 0, 0, 0)
    assert "empty" in outcome.message
    assert quarantine == [(None, None, None, f"file refused: {outcome.message}")]


def test_header_only_file_loads_nothing(con, landing):
    outcome, quarantine = _deliver(con, landing, PROM, PROM_HEADER)
    assert _counts(outcome) == ("loaded", 0, 0, 0) and quarantine == []


def test_enormous_values_are_shown_by_their_length_and_hash(con, landing):
    huge = "x" * 100_000
    content = EPISODES_HEADER + episode("3", sex=huge)
    outcome, quarantine = _deliver(con, landing, "ICBT01/2026-02/episodes.csv", content)
    assert _counts(outcome) == ("loaded_with_quarantine", 1, 0, 1)
    [(row, field, value, reason)] = quarantine
    assert (row, field) == (1, "sex")
    assert value.startswith("withheld (100000 characters: lower-case letters; key ")
    assert len(value) < 100 and len(reason) < 200


def test_unclosed_quote_quarantines_every_line_it_swallows(con, landing):
    content = _prom("E1,PHQ9,2026-02-01,1,2", 'E1,"PHQ9,2026-02-01,2,1', "E1,PHQ9,2026-02-01,3,1")
    outcome, quarantine = _deliver(con, landing, PROM, content)
    assert _counts(outcome) == ("loaded_with_quarantine", 3, 1, 2)
    assert [r for r, *_ in quarantine] == [2, 3]
    assert "closing quote is probably missing" in quarantine[0][3]


def test_blank_lines_bom_and_crlf_are_tolerated_with_line_numbers(con, landing):
    text = "\ufeff" + _prom("E1,PHQ9,2026-02-01,1,2", "", "E1,PHQ9,2026-02-01,2,9")
    outcome, quarantine = _deliver(con, landing, PROM, text.replace("\n", "\r\n").encode())
    assert _counts(outcome) == ("loaded_with_quarantine", 2, 1, 1)
    assert quarantine[0][:2] == (3, "value")


def test_jsonl_broken_line_is_quarantined_alone(con, landing):
    content = (
        '{"episode_key": "E1", "instrument": "PHQ9", "administered_date": "2026-02-01", '
        '"item_number": 1, "value": 2}\n'
        '{"episode_key": "E1", "instrument": \n'
        '["not", "an", "object"]\n'
    )
    outcome, quarantine = _deliver(con, landing, "ICBT01/2026-02/prom_responses.jsonl", content)
    assert _counts(outcome) == ("loaded_with_quarantine", 3, 1, 2)
    assert [(r, reason.split(" (")[0]) for r, _, _, reason in quarantine] == [
        (2, "is not valid JSON"),
        (3, "is not a JSON object"),
    ]


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def test_truncated_parquet_is_refused(con, landing):
    data = _parquet_bytes(
        pl.DataFrame(
            {
                "episode_key": ["E1"],
                "instrument": ["PHQ9"],
                "administered_date": ["2026-02-01"],
                "item_number": [1],
                "value": [2],
            }
        )
    )
    outcome, quarantine = _deliver(
        con, landing, "ICBT01/2026-02/prom_responses.parquet", data[: len(data) // 2]
    )
    assert outcome.outcome == "refused" and "not a readable Parquet file" in outcome.message
    assert quarantine == [(None, None, None, f"file refused: {outcome.message}")]


def test_nested_parquet_column_is_refused(con, landing):
    frame = pl.DataFrame(
        {
            "episode_key": ["E1"],
            "instrument": ["PHQ9"],
            "administered_date": ["2026-02-01"],
            "item_number": [[1, 2]],
            "value": [2],
        }
    )
    outcome, _ = _deliver(
        con, landing, "ICBT01/2026-02/prom_responses.parquet", _parquet_bytes(frame)
    )
    assert outcome.outcome == "refused" and "column 'item_number' holds" in outcome.message


def test_typed_parquet_loads_like_csv(con, landing):
    frame = pl.DataFrame(
        {
            "episode_key": ["E1", "E2"],
            "instrument": ["PHQ9", "PHQ9"],
            "administered_date": pl.Series(["2026-02-01", "2026-02-01"]).str.to_date(),
            "item_number": [1, 2],
            "value": [2, None],
        }
    )
    outcome, quarantine = _deliver(
        con, landing, "ICBT01/2026-02/prom_responses.parquet", _parquet_bytes(frame)
    )
    assert _counts(outcome) == ("loaded", 2, 2, 0) and quarantine == []
    assert count(con, "raw_prom_responses") == 2


def test_two_files_for_one_table_are_refused_together_and_stay_settled(con, landing):
    write(landing, PROM, _prom("E1,PHQ9,2026-02-01,1,2"))
    write(landing, "ICBT01/2026-02/prom_responses.jsonl", "")
    report = load(con, landing)
    clash = [f for f in report.loaded if f.table == "prom_responses"]
    assert [f.outcome for f in clash] == ["refused", "refused"]
    assert all("more than one file for table prom_responses" in f.message for f in clash)
    assert load(con, landing).loaded == []  # the pair does not supersede itself each run
    (landing / "ICBT01/2026-02/prom_responses.jsonl").unlink()
    [again] = load(con, landing).loaded
    assert (again.source_file, again.outcome) == (PROM, "loaded")
    assert count(con, "raw_prom_responses") == 1 and reconciles(con)


def test_files_outside_the_layout_are_reported_not_loaded(con, landing):
    write(landing, "ICBT01/2026-02/notes.txt", "hello")
    write(landing, "ICBT01/prom_responses.csv", PROM_HEADER)
    write(landing, "icbt01/2026-02/episodes.csv", EPISODES_HEADER)
    write(landing, "ICBT01/2026-02/.episodes.csv.tmp", "half-written")
    report = load(con, landing)
    assert sorted((s.relative_path, s.reason) for s in report.strays) == sorted(
        [
            (
                f"ICBT01/2026-02/{withheld(KEY, 'notes.txt')}",
                "not a supported file type (.csv, .parquet, .jsonl, .ndjson)",
            ),
            ("ICBT01/prom_responses.csv", "not in a <program>/<batch>/ folder"),
            (
                f"{withheld(KEY, 'icbt01')}/2026-02/episodes.csv",
                "the program folder name is not a program id (e.g. ICBT04)",
            ),
        ]
    )


def test_quoted_csv_takes_the_strict_reader_and_keeps_row_numbers(con, landing):
    content = (
        '"episode_key","instrument","administered_date","item_number","value"\n'
        '"E1","PHQ9","2026-02-01","1","2"\n'
        '"E1","PHQ9","2026-02-01","2"\n'
        '"E1","PHQ9","2026-02-01","3","0"\n'
    )
    outcome, quarantine = _deliver(con, landing, PROM, content)
    assert _counts(outcome) == ("loaded_with_quarantine", 3, 2, 1)
    assert quarantine == [(2, None, None, "has 4 fields; the header has 5")]
    clean = content.replace('"2026-02-01","2"\n', '"2026-02-01","2","1"\n')
    outcome, _ = _deliver(con, landing, PROM, clean)
    assert _counts(outcome) == ("loaded", 3, 3, 0)
