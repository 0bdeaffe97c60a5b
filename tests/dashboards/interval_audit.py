"""Interval audit of suppressed tables: what an attacker can still work out by arithmetic.

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

This module is the attacker's side only: it builds the constraints from a description of
what is published (`Published`), never from the suppression code's own decisions.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.optimize import linprog
from scipy.sparse import coo_array

from dashboards.suppression import SMALL_SUFFIX, SuppressionRules, SuppressionSpec

# A count cell anywhere in what is published: any hashable key (mart, row key, column).
CellKey = Hashable
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


class _Problem:
    """The LP over suppressed cells, shown cells substituted as constants."""

    def __init__(self, published: Published) -> None:
        self.published = published
        self.hidden = [k for k, v in published.shown.items() if v is None]
        self.index = {k: i for i, k in enumerate(self.hidden)}
        rows_eq, rhs_eq, rows_ub, rhs_ub = [], [], [], []
        for equation in published.equations:
            row, constant = self._row(equation.terms, equation.constant)
            if row:
                rows_eq.append(row)
                rhs_eq.append(constant)
        for big, small in published.nested:
            # small - big <= 0
            row, constant = self._row({small: 1, big: -1}, 0)
            if row:
                rows_ub.append(row)
                rhs_ub.append(constant)
        self.rows_eq, self.rhs_eq = rows_eq, rhs_eq
        self.rows_ub, self.rhs_ub = rows_ub, rhs_ub
        self.component = self._components()
        self._systems: dict[frozenset[int], tuple] = {}

    def _row(self, terms: Mapping[CellKey, int], constant: int) -> tuple[dict[int, int], int]:
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

    def _system(self, roots: frozenset[int]) -> tuple:
        """The constraints of the variables in `roots`' components, as matrices (built
        once per set of components: a cell and the differences it is part of share it)."""
        if roots not in self._systems:
            self._systems[roots] = self._build_system(roots)
        return self._systems[roots]

    def _build_system(self, roots: frozenset[int]) -> tuple:
        variables = [i for i in range(len(self.hidden)) if self.component[i] in roots]
        position = {v: p for p, v in enumerate(variables)}

        def matrix(rows: Sequence[dict[int, int]], rhs: Sequence[int]):
            kept = [
                (r, b)
                for r, b in zip(rows, rhs, strict=True)
                if self.component[next(iter(r))] in roots
            ]
            if not kept:
                return None, None
            entries = [(n, position[i], c) for n, (r, _) in enumerate(kept) for i, c in r.items()]
            rows, columns, values = zip(*entries, strict=True)
            a = coo_array((values, (rows, columns)), shape=(len(kept), len(variables)))
            return a.tocsr(), np.array([b for _, b in kept], dtype=float)

        variable_bounds = [
            tuple(None if math.isinf(b) else b for b in self.published.bounds.get(k, (0, math.inf)))
            for k in (self.hidden[i] for i in variables)
        ]
        return (
            variables,
            position,
            *matrix(self.rows_eq, self.rhs_eq),
            *matrix(self.rows_ub, self.rhs_ub),
            variable_bounds,
        )

    def extreme(self, objective: Mapping[CellKey, int], sign: int) -> float:
        """The smallest (sign 1) or largest (sign -1) value of sum(coefficient * cell),
        rounded inwards to an integer (infinite where nothing bounds it)."""
        row, constant = self._row(objective, 0)
        if not row:
            return -constant
        roots = frozenset(self.component[i] for i in row)
        variables, position, a_eq, b_eq, a_ub, b_ub, variable_bounds = self._system(roots)
        cost = np.zeros(len(variables))
        for i, c in row.items():
            cost[position[i]] = sign * c
        result = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=variable_bounds)
        if result.status == 3:  # unbounded in this direction
            return -sign * math.inf
        if result.status != 0:
            raise RuntimeError(f"audit LP failed ({result.message}) for {objective}")
        value = sign * result.fun - constant
        return math.ceil(value - TOLERANCE) if sign == 1 else math.floor(value + TOLERANCE)


def audit(published: Published, threshold: int) -> list[Finding]:
    """Every sensitive suppressed cell and nested difference the published data pin
    inside 1 to threshold - 1, with its feasibility interval."""
    published.check_truth()
    problem = _Problem(published)
    findings = []
    quantities: list[tuple[tuple[CellKey, ...], dict[CellKey, int]]] = [
        ((key,), {key: 1}) for key in problem.hidden
    ]
    quantities += [((big, small), {big: 1, small: -1}) for big, small in published.nested]
    for quantity, objective in quantities:
        true = sum(c * published.true[k] for k, c in objective.items())
        if not 1 <= true < threshold:
            continue
        high = problem.extreme(objective, -1)
        if high >= threshold and not published.labelled:
            continue  # protected whatever the lower end
        low = problem.extreme(objective, 1)
        if not low <= true <= high:
            raise AssertionError(f"true value {true} of {quantity} outside [{low}, {high}]")
        if not protects(low, high, true, threshold, labelled=published.labelled):
            findings.append(Finding(quantity, true, low, high))
    return findings


def nested_pairs(frame: pl.DataFrame, spec: SuppressionSpec) -> list[tuple[int, str, int, str]]:
    """(row, larger count, row, smaller count) of every related pair the spec declares:
    every two counts of a `nested` chain in one row, every two rows of a `nested_rows`
    nesting in one group. Written from the spec's documentation, independently of
    `dashboards.suppression.nested_relations`."""
    pairs = []
    for chain in spec.nested:
        for i, big in enumerate(chain):
            for small in chain[i + 1 :]:
                pairs += [(row, big, row, small) for row in range(frame.height)]
    for nesting in spec.nested_rows:
        groups: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
        keys = frame.select(list(nesting.within)).rows() if nesting.within else [()] * frame.height
        for row, (key, value) in enumerate(zip(keys, frame[nesting.by], strict=True)):
            rank = nesting.rank(value)
            if rank is not None and None not in key:
                groups[key].append((rank, row))
        for members in groups.values():
            for rank_big, big in members:
                for rank_small, small in members:
                    if rank_big < rank_small:
                        pairs.append((big, nesting.count, small, nesting.count))
    return pairs


def add_table(
    published: Published,
    original: pl.DataFrame,
    suppressed: pl.DataFrame,
    spec: SuppressionSpec,
    rules: SuppressionRules,
    *,
    level: str,
    key: Callable[[int, str], CellKey] = lambda row, count: (row, count),
    labelled: bool = False,
) -> None:
    """Add what one suppressed frame publishes, its totals being rows of it as in the marts
    (a delivery mode's row beside its programs): every count cell; in each group of each
    of the spec's `total_groups`/`count_groups`, the row of the highest `level` equals the
    sum of the others; the spec's nested pairs; when `labelled`, the hidden cells' labels.
    `original` and `suppressed` have the same rows; `key` names a cell (the same key in
    two frames is one cell: a count two marts publish)."""
    if rules.round_counts:
        raise ValueError("the audit models exact shown counts; rounding is not modelled")
    levels = original[level].to_list()
    for count in spec.counts:
        for row, (true, shown) in enumerate(zip(original[count], suppressed[count], strict=True)):
            if true is not None:
                published.add_cell(key(row, count), true, shown)
                if labelled and shown is None:
                    small = suppressed[count + SMALL_SUFFIX][row]
                    published.add_label(key(row, count), small, rules.threshold)
        for columns in spec.groups_for(count):
            keys = original.select(list(columns)).rows() if columns else [()] * original.height
            members: dict[tuple, list[int]] = defaultdict(list)
            for row, group in enumerate(keys):
                if None not in group and original[count][row] is not None:
                    members[group].append(row)
            for rows in members.values():
                top = max(levels[row] for row in rows)
                totals = [row for row in rows if levels[row] == top]
                parts = [row for row in rows if levels[row] != top]
                if len(totals) == 1 and parts:
                    terms = {key(row, count): 1 for row in parts}
                    published.equations.append(Equation({**terms, key(totals[0], count): -1}))
    for big_row, big, small_row, small in nested_pairs(original, spec):
        big_key, small_key = key(big_row, big), key(small_row, small)
        if big_key in published.true and small_key in published.true:
            published.nested.append((big_key, small_key))


def published_table(
    original: pl.DataFrame,
    suppressed: pl.DataFrame,
    spec: SuppressionSpec,
    rules: SuppressionRules,
    *,
    level: str,
    labelled: bool = False,
) -> Published:
    """What one suppressed frame publishes (`add_table`), cells keyed (row, count)."""
    published = Published()
    add_table(published, original, suppressed, spec, rules, level=level, labelled=labelled)
    return published
