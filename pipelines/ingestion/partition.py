"""One program's deliveries, loaded into the lake by one partition run.

The loader (`loader.LandingLoader`) works on a private in-memory DuckDB that holds what
validation needs from earlier runs: the program's ledger and file fingerprints, and its
registry and episode rows (the references later rows are checked against). The large
tables are never read back. After each delivery (program, batch, table) commits, its
rows and quarantine are written to the lake, then the ledger; a run killed in between
leaves a file the ledger does not know, which the next run loads again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from pipelines.ingestion.loader import RAW_TABLE, LandingLoader, LoadReport
from pipelines.lake import Lake
from pipelines.sql import read_sql, run_sql

STATE_TABLES = ("ingest_load_ledger", "ingest_file_fingerprints", "raw_programs", "raw_episodes")
"""What a program's earlier runs left that the next load reads back."""


def _delivery(relation: duckdb.DuckDBPyRelation, program_id: str, batch_id: str):
    return relation.filter(
        (duckdb.ColumnExpression("program_id") == duckdb.ConstantExpression(program_id))
        & (duckdb.ColumnExpression("batch_id") == duckdb.ConstantExpression(batch_id))
    )


class ProgramIngestion:
    """Loads one program's new and changed landing files for some months into the lake."""

    def __init__(
        self,
        lake: Lake,
        program_id: str,
        key: bytes,
        *,
        today: date,
        run_id: str | None,
        settle_seconds: float = 0.0,
    ) -> None:
        self.lake = lake
        self.settle_seconds = settle_seconds
        self.program_id = program_id
        self.key = key
        self.today = today
        self.run_id = run_id

    def run(self, landing_dir: Path, batches: Iterable[str]) -> LoadReport:
        months = set(batches)
        with self.lake.program_lock(self.program_id):
            self.lake.remove_partials(self.program_id)
            con = self.lake.connect()
            try:
                loader = LandingLoader(
                    con,
                    self.key,
                    today=self.today,
                    run_id=self.run_id,
                    settle_seconds=self.settle_seconds,
                )
                self._read_state(con)
                report = loader.load(
                    landing_dir,
                    select=lambda f: f.program_id == self.program_id and f.batch_id in months,
                    on_group_loaded=lambda p, b, t: self._write_delivery(con, b, t),
                )
                self._write_state(con, "ingest_file_fingerprints")
                return report
            finally:
                con.close()

    def _read_state(self, con: duckdb.DuckDBPyConnection) -> None:
        for table in STATE_TABLES:
            if self.lake.files(table, self.program_id):
                self.lake.read(con, table, self.program_id).insert_into(table)
        run_sql(con, read_sql("lake/drop_orphan_raw_rows.sql"))

    def _write_state(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        self.lake.write(con.table(table), self.lake.path(table, self.program_id))

    def _write_delivery(self, con: duckdb.DuckDBPyConnection, batch_id: str, table: str) -> None:
        raw = RAW_TABLE[table]
        self.lake.write(
            _delivery(con.table(raw), self.program_id, batch_id),
            self.lake.path(raw, self.program_id, batch_id),
        )
        quarantine = _delivery(con.table("ingest_quarantine"), self.program_id, batch_id).filter(
            duckdb.ColumnExpression("table_name") == duckdb.ConstantExpression(table)
        )
        self.lake.write(
            quarantine, self.lake.path("ingest_quarantine", self.program_id, batch_id, table)
        )
        self._write_state(con, "ingest_load_ledger")
