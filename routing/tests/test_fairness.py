# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fairness figures: shares against targets, the largest gap, Gini."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import fairness


def test_gini_of_equal_shares_is_zero_and_of_one_taker_is_near_one():
    assert fairness.gini([10, 10, 10, 10]) == 0.0
    # One of n has everything: (n - 1) / n.
    assert fairness.gini([0, 0, 0, 40]) == pytest.approx(0.75)
    assert fairness.gini([]) == 0.0


def test_gini_of_a_known_distribution():
    # 1, 2, 3, 4: mean absolute difference 1.25, mean 2.5 -> 1.25 / 5 = 0.25.
    assert fairness.gini([4, 1, 3, 2]) == pytest.approx(0.25)


def test_shares_against_targets_and_largest_gap():
    summary = fairness.summary({1: 30, 2: 50, 3: 20}, {1: 0.4, 2: 0.4, 3: 0.2})
    rows = {row[0]: row for row in summary["rows"]}
    assert rows[1][2] == pytest.approx(0.3)
    assert rows[2][4] == pytest.approx(0.1)
    assert summary["largest_gap"][0] in (1, 2)
    assert abs(summary["largest_gap"][4]) == pytest.approx(0.1)


def test_someone_eligible_who_got_nothing_still_has_a_row():
    rows = fairness.share_rows({1: 10}, {1: 0.5, 2: 0.5})
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, 10, 1.0), (2, 0, 0.0)]


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=30))
def test_gini_stays_between_zero_and_one_and_ignores_order(values):
    g = fairness.gini(values)
    assert 0.0 <= g < 1.0
    assert g == pytest.approx(fairness.gini(list(reversed(values))))


@given(st.dictionaries(st.integers(1, 20), st.integers(0, 100), min_size=1))
def test_shares_add_up_to_one_when_anyone_got_a_lead(counts):
    rows = fairness.share_rows(counts)
    total = sum(r[2] for r in rows)
    assert total == pytest.approx(1.0 if sum(counts.values()) else 0.0)
    assert sum(r[3] for r in rows) == pytest.approx(1.0)
