"""Every SQL model file follows the layering rules the researchers rely on."""

import re

import pytest

from pipelines.modelling.assets import SQL_LAYERS
from pipelines.sql import load_models

MODELS = [m for layer in (*SQL_LAYERS, "reference") for m in load_models(layer)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_model_creates_the_table_it_is_named_after_and_documents_it(model):
    created = re.findall(r"CREATE OR REPLACE TABLE (\w+)", model.sql)
    assert created == [model.name]
    # Its grain and purpose; with the key in parentheses where a grain check reads it
    # (tests/pipelines/quality/test_grain.py).
    assert re.match(r"-- Grain( \([^)]*\))?: ", model.sql), "each model opens with its grain"
    assert f"COMMENT ON TABLE {model.name} IS" in model.sql
    prefix = {"staging": "staging_", "intermediate": "int_", "marts": "mart_", "reference": "ref_"}
    assert model.name.startswith(prefix[model.layer])


def test_upstream_is_read_from_the_sql_not_from_comments_or_strings():
    model = next(m for m in MODELS if m.name == "staging_episodes")
    assert model.upstream == ("raw_episodes", "staging_programs")
