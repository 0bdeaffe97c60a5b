"""What callbacks and page layouts need at request time, attached to the Flask server.

Dash page modules are imported by Dash itself, so they cannot receive arguments. Keeping
the warehouse reader and the suppression rules on the server (not in module globals)
lets every app built by `create_app` carry its own warehouse, rules and suppressed marts.
"""

from __future__ import annotations

from dataclasses import dataclass

import flask

from dashboards.data import Warehouse
from dashboards.marts import SuppressedMarts
from dashboards.suppression import SuppressionRules

_EXTENSION = "icbt_observatory"


@dataclass(frozen=True)
class Runtime:
    warehouse: Warehouse
    rules: SuppressionRules
    marts: SuppressedMarts


def install(server: flask.Flask, runtime: Runtime) -> None:
    server.extensions[_EXTENSION] = runtime


def current() -> Runtime:
    """The runtime of the app serving the current request."""
    return flask.current_app.extensions[_EXTENSION]
