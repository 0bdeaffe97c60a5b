"""Run-time settings, read from the environment once and passed explicitly.

Every path the pipeline, the dashboard and the command line use comes from here, so a
deployment moves storage by setting environment variables, not by editing code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.paths import PROJECT_ROOT


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    duckdb_memory_limit: str
    duckdb_threads: int
    duckdb_storage_version: str
    pseudonym_key_file: Path

    @property
    def landing_dir(self) -> Path:
        """Landing zone: one folder per program, one sub-folder per delivery batch."""
        return self.data_dir / "landing"

    @property
    def lake_dir(self) -> Path:
        """Row-level tables as Parquet, one folder per program (pipelines.lake)."""
        return self.data_dir / "lake"

    @property
    def build_database(self) -> Path:
        """The national steps' DuckDB file; one national step at a time opens it."""
        return self.data_dir / "warehouse" / "build.duckdb"

    @property
    def published_database(self) -> Path:
        """The readers' copy, replaced atomically after each successful run."""
        return self.data_dir / "warehouse" / "observatory.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def demo_dir(self) -> Path:
        """Where the demo generator writes what it planted (truth.json)."""
        return self.data_dir / "demo"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @classmethod
    def from_env(cls) -> Settings:
        default_key = Path.home() / ".config" / "icbt-observatory" / "pseudonym.key"
        return cls(
            data_dir=Path(os.environ.get("ICBT_DATA_DIR", PROJECT_ROOT / "data")).resolve(),
            duckdb_memory_limit=os.environ.get("ICBT_DUCKDB_MEMORY_LIMIT", "1500MB"),
            duckdb_threads=int(os.environ.get("ICBT_DUCKDB_THREADS", "2")),
            # Files readable by the DuckDB CLI on PyPI (duckdb-cli 1.5) as well as by 2.0.
            duckdb_storage_version=os.environ.get("ICBT_DUCKDB_STORAGE_VERSION", "v1.5.0"),
            pseudonym_key_file=Path(os.environ.get("ICBT_PSEUDONYM_KEY_FILE", default_key)),
        )
