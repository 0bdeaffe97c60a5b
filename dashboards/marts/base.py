"""What every domain's marts share: one pinned snapshot, its cache, the hierarchy of totals.

A `MartsBase` reads one published snapshot (`PinnedSnapshot`) for everything it loads,
and keeps what it suppressed in a cache that belongs to that snapshot alone, so a
publication in the middle of a request changes nothing the request reads, and a frame
computed from one snapshot is never served for another.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import polars as pl

from dashboards.data import FileIdentity, PinnedSnapshot
from dashboards.snapshot import current_snapshot_id
from dashboards.suppression import (
    SUPPRESSED_SUFFIX,
    SuppressionRules,
    SuppressionSpec,
    suppress,
)

# Columns naming the hierarchy totals a reporting-unit row belongs to (null: none).
MODE_TOTAL = "_mode_total"
ICBT_TOTAL = "_icbt_total"
# Column naming the unit whose shown total a row adds up to (dose bands, equity groups).
UNIT_TOTAL = "_unit_total"
# Marks the extra total rows that are removed after suppression.
TOTAL_ROW = "_total_row"

POST_TREATMENT = "post_treatment"
ALL_PERIODS = "all"


def with_unit_hierarchy(frame: pl.DataFrame) -> pl.DataFrame:
    """Name the hierarchy totals of each reporting-unit row.

    A program row and its delivery mode's row share `MODE_TOTAL`; the iCBT delivery-mode
    rows and the all-iCBT row share `ICBT_TOTAL` (in-person CBT is the comparator and is
    not part of all iCBT).
    """
    unit_type = pl.col("unit_type")
    return frame.with_columns(
        pl.when(unit_type.is_in(["program", "delivery_mode"]))
        .then(pl.col("delivery_mode"))
        .alias(MODE_TOTAL),
        pl.when(
            (unit_type == "all_icbt")
            | ((unit_type == "delivery_mode") & (pl.col("delivery_mode") != "in_person"))
        )
        .then(pl.lit("all_icbt"))
        .alias(ICBT_TOTAL),
    )


def hidden_flags(
    frame: pl.DataFrame, source: pl.DataFrame, keys: Sequence[str], counts: Sequence[str]
) -> dict[str, pl.Series]:
    """Whether each of `frame`'s `counts` is hidden in `source` (same count, same keys)."""
    flags = source.select(
        *keys, *[pl.col(c + SUPPRESSED_SUFFIX).alias(f"_src_{c}") for c in counts]
    ).unique(subset=list(keys))
    joined = frame.select(*keys).join(flags, on=list(keys), how="left", maintain_order="left")
    return {c: joined[f"_src_{c}"].fill_null(False).alias(c) for c in counts}


def drop_total_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(~pl.col(TOTAL_ROW)).drop(TOTAL_ROW)


def with_total_rows(
    frame: pl.DataFrame, totals: pl.DataFrame, counts: Sequence[str]
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """`frame` plus `totals` (suppressed rows of another mart) as extra group members.

    Returns the combined frame and, per count, which rows are hidden before suppression
    starts: the total rows that the other mart hid.
    """
    extra = totals.select(
        *[c for c in totals.columns if c in frame.columns or c == UNIT_TOTAL],
        *[c + SUPPRESSED_SUFFIX for c in counts],
    ).with_columns(pl.lit(True).alias(TOTAL_ROW))
    combined = pl.concat(
        [frame.with_columns(pl.lit(False).alias(TOTAL_ROW)), extra], how="diagonal_relaxed"
    )
    hidden = {
        c: combined[c + SUPPRESSED_SUFFIX].fill_null(False).alias(c)
        for c in counts
        if c + SUPPRESSED_SUFFIX in combined.columns
    }
    return combined.drop([c + SUPPRESSED_SUFFIX for c in counts]), hidden


class MartsBase:
    """Loads and suppresses marts from one pinned snapshot, cached for that snapshot."""

    def __init__(
        self,
        pinned: PinnedSnapshot,
        rules: SuppressionRules,
        frames: dict[str, pl.DataFrame],
        lock: threading.RLock,
    ) -> None:
        self.pinned = pinned
        self.rules = rules
        self._frames = frames
        self._lock = lock

    @property
    def identity(self) -> FileIdentity:
        """The published snapshot every load reads."""
        return self.pinned.identity

    def query(self, name: str, /, **params: object) -> pl.DataFrame:
        return self.pinned.query(name, **params)

    def built_at(self) -> datetime:
        return self.pinned.built_at()

    def snapshot_id(self) -> str | None:
        """The publication id every load reads, stamped on each CSV download."""
        frame = self._cached(
            "snapshot_id",
            lambda: pl.DataFrame(
                {"snapshot_id": [current_snapshot_id(self.pinned)]},
                schema={"snapshot_id": pl.String},
            ),
        )
        return frame["snapshot_id"][0]

    def comment(self, table: str) -> str | None:
        """The table's `COMMENT ON` text, quoted by "About this chart"."""
        frame = self._cached("table_comments", lambda: self.query("table_comments"))
        found = frame.filter(pl.col("table_name") == table)["comment"]
        return found[0] if found.len() else None

    def reference_value(self, table: str, name: str) -> float:
        """A configured number as the snapshot's `ref_*` table holds it, for chart notes."""
        frame = self._cached("reference_values", lambda: self.query("reference_values"))
        found = frame.filter((pl.col("table_name") == table) & (pl.col("name") == name))
        if found.height != 1 or found["value"][0] is None:
            raise KeyError(f"{table} holds no value named {name!r}")
        return float(found["value"][0])

    def close(self) -> None:
        self.pinned.close()

    def _cached(self, name: str, load: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        with self._lock:
            if name not in self._frames:
                self._frames[name] = load()
            return self._frames[name]

    def _suppress(
        self,
        frame: pl.DataFrame,
        spec: SuppressionSpec,
        hidden: Mapping[str, pl.Series] | None = None,
    ) -> pl.DataFrame:
        return suppress(frame, spec, self.rules, hidden=hidden)

    def programs(self) -> pl.DataFrame:
        """staging_programs: the registry (attributes only, nothing to suppress)."""
        return self._cached("programs", lambda: self.query("program_registry"))


def hidden_members(
    members: pl.DataFrame, primary: pl.DataFrame, keys: list[str], pooled: list[str]
) -> pl.DataFrame:
    """Per pooled row (`pooled`), whether any member program's primary comparison
    (`primary`, matched on `program_id` and `keys`) has a hidden count: the pooled count
    would give it away. `members` holds one row per pooled row and member `program_id`."""
    return (
        members.join(
            primary.select(
                pl.col("subject_id").alias("program_id"),
                *keys,
                pl.col("n_program_analysed" + SUPPRESSED_SUFFIX).alias("_hidden"),
            ),
            on=["program_id", *keys],
            how="left",
        )
        .group_by(pooled)
        .agg(pl.col("_hidden").fill_null(False).any().alias("n_episodes" + SUPPRESSED_SUFFIX))
    )
