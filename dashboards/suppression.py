"""Small-cell suppression, applied when numbers are shown or downloaded, never in the warehouse.

The warehouse keeps exact counts so methods can be audited and thresholds changed without
a pipeline run; everything that leaves through the dashboard passes through `suppress`.
The rule follows common disclosure-control practice (Manitoba Centre for Health Policy's
small-number policy; NHS Digital's "Disclosure control methodology for HES and ECDS",
2018; see config/suppression.yaml):

1. A count from 1 to threshold - 1 is suppressed; zero is shown.
2. Complementary suppression: where the dashboard shows a total over a group of cells and
   exactly one of them is hidden, or the hidden ones add up to less than the threshold
   (or to exactly what their labels allow, "<5" being 1 to 4 and "s" at least 5), the
   total would reveal them by subtraction, so the smallest other non-zero cell of the
   group is hidden too (repeated until stable, so a cell hidden for one total is accounted
   for in every other). Which totals are shown is declared per mart (dashboards/marts/
   and the rule in dashboards/README.md).
3. Nested counts: where one count of a row is a subset of another (funnel stages,
   started >= started within a waiting-time standard), their difference is a count of
   people too. Wherever two shown related counts of one row differ by 1 to threshold - 1,
   the smaller is hidden (the larger, if the smaller is decided by another mart); and a
   hidden count is never left pinned between a shown larger and a shown smaller relative
   of the same value. Rules 2 and 3 are repeated together until stable, so a cell hidden
   for a difference is protected in its totals and a complement in its relatives.
4. Every value computed on a suppressed count (rate, mean, SD, CI) is suppressed with it.
5. Optionally, counts still shown are rounded to the nearest `rounding_base`.

These rules are local. Where marts share counts and add up across each other (funnel,
waits, equity), an interval audit of all of them together hides more cells until no
chain of relations pins a small count (dashboards/disclosure.py `protect`).

Suppressed values become null and each declared column gets a boolean `<col>_suppressed`
flag; counts also get `<col>_small`, true when the count itself was below the threshold
(as opposed to hidden for complementary reasons, totals or differences alike), which
decides the label a table shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from pydantic import Field

from pipelines.config_models import ConfigModel, config_path, load_config

SUPPRESSED_SUFFIX = "_suppressed"
SMALL_SUFFIX = "_small"

# One count cell of a frame: (row index, count column).
Cell = tuple[int, str]


class SuppressionLabels(ConfigModel):
    # A count between 1 and threshold - 1; {threshold} is filled in.
    small_count: str = "<{threshold}"
    # Anything else hidden (a value on a small count, a complementary suppression).
    suppressed: str = "s"


class SuppressionRules(ConfigModel):
    """Thresholds and labels, as read from config/suppression.yaml."""

    threshold: int = Field(default=5, ge=1)
    round_counts: bool = False
    rounding_base: int = Field(default=5, ge=1)
    labels: SuppressionLabels = SuppressionLabels()

    @property
    def small_count_label(self) -> str:
        return self.labels.small_count

    @property
    def suppressed_label(self) -> str:
        return self.labels.suppressed

    @property
    def small_label(self) -> str:
        """Label of a count below the threshold, e.g. "<5"."""
        return self.small_count_label.format(threshold=self.threshold)

    def legend(self) -> str:
        """One sentence explaining the labels, for table footnotes."""
        text = (
            f"{self.small_label}: a count between 1 and {self.threshold - 1}, not shown to "
            f"protect privacy. {self.suppressed_label}: suppressed because it is computed "
            "from such a count, or because a total or a related count could reveal one."
        )
        if self.round_counts:
            text += f" Other counts are rounded to the nearest {self.rounding_base}."
        return text


def load_rules(path: Path | None = None) -> SuppressionRules:
    """Read the suppression rules; the project's config file unless a path is given."""
    return load_config(SuppressionRules, path or config_path("suppression.yaml"))


@dataclass(frozen=True)
class NestedRows:
    """Rows of one count that are nested counts of the same people.

    Among rows sharing the `within` columns, the row whose `by` is `order[0]` counts a
    superset of the row whose `by` is `order[1]`, and so on; without `order`, a larger
    `by` counts a superset of a smaller one (a unit's episodes started within 126 days
    include those within 42, on the next row).
    """

    count: str
    by: str
    within: Sequence[str] = ()
    order: Sequence[object] | None = None

    def rank(self, value: object) -> float | None:
        """Position of a row from the largest count (0) down; None: not in the nesting."""
        if self.order is not None:
            return float(self.order.index(value)) if value in self.order else None
        return -float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class SuppressionSpec:
    """What a frame's numbers mean for disclosure control.

    `dependents` maps each count column to the value columns computed on it (a value
    listed under several counts is hidden when any of them is). `total_groups` lists the
    column sets whose totals the dashboard shows somewhere (on any page, in any view or
    download): each set defines groups (`()` is the whole frame, a null value leaves a
    row out) within which complementary suppression applies. `count_groups` overrides
    them for single counts (`()` for a count whose protection is inherited from the mart
    that publishes it first). `nested` lists chains of counts of one row, largest first,
    each a subset of the one before (referred, enrolled, started, ...): every two counts of
    a chain differ by a count of people, which must not be a small one. `nested_rows`
    does the same for rows of one count (`NestedRows`).
    """

    dependents: Mapping[str, Sequence[str]]
    total_groups: Sequence[Sequence[str]] = field(default=())
    count_groups: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)
    nested: Sequence[Sequence[str]] = field(default=())
    nested_rows: Sequence[NestedRows] = field(default=())

    def groups_for(self, count: str) -> Sequence[Sequence[str]]:
        """The total groups of one count: its own in `count_groups`, else `total_groups`."""
        return self.count_groups.get(count, self.total_groups)

    @property
    def counts(self) -> tuple[str, ...]:
        return tuple(self.dependents)

    @property
    def nested_pairs(self) -> tuple[tuple[str, str], ...]:
        """(larger, smaller) for every two counts of a chain, each once: all of them, not
        only neighbours, since any two of a chain differ by a count."""
        pairs = (
            (chain[i], chain[j])
            for chain in self.nested
            for i in range(len(chain))
            for j in range(i + 1, len(chain))
        )
        return tuple(dict.fromkeys(pairs))

    @property
    def inherited(self) -> tuple[str, ...]:
        """Counts whose hidden cells another mart decides (`count_groups` of `()`).

        Nesting never hides them here (they are shown on that mart's page anyway): it hides
        the other count of the pair, and a pair of two of them is left to that mart.
        """
        return tuple(c for c in self.counts if c in self.count_groups and not self.count_groups[c])

    @property
    def values(self) -> tuple[str, ...]:
        """Dependent value columns, each once, in declaration order."""
        return tuple(dict.fromkeys(v for deps in self.dependents.values() for v in deps))

    @property
    def columns(self) -> tuple[str, ...]:
        return self.counts + self.values


def small_count_mask(counts: pl.Series, threshold: int) -> pl.Series:
    """True where a count is between 1 and threshold - 1; zero and null are not small."""
    return counts.is_between(1, threshold - 1).fill_null(False).alias(counts.name)


def complementary_mask(
    frame: pl.DataFrame,
    count: str,
    suppressed: pl.Series,
    total_groups: Sequence[Sequence[str]],
    threshold: int,
) -> pl.Series:
    """Cells to hide so that no shown total reveals a suppressed cell by subtraction.

    Rows sharing the values of a column set form a group; a row with a null in the set
    belongs to no group of it (so one frame can hold several levels of a hierarchy, each
    row naming only the totals it is part of). A group needs another hidden cell while
    exactly one of its cells is hidden, or while its hidden cells add up to less than
    `threshold` (two hidden cells of 1 each would otherwise be known from the total) or
    to a sum their labels pin (`_protected`). The smallest other non-zero cell (first in
    row order on ties) is hidden. Zeros are never chosen: they are often known from
    elsewhere (a program that does not use an instrument), so hiding one would not
    protect anything.
    """
    values = frame[count].to_list()
    hidden = suppressed.to_list()
    chosen = [False] * frame.height
    group_keys = [
        frame.select(list(columns)).rows() if columns else [()] * frame.height
        for columns in total_groups
    ]
    changed = True
    while changed:
        changed = False
        for keys in group_keys:
            members: dict[tuple, list[int]] = defaultdict(list)
            for row, key in enumerate(keys):
                if values[row] is not None and None not in key:
                    members[key].append(row)
            for rows in members.values():
                hidden_rows = [row for row in rows if hidden[row]]
                if not hidden_rows or _protected([values[r] for r in hidden_rows], threshold):
                    continue
                candidates = [row for row in rows if not hidden[row] and values[row] > 0]
                if not candidates:
                    continue
                pick = min(candidates, key=lambda row: (values[row], row))
                hidden[pick] = chosen[pick] = True
                changed = True
    return pl.Series(count, chosen, dtype=pl.Boolean)


def _protected(hidden: Sequence[int], threshold: int) -> bool:
    """Whether a group's hidden cells keep each other unknown when its total is shown.

    Two or more, adding up to at least the threshold, and not pinned by their labels: a
    reader knows a "<t" cell is 1 to t - 1 and any other hidden count at least t (zeros
    are never complements), so hidden cells adding up to exactly their smallest possible
    sum (a "<5" and an "s" making 6: 1 and 5), or, when all are small, their largest
    (two "<5" making 8: 4 and 4), are known one by one.
    """
    total = sum(hidden)
    if len(hidden) < 2 or total < threshold:
        return False
    small = [1 <= value < threshold for value in hidden]
    lowest = sum(
        1 if is_small else min(value, threshold)
        for value, is_small in zip(hidden, small, strict=True)
    )
    if total == lowest:
        return False
    return not (all(small) and total == len(hidden) * (threshold - 1))


def nested_relations(frame: pl.DataFrame, spec: SuppressionSpec) -> list[tuple[Cell, Cell]]:
    """(larger, smaller) cells of every related pair of `frame`, closed transitively.

    `nested` relates counts of each row, `nested_rows` rows of one count; a cell above one
    that is above a third is above the third too, since any two differ by a count.
    """
    below: dict[Cell, set[Cell]] = defaultdict(set)
    for big, small in spec.nested_pairs:
        for row in range(frame.height):
            below[(row, big)].add((row, small))
    for nesting in spec.nested_rows:
        keys = frame.select(list(nesting.within)).rows() if nesting.within else [()] * frame.height
        members: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
        for row, (key, value) in enumerate(zip(keys, frame[nesting.by].to_list(), strict=True)):
            position = nesting.rank(value)
            if position is not None and None not in key:
                members[key].append((position, row))
        for group in members.values():
            ordered = sorted(group)
            for i, (rank_big, big) in enumerate(ordered):
                for rank_small, small in ordered[i + 1 :]:
                    if rank_small > rank_big:
                        below[(big, nesting.count)].add((small, nesting.count))
    closed: dict[Cell, set[Cell]] = {}

    def reach(cell: Cell) -> set[Cell]:
        if cell not in closed:
            closed[cell] = set()
            closed[cell] = set().union(*({c} | reach(c) for c in below.get(cell, ())))
        return closed[cell]

    return [(cell, smaller) for cell in list(below) for smaller in sorted(reach(cell))]


def nested_mask(
    frame: pl.DataFrame,
    relations: Sequence[tuple[Cell, Cell]],
    hidden: Mapping[str, pl.Series],
    threshold: int,
    fixed: Collection[str] = (),
) -> dict[str, pl.Series]:
    """Cells to hide so that no two related counts give a small count away by subtraction.

    `relations` are (larger, smaller) cells, the smaller a subset of the larger, so their
    difference counts people (enrolled 54, started 51: 3 who enrolled and did not start).
    Where two shown ones differ by 1 to threshold - 1 the smaller is hidden (the later
    stage, so the earlier ones stay shown), or the larger if the smaller's count is in
    `fixed`. A hidden cell whose nearest shown larger and smaller relatives are equal lies
    between them and is known, so that smaller relative is hidden too. Returns the cells
    newly hidden; the caller repeats this with complementary suppression until stable.
    """
    counts = list(dict.fromkeys(cell[1] for pair in relations for cell in pair))
    columns = {c: frame[c].to_list() for c in counts}
    shut = {c: hidden[c].fill_null(False).to_list() for c in counts}
    chosen = {c: [False] * frame.height for c in counts}
    above: dict[Cell, list[Cell]] = defaultdict(list)
    below: dict[Cell, list[Cell]] = defaultdict(list)
    for big, small in relations:
        above[small].append(big)
        below[big].append(small)

    def shown(cells: Sequence[Cell]) -> list[tuple[int, Cell]]:
        return [
            (columns[c][row], (row, c))
            for row, c in cells
            if not shut[c][row] and columns[c][row] is not None
        ]

    def hide(candidates: Sequence[Cell]) -> bool:
        for row, column in candidates:
            if column not in fixed:
                shut[column][row] = chosen[column][row] = True
                return True
        return False

    changed = True
    while changed:
        changed = False
        for big, small in relations:
            pair = shown((big, small))
            if len(pair) == 2 and 1 <= pair[0][0] - pair[1][0] < threshold:
                changed |= hide((small, big))
        for cell in list(above):
            row, count = cell
            if not shut[count][row] or columns[count][row] is None:
                continue
            ups, downs = shown(above[cell]), shown(below.get(cell, []))
            if not ups or not downs or min(ups)[0] != max(downs)[0]:
                continue
            level = min(ups)[0]
            changed |= hide([c for v, c in downs if v == level] + [c for v, c in ups if v == level])
    return {c: pl.Series(c, chosen[c], dtype=pl.Boolean) for c in counts}


def round_to_base(counts: pl.Series, base: int) -> pl.Series:
    """Round counts to the nearest multiple of `base`, halves upwards (12 -> 10, 13 -> 15)."""
    return ((counts + base // 2) // base * base).cast(counts.dtype)


def _validate(frame: pl.DataFrame, spec: SuppressionSpec) -> None:
    missing = [c for c in spec.columns if c not in frame.columns]
    groups = [g for count in spec.counts for g in spec.groups_for(count)]
    groups += [(n.by, *n.within) for n in spec.nested_rows]
    missing += [c for group in groups for c in group if c not in frame.columns]
    if missing:
        raise ValueError(f"columns declared for suppression are missing: {sorted(set(missing))}")
    overlap = set(spec.counts) & set(spec.values)
    if overlap:
        raise ValueError(f"columns declared both as counts and as values: {sorted(overlap)}")
    not_integer = [c for c in spec.counts if not frame.schema[c].is_integer()]
    if not_integer:
        raise ValueError(f"count columns must be integers: {not_integer}")
    not_counts = [c for chain in spec.nested for c in chain if c not in spec.counts]
    not_counts += [n.count for n in spec.nested_rows if n.count not in spec.counts]
    if not_counts:
        raise ValueError(f"nested columns must be declared counts: {sorted(set(not_counts))}")
    flagged = [c for c in flag_columns(spec) if c in frame.columns]
    if flagged:
        raise ValueError(f"frame has already been suppressed (found {flagged})")


def suppress(
    frame: pl.DataFrame,
    spec: SuppressionSpec,
    rules: SuppressionRules,
    hidden: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """Return `frame` with suppressed values nulled and `<col>_suppressed` flags added.

    `hidden` marks count cells already hidden elsewhere (the same count in another mart),
    so that complementary suppression here accounts for them and hides them too. Totals
    (rule 2) and nested counts (rule 3) are applied in turn until neither hides another
    cell: each new hidden cell can need a complement in the other.
    """
    _validate(frame, spec)
    inherited = hidden or {}
    masks: dict[str, pl.Series] = {}
    small: dict[str, pl.Series] = {}
    for count in spec.counts:
        small[count] = small_count_mask(frame[count], rules.threshold)
        masks[count] = small[count]
        if count in inherited:
            masks[count] = masks[count] | inherited[count].fill_null(False).alias(count)
    relations = nested_relations(frame, spec)
    while True:
        for count in spec.counts:
            groups = spec.groups_for(count)
            extra = complementary_mask(frame, count, masks[count], groups, rules.threshold)
            masks[count] = masks[count] | extra
        nested = nested_mask(frame, relations, masks, rules.threshold, spec.inherited)
        if not any(mask.any() for mask in nested.values()):
            break
        for count, mask in nested.items():
            masks[count] = masks[count] | mask
    for value in spec.values:
        sources = [masks[c] for c, deps in spec.dependents.items() if value in deps]
        combined = sources[0]
        for mask in sources[1:]:
            combined = combined | mask
        masks[value] = combined

    rounded = [
        round_to_base(frame[c], rules.rounding_base) for c in spec.counts if rules.round_counts
    ]
    flags = [masks[c].alias(c + SUPPRESSED_SUFFIX) for c in spec.columns]
    flags += [small[c].alias(c + SMALL_SUFFIX) for c in spec.counts]
    return frame.with_columns(*rounded, *flags).with_columns(
        pl.when(pl.col(c + SUPPRESSED_SUFFIX)).then(None).otherwise(pl.col(c)).alias(c)
        for c in spec.columns
    )


def flag_columns(spec: SuppressionSpec) -> tuple[str, ...]:
    """Names of the flag columns `suppress` adds for `spec`."""
    return tuple(c + SUPPRESSED_SUFFIX for c in spec.columns) + tuple(
        c + SMALL_SUFFIX for c in spec.counts
    )


def is_suppressed(frame: pl.DataFrame, spec: SuppressionSpec) -> bool:
    """Whether `suppress` has been applied for every column of `spec`."""
    return all(c in frame.columns for c in flag_columns(spec))


def _format(value: object, decimals: int) -> str:
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return str(value)


def labelled(
    frame: pl.DataFrame,
    spec: SuppressionSpec,
    rules: SuppressionRules,
    *,
    decimals: int = 1,
    missing: str = "",
) -> pl.DataFrame:
    """Declared columns as text with suppression labels, flags dropped: for tables and CSV.

    A suppressed count below the threshold shows the small-count label ("<5"); any other
    suppressed value the generic label; a value that is simply absent shows `missing`.
    """
    if not is_suppressed(frame, spec):
        raise ValueError("labelled() needs a frame returned by suppress()")
    texts = []
    for column in spec.columns:
        small = (
            frame[column + SMALL_SUFFIX].to_list()
            if column in spec.counts
            else [False] * frame.height
        )
        cells = []
        for value, hidden, is_small in zip(
            frame[column].to_list(),
            frame[column + SUPPRESSED_SUFFIX].to_list(),
            small,
            strict=True,
        ):
            if hidden:
                cells.append(rules.small_label if is_small else rules.suppressed_label)
            elif value is None:
                cells.append(missing)
            else:
                cells.append(_format(value, decimals))
        texts.append(pl.Series(column, cells, dtype=pl.String))
    return frame.with_columns(texts).drop(flag_columns(spec))
