"""Read one landing file into a Polars frame, untyped where the format allows.

CSV is read as text so that a malformed value becomes a quarantined row with a reason,
never an exception that loses the whole file. Every frame gets `source_row`: the 1-based
data-row number (CSV: line number minus the header line).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl"}
SOURCE_ROW = "source_row"


class UnreadableFileError(ValueError):
    """The file cannot be parsed at all (encoding, structure); it is refused whole."""


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def read_landing_file(path: Path) -> pl.DataFrame:
    fmt = file_format(path)
    try:
        if fmt == "csv":
            df = pl.read_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=False)
        elif fmt == "parquet":
            df = pl.read_parquet(path)
        elif fmt == "jsonl":
            df = (
                pl.read_ndjson(path, infer_schema_length=None)
                if path.stat().st_size
                else pl.DataFrame()
            )
        else:
            raise UnreadableFileError(f"{path.name}: unsupported format {path.suffix!r}")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read as {fmt}: {exc}") from exc
    return df.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
