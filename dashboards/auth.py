"""Sign-in, roles and the server-side gate in front of every route of the dashboard.

Outside the demo, every request needs a signed-in user: page routes, Dash's layout,
dependency and callback endpoints (which is where every chart, table and download comes
from) and the details of /health. The gate runs in Flask's `before_request`, so no Dash
callback can forget it. Roles: an analyst sees every page; a viewer sees only pages
registered with `publish=True`. A callback belongs to the page whose prefix its output
ids carry (`ids.page_of`). The gate judges the callback Dash will run, which Dash picks by
the request's `output` key, not by its `outputs` list: both the registered callback's
outputs and the listed ones must be non-empty and belong to pages the user sees, and a
callback that writes (its outputs in `ids.ANALYST_ONLY`, the safety review's state
change) is refused to anyone but an analyst, whatever page it sits on. Dash
Pages' own router is judged by the page Dash will render, found the way Dash finds it (its
first input by position, Dash's own path normalisation), so `//equity` is the Equity page
here as it is for Dash. A user's `/_dash-dependencies` lists only the callbacks they may
call.

Users live in a YAML file outside the repository (`ICBT_DASHBOARD_USERS`, default
~/.config/icbt-observatory/dashboard_users.yaml), written by `icbt user add`, with
passwords as scrypt hashes (RFC 7914; werkzeug.security) that must pass the password policy of
config/sign_in.yaml (length, and zxcvbn's check against common passwords).

Sessions are server-side rows in the application database (`appdb`): the cookie holds a
random token, so sign-out, a new password and `icbt user remove` end a session at once,
whatever copy of the cookie anyone kept. The sign-in form's CSRF token is bound to a
pre-session, and signing in starts a new session (a new token). Sign-in attempts are
throttled with exponential back-off per account and per address, and an unknown user
name costs the same scrypt check as a known one (against a dummy hash), so neither the
answer nor its timing says which names exist.

Demo mode (`ICBT_DASHBOARD_AUTH=off`, or `icbt serve --demo`) turns all of this off,
shows every page with a banner saying so, and only serves on a loopback address.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import math
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import dash
import flask
import yaml

# What Dash's own router and dispatcher call (dash==4.4.1 is pinned): the gate must find
# the page and the callback exactly as Dash will, so it uses the same functions.
from dash._pages import _path_to_page
from dash._utils import split_callback_id
from pydantic import Field
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from appdb.login_attempts import BackoffPolicy, LoginThrottle
from appdb.sessions import Session, SessionPolicy, SessionStore
from dashboards.ids import ANALYST_ONLY, page_of
from pipelines.config_models import ConfigModel, config_path, load_config
from pipelines.settings import Environment

ROLES = ("analyst", "viewer")
ANALYST = "analyst"

# Werkzeug's scrypt (RFC 7914), spelled out so a change of its default is a change here:
# N=2^15, r=8, p=1 takes about 32 MiB and tens of milliseconds per check.
PASSWORD_METHOD = "scrypt:32768:8:1"

SESSION_COOKIE = "icbt_session"
SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"
HEALTH_PATH = "/health"
CALLBACK_PATH = "/_dash-update-component"
DEPENDENCIES_PATH = "/_dash-dependencies"
# Static files with no data in them: Dash's scripts, the stylesheet, the icon.
PUBLIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Dash Pages' own components: the router callback renders the layout of the path in
# `_pages_location` into `_pages_content`; a clientside callback sets the title from the store.
_PAGES_ROUTER_OUTPUTS = ("_pages_content", "_pages_store")
_PAGES_COMPONENTS = (*_PAGES_ROUTER_OUTPUTS, "_pages_location", "_pages_dummy")


class AuthError(RuntimeError):
    """Sign-in cannot work as configured; the message says what to do."""


def hash_password(password: str) -> str:
    """Werkzeug's `scrypt:N:r:p$salt$hash` with a random salt; never the password itself."""
    if not password:
        raise ValueError("a password cannot be empty")
    return generate_password_hash(password, method=PASSWORD_METHOD)


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches an encoded hash; malformed hashes never match."""
    try:
        return check_password_hash(encoded, password)
    except (ValueError, TypeError):
        return False


class PasswordPolicy(ConfigModel):
    """What a new password must be (config/sign_in.yaml, with its sources)."""

    min_length: int = Field(ge=1)
    max_length: int = Field(ge=1)
    min_zxcvbn_score: int = Field(ge=0, le=4)

    def problem(self, password: str, user_name: str = "") -> str | None:
        """Why `password` is refused, in a sentence for the person choosing it; None if fine."""
        if len(password) < self.min_length:
            return f"A password needs at least {self.min_length} characters."
        if len(password) > self.max_length:
            return f"A password may have at most {self.max_length} characters."
        estimate = zxcvbn(password, user_inputs=[user_name] if user_name else [])
        if estimate["score"] < self.min_zxcvbn_score:
            warning = estimate["feedback"]["warning"] or "It is too easy to guess."
            return f"{warning} Choose a longer phrase of unrelated words."
        return None


class SessionRules(ConfigModel):
    """config/sign_in.yaml `session`, in the units its sources use."""

    lifetime_hours: float = Field(gt=0)
    idle_minutes: float = Field(gt=0)
    pre_session_minutes: float = Field(gt=0)

    def policy(self) -> SessionPolicy:
        return SessionPolicy(
            lifetime=timedelta(hours=self.lifetime_hours),
            idle_timeout=timedelta(minutes=self.idle_minutes),
            pre_session_lifetime=timedelta(minutes=self.pre_session_minutes),
        )


class BackoffRules(ConfigModel):
    """One counter of config/sign_in.yaml `throttle`."""

    free_failures: int = Field(ge=0)
    base_delay_seconds: float = Field(gt=0)
    max_delay_seconds: float = Field(gt=0)
    window_minutes: float = Field(gt=0)

    def policy(self) -> BackoffPolicy:
        return BackoffPolicy(
            free_failures=self.free_failures,
            base_delay=timedelta(seconds=self.base_delay_seconds),
            max_delay=timedelta(seconds=self.max_delay_seconds),
            window=timedelta(minutes=self.window_minutes),
        )


class ThrottleRules(ConfigModel):
    per_account: BackoffRules
    per_address: BackoffRules


class SignInRules(ConfigModel):
    """config/sign_in.yaml."""

    password: PasswordPolicy
    session_rules: SessionRules = Field(alias="session")
    throttle: ThrottleRules

    @property
    def session(self) -> SessionPolicy:
        return self.session_rules.policy()

    @property
    def per_account(self) -> BackoffPolicy:
        return self.throttle.per_account.policy()

    @property
    def per_address(self) -> BackoffPolicy:
        return self.throttle.per_address.policy()


def load_sign_in_rules(path: Path | None = None) -> SignInRules:
    """The rules of config/sign_in.yaml, unless another file is given."""
    return load_config(SignInRules, path or config_path("sign_in.yaml"))


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str = ""

    @property
    def fingerprint(self) -> str:
        """Changes when the password does: a session carrying an old one is void."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


DEMO_USER = User("demo", ANALYST)

USERS_HEADER = """\
# Dashboard users, written by `icbt user add NAME --role analyst|viewer`.
# Passwords are stored as werkzeug scrypt hashes (scrypt:N:r:p$salt$hash), never in plain text.
"""


class UserStore:
    """The users file: read when it changes, written atomically with owner-only access."""

    def __init__(self, path: Path, policy: PasswordPolicy | None = None) -> None:
        self.path = Path(path)
        self.policy = policy or load_sign_in_rules().password
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}

    def users(self) -> dict[str, User]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._users = self._read()
                self._stamp = stamp
            return self._users

    def _read(self) -> dict[str, User]:
        raw = yaml.safe_load(self.path.read_text()) or {}
        users = {}
        for name, entry in (raw.get("users") or {}).items():
            role = entry.get("role")
            if role not in ROLES:
                raise AuthError(f"{self.path}: user {name!r} has unknown role {role!r}")
            password_hash = str(entry.get("password", ""))
            if not password_hash.startswith(f"{PASSWORD_METHOD}$"):
                raise AuthError(
                    f"{self.path}: user {name!r} has a password hash this version cannot check "
                    f"(expected {PASSWORD_METHOD}$...); set the password again with "
                    f"`icbt user add {name} --role {role}`"
                )
            users[str(name)] = User(str(name), role, password_hash)
        return users

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def _write(self, users: Mapping[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = {
            "users": {
                u.name: {"role": u.role, "password": u.password_hash}
                for u in sorted(users.values(), key=lambda u: u.name)
            }
        }
        staging = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(USERS_HEADER + yaml.safe_dump(body, sort_keys=True))
        os.replace(staging, self.path)

    def add(self, name: str, role: str, password: str) -> bool:
        """Add a user, or replace its role and password; True if it was new."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ValueError("a user name is letters, digits, '.', '-' or '_'")
        problem = self.policy.problem(password, name)
        if problem:
            raise ValueError(problem)
        users = dict(self.users())
        created = name not in users
        users[name] = User(name, role, hash_password(password))
        self._write(users)
        return created

    def remove(self, name: str) -> bool:
        users = dict(self.users())
        if users.pop(name, None) is None:
            return False
        self._write(users)
        return True


@dataclass(frozen=True)
class AuthConfig:
    """Whether sign-in is on, where users live, and whether cookies need HTTPS."""

    enabled: bool
    users_file: Path
    secure_cookies: bool = False

    @classmethod
    def from_env(cls, *, demo: bool = False) -> AuthConfig:
        """From ICBT_DASHBOARD_* variables; `demo=True` (icbt serve --demo) turns sign-in off."""
        environment = Environment.read()
        return cls(
            enabled=environment.dashboard_auth == "on" and not demo,
            users_file=environment.dashboard_users,
            secure_cookies=environment.dashboard_secure_cookies == "on",
        )


def can_view(user: User | None, page: Mapping[str, Any]) -> bool:
    """Analysts see every page; viewers only pages registered with `publish=True`."""
    if user is None:
        return False
    return user.role == ANALYST or bool(page.get("publish", False))


def visible_pages(user: User | None) -> list[Mapping[str, Any]]:
    """Registered pages the user may open, in navbar order."""
    return [page for page in dash.page_registry.values() if can_view(user, page)]


def page_slug(page: Mapping[str, Any]) -> str:
    return str(page["module"]).rsplit(".", 1)[-1]


def page_for_path(path: str) -> Mapping[str, Any] | None:
    """The page Dash renders for `path`, normalised as Dash does (`//a/` is `a`)."""
    page, _ = _path_to_page(path.strip("/"))
    return page or None


def _page_for_slug(slug: str) -> Mapping[str, Any] | None:
    for page in dash.page_registry.values():
        if page_slug(page) == slug:
            return page
    return None


def _component_ids(items: Any) -> list[Any]:
    """The `id` of every `{id, property}` entry, pattern-matching lists flattened."""
    if isinstance(items, dict):
        return [items.get("id")]
    if isinstance(items, list):
        return [component for item in items for component in _component_ids(item)]
    return [None]


def _declared_outputs(key: str) -> list[Any]:
    """The output ids named by a callback's key in Dash's callback map."""
    return _component_ids(split_callback_id(key))


class Gate:
    """Checks every request against its session; installed by `install`.

    `sessions` is None in demo mode, which has no sign-in.
    """

    def __init__(
        self,
        config: AuthConfig,
        store: UserStore,
        app: dash.Dash,
        sessions: SessionStore | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.app = app
        self.sessions = sessions
        # Unknown names are checked against this, so they cost what a known name costs.
        self.dummy_hash = hash_password(secrets.token_urlsafe(32)) if config.enabled else ""

    def current_session(self) -> Session | None:
        """The request's live session (signed in or a pre-session), looked up once."""
        if "icbt_session" not in flask.g:
            token = flask.request.cookies.get(SESSION_COOKIE)
            found = self.sessions.find(token) if self.sessions is not None else None
            flask.g.icbt_session = found
        return flask.g.icbt_session

    def current_user(self) -> User | None:
        """The signed-in user (the demo user when sign-in is off), or None.

        A session whose user was removed, or whose password changed since it started, is
        ended here, in case `icbt user` could not reach the application database.
        """
        if not self.config.enabled:
            return DEMO_USER
        session = self.current_session()
        if session is None or session.user_name is None:
            return None
        user = self.store.get(session.user_name)
        if user is None or not hmac.compare_digest(
            str(session.password_fingerprint), user.fingerprint
        ):
            assert self.sessions is not None
            self.sessions.end(session)
            flask.g.icbt_session = None
            return None
        return user

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is theirs. An unknown name is checked against a dummy
        hash, so both cost one scrypt check and answer alike."""
        user = self.store.get(name)
        matches = verify_password(password, user.password_hash if user else self.dummy_hash)
        return user if user is not None and matches else None

    def _may_see(self, user: User, component: Any) -> bool:
        """Whether `component` (an id) sits on a page `user` may open; a write callback's
        outputs (`ids.ANALYST_ONLY`) are analysts' only, on any page."""
        if component in ANALYST_ONLY and user.role != ANALYST:
            return False
        slug = page_of(component) if isinstance(component, str) else None
        page = _page_for_slug(slug) if slug else None
        return page is not None and can_view(user, page)

    def callback_allowed(self, user: User, body: Any) -> bool:
        """Whether `user` may run the callback Dash would run for this request body."""
        if not isinstance(body, dict) or not isinstance(body.get("output"), str):
            return False
        key = body["output"]
        callback = self.app.callback_map.get(key)
        if callback is None or callback.get("no_output") or "callback" not in callback:
            return False
        declared = _declared_outputs(key)
        sent = _component_ids(body.get("outputs") or [])
        if not sent:
            return False
        if declared == list(_PAGES_ROUTER_OUTPUTS):
            return all(c in _PAGES_ROUTER_OUTPUTS for c in sent) and self._route_allowed(
                user, body.get("inputs")
            )
        return all(self._may_see(user, component) for component in [*declared, *sent])

    def _route_allowed(self, user: User, inputs: Any) -> bool:
        """The router renders the page of its first input (by position), as Dash does."""
        first = inputs[0] if isinstance(inputs, list) and inputs else None
        pathname = first.get("value") if isinstance(first, dict) else None
        if not isinstance(pathname, str):
            return False
        try:
            page, _ = _path_to_page(self.app.strip_relative_path(pathname))
        except dash.exceptions.UnsupportedRelativePath:
            return False
        return not page or can_view(user, page)

    def listed(self, user: User, dependency: Mapping[str, Any]) -> bool:
        """Whether a `/_dash-dependencies` entry is one `user` may see and call.

        Callbacks without outputs (the PNG buttons' clientside ones) belong to the page of
        their inputs; Dash Pages' own callbacks are everyone's (the router is checked by
        path when called).
        """
        if dependency.get("no_output"):
            components = _component_ids(dependency.get("inputs") or [])
        else:
            components = _declared_outputs(str(dependency.get("output", "")))
        if components and all(c in _PAGES_COMPONENTS for c in components):
            return True
        return bool(components) and all(self._may_see(user, c) for c in components)

    def filter_dependencies(self, response: flask.Response) -> flask.Response:
        """`after_request`: a user's dependency list names only callbacks they may call."""
        if flask.request.path != DEPENDENCIES_PATH or response.status_code != 200:
            return response
        user = self.current_user()
        if user is None or not self.config.enabled:
            return response
        dependencies = json.loads(response.get_data())
        response.set_data(json.dumps([d for d in dependencies if self.listed(user, d)]))
        return response

    def check(self) -> flask.Response | tuple[flask.Response, int] | None:
        """`before_request`: None lets the request through; anything else answers it."""
        if not self.config.enabled:
            return None
        path = flask.request.path
        if path in (SIGN_IN_PATH, HEALTH_PATH) or path.startswith(PUBLIC_PREFIXES):
            return None
        user = self.current_user()
        is_api = path.startswith("/_dash") or flask.request.method != "GET"
        if user is None:
            if is_api:
                return flask.jsonify(error="sign-in required"), 401
            target = flask.request.full_path.rstrip("?")
            return flask.redirect(f"{SIGN_IN_PATH}?next={quote(target)}")
        if path == CALLBACK_PATH:
            body = flask.request.get_json(silent=True, cache=True)
            if not self.callback_allowed(user, body):
                return flask.jsonify(error="not available to your role"), 403
        page = page_for_path(path)
        if page is not None and not can_view(user, page):
            return _forbidden_page(user), 403
        return None


def _csrf_ok(session: Session | None) -> bool:
    """The form's token equals its session's; no session or an empty token never passes."""
    sent = flask.request.form.get("csrf", "")
    return bool(session and sent) and hmac.compare_digest(sent, session.csrf_token)


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything else goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def _document(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} | iCBT chronic pain outcomes observatory</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css">
<link rel="stylesheet" href="/assets/observatory.css"></head>
<body><main id="main-content" class="container py-5" style="max-width: 28rem">
{body}
</main></body></html>"""


def _sign_in_page(next_path: str, error: str | None, csrf: str) -> str:
    alert = (
        f'<div class="alert alert-danger" role="alert">{html.escape(error)}</div>' if error else ""
    )
    return _document(
        "Sign in",
        f"""<h1 class="h3 mb-3">iCBT chronic pain outcomes observatory</h1>
<p>Sign in to see the analysts' dashboard.</p>
{alert}
<form method="post" action="{SIGN_IN_PATH}">
  <input type="hidden" name="csrf" value="{html.escape(csrf)}">
  <input type="hidden" name="next" value="{html.escape(next_path)}">
  <div class="mb-3"><label class="form-label" for="username">User name</label>
    <input class="form-control" id="username" name="username" autocomplete="username"
           required autofocus></div>
  <div class="mb-3"><label class="form-label" for="password">Password</label>
    <input class="form-control" id="password" name="password" type="password"
           autocomplete="current-password" required></div>
  <button class="btn btn-primary" type="submit">Sign in</button>
</form>""",
    )


def _forbidden_page(user: User) -> flask.Response:
    body = _document(
        "Not available",
        f"""<h1 class="h3">This page is not available to your role</h1>
<p>You are signed in as {html.escape(user.name)} ({html.escape(user.role)}). Pages not yet
published are for analysts only.</p>
<p><a href="/">Go to the dashboard</a></p>""",
    )
    return flask.Response(body, mimetype="text/html")


GENERIC_FAILURE = "Unknown user name or wrong password."
FORM_EXPIRED = "The form expired; please try again."


def _set_session_cookie(response: flask.Response, token: str, config: AuthConfig) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=config.secure_cookies,
        path="/",
    )


def _throttled_message(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return (
        "Too many failed sign-ins for this user name or from this address. "
        f"Try again in {seconds} second{'' if seconds == 1 else 's'}."
    )


def install(
    app: dash.Dash,
    config: AuthConfig,
    store: UserStore,
    sessions: SessionStore | None = None,
    throttle: LoginThrottle | None = None,
) -> Gate:
    """The sign-in and sign-out routes and the gate on every request.

    With sign-in on, `sessions` and `throttle` (over the application database) are needed.
    """
    server = app.server
    gate = Gate(config, store, app, sessions)
    server.extensions["icbt_auth"] = gate
    if not config.enabled:
        return gate
    if sessions is None or throttle is None:
        raise AuthError("Sign-in needs the application database for sessions and throttling.")
    if not store.users():
        raise AuthError(
            f"Sign-in is on but no users are configured in {store.path}. Add one with "
            "`icbt user add NAME --role analyst`, or serve the demo with `icbt serve --demo`."
        )

    def form(next_path: str, error: str | None, status: int) -> flask.Response:
        """The sign-in form, bound to the request's session or a new pre-session."""
        session = gate.current_session()
        token = None
        if session is None:
            token, session = sessions.start_pre_session()
        response = flask.Response(_sign_in_page(next_path, error, session.csrf_token), status)
        if token is not None:
            _set_session_cookie(response, token, config)
        return response

    def sign_in() -> flask.Response:
        next_path = safe_next(flask.request.values.get("next"))
        if flask.request.method == "GET":
            return form(next_path, None, 200)
        session = gate.current_session()
        if not _csrf_ok(session):
            return form(next_path, FORM_EXPIRED, 400)
        name = flask.request.form.get("username", "")
        address = flask.request.remote_addr or "unknown"
        wait = throttle.wait(name, address)
        if wait > timedelta(0):
            return form(next_path, _throttled_message(wait), 429)
        user = gate.authenticate(name, flask.request.form.get("password", ""))
        throttle.record(name, address, succeeded=user is not None)
        if user is None:
            return form(next_path, GENERIC_FAILURE, 401)
        assert session is not None
        sessions.end(session)  # a new token on sign-in: no session fixation
        token, started = sessions.start(user.name, user.fingerprint)
        flask.g.icbt_session = started
        response = flask.redirect(next_path)
        _set_session_cookie(response, token, config)
        return response

    def sign_out() -> flask.Response:
        session = gate.current_session()
        if session is not None and session.signed_in and _csrf_ok(session):
            sessions.end(session)
            flask.g.icbt_session = None
        response = flask.redirect(SIGN_IN_PATH)
        if flask.g.icbt_session is None:
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    server.add_url_rule(SIGN_IN_PATH, "sign_in", sign_in, methods=["GET", "POST"])
    server.add_url_rule(SIGN_OUT_PATH, "sign_out", sign_out, methods=["POST"])
    server.before_request(gate.check)
    server.after_request(gate.filter_dependencies)
    return gate


def current_gate() -> Gate:
    return flask.current_app.extensions["icbt_auth"]


def current_user() -> User | None:
    return current_gate().current_user()


def csrf_token() -> str:
    """The sign-out form's token (the signed-in session's CSRF token)."""
    session = current_gate().current_session()
    return session.csrf_token if session is not None else ""


def check_host(config: AuthConfig, host: str) -> None:
    """Refuse to serve the demo (no sign-in) on anything but a loopback address."""
    if not config.enabled and host not in LOOPBACK_HOSTS:
        raise AuthError(
            f"Demo mode has no sign-in, so it only serves on 127.0.0.1, not {host}. Turn "
            "sign-in on (unset ICBT_DASHBOARD_AUTH, add users with `icbt user add`) to "
            "serve on a network address."
        )
