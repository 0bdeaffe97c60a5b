"""The attacker's description of what suppressed frames publish, for the interval audit
(dashboards/disclosure.py: feasibility intervals by linear programming).

This module is the attacker's side only: it builds the constraints from a description of
what is published (`Published`), written from the specs' documentation, never from the
suppression code's own decisions or relation functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import polars as pl

from dashboards.disclosure import CellKey, Equation, Published
from dashboards.suppression import SMALL_SUFFIX, SuppressionRules, SuppressionSpec


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
