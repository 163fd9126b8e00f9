# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""A/B experiments between routing methods: the split, the variant, the verdict.

The rule's current behaviour is the control; an experiment's variant changes
the strategy, the fairness floor or the pool. Which arm a lead falls in is a
pure function of the lead and the experiment (a stable hash against the
variant's share), decided inside the engine, so live routing, a reassignment
and a replay always put the same lead in the same arm, whatever the order or
size of the batch.

The verdict follows the rules of a planned test: before each arm has the
planned number of outcomes the results are interim and nobody wins; then the
difference wins only when its p-value is under 5%.
"""

import dataclasses
import hashlib
from dataclasses import dataclass
from statistics import fmean, median

from . import stats

CONTROL, VARIANT = "control", "variant"
METRICS = ("conversion", "first_contact", "revenue")
# A bucket is one ten-thousandth of the leads: shares to 0.01 point.
BUCKETS = 10000


@dataclass(frozen=True, slots=True)
class Experiment:
    """A running experiment as the engine sees it.

    ``share``: percentage of the rule's leads that go to the variant.
    ``strategy``, ``fairness_floor``: the variant's, None to keep the rule's;
    ``pool``: the variant's people, empty to keep the rule's.
    """

    id: int
    share: float = 50.0
    strategy: str | None = None
    fairness_floor: float | None = None
    pool: tuple = ()


def bucket(lead_id, experiment_id):
    """A lead's stable place in ``[0, BUCKETS)`` for an experiment.

    A cryptographic hash rather than Python's ``hash``: integers hash to
    themselves, so consecutive leads would fall in consecutive buckets and
    the arms would follow creation order.
    """
    digest = hashlib.blake2b(
        f"{experiment_id}:{lead_id}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def arm(lead_id, experiment_id, share):
    """``"variant"`` for ``share`` percent of the leads, else ``"control"``."""
    cut = round(max(0.0, min(float(share), 100.0)) * BUCKETS / 100.0)
    return VARIANT if bucket(lead_id, experiment_id) < cut else CONTROL


def variant_rule(rule):
    """The rule as the experiment's variant routes by (same id: decisions,
    logs and the lead still name the rule)."""
    exp = rule.experiment
    changes = {"arm": VARIANT}
    if exp.strategy:
        changes["strategy"] = exp.strategy
    if exp.fairness_floor is not None:
        changes["fairness_floor"] = exp.fairness_floor
    if exp.pool:
        changes["pool"] = tuple(exp.pool)
    return dataclasses.replace(rule, **changes)


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class ArmOutcomes:
    """What one arm's leads became: counts, and the figures of the rank tests.

    ``minutes``: minutes to first contact of the contacted leads;
    ``revenues``: won revenue of each closed lead (0 when lost).
    """

    leads: int = 0
    closed: int = 0
    won: int = 0
    minutes: tuple = ()
    revenues: tuple = ()

    def units(self, metric):
        """How many outcomes count for ``metric`` (the sample size)."""
        return len(self.minutes) if metric == "first_contact" else self.closed

    def value(self, metric):
        """The arm's figure: conversion (0-1), median minutes, revenue per
        closed lead; None without outcomes."""
        if metric == "conversion":
            return self.won / self.closed if self.closed else None
        if metric == "first_contact":
            return median(self.minutes) if self.minutes else None
        return fmean(self.revenues) if self.revenues else None


def compare(metric, control, variant):
    """The variant against the control: ``{"diff", "low", "high", "p"}``
    (variant - control), or None while an arm has no outcome."""
    if metric == "conversion":
        return stats.two_proportion_test(
            control.won, control.closed, variant.won, variant.closed
        )
    if metric == "first_contact":
        return stats.compare_values(list(control.minutes), list(variant.minutes))
    return stats.compare_values(
        list(control.revenues), list(variant.revenues), statistic=fmean
    )


def sample_size(metric, effect, baseline):
    """Outcomes needed per arm to detect ``effect`` (conversion: points,
    time: minutes, revenue: amount per lead) with 5% significance and 80%
    power, from the control's ``baseline`` (an :class:`ArmOutcomes` of its
    recent history). None when the baseline cannot tell.

    Without closed leads to measure a conversion rate, 50% is assumed: the
    rate that needs the most leads, so the plan is never too short.
    """
    if not effect:
        return None
    if metric == "conversion":
        rate = baseline.value(metric)
        rate = 0.5 if rate is None else rate
        effect = effect / 100.0
        size = stats.sample_size_proportions(rate, effect)
        if size is None:  # rate + effect beyond 100%: test the other way
            size = stats.sample_size_proportions(rate, -effect)
        return size
    values = baseline.minutes if metric == "first_contact" else baseline.revenues
    return stats.sample_size_means(stats.spread(list(values)), abs(effect))


# Which direction is better, per metric.
HIGHER_IS_BETTER = {"conversion": True, "first_contact": False, "revenue": True}


def verdict(metric, control, variant, needed):
    """The verdict on an experiment's outcomes.

    Returns ``{"code", "interim", "winner", "missing", "test"}``: ``code`` a
    key of ``messages.VERDICTS``; ``interim`` True before each arm has
    ``needed`` outcomes (then nobody wins); ``missing`` the outcomes still
    needed in all; ``test`` the comparison (see :func:`compare`) or None.
    """
    test = compare(metric, control, variant)
    have = (control.units(metric), variant.units(metric))
    if not any(have):
        return {"code": "no_data", "interim": True, "winner": None, "missing": None,
                "test": None}  # fmt: skip
    if needed is None:
        return {"code": "cannot_plan", "interim": True, "winner": None,
                "missing": None, "test": test}  # fmt: skip
    missing = sum(max(0, needed - n) for n in have)
    if missing:
        return {"code": "needs_more", "interim": True, "winner": None,
                "missing": missing, "test": test}  # fmt: skip
    if test is None or test["p"] >= stats.ALPHA or not test["diff"]:
        return {"code": "no_difference", "interim": False, "winner": None,
                "missing": 0, "test": test}  # fmt: skip
    variant_wins = (test["diff"] > 0) == HIGHER_IS_BETTER[metric]
    winner = VARIANT if variant_wins else CONTROL
    return {
        "code": f"{winner}_better",
        "interim": False,
        "winner": winner,
        "missing": 0,
        "test": test,
    }
