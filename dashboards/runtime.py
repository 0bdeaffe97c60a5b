"""What callbacks and page layouts need at request time, attached to the Flask server.

Dash page modules are imported by Dash itself, so they cannot receive arguments. Keeping
the warehouse reader and the suppression rules on the server (not in module globals)
lets every app built by `create_app` carry its own warehouse, rules and suppressed marts.
A request reads one published snapshot (`Runtime.snapshot`), released when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import flask

from dashboards.data import Warehouse
from dashboards.marts import Marts, SuppressedMarts
from dashboards.suppression import SuppressionRules

_EXTENSION = "icbt_observatory"
_REQUEST_SNAPSHOT = "icbt_marts"


@dataclass(frozen=True)
class Runtime:
    warehouse: Warehouse
    rules: SuppressionRules
    marts: SuppressedMarts

    def snapshot(self) -> Marts:
        """The marts of this request's one snapshot: pinned at first use, released at the
        request's end, so every load of one response reads the same publication."""
        pinned: Marts | None = flask.g.get(_REQUEST_SNAPSHOT)
        if pinned is None:
            pinned = self.marts.snapshot()
            setattr(flask.g, _REQUEST_SNAPSHOT, pinned)
        return pinned


def _release_snapshot(_exc: BaseException | None) -> None:
    pinned: Marts | None = flask.g.pop(_REQUEST_SNAPSHOT, None)
    if pinned is not None:
        pinned.close()


def install(server: flask.Flask, runtime: Runtime) -> None:
    server.extensions[_EXTENSION] = runtime
    server.teardown_request(_release_snapshot)


def current() -> Runtime:
    """The runtime of the app serving the current request."""
    return flask.current_app.extensions[_EXTENSION]
