"""Fixtures for the dashboard tests: the real demo warehouse, live servers and a browser.

The warehouse is the one the pipeline publishes: `demo_build` (tests/conftest.py)
generates the seeded demo data and runs the real Dagster job, so every mart, name and
count the dashboard reads is what an operator would see (fictional archetype programs,
two tiny in-development pilots, ICBT15 and ICBT16). Tests that use it carry
`needs_demo_build`, which keeps them on the xdist worker that builds it.

The app runs in a subprocess (`icbt serve`) on a free port: Dash Pages keeps
page callbacks in process-wide state, so one server per process is the honest setup, and
it is the same entry point an operator runs. `live_server` has sign-in on, with an
analyst and a viewer; `demo_server` is `--demo` (no sign-in) over a data directory with
no warehouse yet. The browser is Debian's Chromium driven by Playwright; never
`playwright install`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from dashboards.auth import UserStore
from dashboards.data import Warehouse
from dashboards.marts import Marts, SuppressedMarts
from dashboards.snapshot import SNAPSHOT_COLUMN, stamp_download
from dashboards.suppression import SuppressionRules, load_rules
from pipelines.paths import PROJECT_ROOT
from tests.conftest import DemoBuild

# The command an operator runs, from the interpreter's own environment.
ICBT = str(Path(sys.executable).with_name("icbt"))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Pages redraw through server callbacks; on a busy two-core machine that can take seconds.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password: str


ANALYST = Account("ana", "analyst", "correct horse battery staple")
VIEWER = Account("vic", "viewer", "viewer password for tests")


@pytest.fixture(scope="session")
def marts(demo_build: DemoBuild) -> Iterator[Marts]:
    """The demo warehouse's marts, suppressed exactly as the dashboard does (one snapshot,
    held for the session: the tests never republish it)."""
    store = SuppressedMarts(Warehouse(demo_build.settings.published_database), load_rules())
    snapshot = store.snapshot()
    yield snapshot
    snapshot.close()


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dashboard-users") / "users.yaml"
    store = UserStore(path)
    for account in (ANALYST, VIEWER):
        store.add(account.name, account.role, account.password)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path


def _wait_until_serving(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dashboard exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):
                return
        except urllib.error.HTTPError:
            return  # 503: serving, but no warehouse, which some tests want
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dashboard did not start within {timeout} s")


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Start `icbt serve` for a data directory; all are stopped at the end.

    Each server's log (it logs every request) goes to a file: an unread pipe would fill
    and stall the server mid-suite.
    """
    processes: list[subprocess.Popen[bytes]] = []
    logs = tmp_path_factory.mktemp("dashboard-logs")

    def start(data_dir: Path, *, users: Path | None = None, demo: bool = False) -> LiveServer:
        port = _free_port()
        log = logs / f"dashboard-{port}.log"
        env = {
            **os.environ,
            "ICBT_DATA_DIR": str(data_dir),
            "ICBT_DUCKDB_THREADS": "1",
            "ICBT_DUCKDB_MEMORY_LIMIT": "1GB",
            "ICBT_DASHBOARD_AUTH": "on",
            "ICBT_DASHBOARD_USERS": str(users or data_dir / "no-users.yaml"),
        }
        command = [ICBT, "serve", "--host", "127.0.0.1", "--port", str(port)]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*command, *(["--demo"] if demo else [])],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url, process, log, timeout=30)
        return LiveServer(url, data_dir)

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(start_server, demo_build: DemoBuild, users_file: Path) -> LiveServer:
    """Sign-in on, over the demo warehouse."""
    return start_server(demo_build.settings.data_dir, users=users_file)


@pytest.fixture(scope="session")
def demo_server(start_server, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """Demo mode (no sign-in) over a data directory with no published warehouse."""
    return start_server(tmp_path_factory.mktemp("unpublished"), demo=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # `make test` installs it (make browser); a missing browser is a failed set-up,
        # never a silently skipped page.
        pytest.fail("Debian's Chromium is missing: run `make browser`", pytrace=False)
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


def _record(context: BrowserContext) -> BrowserPage:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
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
    return record


def sign_in(page: Page, base_url: str, account: Account, path: str = "/") -> None:
    """Fill in the sign-in form the way a person does."""
    page.goto(f"{base_url}{path}")
    page.get_by_label("User name").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="session")
def analyst_state(browser: Browser, live_server: LiveServer) -> dict:
    """An analyst's signed-in cookies, made once through the real sign-in form."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, ANALYST)
    page.wait_for_url(f"{live_server.url}/")
    state = context.storage_state()
    context.close()
    return state


def _context(browser: Browser, state: dict | None = None) -> BrowserContext:
    return browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 900}, storage_state=state
    )


@pytest.fixture
def browser_page(browser: Browser, analyst_state: dict) -> Iterator[BrowserPage]:
    """A new context signed in as an analyst: downloads allowed, errors kept."""
    context = _context(browser, analyst_state)
    yield _record(context)
    context.close()


@pytest.fixture
def anonymous_page(browser: Browser) -> Iterator[BrowserPage]:
    """A new context with no session."""
    context = _context(browser)
    yield _record(context)
    context.close()


@pytest.fixture
def page(browser_page: BrowserPage) -> Iterator[Page]:
    """The analyst's tab; fails the test on console errors or requests leaving the host."""
    yield browser_page.page
    assert browser_page.console_errors == []
    assert browser_page.foreign_requests == []


def table_rows(page: Page, container: str) -> list[dict[str, str]]:
    """The table inside `container` (a CSS selector) as one dict per row, by header."""
    return page.eval_on_selector(
        f"{container} table",
        """table => {
            const headers = [...table.querySelectorAll("thead th")].map(th => th.textContent);
            return [...table.querySelectorAll("tbody tr")].map(tr => Object.fromEntries(
                [...tr.children].map((cell, i) => [headers[i], cell.textContent])));
        }""",
    )


def csv_rows(path: str | Path) -> pl.DataFrame:
    """A downloaded CSV, every column as text (suppression labels stay as written)."""
    return pl.read_csv(path, infer_schema=False)


def stamped_name(filename: str, marts: Marts) -> str:
    """A chart's CSV file name as downloaded: with the published snapshot's id."""
    return stamp_download(pl.DataFrame(), filename, marts.snapshot_id())[1]


def stamped_csv(frame: pl.DataFrame, marts: Marts) -> str:
    """A chart's CSV text as downloaded: a first column naming the published snapshot."""
    return stamp_download(frame, "", marts.snapshot_id())[0].write_csv()


def downloaded_rows(path: str | Path, marts: Marts) -> pl.DataFrame:
    """A chart's downloaded CSV without its snapshot column, once every row is seen to name
    the published snapshot."""
    rows = csv_rows(path)
    assert rows.columns[0] == SNAPSHOT_COLUMN
    assert rows[SNAPSHOT_COLUMN].to_list() == [marts.snapshot_id()] * rows.height
    return rows.drop(SNAPSHOT_COLUMN)


def shown_rows(
    module: ModuleType,
    data: pl.DataFrame,
    rules: SuppressionRules,
    headers: Mapping[str, str] | None = None,
) -> list[dict]:
    """The chart's numbers table as the page renders it: one dict per row, by header
    (`headers` where the chart's data name them, as `ChartData.headers`)."""
    frame = module.table_frame(data, rules)
    headers = headers or module.TABLE_HEADERS
    return [
        {headers[c]: "" if v is None else str(v) for c, v in row.items()}
        for row in frame.iter_rows(named=True)
    ]


def small_counts(csv: pl.DataFrame, columns: tuple[str, ...], rules: SuppressionRules) -> list:
    """Counts from 1 to threshold - 1 written as numbers: what suppression must prevent."""
    markers = {None, rules.small_label, rules.suppressed_label}
    values = [v for c in columns for v in csv[c].to_list() if v not in markers]
    return [v for v in values if 0 < float(v) < rules.threshold]


FORBIDDEN_DOCUMENT = (
    "Failed to load resource: the server responded with a status of 403 (FORBIDDEN)"
)


def expect_refused(browser_page: BrowserPage, url: str) -> None:
    """Open an analysts-only page as a viewer: the refusal page, and in the console only
    the browser's own report of that 403 (no earlier error either)."""
    assert browser_page.console_errors == []
    browser_page.page.goto(url)
    expect(browser_page.page.get_by_role("heading", level=1)).to_have_text(
        "This page is not available to your role"
    )
    assert browser_page.console_errors == [FORBIDDEN_DOCUMENT]
