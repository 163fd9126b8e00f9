# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The statistics of routing experiments, in plain Python.

Only what an A/B test between two routing methods needs: the normal
distribution, the two-proportion z-test (conversion), the Mann-Whitney rank
test (time to first contact, revenue per lead: skewed figures a t-test
misjudges), a seeded bootstrap for the confidence interval of a difference of
medians or means, and the sample size for a planned significance and power.

Written here rather than taken from scipy: Odoo's own requirements do not
include scipy, these are a few dozen lines of textbook formulas, and the
tests check them against published worked examples. Everything is
deterministic (the bootstrap uses a fixed seed), so the same outcomes always
give the same verdict.
"""

import math
import random
from statistics import fmean, median, pvariance

ALPHA = 0.05
POWER = 0.80
BOOTSTRAP_ROUNDS = 2000
BOOTSTRAP_SEED = 20260101


def norm_cdf(x):
    """P(Z <= x) for a standard normal Z."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def norm_ppf(p):
    """The x with P(Z <= x) = p (the normal quantile), for 0 < p < 1.

    Bisection on :func:`norm_cdf`: slower than a rational approximation but
    exact to the last digits that matter, and obviously right.
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if norm_cdf(mid) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def two_sided_p(z):
    return min(1.0, 2.0 * norm_cdf(-abs(z)))


def two_proportion_test(successes_a, n_a, successes_b, n_b, alpha=ALPHA):
    """Compare the proportions ``successes / n`` of groups a and b.

    Returns ``{"diff", "low", "high", "z", "p"}``: the difference b - a, its
    ``1 - alpha`` confidence interval (unpooled standard error, Wald), the
    z statistic (pooled standard error, as the test assumes equal
    proportions) and the two-sided p-value. None when a group is empty.
    """
    if not n_a or not n_b:
        return None
    p_a, p_b = successes_a / n_a, successes_b / n_b
    diff = p_b - p_a
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se_pooled = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    se = math.sqrt(p_a * (1.0 - p_a) / n_a + p_b * (1.0 - p_b) / n_b)
    z = diff / se_pooled if se_pooled else 0.0
    margin = norm_ppf(1.0 - alpha / 2.0) * se
    return {
        "diff": diff,
        "low": diff - margin,
        "high": diff + margin,
        "z": z,
        "p": two_sided_p(z) if se_pooled else 1.0,
    }


def mann_whitney(values_a, values_b):
    """The Mann-Whitney U test of b against a, normal approximation with the
    tie correction and a continuity correction.

    Returns ``{"u", "z", "p"}``; ``u`` counts the pairs where b is larger (a
    tie counts a half). None when a group is empty.
    """
    n_a, n_b = len(values_a), len(values_b)
    if not n_a or not n_b:
        return None
    pooled = sorted([(v, 0) for v in values_a] + [(v, 1) for v in values_b])
    ranks_b, ties, i, total = 0.0, 0.0, 0, n_a + n_b
    while i < total:
        j = i
        while j + 1 < total and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        rank = (i + j) / 2.0 + 1.0  # average rank of the tied run
        size = j - i + 1
        ties += size**3 - size
        ranks_b += rank * sum(1 for k in range(i, j + 1) if pooled[k][1] == 1)
        i = j + 1
    u = ranks_b - n_b * (n_b + 1) / 2.0
    mean = n_a * n_b / 2.0
    variance = n_a * n_b / 12.0 * ((total + 1) - ties / (total * (total - 1)))
    if variance <= 0:
        return {"u": u, "z": 0.0, "p": 1.0}
    delta = u - mean
    corrected = delta - math.copysign(0.5, delta) if delta else 0.0
    z = corrected / math.sqrt(variance)
    return {"u": u, "z": z, "p": two_sided_p(z)}


def bootstrap_interval(values_a, values_b, statistic, alpha=ALPHA,
                       rounds=BOOTSTRAP_ROUNDS, seed=BOOTSTRAP_SEED):  # fmt: skip
    """Percentile bootstrap interval of ``statistic(b) - statistic(a)``.

    Seeded, so the same outcomes always give the same interval.
    """
    if not values_a or not values_b:
        return None
    rng = random.Random(seed)
    diffs = []
    for _ in range(rounds):
        sample_a = rng.choices(values_a, k=len(values_a))
        sample_b = rng.choices(values_b, k=len(values_b))
        diffs.append(statistic(sample_b) - statistic(sample_a))
    diffs.sort()
    low = diffs[int(math.floor(alpha / 2.0 * rounds))]
    high = diffs[min(rounds - 1, int(math.ceil((1.0 - alpha / 2.0) * rounds)) - 1)]
    return low, high


def compare_values(values_a, values_b, statistic=median, alpha=ALPHA):
    """Compare two samples of a skewed figure (minutes, revenue).

    Returns ``{"diff", "low", "high", "p"}``: the difference b - a of
    ``statistic`` (median or mean), its bootstrap interval and the
    Mann-Whitney p-value. None when a group is empty.
    """
    test = mann_whitney(values_a, values_b)
    if test is None:
        return None
    low, high = bootstrap_interval(values_a, values_b, statistic, alpha)
    return {
        "diff": statistic(values_b) - statistic(values_a),
        "low": low,
        "high": high,
        "p": test["p"],
    }


def sample_size_proportions(p_control, effect, alpha=ALPHA, power=POWER):
    """Cases per group to detect ``p_control`` -> ``p_control + effect``.

    The normal-approximation formula without continuity correction
    (Fleiss, *Statistical Methods for Rates and Proportions*), two-sided.
    None when the effect is zero or leaves [0, 1].
    """
    p_variant = p_control + effect
    if not effect or not 0.0 <= p_variant <= 1.0 or not 0.0 <= p_control <= 1.0:
        return None
    z_a, z_b = norm_ppf(1.0 - alpha / 2.0), norm_ppf(power)
    p_bar = (p_control + p_variant) / 2.0
    top = z_a * math.sqrt(2.0 * p_bar * (1.0 - p_bar)) + z_b * math.sqrt(
        p_control * (1.0 - p_control) + p_variant * (1.0 - p_variant)
    )
    return math.ceil(top**2 / effect**2)


def sample_size_means(sd, effect, alpha=ALPHA, power=POWER):
    """Cases per group to detect a shift ``effect`` in a figure with standard
    deviation ``sd`` (two-sample comparison of means, two-sided).

    Used for time and revenue: the rank test is nearly as efficient as the
    t-test on normal data and better on skewed data, so this is a fair
    planning figure. None when it cannot be computed.
    """
    if not effect or not sd or sd <= 0:
        return None
    z_a, z_b = norm_ppf(1.0 - alpha / 2.0), norm_ppf(power)
    return math.ceil(2.0 * ((z_a + z_b) * sd / effect) ** 2)


def spread(values):
    """Population standard deviation, or None with fewer than 2 values."""
    if len(values) < 2:
        return None
    return math.sqrt(pvariance(values))


def mean(values):
    return fmean(values) if values else None
