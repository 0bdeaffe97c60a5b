"""The application database: what people write while using the observatory.

The published DuckDB warehouse is read-only by design and rebuilt by every run, so
anything a person creates (sign-in sessions, the sign-in attempts that throttling counts,
and later the safety-review decisions of the signal register) lives in a separate,
transactional store: SQLite in the data directory by default, PostgreSQL when
`ICBT_APP_DATABASE_URL` names one. Both are reached through SQLAlchemy Core, and the
schema is created and changed only by the Alembic migrations in `appdb/migrations/`.

It is a package of its own, beside `pipelines/` and `dashboards/`, because both sides
use it: the dashboard writes to it, and the pipeline will publish its decisions to
researchers.
"""
