"""The Dash app: pages from `dashboards/pages`, assets shipped in `dashboards/assets`.

Nothing is fetched from a CDN: Bootstrap's stylesheet is vendored in assets (npm
`bootstrap@5.3.3`, dist/css/bootstrap.min.css), and so is plotly.js's cartesian bundle
(npm `plotly.js-cartesian-dist-min`, at the plotly.js version the plotly package pins:
scatter, bar and heatmap in 1.4 MB, where the full plotly.js is 4.5 MB to download,
parse and run on every page load; its one CDN address, the default `topojsonURL` that
only map traces read, is edited to `/assets/` so nothing could ever be asked of a CDN);
fonts are the system stack and Dash serves its own scripts. The app reads only the
published warehouse, read-only. Every request passes the sign-in gate of
`dashboards.auth` unless the app is a demo; sessions, sign-in attempts and the safety
review's decisions are kept in the application database (`appdb`). Every response
carries security headers: a Content-Security-Policy that allows only this server's
scripts (and Dash's own inline ones, by hash), no framing, no MIME sniffing, no referrer.

`serve` runs the app on waitress, a production WSGI server; only `--debug` uses Flask's
development server (hot reload, dev tools), and only on a loopback address.

Dash Pages registers page callbacks in process-wide state that the app collects on its
first request, so build one app per process (tests run the server as a subprocess).
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import flask
import waitress
from dash import dcc, html

from appdb.database import AppDatabase
from appdb.login_attempts import LoginThrottle
from appdb.sessions import SessionStore
from dashboards import auth, brief_download, reports, review_queue
from dashboards.data import Warehouse, WarehouseUnavailableError
from dashboards.ids import Id
from dashboards.marts import SuppressedMarts
from dashboards.runtime import Runtime, current, install
from dashboards.suppression import load_rules
from dashboards.theme import register_template
from pipelines.settings import Environment, Settings

PACKAGE_DIR = Path(__file__).resolve().parent
TITLE = "iCBT chronic pain outcomes observatory"

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


# Dash renders into the page with its own inline scripts (allowed by hash) and Plotly
# styles its charts with inline <style> elements; images and fonts may be data: URLs
# (Plotly's PNG export, Bootstrap's icons). Nothing is loaded from another origin.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Only scripts and stylesheets travel compressed: they hold no secret. Pages, layouts and
# callbacks carry the sign-in form's CSRF token and data; compressing a secret beside
# text a request can influence is what BREACH-style attacks read over TLS.
COMPRESSED_MIMETYPES = ("text/css", "text/javascript", "application/javascript")
ASSETS_PREFIX = "/assets/"
ASSET_VERSION = "m"
IMMUTABLE = "public, max-age=31536000, immutable"
# Threads serving requests at once; charts of one page arrive as parallel callbacks.
DEFAULT_THREADS = 8


def content_security_policy(app: dash.Dash) -> str:
    """The policy for `app`: its scripts from this server, Dash's inline ones by hash.

    Dash registers inline scripts (clientside callbacks, its router's title callback) up
    to its first request, so the hashes are taken when a response is made.
    """
    scripts = " ".join(["'self'", *dict.fromkeys(app.csp_hashes())])
    return "; ".join([*CSP_DIRECTIVES, f"script-src {scripts}"])


def install_security_headers(app: dash.Dash, secure_cookies: bool) -> None:
    """Every response gets the headers; one that sets its own policy (reports) keeps it."""

    def add_headers(response: flask.Response) -> flask.Response:
        response.headers.setdefault("Content-Security-Policy", content_security_policy(app))
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not flask.request.path.startswith(auth.PUBLIC_PREFIXES):
            # Pages, callbacks and downloads carry data: never kept by a shared cache.
            response.headers.setdefault("Cache-Control", "no-store")
        elif flask.request.path.startswith(ASSETS_PREFIX) and ASSET_VERSION in flask.request.args:
            # Dash links each asset with its modification time (`?m=`): a changed file has
            # a new URL, so a browser may keep this one without asking again.
            response.headers["Cache-Control"] = IMMUTABLE
        if secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    app.server.after_request(add_headers)


def load_charts_with_page(app: dash.Dash) -> None:
    """dcc.Graph's code as a script of the page, at a fingerprinted URL.

    Dash otherwise fetches it, and the full plotly.js (4.5 MB), when the first chart
    mounts, after the page's layout has arrived, from URLs without a version, so every
    visit waits for their revalidation before a chart can be drawn. As a script of the
    page it is compiled while the layout is requested, and a returning browser takes it
    from its cache (kept for a year, as Dash keeps every fingerprinted bundle; a new
    version has a new URL). plotly.js comes with the page too, as an asset: its cartesian
    bundle (`assets/plotly-cartesian.min.js`, every trace type the charts draw), whose
    `Plotly` dcc.Graph uses instead of fetching its own.
    """
    app.scripts.append_script({"relative_package_path": "dcc/async-graph.js", "namespace": "dash"})


def home_path(user: auth.User | None) -> str:
    """The first page (in `order`) the user may open."""
    pages = auth.visible_pages(user)
    return str(pages[0]["relative_path"]) if pages else auth.SIGN_IN_PATH


def navbar(user: auth.User | None, demo: bool) -> dbc.Navbar:
    """Links to the pages the user may open, and who is signed in."""
    links: list = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in auth.visible_pages(user)
    ]
    if user is not None and not demo:
        links.append(
            dbc.NavItem(
                html.Form(
                    [
                        html.Span(
                            f"{user.name} ({user.role})", className="navbar-text text-light me-2"
                        ),
                        dcc.Input(type="hidden", name="csrf", value=auth.csrf_token()),
                        html.Button(
                            "Sign out",
                            id=Id.SIGN_OUT,
                            type="submit",
                            className="btn btn-outline-light btn-sm",
                        ),
                    ],
                    method="POST",
                    action=auth.SIGN_OUT_PATH,
                    className="d-flex align-items-center ms-lg-3",
                )
            )
        )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(TITLE, href=home_path(user)),
                dbc.Nav(links, navbar=True, className="ms-auto align-items-lg-center"),
            ]
        ),
        color="dark",
        dark=True,
        className="mb-2",
    )


def demo_banner() -> html.Div:
    return html.Div(
        [
            html.Strong("Demo mode: "),
            "sign-in is off and every page is shown to anyone who can reach this address. "
            "The data are synthetic. Serve real data with sign-in on (see the README).",
        ],
        id=Id.DEMO_BANNER,
        className="alert alert-warning mb-0 rounded-0 text-center",
        role="status",
    )


def shell() -> html.Div:
    """The page frame for the request's user; Dash calls it for every page load."""
    gate = auth.current_gate()
    user = gate.current_user()
    demo = not gate.config.enabled
    return html.Div(
        [
            html.A(
                "Skip to main content",
                href=f"#{Id.MAIN_CONTENT}",
                className="visually-hidden-focusable",
            ),
            *([demo_banner()] if demo else []),
            navbar(user, demo),
            html.Main(
                dbc.Container(dash.page_container, className="py-3"),
                id=Id.MAIN_CONTENT,
                tabIndex="-1",
            ),
        ]
    )


def health() -> tuple[flask.Response, int]:
    """200 when the snapshot opens read-only, 503 otherwise; details for signed-in users."""
    warehouse = current().warehouse
    signed_in = auth.current_user() is not None
    try:
        built_at = warehouse.built_at()
        marts = warehouse.query("marts")["table_name"].to_list()
    except WarehouseUnavailableError as exc:
        details = {"reason": exc.reason} if signed_in else {}
        return flask.jsonify(status="unavailable", **details), 503
    if not signed_in:
        return flask.jsonify(status="ok"), 200
    return flask.jsonify(status="ok", built_at=built_at.isoformat(), marts=marts), 200


def redirect_home() -> flask.Response | None:
    """Send `/` (with its query string) to the user's first page, unless that page is `/`.

    The Overview page lives at `/` and is published to every role, so it is everyone's
    first page; the redirect remains for a user who may not open it.
    """
    if flask.request.path != "/":
        return None
    target = home_path(auth.current_user())
    if target == "/":
        return None
    query = flask.request.query_string.decode()
    return flask.redirect(target + (f"?{query}" if query else ""))


def install_sign_in(app: dash.Dash, settings: Settings, config: auth.AuthConfig) -> None:
    """The gate, with sessions and throttling in the application database when sign-in is on."""
    rules = auth.load_sign_in_rules()
    store = auth.UserStore(config.users_file, rules.password)
    if not config.enabled:
        auth.install(app, config, store)
        return
    database = AppDatabase.from_data_dir(settings.data_dir)
    database.upgrade()
    sessions = SessionStore(database, rules.session)
    sessions.purge_expired()
    throttle = LoginThrottle(database, rules.per_account, rules.per_address)
    throttle.purge_older_than(max(rules.per_account.window, rules.per_address.window))
    auth.install(app, config, store, sessions, throttle)


def create_app(settings: Settings, auth_config: auth.AuthConfig | None = None) -> dash.Dash:
    """The dashboard over `settings.published_database`, with its pages, sign-in and /health."""
    config = auth_config or auth.AuthConfig.from_env()
    register_template()
    server = flask.Flask("dashboards")
    server.config["COMPRESS_MIMETYPES"] = list(COMPRESSED_MIMETYPES)
    app = dash.Dash(
        "dashboards",
        server=server,
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
        # Dash's MCP endpoint would expose every callback outside the sign-in gate's rules.
        enable_mcp=False,
        # flask-compress, for COMPRESSED_MIMETYPES.
        compress=True,
    )
    app.index_string = INDEX_STRING
    load_charts_with_page(app)
    warehouse = Warehouse.from_settings(settings)
    rules = load_rules()
    install(
        app.server,
        Runtime(warehouse=warehouse, rules=rules, marts=SuppressedMarts(warehouse, rules)),
    )
    install_sign_in(app, settings, config)
    review_queue.install(app.server, settings)
    install_security_headers(app, config.secure_cookies)
    app.server.add_url_rule(auth.HEALTH_PATH, "health", health)
    reports.install(app.server)
    brief_download.install(app.server)
    app.server.before_request(redirect_home)
    app.layout = shell
    return app


def serve(
    settings: Settings, host: str, port: int, debug: bool = False, demo: bool = False
) -> None:
    """Run the app on waitress; `debug` runs Flask's development server on loopback only.

    ICBT_SERVER_THREADS sets waitress's threads; behind a reverse proxy,
    ICBT_TRUSTED_PROXY (the proxy's address) lets waitress take the client's address from
    X-Forwarded-For, which the sign-in throttle counts per address.
    """
    config = auth.AuthConfig.from_env(demo=demo)
    auth.check_host(config, host)
    app = create_app(settings, config)
    if debug:
        if host not in auth.LOOPBACK_HOSTS:
            raise auth.AuthError(
                "--debug runs Flask's development server, which is not safe on a network; "
                f"serve on 127.0.0.1, not {host}."
            )
        app.run(host=host, port=port, debug=True)
        return
    environment = Environment.read()
    proxy = environment.trusted_proxy
    waitress.serve(
        app.server,
        host=host,
        port=port,
        threads=environment.server_threads or DEFAULT_THREADS,
        **({"trusted_proxy": proxy, "trusted_proxy_headers": "x-forwarded-for"} if proxy else {}),
    )
