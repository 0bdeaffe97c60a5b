"""Names and errors every reader and check shares.

A reader returns a Polars frame with the file's own columns plus `source_row` (the
1-based data-row number a person can find in the file). A row the reader could not take
apart (too many fields, a quote never closed, bytes that are not UTF-8) keeps its row
number and carries its problem in `_reader_field` / `_reader_reason`, so it is
quarantined like any other invalid row instead of failing the file.
"""

from __future__ import annotations

import polars as pl

SOURCE_ROW = "source_row"
READER_FIELD = "_reader_field"
READER_REASON = "_reader_reason"
INTERNAL_COLUMNS = frozenset({SOURCE_ROW, READER_FIELD, READER_REASON})


class FileRefusedError(ValueError):
    """The whole file is rejected; every row it holds is quarantined with this reason."""


class UnreadableFileError(FileRefusedError):
    """The file cannot be parsed at all (encoding, structure); it is refused whole."""


def with_source_row(frame: pl.DataFrame) -> pl.DataFrame:
    """Number the rows 1, 2, ... in file order."""
    return frame.with_row_index(SOURCE_ROW, offset=1).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )


def file_columns(frame: pl.DataFrame) -> list[str]:
    """The columns the sender delivered, without the readers' bookkeeping columns."""
    return [c for c in frame.columns if c not in INTERNAL_COLUMNS]
