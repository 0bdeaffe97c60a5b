"""Read a generated landing zone back, checking each format's encoding on the way.

Independent of the generator's own writer: formats are checked against the data
contract and the conventions in the task (ISO dates, UTC timestamps with a Z,
true/false, empty for null), then every file becomes a frame typed by the contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.contract import ALL_TABLES, TableContract, load_contract
from pipelines.ingestion.manifest import MANIFEST_NAME, batch_version

DATE = r"^\d{4}-\d{2}-\d{2}$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
TYPES = {
    "string": pl.String,
    "integer": pl.Int64,
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "datetime": pl.Datetime("us", "UTC"),
}
ARROW = {
    "string": (pa.string(), pa.large_string()),
    "integer": (pa.int64(), pa.int32()),
    "number": (pa.float64(),),
    "boolean": (pa.bool_(),),
    "date": (pa.date32(),),
    "datetime": (pa.timestamp("us", tz="UTC"), pa.timestamp("ms", tz="UTC")),
}
TEXT_FORMAT = {
    "date": DATE,
    "datetime": TIMESTAMP,
    "boolean": r"^(true|false)$",
    "integer": r"^-?\d+$",
    "number": r"^-?\d+(\.\d+)?$",
}


def _from_text(frame: pl.DataFrame, contract: TableContract, path: Path) -> pl.DataFrame:
    """Check text encodings of typed columns, then parse them."""
    for f in contract.fields:
        if f.type in TEXT_FORMAT and frame.schema[f.name] == pl.String:
            bad = frame.filter(
                pl.col(f.name).is_not_null() & ~pl.col(f.name).str.contains(TEXT_FORMAT[f.type])
            )
            assert bad.is_empty(), f"{path}: {f.name} badly encoded: {bad[f.name][0]!r}"
    parse = {
        "date": lambda c: c.str.to_date("%Y-%m-%d"),
        "datetime": lambda c: c.str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"),
        "boolean": lambda c: c == "true",
    }
    return frame.with_columns(
        (parse[f.type](pl.col(f.name)) if f.type in parse else pl.col(f.name))
        .cast(TYPES[f.type])
        .alias(f.name)
        for f in contract.fields
    )


def read_file(path: Path, table: str) -> pl.DataFrame:
    """One file typed by the contract version its batch's manifest declares."""
    version = batch_version(path.parent).version
    assert version is not None, f"{path.parent}: unreadable manifest"
    contract = load_contract(version)[table]
    if path.suffix == ".csv":
        raw = path.read_bytes()
        raw.decode("utf-8")
        assert b"\r" not in raw, f"{path}: line endings must be LF"
        frame = pl.read_csv(path, infer_schema=False)
        assert frame.columns == list(contract.columns), f"{path}: columns"
        return _from_text(frame, contract, path)
    if path.suffix == ".parquet":
        schema = pq.read_schema(path)
        assert schema.names == list(contract.columns), f"{path}: columns"
        for f in contract.fields:
            assert schema.field(f.name).type in ARROW[f.type], f"{path}: {f.name} type"
        return pl.read_parquet(path).with_columns(
            pl.col(f.name).cast(TYPES[f.type]) for f in contract.fields
        )
    assert path.suffix == ".jsonl", f"{path}: unexpected format"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        assert list(row) == list(contract.columns), f"{path}: keys"
        for f in contract.fields:
            value = row[f.name]
            expected = {"integer": int, "number": (int, float), "boolean": bool}.get(f.type, str)
            assert value is None or (
                isinstance(value, expected) and (f.type == "boolean") == isinstance(value, bool)
            ), f"{path}: {f.name} is {value!r}"
    text = pl.DataFrame(
        {f.name: [r[f.name] for r in rows] for f in contract.fields},
        schema={f.name: pl.String if f.type in ("date", "datetime") else TYPES[f.type]
                for f in contract.fields},
        strict=False,
    )  # fmt: skip
    return _from_text(text.with_columns(pl.col(pl.Boolean).cast(pl.String)), contract, path)


@dataclass
class Landing:
    """Every table of a landing zone, with `_program`, `_batch`, `_version` (the batch's
    contract version) and `_row` columns; v2 columns are null on rows of v1 batches."""

    root: Path
    files: list[Path]
    tables: dict[str, pl.DataFrame]


def load_landing(root: Path) -> Landing:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST_NAME)
    frames: dict[str, list[pl.DataFrame]] = {t: [] for t in ALL_TABLES}
    for path in files:
        program, batch, name = path.relative_to(root).parts
        table = name.split(".")[0]
        frame = read_file(path, table)
        frames[table].append(
            frame.with_columns(
                pl.lit(program).alias("_program"),
                pl.lit(batch).alias("_batch"),
                pl.lit(batch_version(path.parent).version).alias("_version"),
                pl.int_range(pl.len()).alias("_row"),
            )
        )
    return Landing(root, files, {t: pl.concat(f, how="diagonal") for t, f in frames.items() if f})
