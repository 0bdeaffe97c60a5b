"""Seeded synthetic landing data for fictional iCBT programs, with the truths it plants."""

from pipelines.demo.config import GeneratorConfig, default_end_month
from pipelines.demo.generator import generate
from pipelines.demo.truth import Truth, load_truth

__all__ = ["GeneratorConfig", "Truth", "default_end_month", "generate", "load_truth"]
