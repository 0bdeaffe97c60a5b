"""The safety review queue: what analysts decide about signals, and what viewers may see.

Review items live in the application database (`appdb.reviews`); their signals' evidence
in the published register. The queue joins the two at request time, so a decision shows
at once, and orders open items by the documented priority (pipelines.safety.review),
with its components beside it. Evidence counts follow small-count suppression: when the
signal an item's excess comes from observed 1 to 4 events, its excess, ratio and score
are shown as the small-count label (the order still uses them). Viewers see confirmed
risks and their actions only (`confirmed_frame`); the state-change callback is refused
to them by the sign-in gate (`ids.ANALYST_ONLY`) and again here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import dash_bootstrap_components as dbc
import flask
import polars as pl
from dash import dcc, html

from appdb.database import AppDatabase
from appdb.reviews import ReviewItem, ReviewStore
from dashboards.components import data_table
from dashboards.ids import Id
from dashboards.suppression import SuppressionRules
from pipelines.safety.review import (
    DECIDED,
    STATE_LABELS,
    TRANSITIONS,
    ReviewRules,
    SignalEvidence,
    State,
    is_overdue,
    priority,
)
from pipelines.settings import Settings

_EXTENSION = "icbt_reviews"
WAITING = frozenset(State) - DECIDED - {State.CONFIRMED_RISK}
CONFIRMED = (State.CONFIRMED_RISK, State.CLOSED)

QUEUE_HEADERS = {
    "item": "Item",
    "program": "Program",
    "state": "State",
    "signals": "Signals",
    "score": "Priority",
    "severity_weight": "Severity weight",
    "excess": "Excess events",
    "ratio": "Observed/expected",
    "months_open": "Months open",
    "decision_weight": "Decision weight",
    "assignee": "Assignee",
    "flags": "Flags",
}
QUEUE_NUMERIC = frozenset(
    {"score", "severity_weight", "excess", "ratio", "months_open", "decision_weight"}
)
CONFIRMED_HEADERS = {
    "program": "Program",
    "indicators": "Indicators",
    "state": "Status",
    "action": "Action",
    "decided": "Decided",
}


def install(server: flask.Flask, settings: Settings) -> None:
    """The review store over the application database (migrated), for this app."""
    database = AppDatabase.from_data_dir(settings.data_dir)
    database.upgrade()
    server.extensions[_EXTENSION] = ReviewStore(database)


def current_store() -> ReviewStore:
    return flask.current_app.extensions[_EXTENSION]


def evidence_by_signal(register: pl.DataFrame) -> dict[str, SignalEvidence]:
    """The unsuppressed register as the priority reads it (never shown as such)."""
    return {
        row["signal_id"]: SignalEvidence.from_register(row)
        for row in register.iter_rows(named=True)
    }


def _number(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:,.{decimals}f}"


def queue_frame(
    items: Sequence[ReviewItem],
    register: pl.DataFrame,
    names: dict[str, str],
    review_rules: ReviewRules,
    suppression: SuppressionRules,
    now: datetime,
) -> pl.DataFrame:
    """Open review items (not refuted or closed), highest priority first, as text."""
    evidence = evidence_by_signal(register)
    latest = register["as_of_month"].max() if register.height else None
    as_of = latest if isinstance(latest, date) else now.date()
    rows = []
    for item in items:
        if item.state in DECIDED:
            continue
        signals = [evidence[s.signal_id] for s in item.signals if s.signal_id in evidence]
        score = priority(item.state, signals, as_of, review_rules)
        live = [s for s in signals if s.is_open]
        source = max(live, key=lambda s: s.excess, default=None)
        small = any(
            s.latest_observed is not None and 0 < s.latest_observed < suppression.threshold
            for s in ([source] if source else [])
        )
        hidden = suppression.small_label
        flags = [
            label
            for label, present in (
                ("reopened", item.reopened),
                ("overdue", is_overdue(item.state, item.opened_at, now, review_rules)),
            )
            if present
        ]
        rows.append(
            {
                "item_id": item.item_id,
                "version": item.version,
                "state_value": item.state.value,
                "sort_score": score.score,
                "item": f"#{item.item_id}",
                "program": names.get(item.program_id, item.program_id),
                "state": STATE_LABELS[item.state],
                "signals": "; ".join(
                    f"{s.indicator} ({s.method}, {s.opened_month:%Y-%m})" for s in item.signals
                ),
                "score": hidden if small else _number(score.score, 1),
                "severity_weight": _number(score.severity_weight, 1),
                "excess": hidden if small else _number(score.excess_events, 1),
                "ratio": hidden if small else _number(score.observed_to_expected, 2),
                "months_open": str(score.months_open),
                "decision_weight": _number(score.decision_weight, 1),
                "assignee": item.assignee or "",
                "flags": ", ".join(flags),
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "item_id": pl.Int64,
            "version": pl.Int64,
            "state_value": pl.Utf8,
            "sort_score": pl.Float64,
            **dict.fromkeys(QUEUE_HEADERS, pl.Utf8),
        },
    )
    return frame.sort(["sort_score", "item_id"], descending=[True, False])


def waiting_items(items: Sequence[ReviewItem]) -> int:
    """Items a person still has to validate or assess (not decided, not confirmed)."""
    return sum(1 for item in items if item.state in WAITING)


def confirmed_frame(items: Sequence[ReviewItem], names: dict[str, str]) -> pl.DataFrame:
    """Confirmed risks (and closed ones, whose action is done) with their actions: all a
    viewer sees of the review, newest decision first."""
    rows = [
        {
            "program": names.get(item.program_id, item.program_id),
            "indicators": ", ".join(sorted({s.indicator for s in item.signals})),
            "state": "Action under way" if item.state is State.CONFIRMED_RISK else "Closed",
            "action": item.action or "",
            "decided": f"{item.updated_at:%Y-%m-%d}",
            "updated_at": item.updated_at,
        }
        for item in items
        if item.state in CONFIRMED
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            **dict.fromkeys(CONFIRMED_HEADERS, pl.Utf8),
            "updated_at": pl.Datetime("us", "UTC"),
        },
    )
    return frame.sort("updated_at", descending=True)


def queue_table(frame: pl.DataFrame) -> html.Div:
    if frame.is_empty():
        return html.P("No review item waits for a decision.", className="text-body-secondary")
    return data_table(
        frame,
        QUEUE_HEADERS,
        "Review queue: open items by priority (severity weight x excess events x months "
        "open x decision weight)",
        numeric=QUEUE_NUMERIC,
    )


def target_options(state: State) -> list[dict[str, str]]:
    return [{"label": STATE_LABELS[s], "value": s.value} for s in sorted(TRANSITIONS[state])]


def item_options(frame: pl.DataFrame) -> list[dict[str, str]]:
    """The queue's items for the form's select, in queue order."""
    return [
        {"label": f"{r['item']} {r['program']} ({r['state']})", "value": str(r["item_id"])}
        for r in frame.iter_rows(named=True)
    ]


def versions(frame: pl.DataFrame) -> dict[str, int]:
    """The version of each item as shown: a save names it, so a stale edit is refused."""
    return {str(r["item_id"]): r["version"] for r in frame.iter_rows(named=True)}


def queue_section(frame: pl.DataFrame, assignees: Sequence[str]) -> html.Section:
    """The queue and the form that changes one item's state."""
    first = frame.row(0, named=True) if frame.height else None
    return html.Section(
        [
            html.H2("Review queue", className="h4 mt-4"),
            html.P(
                "Open review items, most urgent first. Each groups the signals of one program "
                "that opened close together; its evidence is in the register below. Record "
                "each step with its reasons; a decision is kept with the snapshot it was "
                "judged on (docs/safety.md, Review queue).",
                className="small",
            ),
            html.Div(queue_table(frame), id=Id.SAFETY_REVIEW_QUEUE),
            dcc.Store(id=Id.SAFETY_REVIEW_VERSIONS, data=versions(frame)),
            html.Div(
                [
                    html.H3("Change an item's state", className="h5"),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label("Review item", html_for=Id.SAFETY_REVIEW_ITEM),
                                    dbc.Select(
                                        id=Id.SAFETY_REVIEW_ITEM,
                                        options=item_options(frame),
                                        value=str(first["item_id"]) if first else None,
                                    ),
                                ],
                                md=True,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("New state", html_for=Id.SAFETY_REVIEW_STATE),
                                    dbc.Select(
                                        id=Id.SAFETY_REVIEW_STATE,
                                        options=target_options(State(first["state_value"]))
                                        if first
                                        else [],
                                    ),
                                ],
                                md=True,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("Assignee", html_for=Id.SAFETY_REVIEW_ASSIGNEE),
                                    dbc.Select(
                                        id=Id.SAFETY_REVIEW_ASSIGNEE,
                                        options=[{"label": a, "value": a} for a in assignees],
                                    ),
                                ],
                                md=True,
                            ),
                        ],
                        className="mb-2",
                    ),
                    dbc.Label("Rationale", html_for=Id.SAFETY_REVIEW_RATIONALE),
                    dbc.Textarea(
                        id=Id.SAFETY_REVIEW_RATIONALE,
                        placeholder="Why: what you looked at and what it shows. No patient "
                        "or episode identifiers.",
                        className="mb-2",
                    ),
                    dbc.Label(
                        "Action recommended (needed for a confirmed risk)",
                        html_for=Id.SAFETY_REVIEW_ACTION,
                    ),
                    dbc.Textarea(id=Id.SAFETY_REVIEW_ACTION, className="mb-2"),
                    dbc.Button("Save decision", id=Id.SAFETY_REVIEW_SAVE, color="primary"),
                    html.Div(id=Id.SAFETY_REVIEW_MESSAGE, className="mt-2", role="status"),
                ],
                className="border rounded p-3 mb-4",
                role="form",
                **{"aria-label": "Change a review item's state"},
            ),
        ]
    )


def confirmed_table(frame: pl.DataFrame) -> html.Div:
    if frame.is_empty():
        return html.P("No safety risk has been confirmed.", className="text-body-secondary")
    return data_table(frame, CONFIRMED_HEADERS, "Confirmed safety risks and their actions")
