"""The safety review in a real browser: an analyst works the queue (validates, then
confirms a risk with its action), a stale edit is refused naming who came first, and a
viewer sees the confirmed risk but can neither open the queue nor call its write callback.

The server runs over a copy of the demo build's published warehouse and application
database (where the build's run opened the review items), so the decisions made here do
not reach the shared server the other page tests read.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from appdb.database import AppDatabase
from appdb.reviews import ReviewStore
from dashboards.ids import Id
from dashboards.review_queue import waiting_items
from pipelines.safety.review import State
from tests.conftest import DemoBuild, needs_demo_build
from tests.dashboards.conftest import ANALYST, VIEWER, LiveServer, sign_in
from tests.dashboards.test_sign_in import dash_output, post

pytestmark = [pytest.mark.browser, needs_demo_build]

ACTION = "Audit the crisis pathway of this program within 30 days."


@pytest.fixture(scope="module")
def review_server(
    start_server, demo_build: DemoBuild, users_file: Path, tmp_path_factory
) -> LiveServer:
    source = demo_build.settings.data_dir
    data = tmp_path_factory.mktemp("review-server") / "data"
    (data / "warehouse").mkdir(parents=True)
    shutil.copyfile(
        source / "warehouse" / "observatory.duckdb", data / "warehouse" / "observatory.duckdb"
    )
    (data / "app").mkdir()
    for file in (source / "app").glob("observatory-app.sqlite3*"):
        shutil.copyfile(file, data / "app" / file.name)
    return start_server(data, users=users_file)


@pytest.fixture
def store(review_server: LiveServer) -> Iterator[ReviewStore]:
    database = AppDatabase.from_data_dir(review_server.data_dir)
    yield ReviewStore(database)
    database.dispose()


def save(page: Page, state: str, rationale: str, action: str = "") -> None:
    page.select_option(f"#{Id.SAFETY_REVIEW_STATE}", label=state)
    page.fill(f"#{Id.SAFETY_REVIEW_RATIONALE}", rationale)
    page.fill(f"#{Id.SAFETY_REVIEW_ACTION}", action)
    page.get_by_role("button", name="Save decision").click()


def offered(page: Page, state: str) -> None:
    """Wait until the form offers `state` (the queue redrew after the last save)."""
    expect(page.locator(f"#{Id.SAFETY_REVIEW_STATE} option", has_text=state)).to_have_count(1)


def save_callback_body() -> dict:
    outputs = [
        {"id": Id.SAFETY_REVIEW_MESSAGE, "property": "children"},
        {"id": Id.SAFETY_REVIEW_QUEUE, "property": "children"},
        {"id": Id.SAFETY_REVIEW_VERSIONS, "property": "data"},
        {"id": Id.SAFETY_REVIEW_ITEM, "property": "options"},
    ]
    return {
        "output": dash_output(outputs),
        "outputs": outputs,
        "inputs": [{"id": Id.SAFETY_REVIEW_SAVE, "property": "n_clicks", "value": 1}],
        "state": [
            {"id": Id.SAFETY_REVIEW_ITEM, "property": "value", "value": "1"},
            {"id": Id.SAFETY_REVIEW_STATE, "property": "value", "value": "under_validation"},
            {"id": Id.SAFETY_REVIEW_ASSIGNEE, "property": "value", "value": VIEWER.name},
            {"id": Id.SAFETY_REVIEW_RATIONALE, "property": "value", "value": "mine now"},
            {"id": Id.SAFETY_REVIEW_ACTION, "property": "value", "value": None},
            {"id": Id.SAFETY_REVIEW_VERSIONS, "property": "data", "value": {"1": 1}},
        ],
        "changedPropIds": [f"{Id.SAFETY_REVIEW_SAVE}.n_clicks"],
    }


def test_an_analyst_confirms_a_risk_and_a_viewer_only_sees_it(
    browser, review_server: LiveServer, store: ReviewStore
) -> None:
    url = review_server.url
    waiting = waiting_items(store.items())
    assert waiting > 0, "the demo build's run opened review items"

    analyst = browser.new_context(viewport={"width": 1280, "height": 900})
    page = analyst.new_page()
    sign_in(page, url, ANALYST)
    expect(page.locator(f"#{Id.OVERVIEW_REVIEW_WAITING}")).to_contain_text(
        f"{waiting} safety review items wait for review."
    )
    page.goto(f"{url}/safety")
    expect(page.locator(f"#{Id.SAFETY_REVIEW_QUEUE} table")).to_be_attached()
    item_id = int(page.locator(f"#{Id.SAFETY_REVIEW_ITEM}").input_value())
    first_row = page.locator(f"#{Id.SAFETY_REVIEW_QUEUE} tbody tr").first
    expect(first_row.locator("th")).to_have_text(f"#{item_id}")  # highest priority first
    page.select_option(f"#{Id.SAFETY_REVIEW_ASSIGNEE}", ANALYST.name)
    steps = [
        ("Under validation", "Validated", ""),
        ("Validated", "Under assessment", ""),
        ("Under assessment", "Confirmed risk", ""),
        ("Confirmed risk", "Closed", ACTION),
    ]
    for state, following, action in steps:
        save(page, state, f"{state}: funnel and CUSUM agree; case mix checked.", action)
        expect(page.locator(f"#{Id.SAFETY_REVIEW_MESSAGE}")).to_have_text(
            f"Saved: item #{item_id} is now {state.lower()}."
        )
        offered(page, following)

    item = store.item(item_id)
    assert item.state is State.CONFIRMED_RISK and item.action == ACTION
    assert item.assignee == ANALYST.name and item.evidence_snapshot_id
    assert set(item.evidence or {}) == {s.signal_id for s in item.signals}
    trail = store.audit(item_id)
    assert [e.to_state for e in trail][-4:] == [
        State.UNDER_VALIDATION,
        State.VALIDATED,
        State.UNDER_ASSESSMENT,
        State.CONFIRMED_RISK,
    ]
    assert {e.changed_by for e in trail[-4:]} == {ANALYST.name}

    # Another analyst takes the next item while this page still shows its old version.
    other = next(i for i in store.items() if i.state is State.NEW)
    page.select_option(f"#{Id.SAFETY_REVIEW_ITEM}", str(other.item_id))
    offered(page, "Under validation")
    store.transition(
        other.item_id,
        seen_version=other.version,
        target=State.UNDER_VALIDATION,
        actor="bob",
        rationale="Taking it",
    )
    save(page, "Under validation", "I take it too")
    expect(page.locator(f"#{Id.SAFETY_REVIEW_MESSAGE}")).to_contain_text(
        re.compile(rf"Review item {other.item_id} was changed by bob .* not saved")
    )
    assert [e.changed_by for e in store.audit(other.item_id)][-1] == "bob"
    analyst.close()

    viewer = browser.new_context(viewport={"width": 1280, "height": 900})
    page = viewer.new_page()
    sign_in(page, url, VIEWER)
    page.goto(f"{url}/confirmed-risks")
    expect(page.locator(f"#{Id.RISKS_TABLE} table")).to_contain_text(ACTION)
    expect(page.locator(f"#{Id.SAFETY_REVIEW_SAVE}")).to_have_count(0)
    page.goto(f"{url}/safety")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This page is not available to your role"
    )
    status, text = post(viewer, url, save_callback_body())
    assert status == 403 and "Saved" not in text
    assert store.item(1).updated_by != VIEWER.name
    assert VIEWER.name not in {e.changed_by for e in store.audit()}
    viewer.close()
