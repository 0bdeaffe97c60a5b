"""What a page is showing, as it travels in the URL query string.

A shared link must reproduce the view, so the filters live in the query string and every
page reads and writes the same parameters with the same meaning:

| parameter | meaning | absent |
|---|---|---|
| `outcome` | `INSTRUMENT.scale`, e.g. `PHQ9.total` | the preferred default outcome |
| `mode` | delivery modes in view (repeated or comma-joined) | all |
| `program` | programs in view (repeated or comma-joined) | all |
| `period` | referral quarter `YYYY-Qn`, funnel window end `YYYY-MM`, batch; or `all` | `all` |
| `dimension` | equity dimension (`age_band`, `sex`, `rurality`, `language`) | the first |
| `timepoint` | `post_treatment` or `follow_up` (effectiveness) | the first offered |
| `indicator` | safety indicator (`phq9_reliable_deterioration`, ...) | the first offered |

`period` is a referral quarter on Engagement, the last month of an earlier funnel window
on Safety (`all` is the latest window) and a delivery batch on Data quality.

Pages that report on one reporting unit (Engagement, Equity) read the same `program` and
`mode` parameters: one program in view is that program, else one delivery mode in view
is that mode, else all iCBT programs (`focal_unit`). So a link from the Outcomes page
filtered to one program opens the Engagement page on that program.

Parsing is forgiving: unknown values fall back to the default and unknown modes or
programs are dropped, so an old link still opens. A filter equal to "everything" is left
out of the URL to keep links short; an empty selection is written as a blank value
(`mode=`) so that it, too, survives a reload.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

OUTCOME_PARAM = "outcome"
MODE_PARAM = "mode"
PROGRAM_PARAM = "program"
PERIOD_PARAM = "period"
DIMENSION_PARAM = "dimension"
TIMEPOINT_PARAM = "timepoint"
INDICATOR_PARAM = "indicator"

ALL_PERIODS = "all"

# Pain interference is the primary outcome of chronic-pain trials and routine-care
# reports (IMMPACT; Dear et al. 2023), so it is the default view when published.
PREFERRED_OUTCOMES = ("BPI_SF.interference", "PEG.total", "PHQ9.total")

Query = Mapping[str, str | Sequence[str]]


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


@dataclass(frozen=True, order=True)
class Unit:
    """A reporting unit of the engagement and equity marts."""

    unit_type: str  # program | delivery_mode | all_icbt
    unit_id: str

    @classmethod
    def parse(cls, text: str) -> Unit:
        """`"program:ICBT05"` -> Unit("program", "ICBT05"), as a select's value."""
        unit_type, colon, unit_id = text.partition(":")
        if not colon or unit_type not in UNIT_TYPES or not unit_id:
            raise ValueError(f"a unit is written TYPE:ID, got {text!r}")
        return cls(unit_type, unit_id)

    def __str__(self) -> str:
        return f"{self.unit_type}:{self.unit_id}"


UNIT_TYPES = ("program", "delivery_mode", "all_icbt")
ALL_ICBT = Unit("all_icbt", "all_icbt")


@dataclass(frozen=True)
class Offer:
    """What the warehouse offers a page to choose from; parameters it lacks are not used."""

    outcomes: Sequence[OutcomeKey] = ()
    modes: Sequence[str] = ()
    programs: Sequence[str] = ()
    periods: Sequence[str] = ()
    dimensions: Sequence[str] = ()
    timepoints: Sequence[str] = ()
    indicators: Sequence[str] = ()


@dataclass(frozen=True)
class ViewState:
    outcome: OutcomeKey | None = None
    modes: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    period: str = ALL_PERIODS
    dimension: str | None = None
    timepoint: str | None = None
    indicator: str | None = None


def _values(query: Query, name: str) -> list[str]:
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


def _outcome(query: Query, outcomes: Sequence[OutcomeKey]) -> OutcomeKey | None:
    if not outcomes:
        return None
    for text in _values(query, OUTCOME_PARAM)[:1]:
        try:
            candidate = OutcomeKey.parse(text)
        except ValueError:
            continue
        if candidate in outcomes:
            return candidate
    return default_outcome(outcomes)


def _selection(query: Query, name: str, offered: Sequence[str]) -> tuple[str, ...]:
    """Offered values named in the query; all when absent or unknown, none when blank."""
    if name not in query:
        return tuple(offered)
    wanted = set(_values(query, name))
    if not wanted:
        return ()
    return tuple(v for v in offered if v in wanted) or tuple(offered)


def _choice(query: Query, name: str, offered: Sequence[str], default: str | None) -> str | None:
    for value in _values(query, name)[:1]:
        if value in offered:
            return value
    return default


def parse_query(query: Query, offer: Offer) -> ViewState:
    """The view a query string asks for, restricted to what the warehouse offers.

    `query` is what Dash Pages passes to a layout function (a value per parameter, a list
    when repeated). An absent or fully unknown filter means "all".
    """
    first_dimension = offer.dimensions[0] if offer.dimensions else None
    first_timepoint = offer.timepoints[0] if offer.timepoints else None
    first_indicator = offer.indicators[0] if offer.indicators else None
    return ViewState(
        outcome=_outcome(query, offer.outcomes),
        modes=_selection(query, MODE_PARAM, offer.modes),
        programs=_selection(query, PROGRAM_PARAM, offer.programs),
        period=_choice(query, PERIOD_PARAM, offer.periods, ALL_PERIODS) or ALL_PERIODS,
        dimension=_choice(query, DIMENSION_PARAM, offer.dimensions, first_dimension),
        timepoint=_choice(query, TIMEPOINT_PARAM, offer.timepoints, first_timepoint),
        indicator=_choice(query, INDICATOR_PARAM, offer.indicators, first_indicator),
    )


def to_query_string(state: ViewState, offer: Offer) -> str:
    """`?outcome=...&mode=...` for a view; filters that select everything are omitted."""
    pairs: list[tuple[str, str]] = []
    if offer.outcomes and state.outcome is not None:
        pairs.append((OUTCOME_PARAM, str(state.outcome)))
    for name, chosen, offered in (
        (MODE_PARAM, state.modes, offer.modes),
        (PROGRAM_PARAM, state.programs, offer.programs),
    ):
        if not offered:
            continue
        if not chosen:
            pairs.append((name, ""))
        elif set(chosen) != set(offered):
            pairs += [(name, value) for value in offered if value in chosen]
    if offer.periods and state.period != ALL_PERIODS:
        pairs.append((PERIOD_PARAM, state.period))
    if offer.dimensions and state.dimension not in (None, offer.dimensions[0]):
        pairs.append((DIMENSION_PARAM, str(state.dimension)))
    if offer.timepoints and state.timepoint not in (None, offer.timepoints[0]):
        pairs.append((TIMEPOINT_PARAM, str(state.timepoint)))
    if offer.indicators and state.indicator not in (None, offer.indicators[0]):
        pairs.append((INDICATOR_PARAM, str(state.indicator)))
    return "?" + urlencode(pairs) if pairs else ""


def focal_unit(state: ViewState, offer: Offer) -> Unit:
    """The one unit a unit page reports on: one program, else one mode, else all iCBT."""
    if len(state.programs) == 1 and len(offer.programs) > 1:
        return Unit("program", state.programs[0])
    if len(state.modes) == 1 and len(offer.modes) > 1:
        return Unit("delivery_mode", state.modes[0])
    return ALL_ICBT


def with_unit(state: ViewState, unit: Unit, offer: Offer) -> ViewState:
    """`state` with the program and mode filters that select `unit` (see `focal_unit`)."""
    programs = tuple(offer.programs)
    modes = tuple(offer.modes)
    if unit.unit_type == "program":
        programs = (unit.unit_id,)
    elif unit.unit_type == "delivery_mode":
        modes = (unit.unit_id,)
    return replace(state, modes=modes, programs=programs)
