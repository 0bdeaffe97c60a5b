"""The Data-quality freshness chart on the demo warehouse's dq_freshness."""

from __future__ import annotations

import polars as pl

from dashboards.charts import dq_freshness
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


def test_every_program_current_is_drawn_labelled_and_in_id_order(marts) -> None:
    """Delivered today is a labelled dot at 0, and ties are listed by program id."""
    programs = marts.programs()["program_id"].to_list()
    frame = marts.overview_freshness().with_columns(
        pl.lit(0).alias("days_since_delivery"), pl.lit("fresh").alias("status")
    )
    data = dq_freshness.process_data(frame, programs)
    assert data["program_id"].to_list() == sorted(data["program_id"])
    figure = dq_freshness.create_figure(data)
    (fresh,) = [t for t in figure.data if t.name == "Fresh"]
    assert "markers" in fresh.mode and "text" in fresh.mode
    assert list(fresh.x) == [0] * data.height
    assert set(fresh.text) == {"0 days"}
