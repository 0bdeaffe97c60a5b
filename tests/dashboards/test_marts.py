"""Suppression of the real demo marts: no shown total gives a hidden cell away.

For every mart, count and declared total group, a group never has exactly one hidden
cell, and its hidden cells never add up to less than the threshold: otherwise the total
minus the shown cells would reveal them. Counts shared between marts are hidden alike,
and totals that live in another mart (a unit's referrals, a program's paired episodes)
are accounted for where their parts are shown.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import flask
import polars as pl
import pytest

from dashboards.data import Warehouse
from dashboards.marts import (
    Marts,
    SuppressedMarts,
    base,
    context,
    effectiveness,
    engagement,
    outcomes,
    overview,
    safety,
)
from dashboards.runtime import Runtime, current, install
from dashboards.suppression import (
    SUPPRESSED_SUFFIX,
    SuppressionSpec,
    load_rules,
    nested_relations,
)
from tests.conftest import DemoBuild, needs_demo_build

pytestmark = needs_demo_build

THRESHOLD = 5
MARTS: dict[str, tuple[Callable[[Marts], pl.DataFrame], SuppressionSpec]] = {
    "program_outcomes": (Marts.program_outcomes, outcomes.PROGRAM_OUTCOMES),
    "engagement_funnel": (Marts.engagement_funnel, engagement.FUNNEL),
    "wait_times": (Marts.wait_times, engagement.WAIT_TIMES),
    "therapist_time": (Marts.therapist_time, engagement.THERAPIST_TIME),
    "dropout_survival": (Marts.dropout_survival, engagement.DROPOUT_SURVIVAL),
    "dose_response": (Marts.dose_response, engagement.DOSE_RESPONSE),
    "score_trajectories": (Marts.score_trajectories, outcomes.SCORE_TRAJECTORIES),
    "equity": (Marts.equity, engagement.EQUITY),
    "comparisons": (Marts.comparisons, effectiveness.COMPARISONS),
    "pooled_effects": (Marts.pooled_effects, effectiveness.POOLED_EFFECTS),
    "evidence_certainty": (Marts.evidence_certainty, effectiveness.EVIDENCE_CERTAINTY),
    "overview_headlines": (Marts.overview_headlines, overview.OVERVIEW_HEADLINES),
    "patient_experience": (Marts.patient_experience, context.PATIENT_EXPERIENCE),
    "stop_reasons": (Marts.stop_reasons, context.STOP_REASONS),
    "care_modification": (Marts.care_modification, context.CARE_MODIFICATION),
}
KEYS = {
    "program_outcomes": ["program_id", "instrument", "scale", "timepoint"],
    "engagement_funnel": ["unit_type", "unit_id", "period"],
    "wait_times": ["unit_type", "unit_id", "period", "standard"],
    "therapist_time": ["unit_type", "unit_id"],
    "dropout_survival": ["unit_type", "unit_id", "week"],
    "dose_response": ["unit_type", "unit_id", "instrument", "scale", "dose_band"],
    "score_trajectories": ["unit_type", "unit_id", "instrument", "scale", "treatment_week"],
    "equity": ["unit_type", "unit_id", "dimension", "group_value"],
    "comparisons": ["comparison_id"],
    "pooled_effects": ["instrument", "scale", "timepoint", "subgroup", "method"],
    "evidence_certainty": ["evidence_id"],
    "overview_headlines": ["unit_type", "unit_id"],
    "patient_experience": ["unit_type", "unit_id", "item_number"],
    "stop_reasons": ["unit_type", "unit_id", "breakdown", "group_value", "stop_reason"],
    "care_modification": ["instrument", "scale", "timepoint", "method", "stratum"],
}
# Marts whose rows are not one program's own counts (a comparison's in-person arm, pooled
# and headline totals): the pilots' arms are checked in their own test below.
NOT_PER_UNIT = {"comparisons", "pooled_effects", "evidence_certainty", "overview_headlines"}
# Contract v2 marts: only programs that send v2 have rows (the four-episode pilot sends v1).
V2_ONLY = {"patient_experience", "stop_reasons", "care_modification"}


def with_raw(marts: Marts, name: str) -> pl.DataFrame:
    """The suppressed mart joined to the published (unsuppressed) counts as `raw_<count>`."""
    load, spec = MARTS[name]
    raw = marts.query(name).select(*KEYS[name], *[pl.col(c).alias(f"raw_{c}") for c in spec.counts])
    return load(marts).join(raw, on=KEYS[name], how="left", nulls_equal=True)


def leaks(frame: pl.DataFrame, count: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """Groups whose hidden cells a shown total would reveal."""
    members = frame.filter(
        pl.col(f"raw_{count}").is_not_null(), *[pl.col(c).is_not_null() for c in columns]
    )
    hidden = pl.col(count + SUPPRESSED_SUFFIX)
    summary = members.group_by(list(columns) or pl.lit(1)).agg(
        hidden.sum().alias("n_hidden"),
        pl.col(f"raw_{count}").filter(hidden).sum().alias("hidden_total"),
        (pl.col(f"raw_{count}").filter(~hidden) > 0).sum().alias("n_candidates"),
    )
    return summary.filter(
        (
            (pl.col("n_hidden") == 1)
            | ((pl.col("n_hidden") > 1) & (pl.col("hidden_total") < THRESHOLD))
        )
        & (pl.col("n_candidates") > 0)
    )


@pytest.mark.parametrize("name", sorted(MARTS))
def test_no_declared_total_reveals_a_hidden_cell(marts: Marts, name: str) -> None:
    frame = with_raw(marts, name)
    _, spec = MARTS[name]
    for count in spec.counts:
        small = frame.filter(pl.col(f"raw_{count}").is_between(1, THRESHOLD - 1))
        assert small[count].is_null().all(), f"{name}.{count}: a count below 5 is shown"
        for columns in spec.groups_for(count):
            if base.UNIT_TOTAL in columns:
                continue  # those totals live in another mart; checked below
            found = leaks(frame, count, tuple(columns))
            assert found.is_empty(), f"{name}.{count} by {columns}:\n{found}"


def test_values_computed_on_a_hidden_count_are_hidden(marts: Marts) -> None:
    for name, (load, spec) in MARTS.items():
        frame = load(marts)
        for count, values in spec.dependents.items():
            hidden = frame.filter(pl.col(count + SUPPRESSED_SUFFIX))
            for value in values:
                assert hidden[value].is_null().all(), f"{name}.{value} shown beside hidden {count}"


def test_started_episodes_are_hidden_alike_in_every_mart(marts: Marts) -> None:
    funnel = marts.engagement_funnel().filter(pl.col("period") == "all")
    expected = dict(zip(funnel["unit_id"], funnel["n_started_suppressed"], strict=True))
    for frame in (
        marts.therapist_time(),
        marts.dropout_survival(),
        marts.wait_times().filter(pl.col("period") == "all"),
    ):
        for unit_id, hidden in frame.select("unit_id", "n_started_suppressed").unique().rows():
            assert hidden == expected[unit_id], unit_id


def test_equity_groups_never_reveal_a_units_hidden_referrals(marts: Marts) -> None:
    funnel = marts.engagement_funnel().filter(pl.col("period") == "all")
    total_hidden = dict(zip(funnel["unit_id"], funnel["n_referred_suppressed"], strict=True))
    groups = (
        with_raw(marts, "equity")
        .group_by("unit_id", "dimension")
        .agg(
            pl.col("n_referred_suppressed").sum().alias("hidden"),
            (pl.col("raw_n_referred") > 0).sum().alias("non_zero"),
        )
    )
    for unit_id, dimension, hidden, non_zero in groups.rows():
        hidden_cells = hidden + int(total_hidden[unit_id])
        assert hidden_cells != 1 or non_zero == 0, (unit_id, dimension)


def test_dose_bands_never_reveal_a_programs_hidden_paired_count(marts: Marts) -> None:
    outcomes = marts.program_outcomes().filter(pl.col("timepoint") == "post_treatment")
    total_hidden = {
        (p, i, s): h
        for p, i, s, h in outcomes.select(
            "program_id", "instrument", "scale", "n_paired_suppressed"
        ).rows()
    }
    bands = (
        with_raw(marts, "dose_response")
        .filter(pl.col("unit_type") == "program")
        .group_by("unit_id", "instrument", "scale")
        .agg(
            pl.col("n_paired_suppressed").sum().alias("hidden"),
            (pl.col("raw_n_paired") > 0).sum().alias("non_zero"),
        )
    )
    for unit_id, instrument, scale, hidden, non_zero in bands.rows():
        hidden_cells = hidden + int(total_hidden.get((unit_id, instrument, scale), False))
        assert hidden_cells != 1 or non_zero <= 1, (unit_id, instrument, scale)


def test_every_count_of_the_four_episode_pilot_is_hidden_or_zero(marts: Marts) -> None:
    for name, (load, spec) in MARTS.items():
        if name in NOT_PER_UNIT | V2_ONLY:
            continue
        key = "program_id" if name == "program_outcomes" else "unit_id"
        rows = load(marts).filter(pl.col(key) == "ICBT15")
        assert rows.height, name
        for count in spec.counts:
            shown = rows.filter(~pl.col(count + SUPPRESSED_SUFFIX))[count]
            assert (shown == 0).all(), f"{name}.{count} shows {shown.to_list()}"


def test_programs_quarters_are_never_shown(marts: Marts) -> None:
    for frame in (marts.engagement_funnel(), marts.wait_times()):
        programs = frame.filter(pl.col("unit_type") == "program")
        assert set(programs["period"]) == {"all"}
        assert frame.filter(pl.col("unit_type") != "program")["period"].n_unique() > 1


def test_comparisons_hide_each_arm_where_the_outcomes_mart_hides_it(marts: Marts) -> None:
    """Analysed episodes are mart_program_outcomes' paired episodes: one decision for both."""
    outcomes = marts.program_outcomes().select(
        "program_id", "instrument", "scale", "timepoint", "n_paired_suppressed"
    )
    keys = ["instrument", "scale", "timepoint"]
    comparisons = marts.comparisons()
    programs = comparisons.filter(pl.col("subject_type") == "program").join(
        outcomes, left_on=["subject_id", *keys], right_on=["program_id", *keys], how="left"
    )
    assert (programs["n_program_analysed_suppressed"] == programs["n_paired_suppressed"]).all()
    local = comparisons.filter(pl.col("comparator_level") == "local").join(
        outcomes, left_on=["comparator_programs", *keys], right_on=["program_id", *keys]
    )
    assert local.height
    assert (local["n_comparator_analysed_suppressed"] == local["n_paired_suppressed"]).all()


def test_programs_due_episodes_never_reveal_a_hidden_one_through_their_modes_row(
    marts: Marts,
) -> None:
    raw = marts.query("comparisons").select(
        "comparison_id", pl.col("n_program_due").alias("raw_n_program_due")
    )
    frame = (
        marts.comparisons()
        .join(raw, on="comparison_id")
        .unique(subset=["subject_id", "instrument", "scale", "timepoint"])
        .with_columns(pl.col("delivery_mode").alias(base.MODE_TOTAL))
    )
    for columns in effectiveness.PROGRAM_DUE.total_groups:
        found = leaks(frame, "n_program_due", tuple(columns))
        assert found.is_empty(), found


def test_the_pilots_own_arm_and_its_rating_are_hidden(marts: Marts) -> None:
    comparisons = marts.comparisons().filter(pl.col("subject_id").is_in(["ICBT15", "ICBT16"]))
    shown = comparisons.filter(~pl.col("n_program_analysed_suppressed"))
    assert (shown["n_program_analysed"] == 0).all()
    assert (
        comparisons.filter(pl.col("n_program_analysed_suppressed"))["adjusted_difference"]
        .is_null()
        .all()
    )
    hidden = comparisons.filter(pl.col("adjusted_difference_suppressed"))["comparison_id"]
    ratings = marts.evidence_certainty().filter(pl.col("evidence_id").is_in(hidden.implode()))
    assert ratings.height and ratings["certainty"].is_null().all()


def test_pooled_episode_totals_never_reveal_a_hidden_program(marts: Marts) -> None:
    hidden = marts.comparisons().filter(
        pl.col("is_primary"),
        pl.col("subject_type") == "program",
        pl.col("n_program_analysed_suppressed"),
    )
    members = marts.query("pooled_programs").join(
        hidden.select(pl.col("subject_id").alias("program_id"), "instrument", "scale", "timepoint"),
        on=["program_id", "instrument", "scale", "timepoint"],
    )
    keys = ["instrument", "scale", "timepoint", "subgroup", "method"]
    pooled = marts.pooled_effects().join(members.select(keys).unique(), on=keys)
    assert pooled["n_episodes"].is_null().all()


def test_the_care_strata_test_is_hidden_on_both_rows_when_either_stratum_is(
    demo_build: DemoBuild, tmp_path: Path
) -> None:
    """One stratum's estimate and the difference between them give the other away: with
    one stratum made small, its estimate and the test go on both rows, the other's stays."""
    path = tmp_path / "observatory.duckdb"
    shutil.copyfile(demo_build.settings.published_database, path)
    os.chmod(path, 0o644)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "UPDATE mart_care_modification SET n_episodes = 3 WHERE instrument = 'PHQ9' "
            "AND timepoint = 'post_treatment' AND stratum = 'without_care'"
        )
    finally:
        con.close()
    snapshot = SuppressedMarts(Warehouse(path), load_rules()).snapshot()
    try:
        frame = snapshot.care_modification()
    finally:
        snapshot.close()
    phq9 = frame.filter(pl.col("instrument") == "PHQ9", pl.col("timepoint") == "post_treatment")
    assert phq9.height == 4
    for column in context.CARE_TEST:
        assert phq9[column].is_null().all(), column
        assert phq9[column + SUPPRESSED_SUFFIX].all(), column
    without = phq9.filter(pl.col("stratum") == "without_care")
    assert without["n_episodes_small"].all() and without["estimate"].is_null().all()
    assert phq9.filter(pl.col("stratum") == "with_care")["estimate"].is_not_null().all()
    others = frame.filter(pl.col("instrument") != "PHQ9")
    assert others["p_value"].is_not_null().all()


def test_headlines_hide_funnel_counts_where_the_funnel_does(marts: Marts) -> None:
    funnel = marts.engagement_funnel().filter(pl.col("period") == "all")
    headlines = marts.overview_headlines().join(
        funnel, on=["unit_type", "unit_id"], suffix="_funnel"
    )
    assert headlines.height == marts.overview_headlines().height
    for count in ("n_referred", "n_started", "n_completed"):
        flag = count + SUPPRESSED_SUFFIX
        assert (headlines[flag] == headlines[flag + "_funnel"]).all(), count


def _republish(source: Path, target: Path, published_at: datetime) -> None:
    """A new snapshot at `target`: `source` with every paired count raised by 1,000 and a
    later publication time, written beside it and renamed over it as the pipeline does."""
    staging = target.with_name(f".{target.name}.next")
    shutil.copyfile(source, staging)
    con = duckdb.connect(str(staging))
    try:
        con.execute("UPDATE mart_program_outcomes SET n_paired = n_paired + 1000")
        con.execute("UPDATE meta_publication SET published_at = $at", {"at": published_at})
    finally:
        con.close()
    os.replace(staging, target)


def test_a_publication_in_the_middle_of_a_page_load_is_not_mixed_in(
    demo_build: DemoBuild, tmp_path: Path
) -> None:
    """A request reads one snapshot from its first load to its last, nested loads too."""
    published = demo_build.settings.published_database
    path = tmp_path / "observatory.duckdb"
    shutil.copyfile(published, path)
    unchanged = tmp_path / "unchanged.duckdb"
    shutil.copyfile(published, unchanged)
    store = SuppressedMarts(Warehouse(path), load_rules())
    request = store.snapshot()
    first_built = request.built_at()
    paired = request.program_outcomes()["n_paired"].to_list()
    raw_paired = request.query("program_outcomes")["n_paired"].to_list()

    later = first_built.replace(tzinfo=None) + timedelta(days=1)
    _republish(published, path, later)

    # The rest of the same page load: a nested loader (comparisons reads program_outcomes),
    # a raw query and the publication time all come from the first snapshot.
    comparisons = request.comparisons()
    assert request.built_at() == first_built
    assert request.query("program_outcomes")["n_paired"].to_list() == raw_paired
    assert request.program_outcomes()["n_paired"].to_list() == paired
    alone = SuppressedMarts(Warehouse(unchanged), load_rules()).snapshot()
    assert comparisons.equals(alone.comparisons())
    alone.close()

    # The next request sees the new snapshot, read and cached on its own.
    following = store.snapshot()
    assert following.identity != request.identity
    assert following.built_at().replace(tzinfo=None) == later
    new_paired = following.query("program_outcomes")["n_paired"].to_list()
    assert new_paired == [n + 1000 if n is not None else None for n in raw_paired]
    assert following.program_outcomes()["n_paired"].to_list() == new_paired
    assert request.program_outcomes()["n_paired"].to_list() == paired
    request.close()
    following.close()


def test_one_request_pins_one_snapshot_until_it_ends(demo_build: DemoBuild, tmp_path: Path) -> None:
    """`Runtime.snapshot` gives every call of one request the same pinned marts."""
    published = demo_build.settings.published_database
    path = tmp_path / "observatory.duckdb"
    shutil.copyfile(published, path)
    rules = load_rules()
    warehouse = Warehouse(path)
    server = flask.Flask(__name__)
    install(server, Runtime(warehouse, rules, SuppressedMarts(warehouse, rules)))
    with server.test_request_context():
        first = current().snapshot()
        built = first.built_at()
        _republish(published, path, built.replace(tzinfo=None) + timedelta(days=1))
        assert current().snapshot() is first
        assert current().snapshot().built_at() == built
    with server.test_request_context():
        assert current().snapshot().built_at() > built


# Every mart whose spec declares nested counts, with the query of its published rows.
NESTED_MARTS: dict[str, tuple[Callable[[Marts], pl.DataFrame], SuppressionSpec, str]] = {
    **{
        name: (load, spec, name)
        for name, (load, spec) in MARTS.items()
        if spec.nested or spec.nested_rows
    },
    "signal_register": (Marts.signal_register, safety.SIGNAL_REGISTER, "safety_signal_register"),
    "safety_funnel": (Marts.safety_funnel, safety.SAFETY_FUNNEL, "safety_funnel"),
    "adverse_event_profile": (
        Marts.adverse_event_profile,
        safety.ADVERSE_EVENT_PROFILE,
        "adverse_event_profile",
    ),
}


def test_the_named_nestings_are_declared() -> None:
    """The probe's cases and the brief's chains, so a spec cannot quietly drop them."""
    assert ("n_enrolled", "n_started") in engagement.FUNNEL.nested_pairs
    assert ("n_started", "n_completed") in engagement.FUNNEL.nested_pairs
    assert ("n_started", "n_within_standard") in engagement.WAIT_TIMES.nested_pairs
    assert engagement.WAIT_TIMES.nested_rows
    assert ("n_started_and_ended", "n_completed") in engagement.EQUITY.nested_pairs
    assert ("n_paired", "n_reliable_improvement") in outcomes.PROGRAM_OUTCOMES.nested_pairs
    assert ("n_baseline", "n_paired") in engagement.DOSE_RESPONSE.nested_pairs
    assert ("n_started", "n_paired_post_treatment") in overview.OVERVIEW_HEADLINES.nested_pairs
    assert ("n", "observed") in safety.SAFETY_FUNNEL.nested_pairs


@pytest.mark.parametrize("name", sorted(NESTED_MARTS))
def test_declared_nestings_hold_in_the_published_counts(marts: Marts, name: str) -> None:
    """A declared pair is a subset in the data: its difference really is a count."""
    _, spec, query = NESTED_MARTS[name]
    raw = marts.query(query)
    for big, small in spec.nested_pairs:
        assert raw.filter(pl.col(big) < pl.col(small)).is_empty(), (name, big, small)
    for nesting in spec.nested_rows:
        ranked = raw.with_columns(
            pl.col(nesting.by).map_elements(nesting.rank, return_dtype=pl.Float64).alias("_rank")
        )
        pairs = ranked.join(ranked, on=list(nesting.within), suffix="_smaller").filter(
            pl.col("_rank") < pl.col("_rank_smaller"),
            pl.col(nesting.count) < pl.col(nesting.count + "_smaller"),
        )
        assert pairs.is_empty(), (name, nesting)


def shown_related_leaks(frame: pl.DataFrame, spec: SuppressionSpec, threshold: int) -> list:
    """Shown related counts differing by 1 to threshold - 1, and hidden cells pinned
    between an equal shown larger and smaller relative (rows as served, no raw values)."""
    found = []
    for big, small in spec.nested_pairs:
        gaps = frame.filter((pl.col(big) - pl.col(small)).is_between(1, threshold - 1))
        found += [(big, small, row) for row in gaps.select(big, small).rows()]
    for nesting in spec.nested_rows:
        rows = frame.select(*nesting.within, nesting.by, nesting.count).with_columns(
            pl.col(nesting.by).map_elements(nesting.rank, return_dtype=pl.Float64).alias("_rank")
        )
        pairs = rows.join(rows, on=list(nesting.within), suffix="_smaller").filter(
            pl.col("_rank") < pl.col("_rank_smaller"),
            (pl.col(nesting.count) - pl.col(nesting.count + "_smaller")).is_between(
                1, threshold - 1
            ),
        )
        found += [(nesting.count, nesting.by, row) for row in pairs.rows()]
    above: dict = {}
    below: dict = {}
    for larger, smaller in nested_relations(frame, spec):
        above.setdefault(smaller, []).append(larger)
        below.setdefault(larger, []).append(smaller)
    for cell, larger in above.items():
        row, count = cell
        if not frame[count + SUPPRESSED_SUFFIX][row] or cell not in below:
            continue
        ups = [frame[c][r] for r, c in larger if frame[c][r] is not None]
        downs = [frame[c][r] for r, c in below[cell] if frame[c][r] is not None]
        if ups and downs and min(ups) == max(downs):
            found.append(("pinned", count, row))
    return found


@pytest.mark.parametrize("name", sorted(NESTED_MARTS))
def test_no_two_shown_related_counts_give_a_small_count_away(marts: Marts, name: str) -> None:
    """Started 692 beside 690 within the standard, or enrolled 54 beside started 51, would
    show 2 and 3 people by subtraction: no served row shows such a pair."""
    load, spec, _ = NESTED_MARTS[name]
    found = shown_related_leaks(load(marts), spec, marts.rules.threshold)
    assert not found, f"{name}: {found[:10]}"


def test_the_demo_has_nested_differences_to_hide(marts: Marts) -> None:
    """The check above is not vacuous: the published waits and funnel have such pairs, and
    the served marts hide them, as "s" where the hidden count is not itself small."""
    threshold = marts.rules.threshold
    cases = (
        (
            "wait_times",
            "n_started",
            "n_within_standard",
            ["unit_type", "unit_id", "period", "standard"],
        ),
        ("engagement_funnel", "n_enrolled", "n_started", ["unit_type", "unit_id", "period"]),
    )
    for name, big, small, keys in cases:
        raw = marts.query(name).filter((pl.col(big) - pl.col(small)).is_between(1, threshold - 1))
        assert raw.height, name
        served = MARTS[name][0](marts).join(
            raw.select(*keys, pl.col(small).alias("_raw")), on=keys, how="inner"
        )
        assert served.height, name  # programs' quarters are not served at all
        assert (served[big].is_null() | served[small].is_null()).all(), name
        not_small = served.filter(pl.col("_raw") >= threshold, pl.col(small).is_null())
        assert not_small.height, name
        assert not not_small[small + "_small"].any(), name
