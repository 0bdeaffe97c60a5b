"""Load the landing zone into the raw tables: each file exactly once, atomically.

For every file not yet loaded with the same content: read, screen for identifiers,
validate, pseudonymise (`examine.check_file`), then in one transaction replace what an
earlier delivery of the same program, batch and table loaded, insert the valid rows,
quarantine the rest and write the ledger entry. A crash rolls the transaction back, so
a rerun starts from the previous state and completes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import ALL_TABLES
from pipelines.ingestion.examine import CLASH_REFUSAL, FileCheck, check_file
from pipelines.ingestion.frames import SOURCE_ROW
from pipelines.ingestion.landing import LandingFile, StrayFile, discover, settling
from pipelines.ingestion.readers import FileScan, scan_landing_file
from pipelines.ingestion.rules import load_rules
from pipelines.sql import read_sql, run_sql

RAW_TABLE = {name: f"raw_{name}" for name in ALL_TABLES}
UNKNOWN_VERSION = "unknown"
"""The ledger's contract_version for a file whose batch manifest was refused."""
log = logging.getLogger(__name__)


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
    changing: list[str] = field(default_factory=list)
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


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a table through Arrow, matching columns by name. A column the
    frame lacks is NULL: the fields a delivery's contract version does not have (v2's
    episode fields in a v1 delivery); a NOT NULL column still refuses the insert."""
    columns = con.table(table).columns
    filled = frame.with_columns(pl.lit(None).alias(c) for c in columns if c not in frame.columns)
    con.from_arrow(filled.select(columns).to_arrow()).insert_into(table)


def file_version(f: LandingFile) -> str:
    """The contract version a file was read against, as the ledger records it."""
    return f.contract_version or UNKNOWN_VERSION


def _raw_rows(valid: pl.DataFrame, f: LandingFile, ledger_id: int) -> pl.DataFrame:
    frame = valid.with_columns(
        pl.lit(f.program_id).alias("program_id"),
        pl.lit(f.batch_id).alias("batch_id"),
        pl.lit(ledger_id, pl.Int64).alias("ledger_id"),
        pl.lit(file_version(f)).alias("contract_version"),
    )
    timestamps = [c for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
    return frame.with_columns(pl.col(timestamps).dt.replace_time_zone(None))


def _refused_rows(check: FileCheck) -> pl.DataFrame:
    """Quarantine entries of a refused file: one per row it held, or one for the file."""
    rows = check.rows_read
    numbers = pl.int_range(1, rows + 1, dtype=pl.Int64, eager=True) if rows else [None]
    n = len(numbers)
    return pl.DataFrame(
        {
            SOURCE_ROW: pl.Series(numbers, dtype=pl.Int64),
            "field": pl.repeat(None, n, dtype=pl.Utf8, eager=True),
            "value": pl.repeat(None, n, dtype=pl.Utf8, eager=True),
            "reason": pl.repeat(f"file refused: {check.refusal}", n, eager=True),
        }
    )


def _quarantine_rows(rejections: pl.DataFrame, f: LandingFile, ledger_id: int) -> pl.DataFrame:
    return rejections.with_columns(
        pl.lit(ledger_id, pl.Int64).alias("ledger_id"),
        pl.lit(f.program_id).alias("program_id"),
        pl.lit(f.batch_id).alias("batch_id"),
        pl.lit(f.table).alias("table_name"),
        pl.lit(f.relative_path).alias("source_file"),
    )


def _fingerprint(path: Path) -> tuple[int, int, int, int]:
    """Size, modification and status-change times, inode: any write, copy over, rename
    over or touch of the file changes at least the status-change time. A symbolic link's
    own, never its target's."""
    stat = path.lstat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


def _fingerprint_row(
    f: LandingFile, fingerprint: tuple[int, int, int, int], sha256: str
) -> dict[str, object]:
    size, mtime_ns, ctime_ns, inode = fingerprint
    return {
        "source_file": f.relative_path,
        "file_bytes": size,
        "mtime_ns": mtime_ns,
        "ctime_ns": ctime_ns,
        "inode": inode,
        "content_sha256": sha256,
    }


def ledger_id_for(program_id: str, loaded_at: datetime, previous: int = 0) -> int:
    """A ledger id that orders by load time and never collides across programs.

    Milliseconds since the epoch in the high bits and 20 bits of the program id's digest
    in the low ones: parallel partition runs of different programs never need a shared
    counter, and one loader's ids strictly increase (`previous` is its last id).
    """
    program_bits = int.from_bytes(hashlib.blake2b(program_id.encode(), digest_size=4).digest())
    candidate = (int(loaded_at.timestamp() * 1000) << 20) | (program_bits & 0xFFFFF)
    return candidate if candidate > previous else previous + (1 << 20)


class LandingLoader:
    """Loads landing files into one warehouse connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        key: bytes,
        *,
        today: date,
        run_id: str | None,
        settle_seconds: float = 0.0,
    ) -> None:
        """`settle_seconds`: files modified more recently are left for a later run (the
        pipeline passes `LandingZone.settle_seconds`)."""
        self.con = con
        self.settle_seconds = settle_seconds
        self.key = key
        self.today = today
        self.run_id = run_id
        self.rules = load_rules()
        self._delivered: set[tuple[str, str, str]] = set()
        self._last_ledger_id = 0
        self._known: dict[str, pl.Series] = {}
        run_sql(con, read_sql("ingestion/create_ingest_tables.sql"))
        run_sql(con, read_sql("ingestion/create_file_fingerprints.sql"))

    def load(
        self,
        landing_dir: Path,
        select: Callable[[LandingFile], bool] | None = None,
        on_group_loaded: Callable[[str, str, str], None] | None = None,
    ) -> LoadReport:
        """Load every file that is new or changed since its current ledger entry.

        `select` limits the load to some files (a partition's program and months);
        `on_group_loaded(program_id, batch_id, table)` is called after a group's files are
        committed, so a caller can hand them on (the lake writer).

        Files of one program, batch and table form a group. A group of one is the usual
        delivery. A group of several is ambiguous and every file in it is refused; it is
        reloaded as a whole whenever any member changes, so members never supersede each
        other from one run to the next.
        """
        files, strays = discover(landing_dir, self.key)
        if select is not None:
            files = [f for f in files if select(f)]
        report = LoadReport(strays=strays)
        young = settling(files, self.settle_seconds, time.time())
        if young:
            report.changing += [f.relative_path for f in young]
            files = [f for f in files if f not in young]
        current = {
            source: (digest, (message or "").startswith(CLASH_REFUSAL), version)
            for source, digest, message, version in self.con.execute(
                read_sql("ingestion/latest_file_hashes.sql")
            ).fetchall()
        }
        hashed = {
            source: (tuple(fingerprint), digest)
            for source, *fingerprint, digest in self.con.execute(
                read_sql("ingestion/file_fingerprints.sql")
            ).fetchall()
        }
        fingerprints: list[dict[str, object]] = []
        [(delivered,)] = self.con.execute(read_sql("ingestion/delivered_batches.sql")).fetchall()
        self._delivered = {tuple(entry.values()) for entry in delivered or []}
        self._known.clear()
        groups: dict[tuple[str, str, str], list[LandingFile]] = {}
        for f in files:
            groups.setdefault((f.program_id, f.batch_id, f.table), []).append(f)
        for group in groups.values():
            clash = len(group) > 1
            before = {f.relative_path: _fingerprint(f.path) for f in group}
            if all(
                (before[f.relative_path], current.get(f.relative_path, (None,))[0])
                == hashed.get(f.relative_path)
                and current[f.relative_path][1:] == (clash, file_version(f))
                for f in group
            ):
                report.unchanged += list(before)
                continue
            scans = {f.relative_path: scan_landing_file(f) for f in group}
            changed = [
                f
                for f in group
                if current.get(f.relative_path)
                != (scans[f.relative_path].sha256, clash, file_version(f))
            ]
            if not changed:
                report.unchanged += list(before)
            else:
                for position, f in enumerate(group if clash else changed):
                    outcome = self.load_file(
                        f, scans[f.relative_path], clash=clash, replace=position == 0
                    )
                    if outcome is None:
                        report.changing.append(f.relative_path)
                    else:
                        report.loaded.append(outcome)
                if on_group_loaded is not None:
                    on_group_loaded(group[0].program_id, group[0].batch_id, group[0].table)
            fingerprints += [
                _fingerprint_row(f, before[f.relative_path], scans[f.relative_path].sha256)
                for f in group
                if f.relative_path not in report.changing
                and _fingerprint(f.path) == before[f.relative_path]
            ]
        if fingerprints:
            self.con.register("source_frame", pl.DataFrame(fingerprints).to_arrow())
            try:
                run_sql(self.con, read_sql("ingestion/upsert_file_fingerprints.sql"))
            finally:
                self.con.unregister("source_frame")
        return report

    def _known_episode_ids(self, program_id: str) -> pl.Series:
        if program_id not in self._known:
            self._known[program_id] = self.con.sql(
                read_sql("ingestion/known_episode_ids.sql"), params={"program_id": program_id}
            ).pl()["episode_id"]
        return self._known[program_id]

    def check(self, f: LandingFile, scan: FileScan, *, clash: bool = False) -> FileCheck:
        """Validate a file against what the warehouse already holds for its program."""
        needs_episodes = f.table not in ("programs", "episodes")
        [(registered,)] = self.con.execute(
            read_sql("ingestion/program_registered.sql"), {"program_id": f.program_id}
        ).fetchall()
        return check_file(
            f,
            scan,
            key=self.key,
            today=self.today,
            known_episode_ids=self._known_episode_ids(f.program_id) if needs_episodes else None,
            program_registered=bool(registered),
            earliest_date=self.rules.earliest_plausible_date,
            clash=clash,
        )

    def load_file(
        self, f: LandingFile, scan: FileScan, *, clash: bool = False, replace: bool = True
    ) -> FileOutcome | None:
        """Load one file in one transaction; None if it changed while being read (a sender
        still writing it), in which case nothing is recorded and the next run retries.

        With `replace`, what an earlier delivery of the same program, batch and table
        loaded is removed in the same transaction (skipped when there was none).
        """
        check = self.check(f, scan, clash=clash)
        stat = f.path.lstat()
        if (stat.st_size, stat.st_mtime_ns) != (scan.size, scan.mtime_ns):
            log.warning("%s changed while it was read; left for the next run", f.relative_path)
            return None
        group = (f.program_id, f.batch_id, f.table)
        now = datetime.now()
        self._last_ledger_id = ledger_id_for(f.program_id, now, self._last_ledger_id)
        self.con.begin()
        try:
            if replace and group in self._delivered:
                run_sql(
                    self.con,
                    read_sql(f"ingestion/replace_batch_{f.table}.sql"),
                    {"program_id": f.program_id, "batch_id": f.batch_id, "now": now},
                )
            [(ledger_id,)] = run_sql(
                self.con,
                read_sql("ingestion/insert_ledger_entry.sql"),
                {
                    "ledger_id": self._last_ledger_id,
                    "program_id": f.program_id,
                    "batch_id": f.batch_id,
                    "table_name": f.table,
                    "source_file": f.relative_path,
                    "file_format": f.format,
                    "content_sha256": scan.sha256,
                    "file_bytes": scan.size,
                    "rows_read": check.rows_read,
                    "rows_loaded": check.rows_loaded,
                    "rows_quarantined": check.rows_quarantined,
                    "outcome": check.outcome,
                    "message": check.refusal,
                    "contract_version": file_version(f),
                    "run_id": self.run_id,
                    "now": now,
                },
            ).fetchall()
            if check.result is None:
                rejected = _refused_rows(check)
            else:
                _insert(self.con, RAW_TABLE[f.table], _raw_rows(check.result.valid, f, ledger_id))
                rejected = check.result.rejections
            _insert(self.con, "ingest_quarantine", _quarantine_rows(rejected, f, ledger_id))
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        self._delivered.add(group)
        if f.table == "episodes":
            self._known.pop(f.program_id, None)
        return FileOutcome(
            f.relative_path,
            f.program_id,
            f.batch_id,
            f.table,
            check.rows_read,
            check.rows_loaded,
            check.rows_quarantined,
            check.outcome,
            check.refusal,
        )
