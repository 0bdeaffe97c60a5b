"""The Dash app: pages from `dashboards/pages`, assets shipped in `dashboards/assets`.

Nothing is fetched from a CDN: Bootstrap's stylesheet is vendored in assets (npm
`bootstrap@5.3.3`, dist/css/bootstrap.min.css), fonts are the system stack and Dash
serves its own scripts. The app reads only the published warehouse, read-only.

Dash Pages registers page callbacks in process-wide state that the app collects on its
first request, so build one app per process (tests run the server as a subprocess).
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import flask
from dash import html

from dashboards.data import Warehouse, WarehouseUnavailableError
from dashboards.ids import Id
from dashboards.runtime import Runtime, current, install
from dashboards.suppression import load_rules
from dashboards.theme import register_template
from pipelines.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
TITLE = "iCBT chronic pain outcomes observatory"
HOME_PATH = "/outcomes"

# Dash's default page shell, with a document language for screen readers (WCAG 3.1.1).
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def navbar() -> dbc.Navbar:
    """Links to every registered page, in `order`; call after the pages are imported."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(TITLE, href=HOME_PATH),
                dbc.Nav(links, navbar=True, className="ms-auto"),
            ]
        ),
        color="dark",
        dark=True,
        className="mb-2",
    )


def health() -> tuple[flask.Response, int]:
    """200 with the snapshot's build time when it opens read-only, 503 otherwise."""
    warehouse = current().warehouse
    try:
        built_at = warehouse.built_at()
        marts = warehouse.query("marts")["table_name"].to_list()
    except WarehouseUnavailableError as exc:
        return flask.jsonify(status="unavailable", reason=exc.reason), 503
    return flask.jsonify(status="ok", built_at=built_at.isoformat(), marts=marts), 200


def redirect_home() -> flask.Response | None:
    """Send `/` (with its query string) to the home page; Dash serves `/` itself otherwise."""
    if flask.request.path != "/":
        return None
    query = flask.request.query_string.decode()
    return flask.redirect(HOME_PATH + (f"?{query}" if query else ""))


def create_app(settings: Settings) -> dash.Dash:
    """The dashboard over `settings.published_database`, with its pages and /health."""
    register_template()
    app = dash.Dash(
        "dashboards",
        use_pages=True,
        pages_folder=str(PACKAGE_DIR / "pages"),
        assets_folder=str(PACKAGE_DIR / "assets"),
        serve_locally=True,
        title=TITLE,
        update_title=None,
        # Page layouts are functions of the warehouse: a page shown without data (no
        # warehouse yet) leaves its callbacks' components out of the layout.
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = INDEX_STRING
    install(
        app.server,
        Runtime(warehouse=Warehouse.from_settings(settings), rules=load_rules()),
    )
    app.server.add_url_rule("/health", "health", health)
    app.server.before_request(redirect_home)
    app.layout = html.Div(
        [
            html.A(
                "Skip to main content",
                href=f"#{Id.MAIN_CONTENT}",
                className="visually-hidden-focusable",
            ),
            navbar(),
            html.Main(
                dbc.Container(dash.page_container, className="py-3"),
                id=Id.MAIN_CONTENT,
                tabIndex="-1",
            ),
        ]
    )
    return app


def serve(settings: Settings, host: str, port: int, debug: bool = False) -> None:
    """Run the app on Flask's threaded server (one process, many request threads)."""
    create_app(settings).run(host=host, port=port, debug=debug)
