"""Every chart with intervals names the level its mart was published at, never a typed one.

The level comes with the frames the dashboard reads (`confidence_level`, from the
snapshot's ref_effectiveness_thresholds, sql/dashboard/); here the demo's suppressed marts
are given another level (90%), and each chart's figure, summary, table headings and
"About this chart" text must say 90% and nowhere 95%, the configured default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import ModuleType

import plotly.graph_objects as go
import polars as pl
import pytest

from dashboards.charts import (
    care_modification,
    comparison_forest,
    dose_response,
    dropout_survival,
    equity_groups,
    meta_regression,
    overview_verdicts,
    pooled_effects,
    program_change,
    program_registry,
    score_trajectories,
)
from dashboards.charts.common import CONFIDENCE_LEVEL, ci_name, configured_confidence, level
from dashboards.charts.protocol import ChartView
from dashboards.view_state import ALL_ICBT, OutcomeKey
from pipelines.effectiveness.config import load_effectiveness_config
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES

pytestmark = needs_demo_build

OTHER = 0.9
PHQ9 = OutcomeKey("PHQ9", "total")
TIMEPOINT = "post_treatment"


def at_other_level(frame: pl.DataFrame) -> pl.DataFrame:
    """A suppressed mart frame as if its snapshot had been built at `OTHER`."""
    assert frame[CONFIDENCE_LEVEL].drop_nulls().len() == frame.height
    return frame.with_columns(pl.lit(OTHER).alias(CONFIDENCE_LEVEL))


def drawn(figure: go.Figure, summary: str) -> str:
    return figure.to_json() + " " + summary


# Per chart: the module and what it draws from the demo's marts at `OTHER` (figure JSON
# and summary text; empty for a chart whose figure names no interval).
Draw = Callable[..., str]
CHARTS: dict[str, tuple[ModuleType, Draw]] = {
    "program_change": (
        program_change,
        lambda marts, view: drawn(
            program_change.create_figure(
                d := program_change.process_data(at_other_level(marts.program_outcomes()), view())
            ),
            program_change.summarise(d),
        ),
    ),
    "program_registry": (
        program_registry,
        lambda marts, view: program_registry.create_figure(
            program_registry.process_data(
                marts.programs(),
                at_other_level(marts.program_outcomes()),
                marts.engagement_funnel(),
                view(),
            )
        ).to_json(),
    ),
    "score_trajectories": (
        score_trajectories,
        lambda marts, view: drawn(
            score_trajectories.create_figure(
                d := score_trajectories.process_data(
                    at_other_level(marts.score_trajectories()), view()
                )
            ),
            score_trajectories.summarise(d),
        ),
    ),
    "dose_response": (
        dose_response,
        lambda marts, view: drawn(
            dose_response.create_figure(
                d := dose_response.process_data(
                    at_other_level(marts.dose_response()), ALL_ICBT, PHQ9
                )
            ),
            dose_response.summarise(d),
        ),
    ),
    "dropout_survival": (
        dropout_survival,
        lambda marts, view: drawn(
            dropout_survival.create_figure(
                d := dropout_survival.process_data(
                    at_other_level(marts.dropout_survival()), ALL_ICBT
                )
            ),
            dropout_survival.summarise(d),
        ),
    ),
    "equity_groups": (equity_groups, lambda marts, view: ""),
    "comparison_forest": (
        comparison_forest,
        lambda marts, view: drawn(
            comparison_forest.create_figure(
                d := comparison_forest.process_data(
                    at_other_level(marts.comparisons()), replace(view(), timepoint=TIMEPOINT)
                )
            ),
            comparison_forest.summarise(d),
        ),
    ),
    "pooled_effects": (
        pooled_effects,
        lambda marts, view: drawn(
            pooled_effects.create_figure(
                d := pooled_effects.process_data(
                    at_other_level(marts.pooled_effects()),
                    marts.subgroup_tests(),
                    replace(view(), timepoint=TIMEPOINT),
                )
            ),
            pooled_effects.summarise(d),
        ),
    ),
    "meta_regression": (
        meta_regression,
        lambda marts, view: drawn(
            meta_regression.create_figure(
                d := meta_regression.process_data(
                    at_other_level(marts.meta_regression()),
                    marts.programs(),
                    replace(view(), timepoint=TIMEPOINT),
                )
            ),
            meta_regression.summarise(d),
        ),
    ),
    "care_modification": (
        care_modification,
        lambda marts, view: drawn(
            care_modification.create_figure(
                d := care_modification.process_data(
                    at_other_level(marts.care_modification()), PHQ9, TIMEPOINT
                )
            ),
            care_modification.summarise(d),
        ),
    ),
    "overview_verdicts": (overview_verdicts, lambda marts, view: ""),
}


def about_at_other_level(module: ModuleType) -> list[str]:
    """The module's "About this chart" text, given the level as `describe` is."""
    if module is program_registry or module is overview_verdicts:
        return []  # their notes name no interval; the table headings do
    if module is pooled_effects:
        return module.about(RULES, None, None, OTHER, 3)
    if module is meta_regression:
        return module.about(None, OTHER)
    if module is comparison_forest:
        return module.about(RULES, None, OTHER, 0.5)
    return module.about(RULES, None, OTHER)


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_names_the_level_of_its_frame_and_never_types_one(marts, view, name) -> None:
    module, draw = CHARTS[name]
    figure_and_summary = draw(marts, view)
    text = " ".join(
        [
            figure_and_summary,
            *module.table_headers(OTHER).values(),
            *about_at_other_level(module),
        ]
    )
    assert "95%" not in text
    assert ci_name(OTHER) in text or f"{level(OTHER)} confidence interval" in text
    if figure_and_summary:
        assert level(OTHER) in figure_and_summary


@pytest.mark.parametrize("name", CHARTS)
def test_notes_and_headings_quote_the_snapshot_level(marts, view, name) -> None:
    """Through the chart protocol (as a page calls it), the configured level is named."""
    module, _ = CHARTS[name]
    configured = load_effectiveness_config().confidence
    assert configured_confidence(marts) == configured
    state = replace(view(), timepoint=TIMEPOINT, dimension="age_band")
    data = module.load(marts, ChartView(state, RULES, programs=state.programs))
    assert data.headers is not None
    assert ci_name(configured) in " ".join(data.headers.values())
    if about_at_other_level(module):
        assert level(configured) in " ".join(module.describe(marts))
