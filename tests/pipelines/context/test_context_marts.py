"""The contract v2 analyses on the demo warehouse find what the generator planted: the
barrier pattern (technology reasons concentrated in older rural and remote patients) and
the effect modification by concurrent care, and say what they rest on."""

import itertools
import math

import duckdb
import pytest

from pipelines.demo.contract_v2 import BARRIER_REASONS
from pipelines.demo.parameters import AGE_BANDS
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build
OLDER = ("55-64", "65-74", "75+")


@pytest.fixture(scope="module")
def published(demo_build):
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        yield con


def _barrier_share(con, breakdown: str, groups: tuple[str, ...]) -> float:
    [(share,)] = con.execute(
        "SELECT sum(n_stopped) FILTER (WHERE list_contains($barriers, stop_reason)) "
        "/ sum(n_stopped) FILTER (WHERE stop_reason <> 'not_recorded') "
        "FROM mart_stop_reasons WHERE unit_type = 'all_icbt' AND breakdown = $breakdown "
        "AND list_contains($groups, group_value)",
        {"barriers": list(BARRIER_REASONS), "breakdown": breakdown, "groups": list(groups)},
    ).fetchall()
    return share


def test_stop_reasons_count_exactly_what_the_generator_recorded(demo_build, published):
    realised = demo_build.truth.contract_v2["barriers"]["realised"]
    expected = {
        reason: realised["group"]["by_reason"][reason] + realised["others"]["by_reason"][reason]
        for reason in realised["group"]["by_reason"]
    }
    rows = dict(
        published.execute(
            "SELECT stop_reason, n_stopped FROM mart_stop_reasons WHERE unit_type = 'all_icbt' "
            "AND breakdown = 'all' AND stop_reason <> 'not_recorded'"
        ).fetchall()
    )
    assert rows == {reason: n for reason, n in expected.items() if n}


def test_barriers_are_found_among_older_rural_and_remote_patients(published):
    cells = [
        f"{age} {place}"
        for age, place in itertools.product(AGE_BANDS, ("urban", "rural", "remote"))
    ]
    planted = [c for c in cells if c.split()[0] in OLDER and not c.endswith("urban")]
    others = [c for c in cells if c not in planted]
    group = _barrier_share(published, "age_band_by_rurality", tuple(planted))
    rest = _barrier_share(published, "age_band_by_rurality", tuple(others))
    assert group > rest + 0.25, (group, rest)
    rural = _barrier_share(published, "rurality", ("rural", "remote"))
    assert rural > _barrier_share(published, "rurality", ("urban",)), rural


def test_v2_analyses_say_what_they_rest_on(demo_build, published):
    v2_icbt = {p for p in demo_build.truth.contract_v2["programs"] if p.startswith("ICBT")}
    [(programs, episodes)] = published.execute(
        "SELECT DISTINCT n_programs, n_v2_episodes FROM mart_stop_reasons "
        "WHERE unit_type = 'all_icbt' AND breakdown = 'all'"
    ).fetchall()
    [(v2_episodes,)] = published.execute(
        "SELECT count(*) FROM staging_episodes JOIN staging_programs USING (program_id) "
        "WHERE contract_version = 'v2' AND NOT is_in_person"
    ).fetchall()
    assert (programs, episodes) == (len(v2_icbt), v2_episodes)
    experience = published.execute(
        "SELECT item_number, n_programs, n_discharged, n_answered, share_answering, mean_answer "
        "FROM mart_patient_experience WHERE unit_type = 'all_icbt' ORDER BY item_number"
    ).fetchall()
    assert [row[0] for row in experience] == [1, 2, 3, 4, 5]
    for _, n_programs, discharged, answered, share, mean in experience:
        assert n_programs == len(v2_icbt) and 0 < answered < discharged
        assert share == pytest.approx(answered / discharged) and 0 <= mean <= 4


def test_the_planted_care_modification_is_found(demo_build, published):
    rows = published.execute(
        "SELECT stratum, k, estimate, se, difference_without_minus_with, p_value, v2_programs "
        "FROM mart_care_modification WHERE instrument = 'PHQ9' AND scale = 'total' "
        "AND timepoint = 'post_treatment' AND method = 'dl' ORDER BY stratum"
    ).fetchall()
    assert [row[0] for row in rows] == ["with_care", "without_care"]
    (_, k_with, with_care, se_with, gap, p_value, _) = rows[0]
    (_, k_without, without, se_without, _, _, v2_programs) = rows[1]
    truth = demo_build.truth.contract_v2["care_modification"]["by_program"]
    planted = sum(entry["gap"] for entry in truth.values()) / len(truth)
    assert k_with >= 1 and k_without >= 1 and v2_programs >= 2
    assert gap == pytest.approx(without - with_care)
    # Found: in the planted direction, significant, and the realised gap is within the
    # 95% confidence interval of the estimated one.
    half_width = 1.96 * math.hypot(se_with, se_without)
    assert gap > 0 and p_value < 0.05, (gap, p_value)
    assert gap - half_width < planted < gap + half_width, (gap, half_width, planted)
