"""The published warehouse documents itself: a researcher reads what every table and
column holds with `duckdb_tables()` and `duckdb_columns()`, without the source code."""

import re

import duckdb
import pytest

from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


@pytest.fixture(scope="module")
def published(demo_build):
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        yield con


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_every_published_table_and_view_has_a_comment(published):
    relations = published.execute(
        """SELECT table_name, comment FROM duckdb_tables()
           WHERE database_name = current_database() AND schema_name = 'main'
           UNION ALL
           SELECT view_name, comment FROM duckdb_views()
           WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal"""
    ).fetchall()
    assert len(relations) > 50
    assert [name for name, comment in relations if not (comment or "").strip()] == []


def test_every_published_column_has_a_comment_that_is_more_than_its_name(published):
    columns = published.execute(
        """SELECT table_name, column_name, comment FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name = 'main'"""
    ).fetchall()
    assert len(columns) > 900
    undocumented = [f"{t}.{c}" for t, c, comment in columns if not (comment or "").strip()]
    assert undocumented == []
    name_only = [f"{t}.{c}" for t, c, comment in columns if _words(comment) == _words(c)]
    assert name_only == []
