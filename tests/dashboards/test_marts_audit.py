"""Interval audit of the served demo marts: funnel, waits and equity as the dashboard loads
them, with every relation a reader can use across them, checked by linear programming
(tests/dashboards/interval_audit.py).

What the reader knows: every shown count; a delivery mode's row is the sum of its
programs' rows and the all-iCBT row the sum of the iCBT modes'; a unit's period 'all' is
the sum of its quarters; episodes started are one number in the funnel and the waits; a
unit's equity groups add up to its funnel counts (referred, started, ended, completed) and
a program's PHQ-9 paired episodes to the Outcomes page's; the declared nestings (funnel
stages, started within a standard, within 18 weeks including within 6). No count of 1 to 4
and no difference of two related counts of 1 to 4 may be pinned inside 1 to 4.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import polars as pl

from dashboards.disclosure import Equation, Published, audit
from dashboards.marts import Marts, engagement
from dashboards.marts.base import ALL_PERIODS, POST_TREATMENT
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionSpec, load_rules
from tests.conftest import needs_demo_build
from tests.dashboards.interval_audit import add_table

pytestmark = needs_demo_build

RULES = load_rules()
UNIT_LEVELS = {"program": 0, "delivery_mode": 1, "all_icbt": 2}
FUNNEL_COUNTS = ("n_referred", "n_started", "n_started_and_ended", "n_completed")
LEVEL = "_audit_level"


def with_level(frame: pl.DataFrame) -> pl.DataFrame:
    """The row that is a total within each group: a higher unit, then period 'all'."""
    unit = pl.col("unit_type").replace_strict(UNIT_LEVELS, return_dtype=pl.Int64)
    period = (pl.col("period") == ALL_PERIODS) if "period" in frame.columns else pl.lit(False)
    return frame.with_columns((unit * 2 + period.cast(pl.Int64)).alias(LEVEL))


def served_and_true(
    marts: Marts, name: str, served: pl.DataFrame, spec: SuppressionSpec, keys: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The served frame and the same rows with the published (unsuppressed) counts."""
    true = served.drop(spec.counts).join(
        marts.query(name).select(*keys, *spec.counts),
        on=list(keys),
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    return with_level(served), with_level(true)


def attackers_view(marts: Marts, *, labelled: bool = False) -> Published:
    """Everything the funnel, waits and equity show, and how their counts relate."""
    published = Published()
    funnel_keys = ("unit_type", "unit_id", "period")
    served, true = served_and_true(
        marts, "engagement_funnel", marts.engagement_funnel(), engagement.FUNNEL, funnel_keys
    )
    funnel_rows = true.select(funnel_keys).rows()
    add_table(
        published,
        true,
        served,
        engagement.FUNNEL,
        RULES,
        level=LEVEL,
        labelled=labelled,
        key=lambda row, count: ("funnel", *funnel_rows[row], count),
    )

    wait_keys = ("unit_type", "unit_id", "period", "standard")
    served, true = served_and_true(
        marts, "wait_times", marts.wait_times(), engagement.WAIT_TIMES, wait_keys
    )
    wait_rows = true.select(wait_keys).rows()

    def wait_key(row: int, count: str) -> tuple:
        if count == "n_started":
            return ("funnel", *wait_rows[row][:3], count)
        return ("waits", *wait_rows[row], count)

    add_table(
        published,
        true,
        served,
        engagement.WAIT_TIMES,
        RULES,
        level=LEVEL,
        key=wait_key,
        labelled=labelled,
    )

    equity_keys = ("unit_type", "unit_id", "dimension", "group_value")
    served, true = served_and_true(marts, "equity", marts.equity(), engagement.EQUITY, equity_keys)
    equity_rows = true.select(equity_keys).rows()
    add_table(
        published,
        true,
        served,
        engagement.EQUITY,
        RULES,
        level=LEVEL,
        labelled=labelled,
        key=lambda row, count: ("equity", *equity_rows[row], count),
    )
    outcomes = marts.program_outcomes().filter(
        pl.col("instrument") == "PHQ9",
        pl.col("scale") == "total",
        pl.col("timepoint") == POST_TREATMENT,
    )
    true_outcomes = marts.query("program_outcomes").join(
        outcomes.select("program_id", "instrument", "scale", "timepoint"),
        on=["program_id", "instrument", "scale", "timepoint"],
        how="semi",
    )
    true_paired = dict(true_outcomes.select("program_id", "n_paired").rows())
    for program, shown, small in outcomes.select(
        "program_id", "n_paired", "n_paired" + SMALL_SUFFIX
    ).rows():
        key = ("outcomes", program, "phq9_n_paired")
        published.add_cell(key, true_paired[program], shown)
        if labelled and shown is None:
            published.add_label(key, small, RULES.threshold)
    units: dict[tuple, list[tuple]] = {}
    for unit_type, unit_id, dimension, group_value in equity_rows:
        units.setdefault((unit_type, unit_id, dimension), []).append(group_value)
    for (unit_type, unit_id, dimension), groups in units.items():
        for count in (*FUNNEL_COUNTS, "phq9_n_paired"):
            parts = {("equity", unit_type, unit_id, dimension, g, count): 1 for g in groups}
            parts = {k: c for k, c in parts.items() if k in published.true}
            if count == "phq9_n_paired":
                total = ("outcomes", unit_id, count)
                if unit_type != "program" or total not in published.true:
                    continue
            else:
                total = ("funnel", unit_type, unit_id, ALL_PERIODS, count)
            if parts:
                published.equations.append(Equation({**parts, total: -1}))
    return published


def test_the_readers_relations_hold_on_the_true_counts(marts: Marts) -> None:
    # The model is the data's: every total and nesting holds on the published counts, and
    # started episodes are one number, hidden alike, in the funnel and the waits.
    published = attackers_view(marts, labelled=True)
    published.check_truth()
    assert sum(v is None for v in published.shown.values()) > 0
    assert published.equations and published.nested


def test_funnel_waits_and_equity_pin_no_small_count(marts: Marts) -> None:
    # Per-mart rules alone left 21 pinned here; the disclosure plan written at
    # publication hides the rest, and the served marts are read with it.
    findings = audit(attackers_view(marts), RULES.threshold)
    assert findings == [], "\n".join(map(str, findings))


def test_publication_wrote_the_disclosure_plan_the_marts_use(marts: Marts) -> None:
    plan = marts.query("disclosure_plan")
    assert set(plan["threshold"]) == {RULES.threshold}
    cells = {tuple(json.loads(cell)) for cell in plan["cell"].drop_nulls()}
    assert cells, "the demo needs cells hidden beyond the per-mart rules"
    funnel = marts.engagement_funnel()
    keys = funnel.select("unit_type", "unit_id", "period").rows()
    hidden = {
        ("funnel", *key, count)
        for count in engagement.FUNNEL.counts
        for key, flag in zip(keys, funnel[count + SUPPRESSED_SUFFIX], strict=True)
        if flag
    }
    assert {cell for cell in cells if cell[0] == "funnel"} <= hidden
    # The headline totals stay: the pass hides programs' cells before any total's.
    all_icbt = funnel.filter(pl.col("unit_type") == "all_icbt", pl.col("period") == "all")
    assert all_icbt["n_started"].item() is not None
