# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Salesperson scorecard: raw CRM metrics in, a 0-100 score and tier out.

Pure Python (no ``odoo`` import) so the arithmetic that decides who gets more
leads can be unit- and property-tested on its own.

Why percentile ranks: raw metrics live on different scales (a rate, minutes,
currency, activities per day); ranking each among comparable salespeople puts
them on one scale and makes a weight mean what the manager thinks it means.

Why smoothing: a newcomer with two leads, one won, would otherwise rank as a
50 % converter ahead of a seasoned 35 % one, or at the bottom after two losses.
Below ``full_sample`` observations a metric is pulled toward the group median in
proportion to what is missing, and so is its percentile toward the middle (a
rank drawn from two leads is as uncertain as the rate itself): a person with no
history lands at the median and a low start can still rise as results come in.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median

from .messages import _lt


@dataclass(frozen=True)
class Gathered:
    """What the scorer gathered for one key (a person, or a team), from which
    each metric's raw value is computed (``Metric.sample``)."""

    leads: dict  # assigned, won, lost, revenue (won) in the window
    speed: tuple  # (median minutes to first contact or None, leads touched)
    done: int  # activities done in the window
    days: int  # working days of the window
    satisfaction: float | None  # the manager's rating, 0-5
    people: int = 1  # people of the key (activities per day are per person)

    @property
    def closed(self):
        return self.leads.get("won", 0) + self.leads.get("lost", 0)


# Below a week of working days a rate is noise (24 activities on a first day
# read as "24 per day"): not enough history yet.
MIN_ACTIVITY_DAYS = 5


def _conversion(g):
    closed = g.closed
    return MetricSample(100.0 * g.leads["won"] / closed if closed else None, closed)


def _speed(g):
    median_minutes, touched = g.speed
    return MetricSample(median_minutes, touched)


def _revenue(g):
    closed = g.closed
    return MetricSample(float(g.leads["revenue"]) if closed else None, closed)


def _activity(g):
    assigned = g.leads.get("assigned", 0)
    return MetricSample(
        g.done / g.days / g.people
        if (assigned or g.done) and g.days >= MIN_ACTIVITY_DAYS
        else None,
        max(assigned, g.done),
    )


def _satisfaction(g):
    return MetricSample(g.satisfaction, 1 if g.satisfaction else 0)


@dataclass(frozen=True)
class Metric:
    """One scorecard metric, everything about it: adding a metric is adding
    one entry to :data:`METRIC_TABLE` (see the README's "Where to change
    what").

    ``shown_as``: how the breakdown prints the raw value (``percent``,
    ``duration`` in minutes, ``amount``, ``decimal``, ``score``);
    ``lower_is_better``: its direction; ``default_weight``: its weight in a
    company that has no row for it (the company's weights are rows, one per
    metric, ``crm.routing.metric.weight``, shown in the settings); ``full_sample``: from how many cases its raw
    value counts in full, None for the company's "Closed Leads for a Full
    Score"; ``sample``: its raw value (a ``MetricSample``) from what was
    gathered (:class:`Gathered`); ``column``: the field of the scorecard and
    of the score history that keeps the raw value, if any.
    """

    name: str
    label: str
    shown_as: str = "decimal"
    lower_is_better: bool = False
    default_weight: int = 0
    full_sample: int | None = None
    sample: Callable = field(default=lambda g: MetricSample(None), compare=False)
    column: str | None = None


METRIC_TABLE = [
    Metric(
        "conversion",
        _lt("Conversion (won / closed)"),
        "percent",
        default_weight=40,
        sample=_conversion,
        column="conversion_rate",
    ),
    Metric(
        "speed",
        _lt("Median time to first contact"),
        "duration",
        lower_is_better=True,
        default_weight=25,
        sample=_speed,
        column="speed_minutes",
    ),
    Metric(
        "revenue",
        _lt("Won revenue"),
        "amount",
        default_weight=20,
        sample=_revenue,
        column="won_revenue",
    ),
    Metric(
        "activity",
        _lt("Activities done per working day"),
        "decimal",
        default_weight=15,
        sample=_activity,
        column="activity_rate",
    ),
    Metric(
        "satisfaction",
        _lt("Customer satisfaction (0-5)"),
        "score",
        default_weight=0,
        full_sample=1,
        sample=_satisfaction,
    ),
]


# The built-in metrics' names (``metrics()`` also has those registered later).
METRICS = tuple(metric.name for metric in METRIC_TABLE)


def register_metric(metric):
    """Add ``metric`` (a :class:`Metric`) to the scorecard, after the others."""
    unregister_metric(metric.name)
    METRIC_TABLE.append(metric)
    return metric


def unregister_metric(name):
    METRIC_TABLE[:] = [m for m in METRIC_TABLE if m.name != name]


def metrics():
    """The names of the metrics, in the table's order."""
    return tuple(metric.name for metric in METRIC_TABLE)


def metric(name):
    return next(m for m in METRIC_TABLE if m.name == name)


def samples(gathered):
    """Every metric's raw value from what was gathered for one key."""
    return {m.name: m.sample(gathered) for m in METRIC_TABLE}


def full_samples(min_closed):
    """``{metric: full sample}`` with the company's ``min_closed``."""
    return {
        m.name: min_closed if m.full_sample is None else m.full_sample
        for m in METRIC_TABLE
    }


TOP_SHARE = 0.8  # strictly better than 80 % of the group: top 20 %


@dataclass(frozen=True)
class MetricSample:
    """One raw metric for one person: ``value`` (None: no data) over ``n`` cases."""

    value: float | None
    n: int = 0


@dataclass(frozen=True)
class ScoreFacts:
    """What the scorer needs to know about one salesperson."""

    user_id: int
    group: object  # people are ranked only against their own group
    metrics: dict = field(default_factory=dict)  # metric name -> MetricSample


@dataclass(frozen=True)
class ScoreResult:
    user_id: int
    score: float
    tier: str  # "top", "middle" or "bottom"
    details: dict  # metric -> {raw, value, percentile, weight, n}


def smooth(value, n, full_sample, group_median):
    """Pull ``value`` toward ``group_median`` when fewer than ``full_sample`` cases.

    With ``n`` cases out of ``full_sample`` the result is the weighted mean
    ``(n * value + (full_sample - n) * median) / full_sample``: no data gives
    the median, a full sample gives the raw value.
    """
    if value is None or n <= 0:
        return group_median
    if full_sample <= 0 or n >= full_sample:
        return value
    return (n * value + (full_sample - n) * group_median) / full_sample


def confidence(n, full_sample):
    """How much of a metric's own percentile to trust: ``n / full_sample``, capped."""
    if full_sample <= 0:
        return 1.0
    return min(max(n, 0), full_sample) / full_sample


def percentile_ranks(values, lower_is_better=False):
    """Mid-rank percentile (0-100) of each value within ``values``.

    The best gets 100, the worst 0, ties share the average of their ranks and a
    group of one sits at 50.
    """
    size = len(values)
    if size <= 1:
        return [50.0] * size
    ordered = sorted(values)
    ranks = []
    for value in values:
        below = bisect_left(ordered, value)
        above = size - bisect_right(ordered, value)
        equal = size - below - above
        better_than = above if lower_is_better else below
        ranks.append(100.0 * (better_than + (equal - 1) / 2) / (size - 1))
    return ranks


def tiers(scores):
    """Top / middle / bottom 20 % of a group of scores, by strict comparison."""
    size = len(scores)
    ordered = sorted(scores)
    result = []
    for score in scores:
        below = bisect_left(ordered, score)
        above = size - bisect_right(ordered, score)
        if size > 1 and below / size >= TOP_SHARE:
            result.append("top")
        elif size > 1 and above / size >= TOP_SHARE:
            result.append("bottom")
        else:
            result.append("middle")
    return result


def compute_scores(people, weights, full_sample):
    """Score every person against the others of their group.

    ``weights``: metric -> weight (>= 0; a 0 weight switches the metric off).
    ``full_sample``: metric -> number of cases from which a metric is used raw.
    Returns ``{user_id: ScoreResult}``; deterministic for the same input.
    """
    names = metrics()
    active = [m for m in names if weights.get(m, 0) > 0]
    lower_is_better = {m.name for m in METRIC_TABLE if m.lower_is_better}
    total_weight = sum(weights[m] for m in active)
    groups = {}
    for person in people:
        groups.setdefault(person.group, []).append(person)

    results = {}
    for members in groups.values():
        details = {p.user_id: {} for p in members}
        weighted = dict.fromkeys(details, 0.0)
        for metric in names:
            samples = [p.metrics.get(metric, MetricSample(None)) for p in members]
            known = [s.value for s in samples if s.value is not None and s.n > 0]
            group_median = median(known) if known else 0.0
            values = [
                smooth(s.value, s.n, full_sample.get(metric, 0), group_median)
                for s in samples
            ]
            ranks = (
                percentile_ranks(values, metric in lower_is_better)
                if known
                else [50.0] * len(values)
            )
            full = full_sample.get(metric, 0)
            for person, sample, value, rank in zip(
                members, samples, values, ranks, strict=True
            ):
                trust = confidence(sample.n if sample.value is not None else 0, full)
                rank = trust * rank + (1 - trust) * 50.0
                weight = weights.get(metric, 0) if metric in active else 0
                details[person.user_id][metric] = {
                    "raw": sample.value,
                    "value": round(value, 4),
                    "percentile": round(rank, 1),
                    "weight": weight,
                    "n": sample.n,
                }
                weighted[person.user_id] += weight * rank
        scores = [
            round(weighted[p.user_id] / total_weight, 2) if total_weight else 50.0
            for p in members
        ]
        for person, score, tier in zip(members, scores, tiers(scores), strict=True):
            results[person.user_id] = ScoreResult(
                person.user_id, score, tier, details[person.user_id]
            )
    return results


def working_days(start, end):
    """Monday-to-Friday days from ``start`` to ``end`` (dates), at least 1.

    Used as the denominator of "activities per working day": it treats every
    salesperson alike, and ranking makes the exact calendar matter little.
    """
    days = (end - start).days + 1
    if days <= 0:
        return 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = start.weekday()
    for offset in range(rest):
        if (weekday + offset) % 7 < 5:
            count += 1
    return max(count, 1)
