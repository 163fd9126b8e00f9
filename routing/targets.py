# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Targets for an incentive programme: what is achievable, and how far along.

Pure Python (no ``odoo`` import). A target is one scorecard metric (the codes
of ``routing.scoring.METRIC_TABLE``) over a period; the Odoo layer measures it
with the scorer's own gathering code, so a target and the scorecard never
disagree. This module holds the arithmetic around it:

* :func:`suggest`: an *achievable* value from history. A salesperson (or team)
  with enough weeks of their own gets their own trend: a least-squares line
  through their weekly values, read at the middle of the target's period;
  when that trend goes the wrong way, their own 12-week average (they have
  reached it before). Without enough history, the comparable group's 80th
  percentile (the 20th where lower is better): what the better fifth of
  their colleagues already achieve. The result says which rule was used and
  on what figures, so the form can explain it.
* :func:`progress`: how much of the target is reached, in %, and
  :func:`on_track`: whether the pace so far leads there by the end.

Metrics that *accumulate* over a period (won revenue) are handled per week
and scaled to the period's length; the others are levels (a rate, a median,
a figure per day) that the period's value should reach.
"""

from dataclasses import dataclass
from math import floor, log10

from .scoring import metric as metric_entry

HISTORY_WEEKS = 12
# Weeks with data needed before a person's own trend is trusted.
MIN_TREND_WEEKS = 6
# The better fifth of the group: their 80th percentile (20th for "lower is better").
GROUP_QUANTILE = 0.8
# A trend is not extrapolated further than a quarter past the history.
MAX_WEEKS_AHEAD = 13.0
# Smallest and largest value a metric can take (``None``: unbounded).
BOUNDS = {"conversion": (0.0, 100.0), "satisfaction": (0.0, 5.0)}

# Metrics summed over the period (the others are levels).
ACCUMULATING = frozenset({"revenue"})


@dataclass(frozen=True)
class Suggestion:
    """A suggested target value and how it was chosen.

    ``method``: ``trend`` (own trend, improving), ``capped`` (own trend,
    improving past what the best fifth of the group achieve: that figure, or
    the own level if already beyond), ``average`` (own trend going
    the wrong way: the own 12-week average), ``group`` (the group's 80th
    percentile) or ``none`` (nothing to go by; ``value`` is None).
    ``level``: where the own history stands (fitted value at its end, or the
    average); ``slope``: change per week of the own trend; ``weeks``: weeks
    with data; ``group_size``: people (or teams) in the group figure. For
    accumulating metrics ``level`` and ``slope`` are per week.
    """

    value: float | None
    method: str
    level: float | None = None
    slope: float | None = None
    weeks: int = 0
    group_size: int = 0


def is_lower_better(metric):
    return metric_entry(metric).lower_is_better


def quantile(values, q):
    """The ``q`` quantile of ``values`` with linear interpolation (as
    PostgreSQL's ``percentile_cont``); None for no values."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    below = floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def linear_trend(points):
    """Weighted least-squares line through ``points`` = ``[(x, y, weight)]``.

    Returns ``(intercept, slope)``; a flat line through the weighted mean when
    all ``x`` are equal; None without any positive weight.
    """
    points = [(x, y, w) for x, y, w in points if w > 0]
    total = sum(w for _x, _y, w in points)
    if not total:
        return None
    mean_x = sum(w * x for x, _y, w in points) / total
    mean_y = sum(w * y for _x, y, w in points) / total
    spread = sum(w * (x - mean_x) ** 2 for x, _y, w in points)
    if spread <= 0:
        return mean_y, 0.0
    slope = sum(w * (x - mean_x) * (y - mean_y) for x, y, w in points) / spread
    return mean_y - slope * mean_x, slope


def clamp(metric, value):
    low, high = BOUNDS.get(metric, (0.0, None))
    value = max(value, low)
    return min(value, high) if high is not None else value


def nice_round(metric, value):
    """A target a person remembers: one decimal for rates and figures, whole
    minutes, amounts to two significant digits (23,456 -> 23,000)."""
    if value is None:
        return None
    shown_as = metric_entry(metric).shown_as
    if shown_as == "duration":
        return float(round(value))
    if shown_as == "amount":
        if value < 100:
            return float(round(value))
        step = 10 ** (floor(log10(value)) - 1)
        return float(round(value / step) * step)
    if shown_as == "decimal":
        return round(value, 2)
    return round(value, 1)


def suggest(metric, weekly, group, period_days, weeks_ahead):
    """An achievable target for ``metric`` over a period of ``period_days``.

    ``weekly``: the own history, ``[(value, cases)]`` per week, oldest first
    (value None: no data that week). ``group``: one value per member of the
    comparable group over the whole history (None values are left out), in
    the metric's unit over ``HISTORY_WEEKS`` weeks. ``weeks_ahead``: from the
    end of the history to the middle of the target's period.
    """
    accumulates = metric in ACCUMULATING
    lower = is_lower_better(metric)
    scale = period_days / 7.0 if accumulates else 1.0
    known = [v for v in group if v is not None]
    best_fifth = None  # the group's figure, per week for accumulating metrics
    if known:
        best_fifth = quantile(known, 1.0 - GROUP_QUANTILE if lower else GROUP_QUANTILE)
        if accumulates:
            best_fifth /= HISTORY_WEEKS
    with_data = [(i, v, n) for i, (v, n) in enumerate(weekly) if v is not None]
    if len(with_data) >= MIN_TREND_WEEKS:
        if accumulates:
            # A week without a win is a week of 0 revenue, not a week unknown.
            points = [(i + 0.5, v or 0.0, 1) for i, (v, _n) in enumerate(weekly)]
        else:
            points = [(i + 0.5, v, max(n, 1)) for i, v, n in with_data]
        intercept, slope = linear_trend(points)
        end = len(weekly)
        level = intercept + slope * end
        improving = slope < 0 if lower else slope > 0
        if improving:
            ahead = min(max(weeks_ahead, 0.0), MAX_WEEKS_AHEAD)
            value = intercept + slope * (end + ahead)
            method = "trend"
            # A steep trend on few cases would ask for the moon: no further
            # than what the best fifth of the group achieve, unless the
            # person is already there (then: hold their level).
            if best_fifth is not None:
                limit = min(level, best_fifth) if lower else max(level, best_fifth)
                if (value < limit) if lower else (value > limit):
                    value, method = limit, "capped"
        else:
            total = sum(w for _x, _y, w in points)
            value = level = sum(w * y for _x, y, w in points) / total
            method = "average"
        return Suggestion(
            nice_round(metric, clamp(metric, value * scale)),
            method,
            level=level,
            slope=slope,
            weeks=len(with_data),
            group_size=len(known),
        )
    if known:
        return Suggestion(
            nice_round(metric, clamp(metric, best_fifth * scale)),
            "group",
            weeks=len(with_data),
            group_size=len(known),
        )
    return Suggestion(None, "none", weeks=len(with_data))


def reached(metric, current, target):
    if current is None or target is None:
        return False
    return current <= target if is_lower_better(metric) else current >= target


def progress(metric, current, target):
    """How much of the target is reached, in % (above 100 when beaten).

    Higher is better: ``current / target``. Lower is better (minutes to first
    contact): ``target / current``, so halving the gap between 30 and 15
    minutes (20 minutes) reads 75 %. No value yet: 0.
    """
    if current is None or target is None:
        return 0.0
    if is_lower_better(metric):
        if current <= 0:
            return 100.0
        return 100.0 * target / current
    if target <= 0:
        return 100.0
    return max(0.0, 100.0 * current / target)


def on_track(metric, current, target, elapsed):
    """Whether the period's pace leads to the target by its end.

    ``elapsed``: the share of the period gone (0 to 1). An accumulating
    metric needs its share of the target so far; a level needs to be at the
    target already.
    """
    if current is None or target is None:
        return False
    if metric in ACCUMULATING:
        return current >= target * min(max(elapsed, 0.0), 1.0)
    return reached(metric, current, target)
