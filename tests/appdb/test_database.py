"""Where the application database lives, and that its migrations build what the code uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from appdb.database import (
    URL_VARIABLE,
    AppDatabase,
    AppDatabaseError,
    database_url,
    default_url,
)
from appdb.schema import metadata


def test_sqlite_in_the_data_directory_unless_a_url_is_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path}/app/observatory-app.sqlite3"
    assert "warehouse" not in database_url(tmp_path)  # never the DuckDB warehouse
    monkeypatch.setenv(URL_VARIABLE, "postgresql+psycopg://observatory@db/app")
    assert database_url(tmp_path) == "postgresql+psycopg://observatory@db/app"
    monkeypatch.setenv(URL_VARIABLE, "  ")
    assert database_url(tmp_path) == default_url(tmp_path)


def test_migrations_build_the_schema_the_code_uses(database: AppDatabase) -> None:
    with database.engine.connect() as connection:
        migration = MigrationContext.configure(connection)
        differences = compare_metadata(migration, metadata)
        version = migration.get_current_revision()
    assert differences == []
    assert version == "0002"


def test_upgrading_twice_changes_nothing(database: AppDatabase) -> None:
    database.upgrade()
    tables = set(sa.inspect(database.engine).get_table_names())
    assert tables == {
        "alembic_version",
        "sessions",
        "login_attempts",
        "safety_review_items",
        "safety_review_signals",
        "safety_review_audit",
    }


def test_the_default_database_is_a_file_in_the_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    database = AppDatabase.from_data_dir(tmp_path)
    database.upgrade()
    database.dispose()
    assert (tmp_path / "app" / "observatory-app.sqlite3").is_file()


def test_an_unreachable_database_is_one_plain_sentence(tmp_path: Path, postgres_server) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with pytest.raises(AppDatabaseError, match="cannot be opened or updated"):
        AppDatabase(f"sqlite:///{blocked}/app.sqlite3").upgrade()
    no_server = f"postgresql+psycopg://postgres:secret@127.0.0.1:{postgres_server.port + 1}/x"
    with pytest.raises(AppDatabaseError, match="cannot be opened or updated") as refused:
        AppDatabase(no_server).upgrade()
    assert "secret" not in str(refused.value)  # the password is never printed
