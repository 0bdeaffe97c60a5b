"""Overview marts: headline counts, open signals and freshness (Overview page).

mart_overview_headlines repeats the funnel's all-period counts (hidden wherever the
funnel hides them) and adds episodes with a paired outcome, whose iCBT modes add up to
the all-iCBT row.
"""

from __future__ import annotations

import polars as pl

from dashboards.marts.base import (
    ALL_PERIODS,
    ICBT_TOTAL,
    MartsBase,
    hidden_flags,
    with_unit_hierarchy,
)
from dashboards.suppression import SuppressionSpec

OVERVIEW_HEADLINES = SuppressionSpec(
    dependents={
        "n_referred": (),
        "n_started": (),
        "n_completed": (),
        "n_paired_post_treatment": (),
    },
    total_groups=((ICBT_TOTAL,),),
    count_groups={"n_referred": (), "n_started": (), "n_completed": ()},
    # Paired episodes have (in practice) started. The funnel's own stages are the funnel's
    # pairs; only the pairs with paired episodes are decided here.
    nested=(
        ("n_referred", "n_started", "n_completed"),
        ("n_referred", "n_started", "n_paired_post_treatment"),
    ),
)


class OverviewMarts(MartsBase):
    def overview_headlines(self) -> pl.DataFrame:
        """mart_overview_headlines: one row for all iCBT and one per delivery mode."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("overview_headlines"))
            funnel = self.engagement_funnel().filter(pl.col("period") == ALL_PERIODS)
            hidden = hidden_flags(
                frame, funnel, ["unit_type", "unit_id"], ["n_referred", "n_started", "n_completed"]
            )
            return self._suppress(frame, OVERVIEW_HEADLINES, hidden)

        return self._cached("overview_headlines", load)

    def overview_safety_signals(self) -> pl.DataFrame:
        """Open safety signals per program and indicator: signals counted, not patients."""
        return self._cached(
            "overview_safety_signals", lambda: self.query("overview_safety_signals")
        )

    def overview_freshness(self) -> pl.DataFrame:
        """dq_freshness per program with the snapshot's build time (no counts)."""
        return self._cached("overview_freshness", lambda: self.query("overview_freshness"))
