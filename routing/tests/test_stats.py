# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The experiments' statistics against published worked examples."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import stats


def test_normal_quantiles_are_the_textbook_ones():
    # Every z table: 1.95996 for 97.5%, 0.84162 for 80%, 1.64485 for 95%.
    assert stats.norm_ppf(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert stats.norm_ppf(0.80) == pytest.approx(0.841621, abs=1e-6)
    assert stats.norm_ppf(0.95) == pytest.approx(1.644854, abs=1e-6)
    assert stats.norm_cdf(0.0) == 0.5


def test_two_proportion_z_test_matches_a_worked_example():
    # Worked example (homeworksource.com/p/1008622): 140 of 200 against 255
    # of 340; pooled p = 0.7315, standard error 0.039494, z = -1.266
    # (sample 1 minus sample 2). The example reads its one-tailed p (0.1030)
    # from a t table with 538 degrees of freedom; the z-test's normal gives
    # 0.10275, so 0.2055 two-sided.
    result = stats.two_proportion_test(255, 340, 140, 200)
    assert result["z"] == pytest.approx(-1.266015, abs=1e-5)
    assert result["p"] / 2 == pytest.approx(0.1030, abs=5e-4)
    assert result["p"] == pytest.approx(0.205508, abs=1e-5)
    assert result["diff"] == pytest.approx(0.7 - 0.75)


def test_two_proportion_z_test_second_worked_example():
    # Worked example (homeworksource.com/p/997366): x1 = 28 of 254, x2 = 36
    # of 301: z = -0.344, two-tailed p = 0.7307, H0 not rejected at 5%.
    result = stats.two_proportion_test(36, 301, 28, 254)
    assert result["z"] == pytest.approx(-0.344, abs=1e-3)
    assert result["p"] == pytest.approx(0.7307, abs=1e-4)


def test_confidence_interval_of_the_difference_is_wald_95():
    result = stats.two_proportion_test(40, 100, 60, 100)
    se = math.sqrt(0.4 * 0.6 / 100 + 0.6 * 0.4 / 100)
    assert result["low"] == pytest.approx(0.2 - 1.959964 * se, abs=1e-6)
    assert result["high"] == pytest.approx(0.2 + 1.959964 * se, abs=1e-6)


def test_sample_size_for_40_against_50_percent_is_388_per_group():
    # Fleiss (Statistical Methods for Rates and Proportions, 3rd ed., formula
    # 4.14 without continuity correction): 40% vs 50%, alpha 5% two-sided,
    # power 80% -> 387.3, rounded up to 388 per group.
    assert stats.sample_size_proportions(0.4, 0.1) == 388
    assert stats.sample_size_proportions(0.5, -0.1) == 388


def test_sample_size_for_half_a_standard_deviation_is_63_per_group():
    # Two-sample comparison of means, normal approximation: effect size 0.5,
    # alpha 5%, power 80% -> 2 * (1.96 + 0.8416)^2 / 0.25 = 62.8 -> 63
    # (Cohen's tables give 64 with the t distribution).
    assert stats.sample_size_means(1.0, 0.5) == 63
    assert stats.sample_size_means(0.0, 0.5) is None


def test_mann_whitney_matches_a_worked_example():
    # Textbook example of the U test (5 and 4 observations): U = 3 for the
    # second group; with the normal approximation and continuity correction
    # z = -1.592, two-sided p = 0.1113 (the values scipy's mannwhitneyu,
    # method="asymptotic", gives for the same data).
    result = stats.mann_whitney([19, 22, 16, 29, 24], [20, 11, 17, 12])
    assert result["u"] == 3
    assert result["z"] == pytest.approx(-1.592168, abs=1e-5)
    assert result["p"] == pytest.approx(0.111347, abs=1e-5)


def test_mann_whitney_corrects_for_ties():
    # With ties: U = 88.5, p = 0.019414 (scipy.stats.mannwhitneyu,
    # method="asymptotic", use_continuity=True, same data).
    a = [1, 2, 2, 3, 3, 3, 4, 5, 8, 9]
    b = [3, 4, 4, 5, 6, 7, 7, 9, 10, 12, 15]
    result = stats.mann_whitney(a, b)
    assert result["u"] == 88.5
    assert result["p"] == pytest.approx(0.019414, abs=1e-5)


def test_bootstrap_interval_is_seeded_and_brackets_the_difference():
    a, b = list(range(0, 50)), list(range(10, 60))
    first = stats.compare_values(a, b)
    assert first == stats.compare_values(a, b)
    assert first["diff"] == 10
    assert first["low"] < 10 < first["high"]


@given(
    st.integers(0, 200), st.integers(1, 200), st.integers(0, 200), st.integers(1, 200)
)
def test_p_values_are_probabilities_and_symmetric(x_a, n_a, x_b, n_b):
    x_a, x_b = min(x_a, n_a), min(x_b, n_b)
    one = stats.two_proportion_test(x_a, n_a, x_b, n_b)
    other = stats.two_proportion_test(x_b, n_b, x_a, n_a)
    assert 0.0 <= one["p"] <= 1.0
    assert one["p"] == pytest.approx(other["p"])
    assert one["low"] <= one["diff"] <= one["high"]
