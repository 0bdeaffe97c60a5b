"""The local Dagster instance that `icbt run` and `icbt dev` use on one machine.

Dagster's SQLite event log opens a connection and commits once per event, and each
commit waits for the disk (fsync). A 300-episode build stores about ten thousand events,
and on a busy disk their commits and closes took 126 s, 29 s unsynced (docs/scaling.md).
The run history is bookkeeping: what has been loaded is decided by the lake's ledger,
never by Dagster, so this instance lets SQLite hand its writes to the operating system
without waiting (`PRAGMA synchronous = OFF`). An application crash loses nothing; a
power cut can lose or damage the run history, never the warehouse (deleting
`dagster_home/history` starts it afresh). A cluster keeps the same storage in PostgreSQL
(deploy/values.yaml) and is not affected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from sqlalchemy import Connection

MARKER = "# Written by `icbt run`"


class UnsyncedSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run SQLite event log, committing without waiting for the disk."""

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> UnsyncedSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with super()._connect(shard) as conn:
            conn.exec_driver_sql("PRAGMA synchronous = OFF")
            yield conn


def dagster_yaml(home: Path) -> str:
    """The instance's configuration: Dagster's default local storage (run history under
    `history/`), its event log unsynced, no telemetry."""
    return (
        f"{MARKER}: local run history for `dagster dev`, without telemetry.\n"
        "# Rewritten by every run; see pipelines/dagster_instance.py.\n"
        "telemetry:\n"
        "  enabled: false\n"
        "event_log_storage:\n"
        "  module: pipelines.dagster_instance\n"
        "  class: UnsyncedSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {home / 'history' / 'runs'}\n"
    )


def write_instance_config(home: Path) -> None:
    """Write the instance's configuration, unless someone else wrote their own."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text().startswith(MARKER):
        config.write_text(dagster_yaml(home))
