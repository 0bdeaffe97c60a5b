"""The same seed gives the same bytes; plants change only the programs they are in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.demo import generate

from .conftest import CONFIGS

# One worker builds the shared generated runs (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo_generator")


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes(runs):
    a, b = runs("tiny"), runs("tiny_again")
    assert _tree(a.landing_dir) == _tree(b.landing_dir)
    assert a.truth_path.read_bytes() == b.truth_path.read_bytes()


def test_a_different_seed_gives_different_data(runs):
    a, c = runs("tiny"), runs("tiny_other_seed")
    tree_a, tree_c = _tree(a.landing_dir), _tree(c.landing_dir)
    shared = [k for k in tree_a if k in tree_c and "episodes" in k]
    assert shared and all(tree_a[k] != tree_c[k] for k in shared)
    assert a.truth.effects != c.truth.effects


def test_plants_leave_every_other_program_untouched(main, plain):
    planted = {main.config.safety_program, main.config.drift_program}
    tree_main, tree_plain = _tree(main.landing_dir), _tree(plain.landing_dir)

    def untouched(tree: dict[str, bytes]) -> dict[str, bytes]:
        return {k: v for k, v in tree.items() if k.split("/")[0] not in planted}

    assert untouched(tree_main) == untouched(tree_plain)
    for program in planted:
        differs = [p for p in tree_main if p.startswith(program) and "episodes" not in p]
        assert any(tree_main[p] != tree_plain[p] for p in differs), program


def test_regenerating_replaces_the_previous_output(runs, tmp_path):
    landing, truth = tmp_path / "landing", tmp_path / "truth.json"
    shutil.copytree(runs("tiny").landing_dir, landing)
    generate(landing, truth, CONFIGS["tiny_other_seed"])
    other = runs("tiny_other_seed")
    assert _tree(landing) == _tree(other.landing_dir)
    assert truth.read_bytes() == other.truth_path.read_bytes()
