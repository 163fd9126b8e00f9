# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""How evenly leads were shared: figures a sales manager compares rule sets by.

Pure functions over counts, so the what-if replay (``routing.replay``), the
routing analysis, the rule form and the tests compute fairness the same way:

* the *target share* of each person: what the rules aim for. The weighted
  strategies aim for ``share = floor / n + (1 - floor) * score / sum(scores)``
  (``strategies.Weighted.shares``); the others for an equal share of the pool.
  Over several rules, each rule's targets count by the leads it assigned;
* the *largest share gap*: the biggest difference, in share points, between
  what someone got and their target;
* the *Gini coefficient* of leads per eligible person: 0 when everyone got the
  same, towards 1 when one person got everything.
"""

from collections import Counter


def gini(values):
    """The Gini coefficient of non-negative ``values`` (0.0 to 1.0).

    0.0 when there are none, when all are equal or when all are zero. Sorted
    formula: ``G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n`` with ``i``
    from 1, which is the mean absolute difference over twice the mean.
    """
    ordered = sorted(float(v) for v in values)
    if any(v < 0 for v in ordered):
        raise ValueError("the Gini coefficient needs non-negative values")
    n, total = len(ordered), sum(ordered)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum(i * v for i, v in enumerate(ordered, start=1))
    return max(0.0, min(1.0, 2.0 * weighted / (n * total) - (n + 1) / n))


def shares(counts):
    """``{person: count / total}``; empty when nobody got anything."""
    total = sum(counts.values())
    if total <= 0:
        return {}
    return {key: count / total for key, count in counts.items()}


def combined_targets(per_rule):
    """The target share of each person over several rules.

    ``per_rule``: ``[(leads the rule assigned, {person: target share within
    the rule})]``. Each rule's targets weigh by the leads it assigned, so a
    rule that routed nothing sets no target. The result sums to 1 when any
    rule assigned a lead with targets that sum to 1.
    """
    targets, total = Counter(), 0
    for assigned, rule_targets in per_rule:
        if assigned <= 0 or not rule_targets:
            continue
        total += assigned
        for key, share in rule_targets.items():
            targets[key] += assigned * share
    if total <= 0:
        return {}
    return {key: value / total for key, value in targets.items()}


def equal_targets(people):
    """An equal share for each of ``people`` (the non-weighted strategies)."""
    people = list(dict.fromkeys(people))
    return {key: 1.0 / len(people) for key in people} if people else {}


def largest_share_gap(counts, targets):
    """``(person, gap)``: who is furthest from their target share, and by how
    much (a share difference, 0.0 to 1.0); ``(None, 0.0)`` without leads.

    Everyone with a target or a lead counts: someone with a target who got
    nothing is as far off as their whole target. Ties go to the first person
    in ``targets``' order, then ``counts``'.
    """
    got = shares(counts)
    if not got:
        return None, 0.0
    best, best_gap = None, -1.0
    for key in dict.fromkeys([*targets, *counts]):
        gap = abs(got.get(key, 0.0) - targets.get(key, 0.0))
        if gap > best_gap + 1e-12:
            best, best_gap = key, gap
    return best, max(best_gap, 0.0)


def share_rows(counts, targets=None):
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
    """The row (see :func:`share_rows`) furthest from its target, or None."""
    best = None
    for row in rows:  # the first of equal gaps wins
        if best is None or abs(row[4]) > abs(best[4]):
            best = row
    return best


def summary(counts, targets=None):
    """``{"rows", "largest_gap", "gini"}`` for a rule's period."""
    rows = share_rows(counts, targets)
    return {
        "rows": rows,
        "largest_gap": largest_gap(rows),
        "gini": gini(row[1] for row in rows),
    }
