"""Small-cell suppression on known cases: what is hidden, what is shown, and how it reads."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dashboards.suppression import (
    NestedRows,
    SuppressionRules,
    SuppressionSpec,
    complementary_mask,
    labelled,
    load_rules,
    round_to_base,
    small_count_mask,
    suppress,
)

RULES = SuppressionRules()
SPEC = SuppressionSpec(dependents={"n": ("mean", "rate")})


def frame(counts: list[int | None], group: list[str] | None = None) -> pl.DataFrame:
    data: dict[str, list] = {
        "cell": [f"c{i}" for i in range(len(counts))],
        "n": counts,
        "mean": [10.0 + i for i in range(len(counts))],
        "rate": [0.5] * len(counts),
    }
    if group is not None:
        data["group"] = group
    return pl.DataFrame(data, schema_overrides={"n": pl.Int64})


def test_counts_one_to_four_are_suppressed_zero_and_five_are_shown() -> None:
    out = suppress(frame([0, 1, 2, 3, 4, 5, 6, None]), SPEC, RULES)
    assert out["n_suppressed"].to_list() == [False, True, True, True, True, False, False, False]
    assert out["n"].to_list() == [0, None, None, None, None, 5, 6, None]
    assert out["n_small"].to_list() == out["n_suppressed"].to_list()


def test_values_computed_on_a_suppressed_count_are_suppressed() -> None:
    out = suppress(frame([3, 40]), SPEC, RULES)
    assert out["mean"].to_list() == [None, 11.0]
    assert out["rate"].to_list() == [None, 0.5]
    assert out["mean_suppressed"].to_list() == [True, False]
    assert out["rate_suppressed"].to_list() == [True, False]


def test_a_value_depending_on_two_counts_is_hidden_when_either_is() -> None:
    spec = SuppressionSpec(dependents={"n": ("ratio",), "d": ("ratio",)})
    data = pl.DataFrame({"n": [10, 10, 2], "d": [20, 3, 20], "ratio": [0.5, 3.3, 0.1]})
    out = suppress(data, spec, RULES)
    assert out["ratio"].to_list() == [0.5, None, None]


def test_threshold_is_configurable() -> None:
    mask = small_count_mask(pl.Series("n", [0, 5, 6, 7]), threshold=7)
    assert mask.to_list() == [False, True, True, False]


def test_complementary_suppression_hides_the_next_smallest_cell_of_the_group() -> None:
    data = frame([3, 0, 40, 12, 25, 8], group=["a", "a", "a", "a", "b", "b"])
    spec = SuppressionSpec(dependents={"n": ("mean",)}, total_groups=(("group",),))
    out = suppress(data, spec, RULES)
    # Group a: 3 is small; 0 is never a complement; 12 is the next smallest.
    assert out["n_suppressed"].to_list() == [True, False, False, True, False, False]
    assert out["n_small"].to_list() == [True, False, False, False, False, False]
    assert out["mean"].to_list() == [None, 11.0, 12.0, None, 14.0, 15.0]


def test_no_complement_when_two_cells_are_already_hidden() -> None:
    data = frame([3, 2, 40, 12], group=["a"] * 4)
    spec = SuppressionSpec(dependents={"n": ()}, total_groups=(("group",),))
    assert suppress(data, spec, RULES)["n_suppressed"].to_list() == [True, True, False, False]


def test_complementary_suppression_propagates_across_row_and_column_totals() -> None:
    # A 2 x 2 table with row and column totals: hiding one cell needs four hidden cells.
    data = pl.DataFrame(
        {"row": ["r1", "r1", "r2", "r2"], "col": ["k1", "k2", "k1", "k2"], "n": [2, 30, 20, 50]}
    )
    hidden = complementary_mask(
        data, "n", small_count_mask(data["n"], 5), (("row",), ("col",)), threshold=5
    )
    assert hidden.to_list() == [False, True, True, True]


def test_hidden_cells_adding_up_to_a_small_number_get_another_complement() -> None:
    # 1 + 1 = 2 is known from the total, so each would be known to be 1.
    data = frame([1, 1, 40, 12], group=["a"] * 4)
    spec = SuppressionSpec(dependents={"n": ()}, total_groups=(("group",),))
    assert suppress(data, spec, RULES)["n_suppressed"].to_list() == [True, True, False, True]


def test_rows_with_a_null_group_value_belong_to_no_group_of_it() -> None:
    # A hierarchy in one frame: programs p1-p3 and their mode's total row share "mode";
    # the all-programs row names no mode total and is never picked as a complement here.
    data = pl.DataFrame(
        {
            "unit": ["p1", "p2", "p3", "mode", "all"],
            "mode_total": ["m", "m", "m", "m", None],
            "n": [3, 150, 60, 213, 900],
        }
    )
    spec = SuppressionSpec(dependents={"n": ()}, total_groups=(("mode_total",),))
    assert suppress(data, spec, RULES)["n_suppressed"].to_list() == [
        True,
        False,
        True,
        False,
        False,
    ]


def test_cells_hidden_elsewhere_are_inherited_and_protected() -> None:
    data = frame([30, 40, 50], group=["a"] * 3)
    spec = SuppressionSpec(dependents={"n": ("mean",)}, total_groups=(("group",),))
    inherited = {"n": pl.Series([False, True, False])}
    out = suppress(data, spec, RULES, hidden=inherited)
    assert out["n_suppressed"].to_list() == [True, True, False]  # 40 inherited, 30 added
    assert out["n_small"].to_list() == [False, False, False]
    assert out["mean"].to_list() == [None, None, 12.0]


def test_whole_frame_total_is_declared_with_an_empty_group() -> None:
    data = frame([3, 9, 50])
    spec = SuppressionSpec(dependents={"n": ()}, total_groups=((),))
    assert suppress(data, spec, RULES)["n_suppressed"].to_list() == [True, True, False]


def test_rounding_to_nearest_five_applies_to_shown_counts_only() -> None:
    out = suppress(frame([0, 3, 7, 12, 13, 250]), SPEC, SuppressionRules(round_counts=True))
    assert out["n"].to_list() == [0, None, 5, 10, 15, 250]
    assert out["mean"].to_list()[2] == 12.0  # means are not rounded
    assert round_to_base(pl.Series([22, 23, 27, 28]), 5).to_list() == [20, 25, 25, 30]


def test_rounding_is_off_by_default() -> None:
    assert suppress(frame([7, 12]), SPEC, RULES)["n"].to_list() == [7, 12]


def test_labels_distinguish_small_counts_from_other_suppression() -> None:
    data = frame([3, 0, 40, 12], group=["a"] * 4)
    spec = SuppressionSpec(dependents={"n": ("mean",)}, total_groups=(("group",),))
    text = labelled(suppress(data, spec, RULES), spec, RULES, missing="-")
    assert text["n"].to_list() == ["<5", "0", "40", "s"]
    assert text["mean"].to_list() == ["s", "11.0", "12.0", "s"]
    assert "n_suppressed" not in text.columns
    assert "n_small" not in text.columns


def test_labels_show_missing_values_apart_from_suppressed_ones() -> None:
    data = pl.DataFrame({"n": [0, 9], "mean": [None, 2.345]})
    spec = SuppressionSpec(dependents={"n": ("mean",)})
    text = labelled(suppress(data, spec, RULES), spec, RULES, decimals=2, missing="-")
    assert text["mean"].to_list() == ["-", "2.35"]


def test_small_label_follows_the_threshold() -> None:
    assert SuppressionRules(threshold=8).small_label == "<8"
    assert "between 1 and 7" in SuppressionRules(threshold=8).legend()


def test_frames_must_be_suppressed_once_and_declare_real_columns() -> None:
    once = suppress(frame([3]), SPEC, RULES)
    with pytest.raises(ValueError, match="already been suppressed"):
        suppress(once, SPEC, RULES)
    with pytest.raises(ValueError, match="missing"):
        suppress(frame([3]), SuppressionSpec(dependents={"n": ("nope",)}), RULES)
    with pytest.raises(ValueError, match="integers"):
        suppress(frame([3]), SuppressionSpec(dependents={"mean": ()}), RULES)
    with pytest.raises(ValueError, match="suppress"):
        labelled(frame([3]), SPEC, RULES)


def test_project_config_defaults_to_suppressing_one_to_four_without_rounding() -> None:
    rules = load_rules()
    assert rules.threshold == 5
    assert not rules.round_counts
    assert rules.small_label == "<5"


def test_config_file_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "suppression.yaml"
    path.write_text(
        "threshold: 8\nround_counts: true\nrounding_base: 5\n"
        "labels:\n  small_count: '*'\n  suppressed: 'x'\n"
    )
    rules = load_rules(path)
    assert (rules.threshold, rules.round_counts, rules.small_label) == (8, True, "*")
    assert rules.suppressed_label == "x"


NESTED = SuppressionSpec(
    dependents={"started": (), "within": ("share",)},
    nested=(("started", "within"),),
)


def pairs(started: list[int | None], within: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"started": started, "within": within, "share": [0.9] * len(started)},
        schema_overrides={"started": pl.Int64, "within": pl.Int64},
    )


def test_nested_counts_differing_by_one_to_four_hide_the_smaller() -> None:
    out = suppress(pairs([692, 692, 692, 692], [691, 690, 689, 688]), NESTED, RULES)
    assert out["started"].to_list() == [692] * 4
    assert out["within"].to_list() == [None] * 4
    assert out["share"].to_list() == [None] * 4
    assert out["within_small"].to_list() == [False] * 4  # hidden, not small: labelled "s"
    text = labelled(out, NESTED, RULES)
    assert text["within"].to_list() == ["s"] * 4


def test_nested_counts_differing_by_zero_or_the_threshold_or_more_are_shown() -> None:
    out = suppress(pairs([692, 692, 692, 40, None], [692, 687, 600, 35, 30]), NESTED, RULES)
    assert out["within_suppressed"].to_list() == [False] * 5
    assert out["started_suppressed"].to_list() == [False] * 5


def test_the_difference_follows_the_configured_threshold() -> None:
    out = suppress(pairs([100, 100], [93, 92]), NESTED, SuppressionRules(threshold=8))
    assert out["within_suppressed"].to_list() == [True, False]


def test_every_two_stages_of_a_chain_are_compared_not_only_neighbours() -> None:
    # referred 60, enrolled 54, started 51: 54 - 51 = 3 hides started; enrolled and ended
    # (54 - 50 = 4) are not neighbours but hide ended too; completed (30) stays.
    spec = SuppressionSpec(
        dependents={c: () for c in ("referred", "enrolled", "started", "ended", "completed")},
        nested=(("referred", "enrolled", "started", "ended", "completed"),),
    )
    data = pl.DataFrame(
        {"referred": [60], "enrolled": [54], "started": [51], "ended": [50], "completed": [30]}
    )
    out = suppress(data, spec, RULES)
    assert out.select("referred", "enrolled", "started", "ended", "completed").row(0) == (
        60,
        54,
        None,
        None,
        30,
    )


def test_a_hidden_count_between_two_equal_shown_relatives_is_protected() -> None:
    # Started is hidden elsewhere; enrolled 80 = ended 80 would give it away as 80.
    spec = SuppressionSpec(
        dependents={"enrolled": (), "started": (), "ended": ()},
        nested=(("enrolled", "started", "ended"),),
    )
    data = pl.DataFrame({"enrolled": [80, 80], "started": [80, 80], "ended": [80, 70]})
    hidden = {"started": pl.Series([True, True])}
    out = suppress(data, spec, RULES, hidden=hidden)
    assert out["ended_suppressed"].to_list() == [True, False]
    assert out["enrolled_suppressed"].to_list() == [False, False]


def test_a_smaller_count_decided_by_another_mart_leaves_the_larger_to_hide() -> None:
    spec = SuppressionSpec(
        dependents={"due": ("completeness",), "analysed": ("completeness",)},
        count_groups={"analysed": ()},
        nested=(("due", "analysed"),),
    )
    data = pl.DataFrame({"due": [50, 50], "analysed": [48, 40], "completeness": [0.96, 0.8]})
    out = suppress(data, spec, RULES)
    assert out["due"].to_list() == [None, 50]
    assert out["analysed"].to_list() == [48, 40]
    assert out["completeness"].to_list() == [None, 0.8]


def test_nested_and_complementary_suppression_reach_a_fixed_point_together() -> None:
    # Programs p1-p3 and their mode's row m; each row has a >= b >= c, totals over b and c.
    # p1: 50 - 48 hides b; the mode total of b needs a complement: p2's b (the smallest).
    # p2's b (30) would then be known from a = c = 30, so p2's c is hidden; the mode total
    # of c needs a complement in turn: p1's c (the smallest other). Nothing is small.
    spec = SuppressionSpec(
        dependents={"a": (), "b": (), "c": ()},
        total_groups=(("mode",),),
        nested=(("a", "b", "c"),),
    )
    data = pl.DataFrame(
        {
            "unit": ["p1", "p2", "p3", "m"],
            "mode": ["m"] * 4,
            "a": [50, 30, 60, 140],
            "b": [48, 30, 40, 118],
            "c": [20, 30, 35, 85],
        }
    )
    out = suppress(data, spec, RULES)
    assert out["a_suppressed"].to_list() == [False, False, False, False]
    assert out["b_suppressed"].to_list() == [True, True, False, False]
    assert out["c_suppressed"].to_list() == [True, True, False, False]
    assert not any(out[f"{c}_small"].any() for c in "abc")
    for unit, a, b, c in out.select("unit", "a", "b", "c").rows():
        shown = [v for v in (a, b, c) if v is not None]
        assert all(not 1 <= x - y < 5 for x in shown for y in shown), unit


def test_nested_columns_must_be_declared_counts() -> None:
    spec = SuppressionSpec(dependents={"started": ("share",)}, nested=(("started", "share"),))
    with pytest.raises(ValueError, match="nested"):
        suppress(pairs([10], [5]), spec, RULES)


def test_nested_rows_of_one_count_are_related_like_nested_columns() -> None:
    # A unit's started episodes within 126 days include those within 42 (the next row):
    # 300 and 297 would give away 3 who waited between 6 and 18 weeks.
    spec = SuppressionSpec(
        dependents={"started": (), "within": ()},
        nested=(("started", "within"),),
        nested_rows=(NestedRows("within", by="days", within=("unit",)),),
    )
    data = pl.DataFrame(
        {
            "unit": ["a", "a", "b", "b"],
            "days": [42, 126, 42, 126],
            "started": [320, 320, 320, 320],
            "within": [297, 300, 290, 300],
        }
    )
    out = suppress(data, spec, RULES)
    assert out["within_suppressed"].to_list() == [True, False, False, False]
    assert out["started_suppressed"].to_list() == [False] * 4


def test_nested_rows_follow_a_declared_order() -> None:
    nesting = NestedRows("within", by="standard", order=("long", "short"))
    assert (nesting.rank("long"), nesting.rank("short"), nesting.rank("other")) == (0, 1, None)
    assert NestedRows("within", by="days").rank(126) < NestedRows("within", by="days").rank(42)


def test_a_pair_of_counts_both_decided_by_another_mart_is_left_to_that_mart() -> None:
    # Headline referred and started repeat the funnel's, which declares the same pair.
    spec = SuppressionSpec(
        dependents={"referred": (), "started": (), "paired": ()},
        count_groups={"referred": (), "started": ()},
        nested=(("referred", "started", "paired"),),
    )
    assert spec.inherited == ("referred", "started")
    data = pl.DataFrame({"referred": [54, 90], "started": [51, 80], "paired": [40, 77]})
    out = suppress(data, spec, RULES)
    assert out["started"].to_list() == [51, 80]
    assert out["paired"].to_list() == [40, None]
