"""The evidence brief of the snapshot on screen: a link on the Overview page and its route.

The pipeline writes `brief-<id>.pdf` and `.html` beside each snapshot
(`warehouse/snapshots/<id>/`). The route serves the brief of the snapshot the dashboard
reads now, found by the id inside the published file, to whoever may open the Overview
page (analysts and viewers); a request names only the format, never a path.
"""

from __future__ import annotations

from pathlib import Path

import flask
from dash import html

from dashboards import auth
from dashboards.data import Warehouse
from dashboards.ids import Id
from dashboards.runtime import current
from dashboards.snapshot import current_snapshot_id
from pipelines.publishing.snapshots import SnapshotId, snapshot_folder, snapshots_dir

ROUTE = "/brief/current."
FORMATS = {"pdf": "application/pdf", "html": "text/html"}
OVERVIEW_PATH = "/"
# The brief is self-contained: no script, nothing fetched; images are inline SVG.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def brief_path(warehouse: Warehouse, extension: str) -> Path | None:
    """The brief file of the published snapshot, or None when it is not written (yet)."""
    snapshot_id = current_snapshot_id(warehouse)
    if snapshot_id is None or extension not in FORMATS:
        return None
    parsed = SnapshotId.parse(snapshot_id)
    folder = snapshot_folder(snapshots_dir(warehouse.path), parsed)
    candidate = folder / f"brief-{parsed}.{extension}"
    return candidate if candidate.is_file() else None


def brief_link() -> html.Div:
    """Download links for the brief of the snapshot on screen, or why there is none yet."""
    warehouse = current().warehouse
    snapshot_id = current_snapshot_id(warehouse)
    if brief_path(warehouse, "pdf") is None:
        text = "The evidence brief of this snapshot is not written yet (`icbt brief`)."
        return html.Div(html.P(text, className="small text-body-secondary"), id=Id.OVERVIEW_BRIEF)
    return html.Div(
        [
            html.H2("Evidence brief", className="h4 mt-4"),
            html.P(
                [
                    "The HTA's questions answered from this snapshot "
                    f"({snapshot_id}), with figures, certainty and caveats: ",
                    html.A(
                        "download the brief (PDF)",
                        href=ROUTE + "pdf",
                        download=f"brief-{snapshot_id}.pdf",
                        className="btn btn-primary btn-sm",
                    ),
                    " ",
                    html.A("open it as a web page (HTML)", href=ROUTE + "html"),
                ]
            ),
        ],
        id=Id.OVERVIEW_BRIEF,
    )


def install(server: flask.Flask) -> None:
    """The brief route; the sign-in gate has already turned anonymous requests away."""

    def serve(extension: str) -> flask.Response | tuple[str, int]:
        page = auth.page_for_path(OVERVIEW_PATH)
        if page is None or not auth.can_view(auth.current_user(), page):
            return "Not available to your role.", 403
        path = brief_path(current().warehouse, extension)
        if path is None:
            return "No brief for the published snapshot yet.", 404
        response = flask.send_file(
            path,
            mimetype=FORMATS[extension],
            as_attachment=extension == "pdf",
            download_name=path.name,
            max_age=0,
        )
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    server.add_url_rule(ROUTE + "<extension>", "evidence_brief", serve)
