"""Shared chart helpers."""

from dashboards.charts.common import rests_on


def test_rests_on_counts_programs_in_the_singular_and_hides_a_suppressed_count() -> None:
    assert rests_on(1, 1200, "contract v2 episodes") == (
        "Rests on 1 program and 1,200 contract v2 episodes."
    )
    assert rests_on(3, None, "discharged contract v2 episodes") == (
        "Rests on 3 programs and a hidden number of discharged contract v2 episodes."
    )
