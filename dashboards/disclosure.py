"""Interval audit of a suppression pattern, and the secondary suppression it drives.

Statistical disclosure control checks a suppression pattern by computing, for every
suppressed cell, the feasibility interval: the smallest and largest value the cell can take
given everything published (shown cells, published totals, known relations between cells,
non-negativity), found by linear programming with integrality relaxed (Hundepool et al.,
Statistical Disclosure Control, Wiley 2012, chapters 4 and 5: auditing a suppression
pattern, feasibility intervals and protection levels; the check tau-ARGUS runs after
secondary suppression). A relaxed interval is never narrower than the integer one, so a
pattern this audit fails is unsafe; one it passes is safe against linear reasoning (an
attacker solving the integer problem could narrow an interval further).

The protection rule for counts under a threshold rule (counts 1 to t - 1 are disclosive,
t from config/suppression.yaml) is checked against two attackers (`protects`):

- From the numbers alone (shown cells, totals, nestings, non-negativity), a sensitive
  quantity, one whose true value is 1 to t - 1, must keep a feasibility interval that
  reaches outside the disclosive range: it contains 0 or a value of at least t. Otherwise
  the arithmetic alone tells that 1 to t - 1 people are in the cell.
- From the numbers and the labels: the dashboard labels a count that is itself small "<t"
  (so its range 1 to t - 1 is published on purpose, the common "<5" practice) and any other
  hidden count "s" (a complement, never zero and never small: at least t). With those
  bounds the exact value of a sensitive quantity must stay unknown: the interval holds
  more than one integer.

Sensitive quantities are the suppressed cells and, since a count that is a subset of
another leaves their difference as a count of people, the difference of every related
pair (shown or not).

Most quantities are protected by a wide margin, so `audit` first certifies them in bulk:
one linear programme per part of the table pushes every uncertified quantity towards the
value that would protect it at once (a feasible point where a quantity reaches it is proof
for that quantity), and only those left over get their exact interval, two programmes
each. `protect` is the secondary suppression the per-mart rules cannot do alone: it hides
one more cell next to each quantity the audit still finds pinned, until none is.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.optimize import linprog
from scipy.sparse import coo_array, csr_array, hstack, vstack

from dashboards.suppression import SuppressionSpec, nested_relations

# A count cell anywhere in what is published: any hashable key (mart, row key, column).
CellKey = Hashable
# Rounds a quantity may stay pinned with one more neighbour hidden each time before all
# its shown neighbours are hidden at once (fewer rounds against more cells hidden).
ESCALATE_AFTER = 2
# Relaxed bounds are rounded to integers with this tolerance (the LP solver's accuracy).
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Equation:
    """sum(coefficient * cell) == constant, known to the attacker."""

    terms: Mapping[CellKey, int]
    constant: int = 0


@dataclass
class Published:
    """What the attacker knows: each cell's shown value (None: suppressed), equations
    (published totals, totals that are other cells) and (larger, smaller) pairs of
    nested counts. `true` holds every cell's real value, for the audit only."""

    true: dict[CellKey, int] = field(default_factory=dict)
    shown: dict[CellKey, int | None] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)
    nested: list[tuple[CellKey, CellKey]] = field(default_factory=list)
    bounds: dict[CellKey, tuple[float, float]] = field(default_factory=dict)
    """Per hidden cell, what its label tells (absent: from the numbers alone, 0 to inf)."""
    labelled: bool = False
    """Whether the attacker reads the labels (and `bounds` holds them)."""

    def add_cell(self, key: CellKey, true: int, shown: int | None) -> None:
        """One count cell; a cell added twice (a count two marts publish) must be the
        same number, shown or hidden alike in both."""
        if shown is not None and shown != true:
            raise ValueError(f"{key}: shown {shown} but true {true} (rounding is not modelled)")
        if key in self.true and (self.true[key], self.shown[key]) != (true, shown):
            raise ValueError(
                f"{key} published twice differently: {self.true[key]}/{self.shown[key]} "
                f"and {true}/{shown}"
            )
        self.true[key] = true
        self.shown[key] = shown

    def add_label(self, key: CellKey, small: bool, threshold: int) -> None:
        """A hidden cell's label: "<t" (1 to t - 1) or "s" (at least t)."""
        self.labelled = True
        self.bounds[key] = (1, threshold - 1) if small else (threshold, math.inf)

    def check_truth(self) -> None:
        """The true table satisfies every constraint: otherwise the audit models a
        relation the data do not have, and its intervals mean nothing."""
        for equation in self.equations:
            total = sum(c * self.true[k] for k, c in equation.terms.items())
            if total != equation.constant:
                raise ValueError(f"equation does not hold on the true table: {equation}")
        for big, small in self.nested:
            if self.true[big] < self.true[small]:
                raise ValueError(f"nesting does not hold: {big}={self.true[big]} < {small}")
        for key, (low, high) in self.bounds.items():
            if not low <= self.true[key] <= high:
                raise ValueError(f"label bounds {low}..{high} do not hold for {key}")

    def neighbours(self) -> dict[CellKey, set[CellKey]]:
        """Cells that share an equation or a nesting with each cell."""
        near: dict[CellKey, set[CellKey]] = defaultdict(set)
        groups: Iterable[Iterable[CellKey]] = (
            *(e.terms for e in self.equations),
            *self.nested,
        )
        for group in groups:
            members = list(group)
            for cell in members:
                near[cell].update(members)
        return near


@dataclass(frozen=True)
class Finding:
    """A sensitive quantity whose feasibility interval fails the protection rule."""

    quantity: tuple[CellKey, ...]
    """One cell, or (larger, smaller) for a nested difference."""
    true: int
    low: float
    high: float


def protects(low: float, high: float, true: int, threshold: int, *, labelled: bool) -> bool:
    """Whether a feasibility interval [low, high] protects a quantity whose true value is
    `true`: a non-sensitive value needs nothing; a sensitive one (1 to threshold - 1) needs
    an interval that contains 0 or reaches the threshold, or, against an attacker who
    reads the labels, more than one value."""
    if not 1 <= true < threshold:
        return True
    if labelled:
        return high > low
    return low <= 0 or high >= threshold


@dataclass(frozen=True)
class _System:
    """One connected part of the LP: its variables and constraints as matrices."""

    position: dict[int, int]
    a_eq: csr_array | None
    b_eq: np.ndarray | None
    a_ub: csr_array | None
    b_ub: np.ndarray | None
    bounds: list[tuple[float | None, float | None]]


@dataclass(frozen=True)
class _Quantity:
    """A sensitive quantity as a linear function of hidden cells: sum(row) - constant."""

    index: int
    cells: tuple[CellKey, ...]
    row: dict[int, int]
    constant: int
    true: int


class _Problem:
    """The LP over suppressed cells, shown cells substituted as constants."""

    def __init__(self, published: Published) -> None:
        self.published = published
        self.hidden = [k for k, v in published.shown.items() if v is None]
        self.index = {k: i for i, k in enumerate(self.hidden)}
        rows_eq, rhs_eq, rows_ub, rhs_ub = [], [], [], []
        for equation in published.equations:
            row, constant = self.row(equation.terms, equation.constant)
            if row:
                rows_eq.append(row)
                rhs_eq.append(constant)
        for big, small in published.nested:
            # small - big <= 0
            row, constant = self.row({small: 1, big: -1}, 0)
            if row:
                rows_ub.append(row)
                rhs_ub.append(constant)
        self.rows_eq, self.rhs_eq = rows_eq, rhs_eq
        self.rows_ub, self.rhs_ub = rows_ub, rhs_ub
        self.component = self._components()
        self._systems: dict[int, _System] = {}

    def row(self, terms: Mapping[CellKey, int], constant: int) -> tuple[dict[int, int], int]:
        """`terms` over hidden cells only, the shown ones moved into the constant."""
        row: dict[int, int] = defaultdict(int)
        for key, coefficient in terms.items():
            value = self.published.shown[key]
            if value is None:
                row[self.index[key]] += coefficient
            else:
                constant -= coefficient * value
        return {i: c for i, c in row.items() if c}, constant

    def _components(self) -> list[int]:
        """Union-find over variables that share a constraint: each LP solves one part."""
        parent = list(range(len(self.hidden)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for row in (*self.rows_eq, *self.rows_ub):
            first, *rest = list(row)
            for other in rest:
                parent[find(other)] = find(first)
        return [find(i) for i in range(len(self.hidden))]

    def system(self, root: int) -> _System:
        """The constraints of one component, built once."""
        if root not in self._systems:
            variables = [i for i in range(len(self.hidden)) if self.component[i] == root]
            position = {v: p for p, v in enumerate(variables)}

            def matrix(rows: Sequence[dict[int, int]], rhs: Sequence[int]):
                kept = [
                    (r, b)
                    for r, b in zip(rows, rhs, strict=True)
                    if self.component[next(iter(r))] == root
                ]
                if not kept:
                    return None, None
                entries = [
                    (n, position[i], c) for n, (r, _) in enumerate(kept) for i, c in r.items()
                ]
                rows_, columns, values = zip(*entries, strict=True)
                shape = (len(kept), len(variables))
                a = coo_array((values, (rows_, columns)), shape=shape, dtype=float)
                return a.tocsr(), np.array([b for _, b in kept], dtype=float)

            bounds = [
                tuple(
                    None if math.isinf(b) else b
                    for b in self.published.bounds.get(self.hidden[i], (0, math.inf))
                )
                for i in variables
            ]
            self._systems[root] = _System(
                position,
                *matrix(self.rows_eq, self.rhs_eq),
                *matrix(self.rows_ub, self.rhs_ub),
                bounds,  # type: ignore[arg-type]
            )
        return self._systems[root]

    def extreme(self, quantity: _Quantity, sign: int) -> float:
        """The smallest (sign 1) or largest (sign -1) value of a quantity, rounded inwards
        to an integer (infinite where nothing bounds it)."""
        if not quantity.row:
            return -quantity.constant
        system = self.system(self.component[next(iter(quantity.row))])
        cost = np.zeros(len(system.position))
        for i, c in quantity.row.items():
            cost[system.position[i]] = sign * c
        result = linprog(
            cost,
            A_ub=system.a_ub,
            b_ub=system.b_ub,
            A_eq=system.a_eq,
            b_eq=system.b_eq,
            bounds=system.bounds,
        )
        if result.status == 3:  # unbounded in this direction
            return -sign * math.inf
        if result.status != 0:
            raise RuntimeError(f"audit LP failed ({result.message}) for {quantity.cells}")
        value = sign * result.fun - quantity.constant
        return math.ceil(value - TOLERANCE) if sign == 1 else math.floor(value + TOLERANCE)

    def certify(
        self, root: int, quantities: Sequence[_Quantity], targets: Sequence[float], direction: int
    ) -> list[bool]:
        """Which quantities one feasible point takes to their target or beyond (up for
        direction 1, down for -1): capped copies y <= q (up) are maximised together."""
        system = self.system(root)
        n, k = len(system.position), len(quantities)
        entries = [
            (j, system.position[i], -direction * c)
            for j, q in enumerate(quantities)
            for i, c in q.row.items()
        ]
        entries += [(j, n + j, direction) for j in range(k)]
        rows_, columns, values = zip(*entries, strict=True)
        link = coo_array((values, (rows_, columns)), shape=(k, n + k), dtype=float).tocsr()
        link_rhs = np.array([-direction * q.constant for q in quantities], dtype=float)
        a_ub, b_ub = link, link_rhs
        if system.a_ub is not None:
            a_ub = vstack([hstack([system.a_ub, csr_array((system.a_ub.shape[0], k))]), link])
            b_ub = np.concatenate([system.b_ub, link_rhs])
        a_eq = None
        if system.a_eq is not None:
            a_eq = hstack([system.a_eq, csr_array((system.a_eq.shape[0], k))]).tocsr()
        caps = [(None, t) if direction == 1 else (t, None) for t in targets]
        cost = np.concatenate([np.zeros(n), np.full(k, -float(direction))])
        result = linprog(
            cost,
            A_ub=a_ub.tocsr(),
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=system.b_eq,
            bounds=[*system.bounds, *caps],
        )
        if result.status != 0:
            raise RuntimeError(f"certification LP failed ({result.message})")
        reached = result.x[n:]
        return [
            (y >= t - TOLERANCE) if direction == 1 else (y <= t + TOLERANCE)
            for y, t in zip(reached, targets, strict=True)
        ]


def _sensitive(published: Published, problem: _Problem, threshold: int) -> list[_Quantity]:
    objectives: list[tuple[tuple[CellKey, ...], dict[CellKey, int]]] = [
        ((key,), {key: 1}) for key in problem.hidden
    ]
    objectives += [((big, small), {big: 1, small: -1}) for big, small in published.nested]
    quantities = []
    for index, (cells, objective) in enumerate(objectives):
        true = sum(c * published.true[k] for k, c in objective.items())
        if 1 <= true < threshold:
            row, constant = problem.row(objective, 0)
            quantities.append(_Quantity(index, cells, row, constant, true))
    return quantities


def _targets(quantity: _Quantity, threshold: int, labelled: bool) -> tuple[int, int]:
    """The values that would protect a quantity: reaching `up` or `down` is enough."""
    if labelled:
        return quantity.true + 1, quantity.true - 1
    return threshold, 0


def audit(published: Published, threshold: int) -> list[Finding]:
    """Every sensitive suppressed cell and nested difference the published data pin
    inside 1 to threshold - 1, with its feasibility interval, in the order of the cells
    and then the nestings."""
    published.check_truth()
    problem = _Problem(published)
    labelled = published.labelled
    open_by_part: dict[int, list[_Quantity]] = defaultdict(list)
    fixed: list[_Quantity] = []
    for quantity in _sensitive(published, problem, threshold):
        if quantity.row:
            open_by_part[problem.component[next(iter(quantity.row))]].append(quantity)
        else:
            fixed.append(quantity)
    left = list(fixed)
    for root, pending in open_by_part.items():
        for direction in (1, -1):
            while pending:
                targets = [
                    _targets(q, threshold, labelled)[0 if direction == 1 else 1] for q in pending
                ]
                reached = problem.certify(root, pending, targets, direction)
                if not any(reached):
                    break
                pending = [q for q, done in zip(pending, reached, strict=True) if not done]
        left += pending
    findings = []
    for quantity in sorted(left, key=lambda q: q.index):
        high = problem.extreme(quantity, -1)
        low = problem.extreme(quantity, 1)
        if not low <= quantity.true <= high:
            raise AssertionError(
                f"true value {quantity.true} of {quantity.cells} outside [{low}, {high}]"
            )
        if not protects(low, high, quantity.true, threshold, labelled=labelled):
            findings.append(Finding(quantity.cells, quantity.true, low, high))
    return findings


def protect(
    publish: Callable[[frozenset[CellKey]], Published],
    threshold: int,
    hideable: Callable[[CellKey], bool],
    rank: Callable[[CellKey], int] = lambda cell: 0,
    last_resort: Callable[[CellKey], bool] = lambda cell: False,
) -> frozenset[CellKey]:
    """Cells to hide beyond the per-mart rules so that the audit finds nothing.

    `publish(extra)` is what the dashboard shows with `extra` hidden as well (the rules
    run again around them, so each gets its complements). Next to every quantity still
    pinned, the smallest shown non-zero cell it shares a relation with is hidden (of the
    lowest `rank` first, e.g. a program before its delivery mode's total; then the
    smallest, as tau-ARGUS's heuristics do, to lose the least information), or, where every
    such cell is hidden already, the nearest shown one further out. A quantity still
    pinned after that gets all its shown neighbours of the lowest rank hidden at once.
    Cells only `last_resort` allows are hidden where nothing `hideable` is left in reach.
    Repeated until the audit passes; every round hides at least one more cell, so it ends.
    """
    extra: frozenset[CellKey] = frozenset()
    tried: Counter[tuple[CellKey, ...]] = Counter()
    while True:
        published = publish(extra)
        findings = audit(published, threshold)
        if not findings:
            return extra
        near = published.neighbours()
        chosen: set[CellKey] = set()
        for finding in findings:
            most = None if tried[finding.quantity] >= ESCALATE_AFTER else 1
            # Zeros come after other cells: they are often known from elsewhere.
            for allowed, zeros in (
                (hideable, False),
                (hideable, True),
                (last_resort, False),
                (last_resort, True),
            ):
                around = _shown_around(
                    published, near, finding.quantity, allowed, rank, most, zeros=zeros
                )
                if around:
                    chosen |= around
                    break
            tried[finding.quantity] += 1
        if not chosen - extra:
            raise RuntimeError(f"no cell left to hide for {findings[0]}")
        extra = extra | chosen


def _shown_around(
    published: Published,
    near: Mapping[CellKey, set[CellKey]],
    start: Sequence[CellKey],
    hideable: Callable[[CellKey], bool],
    rank: Callable[[CellKey], int],
    most: int | None = None,
    *,
    zeros: bool = False,
) -> set[CellKey]:
    """The shown non-zero (or, with `zeros`, zero) hideable cells of the lowest rank at
    the first distance from `start` that has any, searching outwards through relations;
    with `most`, only that many, smallest first."""

    def candidate(cell: CellKey) -> bool:
        value = published.shown[cell]
        return value is not None and (value > 0 or zeros) and hideable(cell)

    seen = set(start)
    frontier = list(start)
    while frontier:
        candidates = sorted(filter(candidate, frontier), key=lambda c: (published.true[c], str(c)))
        if candidates:
            return set(candidates[:most])
        following = []
        for cell in frontier:
            for other in near.get(cell, ()):
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        frontier = following
    return set()


def add_frame(
    published: Published,
    true: pl.DataFrame,
    shown: pl.DataFrame,
    spec: SuppressionSpec,
    *,
    level: Sequence[int],
    key: Callable[[int, str], CellKey],
) -> None:
    """Add what one suppressed frame publishes, as its spec declares it: every count cell
    (a key already in `published` is another mart's cell, taken as it is there; a null
    true count is no cell), the totals of each of the spec's groups (the row of the
    highest `level` is the sum of the others) and its nested counts. A relation the true
    counts break is left out: a reader cannot learn anything true from it."""
    counts = {c: (true[c].to_list(), shown[c].to_list()) for c in spec.counts}
    for count, (values, served) in counts.items():
        for row, (value, seen) in enumerate(zip(values, served, strict=True)):
            cell = key(row, count)
            if value is not None and cell not in published.true:
                published.add_cell(cell, value, seen)
    for count in spec.counts:
        for columns in spec.groups_for(count):
            groups = true.select(list(columns)).rows() if columns else [()] * true.height
            members: dict[tuple, list[int]] = defaultdict(list)
            for row, group in enumerate(groups):
                if None not in group and key(row, count) in published.true:
                    members[group].append(row)
            for rows in members.values():
                top = max(level[row] for row in rows)
                totals = [row for row in rows if level[row] == top]
                parts = [key(row, count) for row in rows if level[row] != top]
                if len(totals) != 1 or not parts:
                    continue
                equation = Equation({**dict.fromkeys(parts, 1), key(totals[0], count): -1})
                if sum(c * published.true[k] for k, c in equation.terms.items()) == 0:
                    published.equations.append(equation)
    for (big_row, big), (small_row, small) in nested_relations(true, spec):
        pair = (key(big_row, big), key(small_row, small))
        known = all(cell in published.true for cell in pair)
        if known and published.true[pair[0]] >= published.true[pair[1]]:
            published.nested.append(pair)
