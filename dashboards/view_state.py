"""What a page is showing, as it travels in the URL query string.

A shared link must reproduce the view, so the outcome and the filters live in the query
string (`?outcome=PHQ9.total&mode=guided_asynchronous`), are parsed when the page loads
and rewritten when a control changes. Parsing is forgiving: an unknown outcome falls back
to the default and unknown modes or programs are dropped, so an old link still opens.
A filter equal to "everything" is left out of the URL to keep links short; an empty
selection is written as a blank value (`mode=`) so that it, too, survives a reload.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

OUTCOME_PARAM = "outcome"
MODE_PARAM = "mode"
PROGRAM_PARAM = "program"

# Pain interference is the primary outcome of chronic-pain trials and routine-care
# reports (IMMPACT; Dear et al. 2023), so it is the default view when published.
PREFERRED_OUTCOMES = ("BPI_SF.interference", "PEG.total", "PHQ9.total")


@dataclass(frozen=True, order=True)
class OutcomeKey:
    """An outcome as the contract names it: instrument code and subscale."""

    instrument: str
    scale: str

    @classmethod
    def parse(cls, text: str) -> OutcomeKey:
        """`"PHQ9.total"` -> OutcomeKey("PHQ9", "total")."""
        instrument, dot, scale = text.partition(".")
        if not dot or not instrument or not scale:
            raise ValueError(f"an outcome is written INSTRUMENT.scale, got {text!r}")
        return cls(instrument, scale)

    def __str__(self) -> str:
        return f"{self.instrument}.{self.scale}"


@dataclass(frozen=True)
class ViewState:
    outcome: OutcomeKey
    modes: tuple[str, ...]
    programs: tuple[str, ...]


def _values(query: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    """All values of a parameter, whether repeated (`a=1&a=2`) or comma-joined."""
    raw = query.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [part for item in items for part in item.split(",") if part]


def default_outcome(outcomes: Sequence[OutcomeKey]) -> OutcomeKey:
    available = set(outcomes)
    for text in PREFERRED_OUTCOMES:
        if OutcomeKey.parse(text) in available:
            return OutcomeKey.parse(text)
    return outcomes[0]


def parse_query(
    query: Mapping[str, str | Sequence[str]],
    *,
    outcomes: Sequence[OutcomeKey],
    modes: Sequence[str],
    programs: Sequence[str],
) -> ViewState:
    """The view a query string asks for, restricted to what the warehouse offers.

    `query` is what Dash Pages passes to a layout function (a value per parameter, a list
    when repeated). An absent or fully unknown filter means "all".
    """
    if not outcomes:
        raise ValueError("no outcomes to choose from")
    requested = _values(query, OUTCOME_PARAM)
    outcome = default_outcome(outcomes)
    for text in requested[:1]:
        try:
            candidate = OutcomeKey.parse(text)
        except ValueError:
            continue
        if candidate in outcomes:
            outcome = candidate
    return ViewState(
        outcome=outcome,
        modes=_selection(query, MODE_PARAM, modes),
        programs=_selection(query, PROGRAM_PARAM, programs),
    )


def _selection(
    query: Mapping[str, str | Sequence[str]], name: str, offered: Sequence[str]
) -> tuple[str, ...]:
    """Offered values named in the query; all when absent or unknown, none when blank."""
    if name not in query:
        return tuple(offered)
    wanted = set(_values(query, name))
    if not wanted:
        return ()
    return tuple(v for v in offered if v in wanted) or tuple(offered)


def to_query_string(state: ViewState, *, modes: Sequence[str], programs: Sequence[str]) -> str:
    """`?outcome=...&mode=...` for a view; filters that select everything are omitted."""
    pairs: list[tuple[str, str]] = [(OUTCOME_PARAM, str(state.outcome))]
    for name, chosen, offered in (
        (MODE_PARAM, state.modes, modes),
        (PROGRAM_PARAM, state.programs, programs),
    ):
        if not chosen:
            pairs.append((name, ""))
        elif set(chosen) != set(offered):
            pairs += [(name, value) for value in offered if value in chosen]
    return "?" + urlencode(pairs)
