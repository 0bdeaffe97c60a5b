"""An application database for each test, in SQLite and in PostgreSQL.

Every test that takes `database` runs twice: against SQLite in the test's own data
directory (the default deployment) and against a PostgreSQL server this suite starts
from Debian's package (`make postgres` installs it, as `make browser` installs
Chromium). A missing PostgreSQL fails the tests; it never skips them. The server runs
as the `postgres` user when the suite runs as root (initdb refuses root), in a folder
that user can reach, on a free port of 127.0.0.1, and each test gets a new database.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from appdb.database import AppDatabase

POSTGRES_ROOT = Path("/usr/lib/postgresql")
_database_numbers = itertools.count()


class Clock:
    """A clock the test moves by hand, so expiry and back-off are exact, not slept."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class PostgresServer:
    bin_dir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"icbt_app_{os.getpid()}_{next(_database_numbers)}"
        createdb = str(self.bin_dir / "createdb")
        subprocess.run(
            [createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            capture_output=True,
        )
        return name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Debian's PostgreSQL, started for this test session and stopped after it."""
    initdbs = sorted(POSTGRES_ROOT.glob("*/bin/initdb"))
    if not initdbs:
        pytest.fail("Debian's PostgreSQL is missing: run `make postgres`", pytrace=False)
    bin_dir = initdbs[-1].parent
    base = Path(tempfile.mkdtemp(prefix="icbt-postgres-"))
    run_as: tuple[str, ...] = ()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        run_as = ("runuser", "-u", "postgres", "--")
    data, log, port = base / "data", base / "server.log", _free_port()

    def run(*command: str) -> None:
        subprocess.run([*run_as, *command], check=True, capture_output=True)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
    try:
        yield PostgresServer(bin_dir, port)
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AppDatabase]:
    """A migrated application database of each kind the observatory supports."""
    if request.param == "sqlite":
        database = AppDatabase.from_data_dir(tmp_path / "data")
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        database = AppDatabase(server.url(server.create_database()))
    database.upgrade()
    yield database
    database.dispose()
