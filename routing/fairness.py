"""How evenly a rule handed out its leads: shares against targets, Gini.

Pure functions of counts, so the analysis, the rule form and the tests
compute fairness the same way.
"""


def gini(values):
    """The Gini coefficient of non-negative ``values``: 0 when everyone has
    the same, approaching 1 when one person has everything.

    Mean absolute difference over twice the mean, computed on the sorted
    values in one pass: ``sum((2i - n - 1) * x_i) / (n * sum(x))``.
    """
    values = sorted(max(float(v), 0.0) for v in values)
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((2 * (i + 1) - n - 1) * v for i, v in enumerate(values))
    return weighted / (n * total)


def shares(counts, targets=None):
    """Each person's share of the leads against their target share.

    ``counts``: ``{person: leads received}``; ``targets``: ``{person: target
    share}`` (fractions summing to 1; default: equal shares among the people
    of ``counts``). Everyone of either mapping gets a row, in the order of
    ``targets`` then ``counts``: ``[(person, leads, share, target, gap)]``,
    ``gap = share - target``.
    """
    people = list(dict.fromkeys([*(targets or {}), *counts]))
    if not people:
        return []
    if not targets:
        targets = {person: 1.0 / len(people) for person in people}
    total = sum(counts.get(person, 0) for person in people)
    rows = []
    for person in people:
        count = counts.get(person, 0)
        share = count / total if total else 0.0
        target = targets.get(person, 0.0)
        rows.append((person, count, share, target, share - target))
    return rows


def largest_gap(rows):
    """The row (see :func:`shares`) furthest from its target, or None."""
    best = None
    for row in rows:  # the first of equal gaps wins
        if best is None or abs(row[4]) > abs(best[4]):
            best = row
    return best


def summary(counts, targets=None):
    """``{"rows", "largest_gap", "gini"}`` for a rule's period."""
    rows = shares(counts, targets)
    return {
        "rows": rows,
        "largest_gap": largest_gap(rows),
        "gini": gini(row[1] for row in rows),
    }
