"""The Evidently drift reports the pipeline keeps, served to analysts from the reports folder.

A request names a report by the path drift_reports lists for it (through
mart_drift_reports), never by a file: a path that is not listed is refused before the
file system is touched, and a listed one must still resolve inside
`Settings.reports_dir`. Evidently draws the distributions of the episodes it compares and
cannot be suppressed, so a report is served only to users who may open the Data quality
page, and only when it describes at least as many episodes as the drift policy needs to
test a batch (config/quality.yaml, `min_current_rows`); a summary of a batch of one or
two people is never served. The page is sandboxed by its Content-Security-Policy: the
report's scripts run in an opaque origin that cannot use the dashboard's session, and it
may load nothing from the network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import quote

import flask
import polars as pl

from dashboards import auth
from dashboards.data import WarehouseUnavailableError
from dashboards.runtime import current
from pipelines.quality.config import load_quality_policy

ROUTE = "/data-quality/reports/"
DATA_QUALITY_PATH = "/data-quality"
CONTENT_SECURITY_POLICY = (
    "sandbox allow-scripts allow-popups; default-src 'none'; "
    "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)


@cache
def min_report_episodes() -> int:
    """Episodes a report must describe to be served: the drift test's own minimum."""
    policy, _ = load_quality_policy()
    return policy.min_current_rows


def report_url(path: str) -> str:
    """Where the dashboard serves the report listed with `path`."""
    return ROUTE + quote(path)


def report_file(
    reports: pl.DataFrame, reports_dir: Path, requested: str, min_episodes: int
) -> Path | None:
    """The file of the listed report `requested`, or None when it may not be served."""
    listed = reports.filter(pl.col("path") == requested)
    if listed.is_empty() or (listed["current_episodes"].fill_null(0) < min_episodes).any():
        return None
    root = reports_dir.resolve()
    candidate = (root / requested).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def install(server: flask.Flask, reports_dir: Path) -> None:
    """The report route; the sign-in gate has already turned anonymous requests away."""

    def serve(report: str) -> flask.Response | tuple[str, int]:
        page = auth.page_for_path(DATA_QUALITY_PATH)
        if page is None or not auth.can_view(auth.current_user(), page):
            return "Not available to your role.", 403
        try:
            reports = current().snapshot().drift_reports()
        except WarehouseUnavailableError:
            return "The warehouse cannot be read right now.", 503
        path = report_file(reports, reports_dir, report, min_report_episodes())
        if path is None:
            return "No such report.", 404
        response = flask.send_file(path, mimetype="text/html", max_age=0)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    server.add_url_rule(ROUTE + "<path:report>", "drift_report", serve)
