"""The marts the dashboard reads, each suppressed once per published snapshot.

Suppression is a property of a mart, not of a chart: every page, table and download that
shows a mart's numbers reads the same suppressed frame, so the cells hidden on one page
are the cells hidden on every other (two pages hiding different complements of the same
small cell would together reveal it). Each loader reads the whole mart, adds the columns
that name the totals its rows belong to, and calls `suppress` once; the result is cached
with the snapshot it was read from. The loaders and their suppression specs live by
domain: `overview`, `outcomes`, `engagement`, `effectiveness`, `safety`, `quality`,
`context` (contract v2: experience and reasons for stopping) (the
rule itself is in dashboards/README.md).

One request reads one snapshot: `Marts.snapshot()` pins the newest published
file and returns the `Marts` every load of that request goes through, so a publication
in the middle of a request cannot mix two snapshots in one response, and the cache is
keyed by the snapshot's identity.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import polars as pl

from dashboards.data import FileIdentity, MartMissingError, Warehouse
from dashboards.marts.context import ContextMarts
from dashboards.marts.effectiveness import EffectivenessMarts
from dashboards.marts.engagement import EngagementMarts
from dashboards.marts.outcomes import OutcomesMarts
from dashboards.marts.overview import OverviewMarts
from dashboards.marts.quality import QualityMarts
from dashboards.marts.safety import SafetyMarts
from dashboards.suppression import SuppressionRules, load_rules
from pipelines.sql import model as sql_model
from pipelines.sql import model_frame, write_frame

# Snapshots whose frames stay cached: the newest, and the one requests may still be
# finishing on when a new one is published.
CACHED_SNAPSHOTS = 2


class Marts(
    OverviewMarts,
    OutcomesMarts,
    EngagementMarts,
    EffectivenessMarts,
    SafetyMarts,
    QualityMarts,
    ContextMarts,
):
    """Every mart the dashboard shows, read from one published snapshot."""


class SuppressedMarts:
    """The suppressed marts of each published snapshot, cached per snapshot."""

    def __init__(self, warehouse: Warehouse, rules: SuppressionRules) -> None:
        self.warehouse = warehouse
        self.rules = rules
        self._lock = threading.RLock()
        self._frames: dict[FileIdentity, dict[str, pl.DataFrame]] = {}

    def snapshot(self) -> Marts:
        """The marts of the newest published snapshot, pinned until `Marts.close()`."""
        pinned = self.warehouse.pin()
        with self._lock:
            frames = self._frames.get(pinned.identity)
            if frames is None:
                frames = self._frames[pinned.identity] = {}
                while len(self._frames) > CACHED_SNAPSHOTS:
                    del self._frames[next(iter(self._frames))]
        return Marts(pinned, self.rules, frames, self._lock)


def write_disclosure_plan(database: Path, rules: SuppressionRules | None = None) -> int:
    """Work out a snapshot's secondary suppression once, at publication, and write it into
    the snapshot (`meta_disclosure_plan`), so that no dashboard request waits for the
    interval audit. `database` must not be open elsewhere yet. Returns how many cells it
    hides beyond the rules (none for a build without the engagement marts)."""
    rules = rules or load_rules()
    warehouse = Warehouse(database)
    try:
        with warehouse.pin() as pinned:
            cells = Marts(pinned, rules, {}, threading.RLock()).compute_disclosure_plan()
    except MartMissingError:
        cells = frozenset()
    finally:
        warehouse.close()
    rows = [{"threshold": rules.threshold, "cell": json.dumps(list(c))} for c in sorted(cells)]
    model = sql_model("publishing", "meta_disclosure_plan")
    with duckdb.connect(str(database)) as con:
        write_frame(con, model, model_frame(model, rows or [{"threshold": rules.threshold}]))
    return len(cells)
