"""Fixtures for the dashboard tests: a published warehouse, a live server and a browser.

The tests publish their own warehouse the way the pipeline does: write a complete DuckDB
file beside the target, then rename it over the published path. The tables are built by
the pipeline's own model files (sql/marts, sql/reference) from rows given here, so the
schema the dashboard reads is the real one. Six programs cover every delivery mode, one
program with 3 paired episodes (suppressed) and one with none.

The app runs in a subprocess (`python -m dashboards`) on a free port: Dash Pages keeps
page callbacks in process-wide state, so one server per process is the honest setup, and
it is the same entry point an operator runs. The browser is Debian's Chromium driven by
Playwright; never `playwright install`.
"""

from __future__ import annotations

import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from pipelines.paths import PROJECT_ROOT, resource_dir
from pipelines.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PUBLISHED_AT = datetime(2026, 11, 25, 6, 30)

# program_id, program_name, delivery_mode, province, n_baseline, n_paired
PROGRAMS = [
    ("BCSELF", "Pain Self-Help Online BC", "self_guided", "BC", 412, 248),
    ("ONGUIDE", "Guided Pain Course Ontario", "guided_asynchronous", "ON", 305, 221),
    ("SKGUIDE", "Online Pain Course Saskatchewan", "guided_asynchronous", "SK", 188, 139),
    ("MBCLINIC", "Winnipeg Pain Clinic CBT Group", "in_person", "MB", 64, 41),
    ("QCPILOT", "Programme pilote douleur Québec", "guided_asynchronous", "QC", 11, 3),
    ("ABLIVE", "Alberta Live Pain Therapy", "therapist_realtime", "AB", 7, 0),
]


@dataclass(frozen=True)
class Outcome:
    instrument: str
    scale: str
    label: str
    higher_is_better: bool
    change_outcome: bool
    baseline_mean: float
    baseline_sd: float
    change_by_mode: dict[str, float]


def _changes(self_guided: float, guided: float, realtime: float, in_person: float) -> dict:
    return {
        "self_guided": self_guided,
        "guided_asynchronous": guided,
        "therapist_realtime": realtime,
        "in_person": in_person,
    }


OUTCOMES = [
    Outcome(
        "BPI_SF",
        "interference",
        "BPI pain interference",
        False,
        True,
        6.2,
        2.0,
        _changes(-0.9, -1.4, -1.5, -1.6),
    ),
    Outcome(
        "PHQ9",
        "total",
        "PHQ-9 depression",
        False,
        True,
        12.5,
        5.5,
        _changes(-2.6, -4.1, -3.9, -3.8),
    ),
    Outcome(
        "GAD7", "total", "GAD-7 anxiety", False, True, 10.1, 5.0, _changes(-2.0, -3.3, -3.1, -3.0)
    ),
    Outcome(
        "PSEQ",
        "total",
        "PSEQ pain self-efficacy",
        True,
        True,
        24.0,
        11.0,
        _changes(5.0, 8.1, 7.5, 7.2),
    ),
    # A process measure: in the mart, but not offered as an outcome.
    Outcome(
        "WAI_SR",
        "total",
        "WAI-SR working alliance",
        True,
        False,
        3.6,
        0.7,
        _changes(0.1, 0.2, 0.2, 0.3),
    ),
]

# The Québec pilot has 6 paired GAD-7 episodes: above the threshold for that outcome.
PAIRED_OVERRIDES = {("QCPILOT", "GAD7"): 6}
# Follow-up rows exist in the mart too; the post-treatment chart must ignore them.
FOLLOW_UP_PAIRED = {"BCSELF": 150, "ONGUIDE": 2}


def _row(program: tuple, outcome: Outcome, index: int, timepoint: str, n_paired: int) -> dict:
    pid, name, mode, province, n_baseline, _ = program
    jitter = (index - 2.5) * 0.07 * outcome.baseline_sd
    baseline = outcome.baseline_mean + jitter
    change = outcome.change_by_mode[mode] + jitter if n_paired else None
    change_sd = 0.8 * outcome.baseline_sd
    half = 2.0 * change_sd / math.sqrt(n_paired) if n_paired else None
    return {
        "program_id": pid,
        "program_name": name,
        "delivery_mode": mode,
        "province": province,
        "instrument": outcome.instrument,
        "scale": outcome.scale,
        "outcome_label": outcome.label,
        "higher_is_better": outcome.higher_is_better,
        "timepoint": timepoint,
        "n_baseline": n_baseline,
        "baseline_mean": baseline,
        "baseline_sd": outcome.baseline_sd,
        "n_paired": n_paired,
        "score_mean": baseline + change if n_paired else None,
        "score_sd": outcome.baseline_sd * 1.05 if n_paired else None,
        "mean_change": change,
        "change_sd": change_sd if n_paired else None,
        "change_ci_low": change - half if n_paired else None,
        "change_ci_high": change + half if n_paired else None,
        "percent_change": 100 * change / baseline if n_paired else None,
    }


def program_outcomes_rows() -> pl.DataFrame:
    """mart_program_outcomes rows as the pipeline publishes them, with plausible numbers."""
    rows = []
    for index, program in enumerate(PROGRAMS):
        for outcome in OUTCOMES:
            paired = PAIRED_OVERRIDES.get((program[0], outcome.instrument), program[5])
            rows.append(_row(program, outcome, index, "post_treatment", paired))
            if program[0] in FOLLOW_UP_PAIRED:
                follow_up = FOLLOW_UP_PAIRED[program[0]]
                rows.append(_row(program, outcome, index, "follow_up", follow_up))
    return pl.DataFrame(rows, schema_overrides={"n_baseline": pl.Int64, "n_paired": pl.Int64})


def scales_rows() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "instrument": o.instrument,
                "scale": o.scale,
                "outcome_label": o.label,
                "higher_is_better": o.higher_is_better,
                "is_change_outcome": o.change_outcome,
            }
            for o in OUTCOMES
        ]
    )


def run_model(con: duckdb.DuckDBPyConnection, model: str, rows: pl.DataFrame) -> None:
    """Build a table with the pipeline's own model file, so the schema is the real one.

    Model files select from `source_frame`; columns the rows do not have are null.
    """
    sql = (resource_dir("sql") / model).read_text()
    missing = [c for c in re.findall(r"CAST\((\w+) AS", sql) if c not in rows.columns]
    con.register("source_frame", rows.with_columns(pl.lit(None).alias(c) for c in missing))
    try:
        con.execute(sql)
    finally:
        con.unregister("source_frame")


def publish_warehouse(
    path: Path, mart: pl.DataFrame | None, *, published_at: datetime | None = PUBLISHED_AT
) -> None:
    """Write a complete warehouse beside `path` and rename it into place, like the pipeline.

    `mart=None` leaves the mart out; `published_at=None` leaves out `meta_publication`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.unlink(missing_ok=True)
    con = duckdb.connect(str(staging))
    try:
        if published_at is not None:
            con.execute(
                "CREATE TABLE meta_publication AS SELECT CAST($published_at AS TIMESTAMP) "
                "AS published_at, 'test-run' AS run_id",
                {"published_at": published_at},
            )
        run_model(con, "reference/ref_scales.sql", scales_rows())
        if mart is not None:
            run_model(con, "marts/mart_program_outcomes.sql", mart)
    finally:
        con.close()
    os.replace(staging, path)


@pytest.fixture(scope="session")
def program_outcomes() -> pl.DataFrame:
    return program_outcomes_rows()


@pytest.fixture(scope="session")
def publish() -> Callable[..., None]:
    """`publish_warehouse`, for tests that build their own snapshots."""
    return publish_warehouse


@pytest.fixture(scope="session")
def published_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose published warehouse holds mart_program_outcomes."""
    data_dir = tmp_path_factory.mktemp("published")
    settings = replace(Settings.from_env(), data_dir=data_dir)
    publish_warehouse(settings.published_database, program_outcomes_rows())
    return data_dir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dashboard exited early:\n{process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):
                return
        except urllib.error.HTTPError:
            return  # 503: serving, but no warehouse, which some tests want
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dashboard did not start within {timeout} s")


@pytest.fixture(scope="session")
def start_server() -> Iterator:
    """Start `python -m dashboards` for a data directory; all are stopped at the end."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(data_dir: Path) -> LiveServer:
        port = _free_port()
        env = {
            **os.environ,
            "ICBT_DATA_DIR": str(data_dir),
            "ICBT_DUCKDB_THREADS": "1",
            "ICBT_DUCKDB_MEMORY_LIMIT": "1GB",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "dashboards", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url, process, timeout=30)
        return LiveServer(url, data_dir)

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(start_server, published_data_dir: Path) -> LiveServer:
    return start_server(published_data_dir)


@pytest.fixture(scope="session")
def empty_server(start_server, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """A server whose data directory has no published warehouse."""
    return start_server(tmp_path_factory.mktemp("unpublished"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A fresh page plus everything that went wrong on it."""

    page: Page
    console_errors: list[str]
    foreign_requests: list[str]


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[BrowserPage]:
    """A new browser context per test: downloads allowed, errors and off-site requests kept."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    record = BrowserPage(page, [], [])
    page.on(
        "console",
        lambda message: (
            record.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: record.console_errors.append(str(error)))
    page.on(
        "request",
        lambda req: (
            record.foreign_requests.append(req.url)
            if not req.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
            else None
        ),
    )
    yield record
    context.close()
