"""Load the landing zone into the raw tables: each file exactly once, atomically.

For every file not yet loaded with the same content: read, validate, pseudonymise, then
in one transaction replace what an earlier delivery of the same program, batch and table
loaded, insert the valid rows, quarantine the rest and write the ledger entry. A crash
rolls the transaction back, so a rerun starts from the previous state and completes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import CONTRACT_VERSION, TableContract, load_contract, load_instruments
from pipelines.ingestion.landing import LandingFile, StrayFile, discover
from pipelines.ingestion.pseudonymise import Pseudonymiser
from pipelines.ingestion.readers import SOURCE_ROW, UnreadableFileError, read_landing_file
from pipelines.ingestion.validation import BatchContext, ValidationResult, validate
from pipelines.sql import read_sql, run_sql

RAW_TABLE = {name: f"raw_{name}" for name in load_contract()}


@dataclass(frozen=True)
class FileOutcome:
    source_file: str
    program_id: str
    batch_id: str
    table: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    outcome: str
    message: str | None


@dataclass
class LoadReport:
    loaded: list[FileOutcome] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    strays: list[StrayFile] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.loaded)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.loaded)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.loaded)


class FileRefusedError(ValueError):
    """The whole file is rejected; every row it holds is quarantined with this reason."""


def _count_data_lines(path: Path) -> int:
    """Rows in a file that cannot be parsed: its lines, less a CSV header."""
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(lines - 1, 0) if path.suffix.lower() == ".csv" else lines


def _screen_columns(raw: pl.DataFrame, contract: TableContract) -> None:
    columns = [c for c in raw.columns if c != SOURCE_ROW]
    unknown = [c for c in columns if c not in contract.columns]
    if unknown:
        raise FileRefusedError(
            f"unknown column(s) {', '.join(repr(c) for c in unknown)}: not in contract "
            f"{CONTRACT_VERSION} table {contract.name}; remove them before sending"
        )
    missing = [f.name for f in contract.fields if f.required and f.name not in columns]
    if missing:
        raise FileRefusedError(f"missing required column(s): {', '.join(missing)}")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a table, matching columns by name."""
    columns = con.table(table).columns
    con.from_arrow(frame.select(columns).to_arrow()).insert_into(table)


def _raw_rows(valid: pl.DataFrame, f: LandingFile, ledger_id: int) -> pl.DataFrame:
    frame = valid.with_columns(
        pl.lit(f.program_id).alias("program_id"),
        pl.lit(f.batch_id).alias("batch_id"),
        pl.lit(ledger_id, pl.Int64).alias("ledger_id"),
    )
    timestamps = [c for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
    return frame.with_columns(pl.col(timestamps).dt.replace_time_zone(None))


def _quarantine_rows(rejections: pl.DataFrame, f: LandingFile, ledger_id: int) -> pl.DataFrame:
    return rejections.with_columns(
        pl.lit(ledger_id, pl.Int64).alias("ledger_id"),
        pl.lit(f.program_id).alias("program_id"),
        pl.lit(f.batch_id).alias("batch_id"),
        pl.lit(f.table).alias("table_name"),
        pl.lit(f.relative_path).alias("source_file"),
    )


class LandingLoader:
    """Loads landing files into one warehouse connection."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, key: bytes, *, today: date, run_id: str | None
    ) -> None:
        self.con = con
        self.key = key
        self.today = today
        self.run_id = run_id
        self.contracts = load_contract()
        self.instruments = load_instruments()
        run_sql(con, read_sql("ingestion/create_ingest_tables.sql"))

    def load(self, landing_dir: Path) -> LoadReport:
        files, strays = discover(landing_dir)
        report = LoadReport(strays=strays)
        current = dict(self.con.execute(read_sql("ingestion/latest_file_hashes.sql")).fetchall())
        per_table = Counter((f.program_id, f.batch_id, f.table) for f in files)
        for f in files:
            digest = f.sha256()
            if current.get(f.relative_path) == digest:
                report.unchanged.append(f.relative_path)
                continue
            clash = per_table[(f.program_id, f.batch_id, f.table)] > 1
            report.loaded.append(self.load_file(f, digest, clash=clash))
        return report

    def _validate(self, f: LandingFile, clash: bool) -> ValidationResult:
        contract = self.contracts[f.table]
        if clash:
            raise FileRefusedError(
                f"more than one file for table {f.table} in batch {f.program_id}/{f.batch_id}"
            )
        raw = read_landing_file(f.path)
        _screen_columns(raw, contract)
        known = None
        if f.table not in ("programs", "episodes"):
            known = self.con.sql(
                read_sql("ingestion/known_episode_ids.sql"), params={"program_id": f.program_id}
            ).pl()["episode_id"]
        ctx = BatchContext(f.program_id, self.today, known, self.instruments)
        return validate(raw, contract, ctx, Pseudonymiser(self.key, f.program_id))

    def load_file(self, f: LandingFile, digest: str, *, clash: bool = False) -> FileOutcome:
        message = None
        try:
            result = self._validate(f, clash)
            rows_read, rows_bad = result.rows_read, result.rows_quarantined
        except (UnreadableFileError, FileRefusedError) as exc:
            result, message = None, str(exc)
            rows_read = rows_bad = _count_data_lines(f.path)
        rows_loaded = rows_read - rows_bad
        outcome = (
            "refused" if result is None else "loaded_with_quarantine" if rows_bad else "loaded"
        )
        now = datetime.now()
        self.con.begin()
        try:
            run_sql(
                self.con,
                read_sql("ingestion/replace_batch.sql"),
                {
                    "table_name": f.table,
                    "program_id": f.program_id,
                    "batch_id": f.batch_id,
                    "now": now,
                },
            )
            [(ledger_id,)] = run_sql(
                self.con,
                read_sql("ingestion/insert_ledger_entry.sql"),
                {
                    "program_id": f.program_id,
                    "batch_id": f.batch_id,
                    "table_name": f.table,
                    "source_file": f.relative_path,
                    "file_format": f.format,
                    "content_sha256": digest,
                    "file_bytes": f.path.stat().st_size,
                    "rows_read": rows_read,
                    "rows_loaded": rows_loaded,
                    "rows_quarantined": rows_bad,
                    "outcome": outcome,
                    "message": message,
                    "contract_version": CONTRACT_VERSION,
                    "run_id": self.run_id,
                    "now": now,
                },
            ).fetchall()
            if result is None:
                refused = pl.DataFrame(
                    {
                        SOURCE_ROW: pl.int_range(1, rows_read + 1, dtype=pl.Int64, eager=True),
                        "field": pl.repeat(None, rows_read, dtype=pl.Utf8, eager=True),
                        "value": pl.repeat(None, rows_read, dtype=pl.Utf8, eager=True),
                        "reason": pl.repeat(f"file refused: {message}", rows_read, eager=True),
                    }
                )
                _insert(self.con, "ingest_quarantine", _quarantine_rows(refused, f, ledger_id))
            else:
                _insert(self.con, RAW_TABLE[f.table], _raw_rows(result.valid, f, ledger_id))
                _insert(
                    self.con, "ingest_quarantine", _quarantine_rows(result.rejections, f, ledger_id)
                )
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        return FileOutcome(
            f.relative_path,
            f.program_id,
            f.batch_id,
            f.table,
            rows_read,
            rows_loaded,
            rows_bad,
            outcome,
            message,
        )
