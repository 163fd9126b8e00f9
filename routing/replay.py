# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What-if replay: past leads through a set of rules, each at its own time.

Live routing decides a batch at one moment (``engine.route_batch``). A replay
"as at each lead's creation" must decide every lead at the moment it arrived:
who was at work then, how many leads each person had, whose turn it was. So it
routes the leads one after the other, in the order they arrived, each with
``now`` = its creation time, through the same ``route_batch``; between two
leads it carries forward what live routing would have stored and counted:

* the rules' rotation memory (round robin turns, weighted passes);
* each person's open leads, leads of the day (reset when the day changes,
  plus ``day_counts``, the leads they received that day outside the replay)
  and the time of their last lead.

Open leads only grow during a replay: a lead won or lost in between is not
known to it. Nothing here writes anything: the caller stores or shows the
decisions (see ``crm.routing.simulation``).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC

from . import fairness, strategies
from .engine import Plan, RoutingResult


def replay(
    leads,
    times,
    candidates,
    rules,
    state=None,
    *,
    day_counts=None,
    explain_limit=25,
    broken=None,
    progress=None,
):
    """Route ``leads`` in order, lead ``i`` at ``times[i]`` (naive UTC).

    ``candidates``: as at the start of the replay, ``leads_today`` ignored
    (``day_counts``: ``{(user id, date): leads received that day}`` outside
    the replay). ``progress(done, total)`` is called every 500 leads.
    Returns a ``RoutingResult`` whose ``state`` is the rules' memory after
    the last lead and whose ``assigned_counts`` counts the whole replay.
    """
    if len(times) != len(leads):
        raise ValueError("one time per lead is needed")
    day_counts = day_counts or {}
    current = dict(candidates)
    plan = Plan(rules, state, broken)
    decisions, given = [], Counter()
    day = None
    total = len(leads)
    for index, (lead, now) in enumerate(zip(leads, times, strict=True)):
        if now.date() != day:
            day = now.date()
            current = {
                uid: replace(cand, leads_today=day_counts.get((uid, day), 0))
                for uid, cand in current.items()
            }
        (decision,), _given = plan.route(
            [lead], current, now=now, explain_limit=explain_limit
        )
        decisions.append(decision)
        uid = decision.user_id
        if uid is not None and uid in current:
            cand = current[uid]
            current[uid] = replace(
                cand,
                open_leads=cand.open_leads + 1,
                leads_today=cand.leads_today + 1,
                last_assigned=now.replace(tzinfo=UTC).timestamp(),
            )
            given[uid] += 1
        if progress and (index + 1) % 500 == 0:
            progress(index + 1, total)
    return RoutingResult(decisions, plan.stored_state(), dict(given))


def rule_targets(rule, candidates):
    """``{user id: target share}`` of the people ``rule`` may choose, as its
    strategy aims (``Strategy.targets``). People archived or unknown aim for
    nothing."""
    strategy = strategies.get(rule.strategy)
    pool = [
        candidates[uid]
        for uid in dict.fromkeys(strategy.pool(rule))
        if uid in candidates and candidates[uid].active
    ]
    if not pool:
        return {}
    return strategy.targets(rule, pool)


@dataclass
class Summary:
    """What a set of decisions adds up to, for the simulation's summary."""

    per_user: dict  # user id -> leads
    targets: dict  # user id -> target share
    per_rule: (
        dict  # rule id -> Counter(matched, assigned, queued, unroutable, fell_through)
    )
    gap_user_id: int | None = None
    largest_gap: float = 0.0
    gini: float = 0.0
    eligible: tuple = field(default_factory=tuple)


def summarise(leads, decisions, rules, candidates):
    """Leads per person, targets, per-rule outcomes and fairness figures.

    The Gini coefficient counts every person the deciding rules could choose
    (someone who got nothing counts as zero), and whoever got a lead.
    """
    by_id = {rule.id: rule for rule in rules}
    per_user, per_rule = Counter(), defaultdict(Counter)
    assigned_by_rule = Counter()
    for lead in leads:
        for rule_id in lead.rule_ids:
            if rule_id in by_id:
                per_rule[rule_id]["matched"] += 1
    for decision in decisions:
        for tried in decision.tried:
            # The rule that ends up deciding (unroutable after falling
            # through every rule) counts once, in its outcome.
            if tried.rule_id != decision.rule_id:
                per_rule[tried.rule_id]["fell_through"] += 1
        if decision.rule_id is None:
            continue
        if decision.user_id is not None:
            per_user[decision.user_id] += 1
            assigned_by_rule[decision.rule_id] += 1
            per_rule[decision.rule_id]["assigned"] += 1
        elif decision.event == "queue":
            per_rule[decision.rule_id]["queued"] += 1
        else:
            per_rule[decision.rule_id]["unroutable"] += 1
    for counts in per_rule.values():
        # Matched by the filter, but an earlier rule took the lead.
        reached = sum(
            counts[key] for key in ("assigned", "queued", "unroutable", "fell_through")
        )
        counts["taken_earlier"] = max(counts["matched"] - reached, 0)
    per_rule_targets = {
        rule_id: rule_targets(by_id[rule_id], candidates)
        for rule_id in assigned_by_rule
        if rule_id in by_id
    }
    targets = fairness.combined_targets(
        [(assigned_by_rule[rid], t) for rid, t in per_rule_targets.items()]
    )
    eligible = tuple(
        dict.fromkeys(
            [uid for t in per_rule_targets.values() for uid in t] + list(per_user)
        )
    )
    gap_user, gap = fairness.largest_share_gap(per_user, targets)
    return Summary(
        per_user=dict(per_user),
        targets=targets,
        per_rule={rid: dict(counts) for rid, counts in per_rule.items()},
        gap_user_id=gap_user,
        largest_gap=gap,
        gini=fairness.gini(per_user.get(uid, 0) for uid in eligible),
        eligible=eligible,
    )
