"""Read-only access to the published warehouse: named SQL queries in, Polars frames out.

The pipeline replaces the published file atomically (a rename over it), so the file at
the path is always a complete snapshot, but a new one may appear at any moment. Each
snapshot is opened once per process and reused by every request until the file's
identity (inode, mtime, size) changes; requests already running on the old snapshot
finish on it, and it is closed when the last of them returns. `Warehouse.pin()` holds one
snapshot for every query of a request (`PinnedSnapshot`), so a request never reads half
of one publication and half of the next.

Why ATTACH instead of `duckdb.connect(path, read_only=True)`: DuckDB caches database
instances by path inside a process, so while any connection to the old snapshot is open,
`connect(path)` hands back that old instance and never sees the replaced file. A fresh
in-memory instance with the file ATTACHed READ_ONLY is a true, independent read-only open
of whatever the path points to now. External file access is then switched off, so a
dashboard query can read nothing but the warehouse.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from pipelines.paths import resource_dir
from pipelines.settings import Settings

_QUERY_NAME = re.compile(r"[a-z][a-z0-9_]*")


class WarehouseUnavailableError(RuntimeError):
    """The dashboard cannot show data from the warehouse; the message says why."""

    reason = "unreadable"


class WarehouseNotPublishedError(WarehouseUnavailableError):
    """No published warehouse file exists yet (the pipeline has not completed a run)."""

    reason = "not_published"


class MartMissingError(WarehouseUnavailableError):
    """The published warehouse does not (yet) contain a table a query reads."""

    reason = "mart_missing"


def query_dir() -> Path:
    return resource_dir("sql") / "dashboard"


@cache
def read_query(name: str, directory: Path | None = None) -> str:
    """Text of `sql/dashboard/<name>.sql`; names are plain identifiers, never paths."""
    if not _QUERY_NAME.fullmatch(name):
        raise ValueError(f"invalid query name {name!r}")
    return ((directory or query_dir()) / f"{name}.sql").read_text()


def _not_published(path: Path) -> WarehouseNotPublishedError:
    return WarehouseNotPublishedError(
        f"No warehouse published yet at {path}. Run `make run` to build and publish it."
    )


@dataclass(frozen=True)
class FileIdentity:
    inode: int
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        try:
            stat = os.stat(path)
        except FileNotFoundError as exc:
            raise _not_published(path) from exc
        return cls(stat.st_ino, stat.st_mtime_ns, stat.st_size)


class _Snapshot:
    """One opened published file, shared by concurrent requests and closed when idle."""

    def __init__(self, identity: FileIdentity, connection: duckdb.DuckDBPyConnection) -> None:
        self.identity = identity
        self.connection = connection
        self.users = 0
        self.retired = False


class Warehouse:
    """The published warehouse, opened read-only and reopened when the file is replaced."""

    def __init__(
        self,
        path: Path,
        *,
        threads: int = 1,
        memory_limit: str = "1GB",
        queries: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self._config = {"threads": threads, "memory_limit": memory_limit}
        self._queries = queries
        self._lock = threading.Lock()
        self._current: _Snapshot | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        return cls(
            settings.published_database,
            threads=settings.duckdb_threads,
            memory_limit=settings.duckdb_memory_limit,
        )

    def _open(self, identity: FileIdentity) -> _Snapshot:
        connection = duckdb.connect(":memory:", config=self._config)
        try:
            connection.execute("ATTACH $path AS warehouse (READ_ONLY)", {"path": str(self.path)})
            connection.execute("SET enable_external_access = false")
        except duckdb.IOException as exc:
            connection.close()
            if not self.path.exists():
                raise _not_published(self.path) from exc
            raise WarehouseUnavailableError(
                f"The published warehouse at {self.path} cannot be opened: {exc}"
            ) from exc
        return _Snapshot(identity, connection)

    @staticmethod
    def _close_when_idle(snapshot: _Snapshot) -> None:
        """Call with the lock held: closes a retired snapshot nobody is using."""
        if snapshot.retired and snapshot.users == 0:
            snapshot.connection.close()

    def _newest(self) -> _Snapshot:
        """Call with the lock held: the snapshot at the path now, opened if it is new.

        The file is stat'ed before and after opening: a publication between the two would
        pair one snapshot's identity with another's contents, so the open is retried.
        """
        for _ in range(3):
            identity = FileIdentity.of(self.path)
            if self._current is not None and self._current.identity == identity:
                return self._current
            fresh = self._open(identity)
            if FileIdentity.of(self.path) != identity:
                fresh.connection.close()
                continue
            if self._current is not None:
                self._current.retired = True
                self._close_when_idle(self._current)
            self._current = fresh
            return fresh
        raise WarehouseUnavailableError("The warehouse is being republished; try again.")

    def pin(self) -> PinnedSnapshot:
        """The newest snapshot, held open for every query until `close()`.

        Everything one request reads goes through one pin, so a publication in the middle
        of a request cannot give it half of each snapshot.
        """
        with self._lock:
            snapshot = self._newest()
            snapshot.users += 1
        return PinnedSnapshot(self, snapshot)

    def _release(self, snapshot: _Snapshot) -> None:
        with self._lock:
            snapshot.users -= 1
            self._close_when_idle(snapshot)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the newest snapshot, private to the calling thread."""
        with self.pin() as pinned, pinned.cursor() as cursor:
            yield cursor

    def query(self, name: str, /, **params: object) -> pl.DataFrame:
        """Run `sql/dashboard/<name>.sql` on the newest snapshot; the result as Polars."""
        read_query(name, self._queries)  # a name that is not a query fails before any I/O
        with self.pin() as pinned:
            return pinned.query(name, **params)

    def built_at(self) -> datetime:
        """When the newest snapshot was published (UTC)."""
        with self.pin() as pinned:
            return pinned.built_at()

    def close(self) -> None:
        """Close the current snapshot once its running requests finish."""
        with self._lock:
            if self._current is not None:
                self._current.retired = True
                self._close_when_idle(self._current)
                self._current = None


class PinnedSnapshot:
    """One published snapshot held open: every query reads it, whatever is published since.

    Its `identity` keys the caches of what is computed from it (dashboards/marts).
    """

    def __init__(self, warehouse: Warehouse, snapshot: _Snapshot) -> None:
        self._warehouse = warehouse
        self._snapshot = snapshot
        self._released = False

    @property
    def identity(self) -> FileIdentity:
        return self._snapshot.identity

    @property
    def path(self) -> Path:
        """The published file this snapshot was opened from."""
        return self._warehouse.path

    def __enter__(self) -> PinnedSnapshot:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to this snapshot, private to the calling thread."""
        if self._released:
            raise WarehouseUnavailableError("This snapshot was released; open a new one.")
        cursor = self._snapshot.connection.cursor()
        try:
            cursor.execute("USE warehouse")
            yield cursor
        finally:
            cursor.close()

    def query(self, name: str, /, **params: object) -> pl.DataFrame:
        """Run `sql/dashboard/<name>.sql` with `$name` parameters; the result as Polars."""
        sql = read_query(name, self._warehouse._queries)
        with self.cursor() as cursor:
            try:
                return cursor.sql(sql, params=params or None).pl()
            except duckdb.CatalogException as exc:
                raise MartMissingError(
                    f"The published warehouse lacks a table that query {name!r} reads "
                    f"({str(exc).splitlines()[0]}). It appears after a pipeline run that "
                    "builds it."
                ) from exc

    def built_at(self) -> datetime:
        """When this snapshot was published (UTC), from `meta_publication`.

        A warehouse published before that table existed falls back to the file's
        modification time, which the atomic copy-and-rename sets at publication.
        """
        try:
            frame = self.query("publication")
        except MartMissingError:
            return datetime.fromtimestamp(self.identity.mtime_ns / 1e9, tz=UTC)
        if frame.is_empty() or frame["published_at"][0] is None:
            raise WarehouseUnavailableError("meta_publication has no publication time")
        published: datetime = frame["published_at"][0]
        if published.tzinfo is None:
            return published.replace(tzinfo=UTC)
        return published.astimezone(UTC)

    def close(self) -> None:
        """Let the snapshot be closed once no request uses it (idempotent)."""
        if not self._released:
            self._released = True
            self._warehouse._release(self._snapshot)
