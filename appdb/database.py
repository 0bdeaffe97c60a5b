"""Where the application database is, how to connect to it, and bringing it up to date.

Statements are built with SQLAlchemy Core expressions from the tables in `appdb.schema`
(never SQL text), so one code path serves SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from pipelines.settings import APP_DATABASE_URL_ENV, Environment, reveal

URL_VARIABLE = APP_DATABASE_URL_ENV
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Seconds a SQLite writer waits for another process's transaction before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5_000


class AppDatabaseError(RuntimeError):
    """The application database cannot be reached or brought up to date."""


def default_url(data_dir: Path) -> str:
    """SQLite in `<data>/app/observatory-app.sqlite3`, beside (not inside) the warehouse."""
    return f"sqlite:///{Path(data_dir) / 'app' / 'observatory-app.sqlite3'}"


def database_url(data_dir: Path) -> str:
    """`ICBT_APP_DATABASE_URL` when set (e.g. `postgresql+psycopg://...`), else SQLite."""
    return reveal(Environment.read().app_database_url) or default_url(data_dir)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets the dashboard read while `icbt user remove` writes; waits instead of failing."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class AppDatabase:
    """One engine per process over the configured URL."""

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        if self.url.get_backend_name() == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> AppDatabase:
        return cls(database_url(data_dir))

    def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied (a no-op when up to date)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            if self.url.get_backend_name() == "sqlite" and self.url.database:
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except (OSError, sa.exc.OperationalError) as exc:
            reason = exc.orig if isinstance(exc, sa.exc.OperationalError) else exc.strerror
            raise AppDatabaseError(
                f"The application database at {self.url.render_as_string(hide_password=True)} "
                f"cannot be opened or updated: {reason}."
            ) from exc

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A connection in a transaction, committed on success, rolled back on error."""
        with self.engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
