"""The safety SQL files follow the layering rules: one documented table per model file,
and a register that is created once and upserted, never replaced."""

from __future__ import annotations

import re

import pytest

from pipelines.sql import load_models, read_sql

MODELS = [m for m in load_models("safety") if m.name.startswith(("ref_", "safety_"))]
REPLACED = [m for m in MODELS if m.name != "safety_signal_register"]


def test_every_safety_model_is_found():
    assert {m.name for m in MODELS} == {
        "ref_safety_policy",
        "ref_safety_indicators",
        "safety_units",
        "safety_cusum_thresholds",
        "safety_signal_register",
        "safety_signal_reviews",
        "safety_signal_review_audit",
    }


@pytest.mark.parametrize("model", REPLACED, ids=lambda m: m.name)
def test_frame_fed_models_create_and_document_their_table(model):
    assert re.findall(r"CREATE OR REPLACE TABLE (\w+)", model.sql) == [model.name]
    # safety_ tables name their key for their grain check (tests/pipelines/quality).
    assert model.sql.startswith("-- Grain (" if model.name.startswith("safety_") else "-- Grain:")
    assert model.is_frame_fed
    assert f"COMMENT ON TABLE {model.name} IS" in model.sql


def test_the_register_is_created_once_and_upserted():
    ddl = read_sql("safety/safety_signal_register.sql")
    assert "CREATE TABLE IF NOT EXISTS safety_signal_register" in ddl
    assert "CREATE OR REPLACE" not in ddl
    assert "COMMENT ON TABLE safety_signal_register IS" in ddl
    upsert = read_sql("safety/upsert_safety_signal_register.sql")
    assert "ON CONFLICT (signal_id) DO UPDATE" in upsert
    identity = ("signal_number", "opened_month", "first_recorded_at", "opened_observed")
    assert not any(f"{column} = EXCLUDED" in upsert for column in identity)
