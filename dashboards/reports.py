"""Drift reports as the dashboard serves them: suppressed summaries, never Evidently's HTML.

Evidently's HTML reports draw each feature's distribution from the episodes themselves:
category counts of 1, histogram bins of one person, and the minimum and maximum of every
score, which are single patients' values. Small-cell suppression cannot be applied to
them after the fact (the numbers are inside Evidently's plots and its own JSON), so,
as output checking in trusted research environments does (raw tool output stays inside;
only checked statistics leave; the SDC handbook of the Safe Data Access Professionals,
Griffiths et al. 2019, treats minima and maxima as disclosive by default), the HTML stays
in the pipeline's reports folder for operators who already hold the exact counts, and
the dashboard serves, for each listed drift report, a page written from the warehouse:
the comparison, its verdict and each feature's test (method, p-value, threshold,
drifted). It holds no count at all (not even values tested, which beside the episodes
compared would give a small number of missing values), no distribution and no extreme.

A request names a report by the path drift_reports lists for it (through
mart_drift_reports), never by a file, and the file system is not touched. A summary is
served only to users who may open the Data quality page, only for a data-drift report of
the current data version that describes at least as many episodes as the drift policy
needs to test a batch (config/quality.yaml, `min_current_rows`). Evidently's batch
summaries (DataSummaryPreset: counts, minima, maxima) have no safe summary and are not
served.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from html import escape
from typing import Any
from urllib.parse import quote

import flask
import polars as pl

from dashboards import auth
from dashboards.charts.dq_drift import REFERENCES, VERDICTS, servable
from dashboards.data import WarehouseUnavailableError
from dashboards.runtime import current
from pipelines.quality.config import load_quality_policy

ROUTE = "/data-quality/reports/"
DATA_QUALITY_PATH = "/data-quality"
# A page of text and one table: no script, no network, no framing.
CONTENT_SECURITY_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
)
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .5rem;"
    "text-align:left}caption{text-align:left;font-weight:600;padding:.25rem 0}"
)
FEATURE_HEADERS = ("Feature", "Type", "Test", "p-value", "Threshold", "Drifted")


@cache
def min_report_episodes() -> int:
    """Episodes a report must describe to be served: the drift test's own minimum."""
    policy, _ = load_quality_policy()
    return policy.min_current_rows


def report_url(path: str) -> str:
    """Where the dashboard serves the summary of the report listed with `path`."""
    return ROUTE + quote(path)


def listed_report(
    reports: pl.DataFrame, requested: str, min_episodes: int
) -> dict[str, Any] | None:
    """The listed report `requested`, or None when it is not listed or not served."""
    listed = reports.filter(pl.col("path") == requested).with_columns(servable(min_episodes))
    if listed.height != 1 or not listed["served"][0]:
        return None
    return listed.row(0, named=True)


def _p_value(score: float | None) -> str:
    if score is None:
        return "not tested"
    return "<0.0001" if score < 0.0001 else f"{score:.4f}"


def _drifted(drifted: bool | None) -> str:
    return "not tested" if drifted is None else ("yes" if drifted else "no")


def summary_page(report: Mapping[str, Any], tests: pl.DataFrame, min_episodes: int) -> str:
    """The served page of one drift report: the comparison, its verdict and each feature's
    test, as escaped HTML without any count, distribution or extreme value."""
    reference = REFERENCES.get(report["reference"], report["reference"])
    verdict = VERDICTS.get(report["verdict"], (report["verdict"] or "unknown",))[0]
    title = (
        f"Drift of {report['program_id']}, batch {report['batch_id']}, against {reference.lower()}"
    )
    rows = "".join(
        "<tr>"
        + f"<th scope='row'>{escape(row['column_name'])}</th>"
        + "".join(
            f"<td>{escape(text)}</td>"
            for text in (
                row["column_type"],
                row["method"],
                _p_value(row["score"]),
                f"{row['threshold']:g}",
                _drifted(row["drifted"]),
            )
        )
        + "</tr>"
        for row in tests.iter_rows(named=True)
    )
    headers = "".join(f"<th scope='col'>{h}</th>" for h in FEATURE_HEADERS)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        f"<p>Verdict: <strong>{escape(verdict)}</strong>. The batch's new episodes, with "
        f"those of the batches just before it (at least {min_episodes}), against "
        f"{escape(reference.lower())}, feature by feature with Evidently's tests.</p>"
        "<p>A summary of Evidently's report. Evidently's own report draws the episodes' "
        "distributions, with counts of single people and each score's minimum and maximum, "
        "so it stays in the pipeline's reports folder and is not served; this page shows "
        "no count, distribution or extreme value.</p>"
        "<table><caption>Each feature's test</caption>"
        f"<thead><tr>{headers}</tr></thead><tbody>{rows}</tbody></table>"
        "</main></body></html>"
    )


def install(server: flask.Flask) -> None:
    """The summary route; the sign-in gate has already turned anonymous requests away."""

    def serve(report: str) -> flask.Response | tuple[str, int]:
        page = auth.page_for_path(DATA_QUALITY_PATH)
        if page is None or not auth.can_view(auth.current_user(), page):
            return "Not available to your role.", 403
        try:
            marts = current().snapshot()
            listed = listed_report(marts.drift_reports(), report, min_report_episodes())
            tests = marts.drift_report_tests()
        except WarehouseUnavailableError:
            return "The warehouse cannot be read right now.", 503
        if listed is None:
            return "No such report.", 404
        comparison = tests.filter(
            pl.col("program_id") == listed["program_id"],
            pl.col("batch_id") == listed["batch_id"],
            pl.col("reference") == listed["reference"],
        )
        response = flask.make_response(summary_page(listed, comparison, min_report_episodes()))
        response.mimetype = "text/html"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    server.add_url_rule(ROUTE + "<path:report>", "drift_report", serve)
