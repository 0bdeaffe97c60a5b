"""Chart tests call the pure chart functions on the demo warehouse's suppressed marts."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import pytest

from dashboards.marts import Marts
from dashboards.suppression import SuppressionRules
from dashboards.theme import DELIVERY_MODES, register_template
from dashboards.view_state import OutcomeKey, ViewState

RULES = SuppressionRules()


@pytest.fixture(scope="session", autouse=True)
def template() -> None:
    register_template()


@pytest.fixture(scope="session")
def view(marts: Marts) -> Callable[..., ViewState]:
    """A view of every mode and program, narrowed by the arguments given."""
    programs = tuple(marts.programs()["program_id"].to_list())

    def make(
        outcome: str = "PHQ9.total",
        modes: tuple[str, ...] = tuple(DELIVERY_MODES),
        programs: tuple[str, ...] = programs,
    ) -> ViewState:
        return ViewState(OutcomeKey.parse(outcome), modes, programs)

    return make


def note(figure: go.Figure) -> str:
    """Every annotation of a figure as one line of text."""
    return " ".join(a.text for a in figure.layout.annotations).replace("<br>", " ")


def is_empty_state(figure: go.Figure, words: str) -> bool:
    return not figure.data and words in note(figure)
