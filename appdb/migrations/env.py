"""Alembic's environment: migrations run on the connection `AppDatabase.upgrade` passes in.

There is no alembic.ini: the database URL comes from the observatory's settings
(`appdb.database.database_url`), never from a file in the repository. New revisions are
written with `alembic revision` against a Config built the same way.
"""

from __future__ import annotations

from alembic import context

from appdb.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters tables by copying them; batch mode lets one migration serve both.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
