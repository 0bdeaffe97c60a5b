"""Read one landing file into a Polars frame, untyped where the format allows.

CSV is read as text so that a malformed value becomes a quarantined row with a reason,
never an exception that loses the whole file. Every frame gets `source_row`, the
1-based data-row number: the CSV line number less the header line, the JSON Lines line
number, the Parquet row number, or for FHIR the answer's position in the file.

CSV and JSON Lines take a fast, vectorised path (Polars for CSV without quote
characters, DuckDB's strict reader for CSV with them, Polars' NDJSON reader). When it
cannot vouch that every line became exactly one row (a short or long row, a quote never
closed, a blank line, bytes that are not UTF-8), the file is re-read line by line so
that each broken line is quarantined under its own number and the rest still loads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingestion.fhir import read_questionnaire_responses
from pipelines.ingestion.frames import (
    READER_FIELD,
    READER_REASON,
    SOURCE_ROW,
    FileRefusedError,
    UnreadableFileError,
    with_source_row,
)
from pipelines.ingestion.identifiers import column_label
from pipelines.ingestion.landing import LandingFile, file_format
from pipelines.sql import read_sql, run_sql

_HEAD_BYTES = 1 << 16
_BLANK_LINE = re.compile(rb"\n(?=\r?\n)")
_BLOCK = 1 << 22
_NOT_UTF8 = "holds bytes that are not UTF-8 (was the file saved as Latin-1 or Windows-1252?)"


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells: its hash and its line structure."""

    sha256: str
    size: int
    mtime_ns: int
    newlines: int
    ends_with_newline: bool
    blank_lines: int
    trailing_blank_lines: int
    head: bytes
    commas: int
    has_quotes: bool

    @property
    def lines(self) -> int:
        """Physical lines, counting a last line without a line break."""
        return self.newlines + (0 if self.ends_with_newline or self.size == 0 else 1)

    def data_lines(self, fmt: str) -> int:
        """Non-blank lines that hold rows (all of them, less the CSV header)."""
        lines = self.lines - self.blank_lines
        return max(lines - 1, 0) if fmt == "csv" else lines


def scan_file(path: Path) -> FileScan:
    """Hash a file and count its lines, blank lines and commas in one pass over its bytes
    (counting bytes runs at memory speed; it lets a clean CSV take the fast reader)."""
    stat = path.stat()
    digest = hashlib.sha256()
    newlines = blank = commas = 0
    has_quotes = False
    head = b""
    tail = b""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
            if len(head) < _HEAD_BYTES:
                head += block[: _HEAD_BYTES - len(head)]
            newlines += block.count(b"\n")
            commas += block.count(b",")
            has_quotes = has_quotes or b'"' in block
            # A blank line is a line break right after one. Matches inside the block are
            # counted there; one that starts in the previous block's last two bytes and
            # ends in this block is counted at the seam.
            if b"\n\n" in block or b"\n\r\n" in block:
                blank += len(_BLANK_LINE.findall(block))
            seam = tail + block[:2]
            starts_in_tail = sum(1 for m in _BLANK_LINE.finditer(seam) if m.start() < len(tail))
            blank += starts_in_tail - len(_BLANK_LINE.findall(tail))
            tail = block[-2:] if len(block) >= 2 else (tail + block)[-2:]
    trailing = _trailing_blank_lines(path, stat.st_size)
    if head.startswith((b"\n", b"\r\n")):
        blank += 1
    return FileScan(
        sha256=digest.hexdigest(),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        newlines=newlines,
        ends_with_newline=tail.endswith(b"\n"),
        blank_lines=blank,
        trailing_blank_lines=trailing,
        head=head,
        commas=commas,
        has_quotes=has_quotes,
    )


def scan_landing_file(f: LandingFile) -> FileScan:
    """`scan_file`, except for a symbolic link: it is never opened (it may point at a
    secret outside the landing zone), so its scan is of the link itself, with no bytes."""
    if not f.symlink:
        return scan_file(f.path)
    stat = f.path.lstat()
    return FileScan(
        sha256=hashlib.sha256(b"symbolic link").hexdigest(),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        newlines=0,
        ends_with_newline=False,
        blank_lines=0,
        trailing_blank_lines=0,
        head=b"",
        commas=0,
        has_quotes=False,
    )


def _trailing_blank_lines(path: Path, size: int) -> int:
    with path.open("rb") as handle:
        handle.seek(max(size - 4096, 0))
        end = handle.read()
    stripped = end.rstrip(b"\r\n")
    if not stripped:
        return 0
    # The first line break after the last text ends that line; each further one is blank.
    return max(end[len(stripped) :].count(b"\n") - 1, 0)


def estimate_rows(path: Path, scan: FileScan, fmt: str) -> int:
    """Rows in a file that cannot be parsed: its non-blank lines (less a CSV header). A
    UTF-16 file's lines are counted in UTF-16; a Parquet file's rows cannot be."""
    if fmt == "parquet":
        return 0
    if scan.head.startswith((b"\xff\xfe", b"\xfe\xff")):
        lines = [line for line in path.read_bytes().decode("utf-16").splitlines() if line.strip()]
        return max(len(lines) - 1, 0) if fmt == "csv" else len(lines)
    return scan.data_lines(fmt)


def read_landing_file(path: Path, scan: FileScan | None = None) -> pl.DataFrame:
    fmt = file_format(path)
    scan = scan or scan_file(path)
    if fmt == "csv":
        return _read_csv(path, scan)
    if fmt == "jsonl":
        return _read_jsonl(path, scan)
    if fmt == "parquet":
        return _read_parquet(path)
    if fmt == "fhir_ndjson":
        _require_text(scan)
        return read_questionnaire_responses(path)
    raise UnreadableFileError(f"unsupported file type {path.suffix!r}")


def _require_text(scan: FileScan) -> None:
    head = scan.head
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise UnreadableFileError(
            "the file is UTF-16 or binary, not UTF-8 text; export it again as UTF-8 "
            "(in Excel: 'CSV UTF-8')"
        )
    if not head.strip():
        raise UnreadableFileError("the file is empty: it has no header row and no data")


def _header(scan: FileScan) -> list[str]:
    line, found, _ = scan.head.partition(b"\n")
    if not found and scan.size > len(scan.head):
        raise UnreadableFileError("the first line is longer than 64 KB; it is not a header row")
    try:
        text = line.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"the header row {_NOT_UTF8}") from exc
    if not text.strip():
        raise UnreadableFileError("the first line is empty; the header row must come first")
    _refuse_other_delimiter(text)
    names = [name.strip() for name in next(csv.reader([text]))]
    data_like = [
        str(position)
        for position, name in enumerate(names, start=1)
        if name and not column_label(name, position).startswith("'")
    ]
    if data_like:
        raise FileRefusedError(
            f"the first line looks like data, not column names (column(s) "
            f"{', '.join(data_like)}; values not shown): is the header row missing?"
        )
    for position, name in enumerate(names, start=1):
        if not name:
            raise FileRefusedError(f"column {position} of the header row has no name")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        labels = ", ".join(column_label(n, names.index(n) + 1) for n in repeated)
        raise FileRefusedError(f"the header names {labels} more than once")
    return names


_OTHER_DELIMITERS = {";": "semicolons (;)", "\t": "tabs"}


def _refuse_other_delimiter(header: str) -> None:
    """A header split by semicolons (Excel in many locales) or tabs rather than commas
    would otherwise read as one column named like data; say what is wrong instead."""
    commas = header.count(",")
    for delimiter, name in _OTHER_DELIMITERS.items():
        if header.count(delimiter) > commas:
            raise UnreadableFileError(
                f"the columns are separated by {name}, not commas: export the file again "
                "as comma-separated CSV (in Excel: 'CSV UTF-8 (comma delimited)')"
            )


def _read_csv(path: Path, scan: FileScan) -> pl.DataFrame:
    """Three readers, fastest first; each is used only when it can vouch that every line
    became exactly one row of the header's width.

    - No quote characters and no blank lines inside: Polars. It rejects a long row
      itself; that no row is short follows from the comma count (width - 1 per line).
    - Quotes but no blank lines inside: DuckDB's strict reader, which sets aside any
      short, long or badly quoted line.
    - Otherwise, or when either declines: line by line.
    """
    _require_text(scan)
    header = _header(scan)
    expected = scan.data_lines("csv")
    if scan.blank_lines - scan.trailing_blank_lines == 0:
        if scan.has_quotes:
            frame = _read_csv_strict(path, header)
        else:
            frame = _read_csv_unquoted(path, header)
            if scan.commas != (len(header) - 1) * (expected + 1):
                frame = None
        if frame is not None and frame.height == expected:
            return with_source_row(frame)
    return _read_csv_by_line(path, header)


def _read_csv_unquoted(path: Path, header: list[str]) -> pl.DataFrame | None:
    try:
        return pl.read_csv(
            path,
            infer_schema=False,
            new_columns=header,
            encoding="utf8",
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None


_reader: duckdb.DuckDBPyConnection | None = None
_reader_lock = threading.Lock()


def _read_csv_strict(path: Path, header: list[str]) -> pl.DataFrame | None:
    """The file through DuckDB's strict CSV reader, or None if any line was rejected.

    One in-memory connection serves every read (opening one costs more than reading a
    small file); its reject tables are dropped whenever a read filled them.
    """
    global _reader
    with _reader_lock:
        if _reader is None:
            _reader = duckdb.connect(config={"threads": min(2, os.cpu_count() or 1)})
        try:
            frame = _reader.sql(
                read_sql("ingestion/read_landing_csv.sql"),
                params={"path": str(path), "columns": dict.fromkeys(header, "VARCHAR")},
            ).pl()
            [(rejected,)] = _reader.execute(read_sql("ingestion/count_csv_rejects.sql")).fetchall()
        except duckdb.Error:
            frame, rejected = None, 1
        if rejected:
            run_sql(_reader, read_sql("ingestion/drop_csv_rejects.sql"))
            return None
        return frame


def _read_csv_by_line(path: Path, header: list[str]) -> pl.DataFrame:
    """Slow, exact path: one record at a time, each broken line kept under its number."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    width = len(header)
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    fields: list[str | None] = []
    reasons: list[str | None] = []
    last_line = reader.line_num
    for record in reader:
        first, last_line = last_line + 1, reader.line_num
        if not record:
            continue  # a blank line holds no row
        reason, field = None, None
        if last_line > first:
            reason = (
                f"a quoted value opened on row {first - 1} runs over lines {first} to "
                f"{last_line} (a closing quote is probably missing)"
            )
        elif len(record) != width:
            reason = f"has {len(record)} fields; the header has {width}"
        bad = next((i for i, v in enumerate(record) if _has_surrogates(v)), None)
        if bad is not None:
            record = [_replace_surrogates(v) for v in record]
            field = header[bad] if bad < width else None
            reason = reason or _NOT_UTF8
        cells = [v if v != "" else None for v in record[:width]]
        cells += [None] * (width - len(cells))
        if last_line > first:
            # What an unclosed quote swallowed is not a value of this row: none of it is
            # kept (the row is quarantined with the reason above), so none of it is
            # screened or mistaken for free text in a field.
            cells = [None] * width
        for line in range(first, last_line + 1):
            rows.append(cells if line == first else [None] * width)
            numbers.append(line - 1)
            fields.append(field)
            reasons.append(reason)
    frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.Utf8), orient="row")
    return frame.with_columns(
        pl.Series(SOURCE_ROW, numbers, dtype=pl.Int64),
        pl.Series(READER_FIELD, fields, dtype=pl.Utf8),
        pl.Series(READER_REASON, reasons, dtype=pl.Utf8),
    )


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _replace_surrogates(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _read_jsonl(path: Path, scan: FileScan) -> pl.DataFrame:
    _require_text(scan)
    if scan.blank_lines == 0:
        try:
            frame = pl.read_ndjson(path, infer_schema_length=None)
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError):
            frame = None
        if (
            frame is not None
            and frame.height == scan.data_lines("jsonl")
            and not any(dtype.is_nested() for dtype in frame.dtypes)
        ):
            return with_source_row(frame)
    return _read_jsonl_by_line(path)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_jsonl_by_line(path: Path) -> pl.DataFrame:
    """Slow, exact path: one line at a time; a line that is not one flat object is kept
    under its number with the reason."""
    records: list[dict[str, str | None]] = []
    numbers: list[int] = []
    fields: list[str | None] = []
    reasons: list[str | None] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            reason, field, record = None, None, {}
            try:
                value = json.loads(raw.decode("utf-8").removeprefix("\ufeff"))
            except UnicodeDecodeError:
                reason = f"the line {_NOT_UTF8}"
            except json.JSONDecodeError as exc:
                reason = f"is not valid JSON ({exc.msg} at character {exc.pos + 1})"
            else:
                if not isinstance(value, dict):
                    reason = "is not a JSON object ({...})"
                else:
                    nested = [k for k, v in value.items() if isinstance(v, dict | list)]
                    if nested:
                        field = str(nested[0])
                        reason = "holds a list or object, not a single value"
                    record = {str(k): _json_text(v) for k, v in value.items() if k not in nested}
            records.append(record)
            numbers.append(number)
            fields.append(field)
            reasons.append(reason)
    columns = list(dict.fromkeys(k for r in records for k in r))
    frame = pl.DataFrame(
        {c: [r.get(c) for r in records] for c in columns}, schema=dict.fromkeys(columns, pl.Utf8)
    )
    return frame.with_columns(
        pl.Series(SOURCE_ROW, numbers, dtype=pl.Int64),
        pl.Series(READER_FIELD, fields, dtype=pl.Utf8),
        pl.Series(READER_REASON, reasons, dtype=pl.Utf8),
    )


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UnreadableFileError(
            "not a readable Parquet file (truncated or corrupt?); write it again"
        ) from exc
    for position, (name, dtype) in enumerate(frame.schema.items(), start=1):
        if dtype.is_nested() or dtype == pl.Binary:
            raise FileRefusedError(
                f"column {column_label(name, position)} holds {dtype} values; the contract "
                "needs one plain value (text, number, boolean, date) per cell"
            )
    return with_source_row(frame)
