# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Targets: the suggestion from history, progress and pace."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import targets
from routing.scoring import METRICS


def weeks(values, cases=10):
    return [(v, cases if v is not None else 0) for v in values]


def test_rising_conversion_is_extrapolated_to_the_middle_of_the_period():
    # 18 % twelve weeks ago, +0.5 point a week: 23.5 % expected half a
    # quarter (6.5 weeks) past the history's end.
    history = weeks([18 + 0.5 * i for i in range(12)])
    got = targets.suggest("conversion", history, [], 91, weeks_ahead=6.5)
    assert got.method == "trend"
    assert got.slope == pytest.approx(0.5)
    assert got.level == pytest.approx(18 + 0.5 * 11.5)
    assert got.value == pytest.approx(round(18 + 0.5 * 18, 1))
    assert got.weeks == 12


def test_a_steep_trend_stops_at_what_the_best_fifth_achieve():
    # +5 points a week from 20 %: 77.5 % now, 110 % by the period's middle;
    # the group's best fifth convert 90 %.
    history = weeks([20 + 5 * i for i in range(12)])
    got = targets.suggest("conversion", history, [60, 70, 80, 90, 90], 91, 6.5)
    assert got.method == "capped" and got.value == 90.0
    # Already beyond the best fifth: hold the own level.
    ahead = targets.suggest("conversion", history, [10, 15, 20], 91, 6.5)
    assert ahead.method == "capped" and ahead.value == 77.5


def test_a_falling_trend_asks_for_the_own_average_back():
    history = weeks([30 - i for i in range(12)])
    got = targets.suggest("conversion", history, [], 30, weeks_ahead=2)
    assert got.method == "average"
    assert got.value == pytest.approx(24.5)


def test_lower_is_better_improves_downwards():
    # Minutes to first contact falling 2 a week is an improvement (no group
    # to stop at): the line
    # 61 - 2x (weeks counted at their middle) read 2 weeks past week 12.
    history = weeks([60 - 2 * i for i in range(12)])
    got = targets.suggest("speed", history, [], 30, weeks_ahead=2)
    assert got.method == "trend"
    assert got.value == pytest.approx(61 - 2 * 14)


def test_weeks_with_more_cases_weigh_more():
    # Eleven weeks at 20 % over 20 closed leads each, one odd week at 100 %
    # over a single lead: the trend barely moves.
    history = weeks([20.0] * 11, cases=20) + [(100.0, 1)]
    got = targets.suggest("conversion", history, [], 30, weeks_ahead=2)
    assert 20.0 <= got.value < 23.0
    unweighted = targets.suggest("conversion", weeks([20.0] * 11 + [100.0]), [], 30, 2)
    assert unweighted.value > 40.0


def test_newcomer_gets_the_groups_80th_percentile():
    history = weeks([None] * 9 + [40, 50, 60])
    got = targets.suggest("conversion", history, [10, 20, 30, 40, 50, None], 30, 2)
    assert got.method == "group"
    assert got.group_size == 5
    assert got.value == pytest.approx(42.0)  # 80th percentile of 10..50
    speed = targets.suggest("speed", [], [10, 20, 30, 40, 50], 30, 2)
    assert speed.value == pytest.approx(18.0)  # the 20th: faster is better


def test_revenue_is_scaled_to_the_period():
    # 1,000 won a week, flat: a 4-week period is 4,000; a quarter 13,000.
    history = weeks([1000.0] * 12, cases=2)
    assert targets.suggest("revenue", history, [], 28, 2).value == 4000.0
    assert targets.suggest("revenue", history, [], 91, 2).value == 13000.0
    # The group's totals are over 12 weeks: 12,000 each is 1,000 a week.
    group = targets.suggest("revenue", [], [12000.0] * 4, 28, 2)
    assert group.method == "group" and group.value == 4000.0


def test_revenue_weeks_without_a_win_count_as_zero():
    history = weeks([1000.0, None] * 6, cases=1)
    got = targets.suggest("revenue", history, [], 7, 0)
    assert got.value == pytest.approx(500.0, abs=50)


def test_nothing_to_go_by():
    got = targets.suggest("activity", weeks([None] * 12), [None, None], 30, 2)
    assert got.method == "none" and got.value is None


def test_suggestions_stay_within_the_metrics_bounds():
    history = weeks([50 + 5 * i for i in range(12)])
    assert targets.suggest("conversion", history, [], 91, 13).value == 100.0
    falling = weeks([10 - 2 * i for i in range(12)])
    assert targets.suggest("speed", falling, [], 91, 13).value == 0.0


def test_nice_round():
    assert targets.nice_round("revenue", 23456.0) == 23000.0
    assert targets.nice_round("revenue", 87.4) == 87.0
    assert targets.nice_round("speed", 14.6) == 15.0
    assert targets.nice_round("conversion", 22.04) == 22.0
    assert targets.nice_round("activity", 3.456) == 3.46


def test_progress_and_reached():
    assert targets.progress("conversion", 20.0, 22.0) == pytest.approx(90.909, 1e-3)
    assert targets.progress("revenue", 30000.0, 20000.0) == 150.0
    # Lower is better: 20 minutes against a 15-minute target is 75 %.
    assert targets.progress("speed", 20.0, 15.0) == 75.0
    assert targets.progress("speed", 0.0, 15.0) == 100.0
    assert targets.progress("conversion", None, 22.0) == 0.0
    assert targets.reached("speed", 14.0, 15.0)
    assert not targets.reached("conversion", 21.9, 22.0)


def test_on_track_for_revenue_follows_the_calendar():
    assert targets.on_track("revenue", 5000.0, 20000.0, elapsed=0.25)
    assert not targets.on_track("revenue", 4000.0, 20000.0, elapsed=0.25)
    assert targets.on_track("conversion", 22.0, 22.0, elapsed=0.1)
    assert not targets.on_track("conversion", None, 22.0, elapsed=0.1)


def test_quantile_interpolates_like_percentile_cont():
    assert targets.quantile([10, 20, 30, 40, 100], 0.9) == pytest.approx(76.0)
    assert targets.quantile([], 0.5) is None
    assert targets.quantile([7], 0.8) == 7.0


@given(
    st.sampled_from(METRICS),
    st.lists(
        st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
        min_size=0,
        max_size=12,
    ),
    st.lists(st.floats(0, 100, allow_nan=False), max_size=20),
    st.integers(1, 200),
    st.floats(0, 30, allow_nan=False),
)
def test_a_suggestion_is_within_bounds_or_absent(metric, values, group, days, ahead):
    got = targets.suggest(metric, weeks(values), group, days, ahead)
    if got.value is None:
        assert got.method == "none"
        return
    low, high = targets.BOUNDS.get(metric, (0.0, None))
    assert got.value >= low
    if high is not None:
        assert got.value <= high
    assert got.method in ("trend", "capped", "average", "group")


@given(st.sampled_from(METRICS), st.floats(0.01, 1e6), st.floats(0.01, 1e6))
def test_progress_is_100_exactly_when_reached_at_the_target(metric, current, target):
    value = targets.progress(metric, current, target)
    assert value >= 0
    assert (value >= 100 - 1e-9) == targets.reached(metric, current, target) or (
        abs(current - target) < 1e-6 * max(current, target)
    )
