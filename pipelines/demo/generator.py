"""Seeded demo data: contract-conformant landing files and the truth they were built on.

One program at a time, in chunks of episodes, so memory stays bounded for millions of
episodes: each chunk is simulated, appended to that program's monthly files and summed
into its tally, then dropped. Every chunk and stage draws from its own seeded stream,
so switching a plant off changes only the program it was planted in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.demo import parameters as p
from pipelines.demo.adverse import phq9_signals, simulate_adverse_events
from pipelines.demo.archetypes import ARCHETYPE_BY_ID, ARCHETYPES, Archetype
from pipelines.demo.config import GeneratorConfig, add_months, default_end_month
from pipelines.demo.contract_v2 import (
    V2Plan,
    care_shift,
    draw_fields,
    draw_stop_reasons,
    experience_table,
    load_v2_plan,
)
from pipelines.demo.dates import NEVER, Window, day_number
from pipelines.demo.engagement import simulate_engagement
from pipelines.demo.episodes import finalise, simulate_episodes
from pipelines.demo.items import decompose
from pipelines.demo.outcomes import ScoreContext, Scores, simulate_scores
from pipelines.demo.tables import (
    adverse_table,
    engagement_table,
    episode_table,
    keys,
    prom_table,
)
from pipelines.demo.truth import (
    ProgramTally,
    Truth,
    V2Tally,
    build_truth,
    load_truth,
    write_truth,
)
from pipelines.demo.writer import ProgramWriter

__all__ = ["GeneratorConfig", "Truth", "default_end_month", "generate", "load_truth"]

PILOT_MONTHS = 6  # in-development programs send only their last months' pilot
_EPISODES, _ENGAGEMENT, _SCORES, _ITEMS, _DISCHARGE, _ADVERSE, _KEYS, _V2 = range(8)


def _rng(config: GeneratorConfig, program: int, chunk: int, stage: int) -> np.random.Generator:
    return np.random.default_rng([config.seed, program, chunk, stage])


def check(config: GeneratorConfig) -> None:
    """Reject plants and overrides that name unknown programs or unmeasured outcomes."""
    for name in ("safety_program", "drift_program"):
        if getattr(config, name) not in ARCHETYPE_BY_ID:
            raise ValueError(f"{name} {getattr(config, name)!r} is not a demo program")
    for pid, overrides in config.effect_overrides.items():
        arch = ARCHETYPE_BY_ID.get(pid)
        if arch is None or arch.delivery_mode == "in_person":
            raise ValueError(f"effect_overrides: {pid!r} is not an iCBT demo program")
        unknown = set(overrides) - set(arch.outcomes)
        if unknown:
            raise ValueError(f"effect_overrides: {pid} does not measure {sorted(unknown)}")


def allocate(config: GeneratorConfig) -> dict[str, int]:
    """Episodes per program: pilots fixed, the rest by volume weight times months sending
    (largest remainder), so a program that joins late is not crowded into few months."""
    counts = {a.program_id: a.pilot_episodes for a in ARCHETYPES if a.pilot_episodes}
    weighted = [a for a in ARCHETYPES if not a.pilot_episodes]
    rest = max(config.n_episodes - sum(counts.values()), 0)
    weights = np.array(
        [a.weight * (config.months - first_batch(a, config.months)) for a in weighted], dtype=float
    )
    quota = rest * weights / weights.sum()
    base = np.floor(quota).astype(int)
    base[np.argsort(base - quota, kind="stable")[: rest - base.sum()]] += 1
    counts.update({a.program_id: int(k) for a, k in zip(weighted, base, strict=True)})
    return {a.program_id: counts[a.program_id] for a in ARCHETYPES}


def first_batch(arch: Archetype, months: int) -> int:
    if arch.pilot_episodes:
        return max(months - PILOT_MONTHS, 0)
    return min(arch.onboarding_month, months - 1)


def _context(arch: Archetype, config: GeneratorConfig) -> ScoreContext:
    in_person = arch.delivery_mode == "in_person"
    planted = None
    if config.plant_safety_signal and arch.program_id == config.safety_program:
        planted = (day_number(config.safety_month), config.safety_planted_probability)
    drifting = config.plant_drift and arch.program_id == config.drift_program
    return ScoreContext(
        effects=arch.nominal_effects(config.effect_overrides.get(arch.program_id)),
        deterioration=config.deterioration_in_person if in_person else config.deterioration_icbt,
        reference_deterioration=config.deterioration_in_person,
        planted=planted,
        severity_shift=config.drift_severity_shift_sd if drifting else 0.0,
        biweekly_response=config.biweekly_response,
        baseline_missing=config.baseline_missing_rate,
        post_response_completers=config.post_response_completers,
        post_response_dropouts=config.post_response_dropouts,
        follow_up_response=config.follow_up_response,
    )


def _on_episodes(n: int, started: np.ndarray, values: np.ndarray, fill: int) -> np.ndarray:
    """Spread an array aligned to started episodes over all episodes of the chunk."""
    out = np.full(n, fill, dtype=values.dtype)
    out[started] = values
    return out


def _prom_rows(scores: Scores, items: list[np.ndarray], skip_rate: float, rng):
    """Long-form item rows and which answers were skipped.

    Skips cluster in a few questionnaires, one or two items each, rather than spreading
    evenly: most administrations stay complete, and every PHQ-9 stays scorable under the
    usual rule of prorating up to two missing items.
    """
    per_skipper = np.dot(np.arange(1, 3), p.SKIPPED_ITEMS)
    parts = []
    for adm, answers in zip(scores.administrations, items, strict=True):
        m, k = answers.shape
        skipper = rng.random(m) < min(skip_rate * k / per_skipper, 1.0)
        n_skipped = np.where(skipper, 1 + (rng.random(m) >= p.SKIPPED_ITEMS[0]), 0)
        rank = np.argsort(np.argsort(rng.random((m, k)), axis=1), axis=1)
        parts.append(
            (
                np.repeat(adm.ep, k),
                np.full(m * k, p.INSTRUMENTS.index(adm.instrument), dtype=np.int8),
                np.repeat(adm.day, k),
                np.tile(np.arange(1, k + 1, dtype=np.int8), m),
                answers.ravel(),
                (rank < n_skipped[:, None]).ravel(),
            )
        )
    return tuple(np.concatenate(c) for c in zip(*parts, strict=True))


def _program(
    landing_dir: Path,
    index: int,
    arch: Archetype,
    n: int,
    config: GeneratorConfig,
    window: Window,
    plan: V2Plan,
) -> ProgramTally:
    first = first_batch(arch, config.months)
    v2_from = plan.first_v2_batch(arch.program_id, config.months)
    gap = plan.shift_for(arch.program_id)
    first_day = day_number(add_months(config.first_month, first))
    drift_day = day_number(config.drift_month)
    drift = None
    if config.plant_drift and arch.program_id == config.drift_program:
        drift = (drift_day, config.drift_age_shift_years)
    ctx = _context(arch, config)
    episode_offset, patient_offset = _rng(config, index, 0, _KEYS).integers(0, 10**12, 2)
    writer = ProgramWriter(landing_dir / arch.program_id, window, arch.file_format, v2_from)
    tally = ProgramTally(config.months)
    tally.v2 = None if v2_from is None else V2Tally(v2_from, gap)
    for chunk, lo in enumerate(range(0, n, config.chunk_size)):
        serial = np.arange(lo, min(lo + config.chunk_size, n))
        eps = simulate_episodes(
            arch, serial, first_day, window.end_day, drift, _rng(config, index, chunk, _EPISODES)
        )
        events = simulate_engagement(eps, arch, _rng(config, index, chunk, _ENGAGEMENT))
        v2_rng = _rng(config, index, chunk, _V2)
        in_person = arch.delivery_mode == "in_person"
        v2 = None if v2_from is None else draw_fields(eps, v2_rng, plan.barriers.enabled, in_person)
        shift = None if v2 is None or gap is None else care_shift(v2, gap)
        scores = simulate_scores(
            eps, arch, ctx, events.last_day, _rng(config, index, chunk, _SCORES), shift
        )
        item_rng = _rng(config, index, chunk, _ITEMS)
        items = [decompose(a.instrument, a.totals, item_rng) for a in scores.administrations]
        phq9_at = [a.instrument for a in scores.administrations].index("PHQ9")
        phq9, item9 = scores.administrations[phq9_at], items[phq9_at][:, 8]
        s = scores.started
        baseline = _on_episodes(eps.n, s, scores.baseline["PHQ9.total"], 0)
        _, _, suicidal_day = phq9_signals(eps.n, phq9, item9, baseline, events.last_day + 14)
        finalise(
            eps,
            events.last_day,
            _on_episodes(eps.n, s, scores.post_day, NEVER),
            _on_episodes(eps.n, s, scores.post_answered, False),
            _on_episodes(eps.n, s, scores.planned_end, NEVER),
            suicidal_day < NEVER,
            _rng(config, index, chunk, _DISCHARGE),
        )
        adverse = simulate_adverse_events(
            eps, phq9, item9, baseline, _rng(config, index, chunk, _ADVERSE)
        )
        if v2 is not None:
            draw_stop_reasons(eps, v2, v2_rng, in_person)
            tally.v2.add(eps, v2, scores, window, in_person)
        tally.add_episodes(eps, window, drift_day)
        tally.add_scores(scores, eps, arch.outcomes, window, drift_day)
        tally.add_adverse(adverse, window)

        episode_keys = keys("E", eps.index, int(episode_offset))
        patient_keys = keys("P", eps.patient_index, int(patient_offset))
        writer.write(
            "episodes",
            *episode_table(eps, episode_keys, patient_keys, arch.program_id, window, v2),
        )
        if v2 is not None:
            writer.write(
                "patient_experience", *experience_table(eps, arch, episode_keys, window, v2_rng)
            )
        rows = _prom_rows(scores, items, config.item_skip_rate, item_rng)
        writer.write("prom_responses", *prom_table(*rows, episode_keys, window))
        writer.write("engagement_events", *engagement_table(events, episode_keys, window))
        writer.write("adverse_events", *adverse_table(adverse, episode_keys, window))
    tally.files = writer.publish(arch.row(), range(first, config.months))
    tally.rows = writer.rows
    return tally


def generate(
    landing_dir: Path,
    truth_path: Path,
    config: GeneratorConfig | None = None,
    plan: V2Plan | None = None,
) -> Truth:
    """Write the landing zone for every demo program and `truth_path`; return the truth.

    Replaces the demo programs' folders under `landing_dir` (and nothing else there).
    `plan`: which programs send contract v2 (default `config/demo_contract_v2.yaml`).
    """
    config = config or GeneratorConfig()
    plan = plan or load_v2_plan()
    check(config)
    unknown = {*plan.v2_programs, *filter(None, [plan.switch_program])} - set(ARCHETYPE_BY_ID)
    if unknown:
        raise ValueError(f"contract v2 plan names programs that are not demo programs: {unknown}")
    window = Window(config.first_month, config.months)
    counts = allocate(config)
    tallies, nominal, firsts = {}, {}, {}
    for index, arch in enumerate(ARCHETYPES):
        pid = arch.program_id
        tallies[pid] = _program(Path(landing_dir), index, arch, counts[pid], config, window, plan)
        nominal[pid] = arch.nominal_effects(config.effect_overrides.get(pid))
        firsts[pid] = first_batch(arch, config.months)
    truth = build_truth(config, window, tallies, nominal, firsts, plan)
    write_truth(truth, Path(truth_path))
    return truth
