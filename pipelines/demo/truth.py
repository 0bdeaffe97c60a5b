"""What the generator planted, summed chunk by chunk and written to truth.json.

Downstream tests compare what the pipeline estimates with these numbers, so each one is
computed from the generated data exactly as defined in `DEFINITIONS`, not from the
nominal parameters alone.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pipelines.contract import CONTRACT_VERSION
from pipelines.demo import parameters as p
from pipelines.demo.adverse import AdverseEvents
from pipelines.demo.archetypes import ARCHETYPE_BY_ID, ARCHETYPES
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.contract_v2 import (
    BARRIER_REASONS,
    MULTIDISCIPLINARY,
    STOP_REASONS,
    V2Fields,
    V2Plan,
    in_barrier_group,
)
from pipelines.demo.dates import Window, day_number
from pipelines.demo.episodes import Episodes
from pipelines.demo.outcomes import Scores, geometry

DEFINITIONS = {
    "true_difference_in_change": (
        "Mean over the program's started episodes whose planned post-treatment date is on or "
        "before the window end of (post-treatment score with the program's effect and "
        "deterioration risk) minus (the same episode's score with in-person CBT's), both "
        "rounded and clipped to the scale and drawn with the same random numbers. Equal to "
        "the difference in mean change (post minus baseline), in scale points, native "
        "direction (negative = larger reduction)."
    ),
    "nominal": "The effect parameter in scale points, before rounding and clipping.",
    "observed": (
        "observed_n and observed_mean_change: the same episodes restricted to those that "
        "answered both assessments, i.e. what a complete-case analysis pairs. A questionnaire "
        "has at most two skipped items, so a PHQ-9 prorating up to two is always scorable; "
        "scales scored only when complete pair fewer."
    ),
    "follow_up": (
        "As true_difference_in_change at the follow-up assessment (planned end + 91 days), "
        "for episodes whose follow-up date is on or before the window end; observed_* are "
        "the episodes that answered baseline and follow-up (a completers-only view). "
        "completers_difference_bias is the paired difference among those who answered minus "
        "the paired difference among all: how far a completers analysis could be off "
        "because of who answers, before any sampling error."
    ),
    "reliable_deterioration": (
        "PHQ-9 total at post-treatment minus baseline >= 6, among started episodes that "
        "answered both, by the month of the post-treatment assessment; computed from the "
        "generated totals (every item, before skipped items are blanked)."
    ),
    "reference": (
        "In-person CBT pooled over its clinics: mean change over started episodes whose "
        "post-treatment (follow-up) date is on or before the window end. "
        "follow_up_observed_mean_change is the completers-only view: follow-up answers are "
        "missing at random given age band, rurality and baseline PHQ-9, so it is biased and "
        "inverse-probability weighting on those recovers follow_up_mean_change."
    ),
    "care_modification": (
        "contract_v2.care_modification: true_difference_in_change of PHQ9.total (as above) "
        "over the program's started episodes with, and without, concurrent multidisciplinary "
        "care (any of concurrent_physiotherapy, concurrent_pain_clinic, "
        "concurrent_medication_review), whatever batch version delivered them."
    ),
    "barriers": (
        "contract_v2.barriers: episodes of iCBT programs delivered under v2 that ended "
        "dropped_out or not_started on or before the window end with a recorded "
        "stop_reason, in the group (rurality rural or remote and age band 55-64 or older) "
        "and among the others; barrier = technology_problems or no_device_or_connection."
    ),
    "completion_rate": (
        "Episodes ended as 'completed' divided by started episodes that ended on or before "
        "the window end; by_month by the month of the end date."
    ),
}


@dataclass
class V2Tally:
    """Running sums of one contract v2 program's planted truths."""

    first_batch: int
    care_gap_points: float | None
    # with care, without care: [episodes, sum of post minus in-person post, PHQ-9 points]
    care: np.ndarray = field(default_factory=lambda: np.zeros((2, 2)))
    # group, others: counts by stop reason (STOP_REASONS order)
    stops: np.ndarray = field(default_factory=lambda: np.zeros((2, len(STOP_REASONS)), int))

    def add(
        self, eps: Episodes, fields: V2Fields, sc: Scores, window: Window, in_person: bool
    ) -> None:
        with_post = sc.post_day <= window.end_day
        difference = (sc.post["PHQ9.total"] - sc.post_reference["PHQ9.total"]).astype(float)
        cared = fields.multidisciplinary[sc.started]
        for row, mask in enumerate((cared, ~cared)):
            self.care[row] += [(with_post & mask).sum(), difference[with_post & mask].sum()]
        ended = eps.end <= window.end_day
        shown = ended & (fields.stop >= 0)
        shown[shown] = window.batch_of(eps.end[shown]) >= self.first_batch
        if in_person:
            return
        group = in_barrier_group(eps)
        for row, mask in enumerate((group, ~group)):
            np.add.at(self.stops[row], fields.stop[shown & mask], 1)


@dataclass
class ProgramTally:
    """Running sums for one program across chunks."""

    months: int
    counts: Counter[str] = field(default_factory=Counter)
    effects: dict[str, np.ndarray] = field(default_factory=dict)
    follow_up: dict[str, np.ndarray] = field(default_factory=dict)
    deterioration: np.ndarray = field(init=False)
    completion: np.ndarray = field(init=False)
    drift: np.ndarray = field(default_factory=lambda: np.zeros((2, 5)))
    adverse: np.ndarray = field(init=False)
    rows: Counter[str] = field(default_factory=Counter)
    files: int = 0
    v2: V2Tally | None = None

    def __post_init__(self) -> None:
        self.deterioration = np.zeros((self.months, 2), dtype=np.int64)
        self.completion = np.zeros((self.months, 2), dtype=np.int64)
        self.adverse = np.zeros((len(p.AE_CATEGORIES), self.months), dtype=np.int64)

    def add_episodes(self, eps: Episodes, window: Window, drift_day: int) -> None:
        end = window.end_day
        started = eps.start <= end
        ended = eps.end <= end
        c = self.counts
        c["referred"] += eps.n
        c["enrolled"] += int((eps.enrolment <= end).sum())
        c["started"] += int(started.sum())
        c["ended"] += int(ended.sum())
        c["ongoing"] += int((~ended).sum())
        for code, reason in enumerate(p.DISCHARGE_REASONS):
            c[f"ended_{reason}"] += int((ended & (eps.reason == code)).sum())
        closed = started & ended
        month = window.batch_of(eps.end[closed])
        np.add.at(self.completion, (month, 0), 1)
        np.add.at(self.completion, (month[eps.reason[closed] == 0], 1), 1)
        after = (eps.referral >= drift_day).astype(int)
        np.add.at(self.drift[:, 0], after, 1)
        np.add.at(self.drift[:, 1], after, eps.age)
        np.add.at(self.drift[:, 2], after, eps.age >= 4)

    def add_scores(
        self, sc: Scores, eps: Episodes, outcomes: tuple[str, ...], window: Window, drift_day: int
    ) -> None:
        end = window.end_day
        with_post = sc.post_day <= end
        with_follow = sc.follow_up_day <= end
        post_seen = with_post & sc.baseline_answered & sc.post_answered
        follow_seen = with_follow & sc.baseline_answered & sc.follow_up_answered
        for key in outcomes:
            unit = geometry(key).unit
            base = sc.baseline[key].astype(float)
            post, ref = sc.post[key], sc.post_reference[key]
            fu, fu_ref = sc.follow_up[key], sc.follow_up_reference[key]
            self.effects.setdefault(key, np.zeros(6))
            self.effects[key] += [
                with_post.sum(),
                (post - ref)[with_post].sum() / unit,
                (post - base)[with_post].sum() / unit,
                (ref - base)[with_post].sum() / unit,
                post_seen.sum(),
                (post - base)[post_seen].sum() / unit,
            ]
            self.follow_up.setdefault(key, np.zeros(6))
            self.follow_up[key] += [
                with_follow.sum(),
                (fu - fu_ref)[with_follow].sum() / unit,
                (fu - base)[with_follow].sum() / unit,
                follow_seen.sum(),
                (fu - base)[follow_seen].sum() / unit,
                (fu - fu_ref)[follow_seen].sum() / unit,
            ]
        change = sc.post["PHQ9.total"] - sc.baseline["PHQ9.total"]
        month = window.batch_of(sc.post_day[post_seen])
        np.add.at(self.deterioration, (month, 0), 1)
        worse = change[post_seen] >= p.RELIABLE_DETERIORATION_PHQ9
        np.add.at(self.deterioration, (month[worse], 1), 1)
        after = (eps.referral[sc.started] >= drift_day).astype(int)
        np.add.at(self.drift[:, 3], after, 1)
        np.add.at(self.drift[:, 4], after, sc.baseline["PHQ9.total"])

    def add_adverse(self, ae: AdverseEvents, window: Window) -> None:
        month = window.batch_of(ae.day)
        keep = month < window.months
        np.add.at(self.adverse, (ae.category[keep], month[keep]), 1)


@dataclass(frozen=True)
class Truth:
    """The planted truths, exactly as serialised to truth.json (JSON-native values)."""

    generator: str
    contract_version: str
    seed: int
    config: dict
    window: dict
    definitions: dict
    outcomes: dict
    programs: dict
    effects: dict
    delivery_mode_effects: dict
    reference: dict
    follow_up: dict
    deterioration: dict
    safety_plant: dict
    drift_plant: dict
    adverse_events: dict
    missingness: dict
    rows: dict
    in_development_programs: list
    provinces_without_in_person: list
    contract_v2: dict = field(default_factory=dict)


def write_truth(truth: Truth, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(asdict(truth), indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)


def load_truth(path: Path) -> Truth:
    return Truth(**json.loads(Path(path).read_text(encoding="utf-8")))


def _num(x: float) -> float:
    return round(float(x), 6)


def _rate(part: float, whole: float) -> float | None:
    return _num(part / whole) if whole else None


def rates_by_month(table: np.ndarray, window: Window, names: tuple[str, str]) -> dict:
    """{month: {n, events, rate}} for months with a denominator."""
    return {
        window.label(b): {names[0]: int(n), names[1]: int(k), "rate": _rate(k, n)}
        for b, (n, k) in enumerate(table)
        if n
    }


def effect_entry(sums: np.ndarray, nominal: float) -> dict:
    n, diff, change, change_ref, seen, change_seen = sums
    return {
        "nominal": nominal,
        "true_difference_in_change": _rate(diff, n),
        "n": int(n),
        "mean_change": _rate(change, n),
        "mean_change_as_in_person": _rate(change_ref, n),
        "observed_n": int(seen),
        "observed_mean_change": _rate(change_seen, seen),
    }


def follow_up_entry(sums: np.ndarray) -> dict:
    n, diff, change, seen, change_seen, diff_seen = sums
    mean, observed = _rate(change, n), _rate(change_seen, seen)
    true, true_seen = _rate(diff, n), _rate(diff_seen, seen)
    return {
        "true_difference_in_change": true,
        "n": int(n),
        "mean_change": mean,
        "observed_n": int(seen),
        "observed_mean_change": observed,
        "completers_only_bias": None if mean is None or observed is None else _num(observed - mean),
        "observed_true_difference_in_change": true_seen,
        "completers_difference_bias": (
            None if true is None or true_seen is None else _num(true_seen - true)
        ),
    }


def drift_summary(row: np.ndarray) -> dict:
    referrals, age_sum, older, started, phq9_sum = row
    return {
        "referrals": int(referrals),
        "mean_age_band_index": _rate(age_sum, referrals),
        "share_aged_55_plus": _rate(older, referrals),
        "started": int(started),
        "mean_baseline_phq9": _rate(phq9_sum, started),
    }


def _outcome_table() -> dict:
    out = {}
    for o in p.OUTCOMES:
        g = geometry(o.key)
        out[o.key] = {
            "instrument": o.instrument,
            "scale": o.scale,
            "min": g.lo / g.unit,
            "max": g.hi / g.unit,
            "mean_scored": o.key in p.MEAN_SCORED,
            "higher_is_better": o.higher_is_better,
            "baseline_mean": o.mean,
            "baseline_sd": o.sd,
            "in_person_improvement": o.improvement,
            "mcid": o.mcid,
            "source": o.source,
        }
    return out


def _pooled(entries: list[tuple[np.ndarray, float]]) -> dict:
    n = sum(s[0] for s, _ in entries)
    return {
        "nominal": _rate(sum(s[0] * nominal for s, nominal in entries), n),
        "true_difference_in_change": _rate(sum(s[1] for s, _ in entries), n),
        "n": int(n),
        "mean_change": _rate(sum(s[2] for s, _ in entries), n),
    }


def _before_after(table: np.ndarray, split: int) -> dict:
    before, after = table[:split].sum(axis=0), table[split:].sum(axis=0)
    return {
        "before": {
            "n": int(before[0]),
            "deteriorated": int(before[1]),
            "rate": _rate(before[1], before[0]),
        },
        "after": {
            "n": int(after[0]),
            "deteriorated": int(after[1]),
            "rate": _rate(after[1], after[0]),
        },
    }


def build_truth(
    config: GeneratorConfig,
    window: Window,
    tallies: dict[str, ProgramTally],
    nominal: dict[str, dict[str, float]],
    first_batches: dict[str, int],
    plan: V2Plan,
) -> Truth:
    """Assemble truth.json's content from the per-program tallies."""
    programs, effects, follow_up, deterioration, adverse = {}, {}, {}, {}, {}
    by_mode: dict[str, dict[str, list]] = {}
    in_person_provinces = {a.province for a in ARCHETYPES if a.delivery_mode == "in_person"}
    for pid, t in tallies.items():
        arch = ARCHETYPE_BY_ID[pid]
        ended_started = t.completion.sum(axis=0)
        programs[pid] = {
            **arch.row(),
            "file_format": arch.file_format,
            "instruments": list(arch.instruments),
            "outcomes": list(arch.outcomes),
            "volume_weight": arch.weight,
            "effect_mcid": arch.effect_mcid,
            "therapist_contact": arch.contact,
            "first_batch": window.label(first_batches[pid]),
            "local_in_person_clinic": arch.province in in_person_provinces,
            "episodes": dict(sorted(t.counts.items())),
            "completion": {
                "started_ended": int(ended_started[0]),
                "completed": int(ended_started[1]),
                "rate": _rate(ended_started[1], ended_started[0]),
                "by_month": rates_by_month(t.completion, window, ("ended", "completed")),
            },
            "rows": dict(sorted(t.rows.items())),
            "files": t.files,
        }
        effects[pid] = {k: effect_entry(t.effects[k], nominal[pid][k]) for k in t.effects}
        follow_up[pid] = {k: follow_up_entry(t.follow_up[k]) for k in t.follow_up}
        deterioration[pid] = rates_by_month(t.deterioration, window, ("n", "deteriorated"))
        adverse[pid] = {c: int(t.adverse[i].sum()) for i, c in enumerate(p.AE_CATEGORIES)}
        for key, sums in t.effects.items():
            by_mode.setdefault(arch.delivery_mode, {}).setdefault(key, []).append(
                (sums, nominal[pid][key])
            )
    mode_effects = {
        mode: {key: _pooled(entries) for key, entries in outcomes.items()}
        for mode, outcomes in by_mode.items()
    }
    clinics = [t for pid, t in tallies.items() if ARCHETYPE_BY_ID[pid].delivery_mode == "in_person"]
    reference = {}
    for key, v in mode_effects.get("in_person", {}).items():
        follow = follow_up_entry(sum(t.follow_up[key] for t in clinics))
        reference[key] = {
            "mean_change": v["mean_change"],
            "n": v["n"],
            "follow_up_mean_change": follow["mean_change"],
            "follow_up_n": follow["n"],
            "follow_up_observed_mean_change": follow["observed_mean_change"],
        }
    safety = tallies[config.safety_program]
    split = window.batch_of(np.array([day_number(config.safety_month)]))[0]
    symptom = safety.adverse[p.AE_CATEGORIES.index("symptom_deterioration")]
    safety_arch = ARCHETYPE_BY_ID[config.safety_program]
    baseline_p = (
        config.deterioration_in_person
        if safety_arch.delivery_mode == "in_person"
        else config.deterioration_icbt
    )
    safety_plant = {
        "enabled": config.plant_safety_signal,
        "program_id": config.safety_program,
        "indicator": "PHQ9.total reliable deterioration",
        "threshold_points": p.RELIABLE_DETERIORATION_PHQ9,
        "from_month": config.safety_month.strftime("%Y-%m"),
        "applies_to": "episodes whose post-treatment assessment is in or after from_month",
        "baseline_probability": baseline_p,
        "planted_probability": config.safety_planted_probability,
        "effective_probability": (
            config.safety_planted_probability if config.plant_safety_signal else baseline_p
        ),
        "realised": _before_after(safety.deterioration, split),
        "adverse_event_category": "symptom_deterioration",
        "adverse_events": {
            "before": int(symptom[:split].sum()),
            "after": int(symptom[split:].sum()),
        },
    }
    drift = tallies[config.drift_program]
    drift_plant = {
        "enabled": config.plant_drift,
        "program_id": config.drift_program,
        "from_month": config.drift_month.strftime("%Y-%m"),
        "applies_to": "episodes referred in or after from_month",
        "age_shift_years": config.drift_age_shift_years if config.plant_drift else 0.0,
        "severity_shift_sd": config.drift_severity_shift_sd if config.plant_drift else 0.0,
        "realised": {
            "before": drift_summary(drift.drift[0]),
            "after": drift_summary(drift.drift[1]),
        },
    }
    rows: Counter[str] = Counter()
    for t in tallies.values():
        rows.update(t.rows)
    n = sum(t.counts["referred"] for t in tallies.values())
    return Truth(
        generator="pipelines.demo",
        contract_version=CONTRACT_VERSION,
        seed=config.seed,
        config=config.as_json(),
        window={
            "first_month": window.label(0),
            "end_month": window.label(window.months - 1),
            "end_date": str(np.datetime64(window.end_day, "D")),
            "batches": [window.label(b) for b in range(window.months)],
        },
        definitions=DEFINITIONS,
        outcomes=_outcome_table(),
        programs=programs,
        effects=effects,
        delivery_mode_effects=mode_effects,
        reference=reference,
        follow_up=follow_up,
        deterioration=deterioration,
        safety_plant=safety_plant,
        drift_plant=drift_plant,
        adverse_events={
            "rates_are_synthetic": True,
            "by_program": adverse,
            "background": {k: v[0] for k, v in p.BACKGROUND_AE.items()},
            "self_harm": list(p.SELF_HARM_PROBABILITY),
            "symptom_deterioration_recorded": p.DETERIORATION_RECORDED,
            "suicidal_ideation_recorded": p.SUICIDAL_IDEATION_RECORDED,
        },
        missingness={
            "item_skip_rate": config.item_skip_rate,
            "baseline_missing_rate": config.baseline_missing_rate,
            "biweekly_response": config.biweekly_response,
            "post_response_completers": config.post_response_completers,
            "post_response_dropouts": config.post_response_dropouts,
            "follow_up": {
                "mechanism": "missing at random: logistic in age band, rurality, baseline PHQ-9 "
                "and dropout",
                "reference_rate": config.follow_up_response,
                "logit_age_band": dict(
                    zip(p.AGE_BANDS, p.FOLLOW_UP_LOGIT_AGE.tolist(), strict=True)
                ),
                "logit_rurality": dict(
                    zip(p.RURALITIES, p.FOLLOW_UP_LOGIT_RURALITY.tolist(), strict=True)
                ),
                "logit_per_baseline_phq9_point": p.FOLLOW_UP_LOGIT_PER_PHQ9_POINT,
                "baseline_phq9_centre": p.OUTCOME_BY_KEY["PHQ9.total"].mean,
                "logit_dropout": p.FOLLOW_UP_LOGIT_DROPOUT,
            },
        },
        rows={
            "tables": dict(sorted(rows.items())),
            "files": sum(t.files for t in tallies.values()),
            "per_episode": {k: _rate(v, n) for k, v in sorted(rows.items())},
        },
        in_development_programs=[a.program_id for a in ARCHETYPES if a.status == "in_development"],
        provinces_without_in_person=sorted({a.province for a in ARCHETYPES} - in_person_provinces),
        contract_v2=_contract_v2(plan, tallies, window),
    )


def _share(part: float, whole: float) -> float | None:
    return None if whole == 0 else _num(part / whole)


def _contract_v2(plan: V2Plan, tallies: dict[str, ProgramTally], window: Window) -> dict:
    """Which programs send v2 from which batch, and the two planted truths."""
    v2 = {pid: t.v2 for pid, t in tallies.items() if t.v2 is not None}
    care = {}
    for pid, tally in v2.items():
        if tally.care_gap_points is None:
            continue
        (n_with, sum_with), (n_without, sum_without) = tally.care
        with_care, without = _share(sum_with, n_with), _share(sum_without, n_without)
        care[pid] = {
            "nominal_gap_points": tally.care_gap_points,
            "with_care": {"n": int(n_with), "true_difference_in_change": with_care},
            "without_care": {"n": int(n_without), "true_difference_in_change": without},
            "gap": None if None in (with_care, without) else _num(without - with_care),
        }
    stops = sum((t.stops for t in v2.values()), np.zeros((2, len(STOP_REASONS)), int))
    barrier = [STOP_REASONS.index(r) for r in BARRIER_REASONS]
    realised = {
        name: {
            "stopped_with_reason": int(stops[row].sum()),
            "barrier_reason": int(stops[row, barrier].sum()),
            "barrier_share": _share(stops[row, barrier].sum(), stops[row].sum()),
            "by_reason": dict(zip(STOP_REASONS, stops[row].tolist(), strict=True)),
        }
        for row, name in enumerate(("group", "others"))
    }
    return {
        "programs": {pid: window.label(t.first_batch) for pid, t in sorted(v2.items())},
        "switch_program": plan.switch_program,
        "care_modification": {
            "enabled": plan.care_modification.enabled,
            "outcome": "PHQ9.total",
            "care": list(MULTIDISCIPLINARY),
            "direction": "without care the program improves gap points less (positive gap)",
            "by_program": care,
        },
        "barriers": {
            "enabled": plan.barriers.enabled,
            "group": {"rurality": ["rural", "remote"], "age_bands": ["55-64", "65-74", "75+"]},
            "delivery": "iCBT programs (in-person episodes are not counted)",
            "barrier_reasons": list(BARRIER_REASONS),
            "realised": realised,
        },
    }
