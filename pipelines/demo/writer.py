"""Monthly landing files of one program, appended chunk by chunk, published by rename.

Each file is written under a hidden temporary name (`.episodes.csv.tmp`, which the
ingestion's discovery skips) and renamed into place only when the whole program is
done, batch by batch in contract table order. A watcher therefore never sees a
half-written file, and sees a batch's episodes before the rows that refer to them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.contract import ALL_TABLES, CONTRACT_VERSION, LATEST_VERSION, load_contract
from pipelines.demo.dates import Window
from pipelines.ingestion.manifest import MANIFEST_NAME

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


def arrow_schema(table: str, version: str = CONTRACT_VERSION) -> pa.Schema:
    fields = load_contract(version)[table].fields
    return pa.schema([(f.name, _ARROW_TYPES[f.type]) for f in fields])


class _Sink:
    """One temporary file that receives rows in one of the three landing formats."""

    def __init__(self, path: Path, table: str, fmt: str, version: str) -> None:
        self.path = path
        self.fmt = fmt
        self.table = table
        self.version = version
        self.rows = 0
        self._handle: IO[bytes] | None = None
        self._parquet: pq.ParquetWriter | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            self._parquet = pq.ParquetWriter(path, arrow_schema(table, version))
        else:
            self._handle = path.open("wb")

    def write(self, frame: pl.DataFrame) -> None:
        if self._parquet is not None:
            self._parquet.write_table(frame.to_arrow().cast(arrow_schema(self.table, self.version)))
        elif self.fmt == "csv":
            frame.write_csv(
                self._handle, include_header=self.rows == 0, datetime_format=TIMESTAMP_FORMAT
            )
        else:
            stamps = [c for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
            frame.with_columns(pl.col(stamps).dt.strftime(TIMESTAMP_FORMAT)).write_ndjson(
                self._handle
            )
        self.rows += frame.height

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()


class ProgramWriter:
    """All batches of one program. Replaces whatever an earlier run wrote for it.

    From batch `v2_from` on (never when None) the program follows contract v2: those
    batches get a manifest and the v2 columns and tables; earlier batches get v1's.
    """

    def __init__(
        self, program_dir: Path, window: Window, fmt: str, v2_from: int | None = None
    ) -> None:
        shutil.rmtree(program_dir, ignore_errors=True)
        self.dir = program_dir
        self.window = window
        self.fmt = fmt
        self.v2_from = v2_from
        self._sinks: dict[tuple[int, str], _Sink] = {}
        self.rows: Counter[str] = Counter()

    def _final(self, batch: int, table: str) -> Path:
        return self.dir / self.window.label(batch) / f"{table}.{self.fmt}"

    def _sink(self, batch: int, table: str) -> _Sink:
        if (batch, table) not in self._sinks:
            final = self._final(batch, table)
            temp = final.with_name(f".{final.name}.tmp")
            self._sinks[(batch, table)] = _Sink(temp, table, self.fmt, self.version(batch))
        return self._sinks[(batch, table)]

    def version(self, batch: int) -> str:
        v2 = self.v2_from is not None and batch >= self.v2_from
        return LATEST_VERSION if v2 else CONTRACT_VERSION

    def write(self, table: str, batch: np.ndarray, frame: pl.DataFrame) -> None:
        """Append rows (sorted by `batch`) to the files of their batches, in each batch's
        version: a v1 batch drops v2 columns, and gets no rows of a v2-only table."""
        bounds = np.searchsorted(batch, np.arange(self.window.months + 1))
        for b in range(self.window.months):
            lo, hi = int(bounds[b]), int(bounds[b + 1])
            contract = load_contract(self.version(b))
            if hi > lo and table in contract:
                rows = frame.slice(lo, hi - lo).select(contract[table].columns)
                self._sink(b, table).write(rows)
                self.rows[table] += rows.height

    def publish(self, program_row: dict[str, object], batches: range) -> int:
        """Re-send the program row in every batch, then rename all files into place."""
        row = pl.DataFrame([program_row], schema=_programs_schema(), orient="row")
        for b in batches:
            self._sink(b, "programs").write(row)
        self.rows["programs"] += len(batches)
        for sink in self._sinks.values():
            sink.close()
        # Manifests first, so no v2 file is ever in place without its batch's version.
        for b in sorted({b for b, _ in self._sinks if self.version(b) != CONTRACT_VERSION}):
            manifest = self.dir / self.window.label(b) / MANIFEST_NAME
            temp = manifest.with_name(f".{MANIFEST_NAME}.tmp")
            temp.write_text(json.dumps({"contract_version": self.version(b)}) + "\n")
            os.replace(temp, manifest)
        order = {t: i for i, t in enumerate(ALL_TABLES)}
        for b, table in sorted(self._sinks, key=lambda k: (k[0], order[k[1]])):
            os.replace(self._sinks[(b, table)].path, self._final(b, table))
        return len(self._sinks)


def _programs_schema() -> dict[str, pl.DataType]:
    types = {"string": pl.String, "integer": pl.Int64, "boolean": pl.Boolean}
    return {f.name: types[f.type] for f in load_contract()["programs"].fields}
