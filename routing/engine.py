"""Route a batch of leads: eligibility, six strategies, fallbacks, explanations.

Design choices:

* The batch is routed lead by lead, in the given order, with counters that
  include what this batch already gave, so caps hold within a batch.
* Per-rule state (rotation counts, weighted credits) is a plain JSON dict so
  the Odoo layer can store it on the rule and a rotation survives restarts.
* Static eligibility (pool, active, company, availability, hours, rule skills)
  is computed once per (rule, lead skills, lead exclusions) and reused; only
  the caps change from lead to lead.
* Every tie is broken by the pool's order, never by set or dict iteration, so
  the same facts and state always give the same decisions.
"""

from collections import Counter
from dataclasses import dataclass, field

from .facts import (
    CHOSEN,
    DAILY_CAP,
    ELIGIBLE,
    INACTIVE,
    MISSING_SKILL,
    NOT_IN_POOL,
    NOT_INTERNAL,
    OFF_HOURS,
    OPEN_CAP,
    OPTED_OUT,
    PREVIOUS_OWNER,
    UNAVAILABLE,
    WRONG_COMPANY,
    Decision,
    Verdict,
)


@dataclass
class RoutingResult:
    decisions: list
    state: dict
    assigned_counts: dict = field(default_factory=dict)


class _Batch:
    """Mutable counters for one batch (what was given to whom, and when)."""

    def __init__(self, candidates):
        self.candidates = candidates
        self.given = Counter()
        self.given_order = {}
        self.clock = 0

    def open_leads(self, cand):
        return cand.open_leads + self.given[cand.id]

    def load(self, cand):
        open_leads = self.open_leads(cand)
        return open_leads / cand.max_open if cand.max_open else float(open_leads)

    def recency(self, cand):
        """Larger = assigned more recently; never assigned sorts first."""
        if cand.id in self.given_order:
            return (2, self.given_order[cand.id])
        if cand.last_assigned is None:
            return (0, 0.0)
        return (1, cand.last_assigned)

    def cap_reason(self, cand):
        if cand.max_open and self.open_leads(cand) >= cand.max_open:
            return OPEN_CAP
        if cand.max_daily and cand.leads_today + self.given[cand.id] >= cand.max_daily:
            return DAILY_CAP
        return None

    def give(self, cand):
        self.given[cand.id] += 1
        self.clock += 1
        self.given_order[cand.id] = self.clock


def _static_reason(cand, rule, lead, needed, check_pool=True, pool=frozenset()):
    """The first reason (other than caps) that excludes ``cand``, or None."""
    if cand is None:
        return INACTIVE
    if check_pool and cand.id not in pool:
        return NOT_IN_POOL
    if not cand.active:
        return INACTIVE
    if not cand.internal:
        return NOT_INTERNAL
    if lead.company_id is not None and lead.company_id not in cand.company_ids:
        return WRONG_COMPANY
    if cand.opted_out:
        return OPTED_OUT
    if not cand.available:
        return UNAVAILABLE
    if rule.respect_working_hours and not cand.working_now:
        return OFF_HOURS
    return None


def _missing(cand, needed):
    return sorted(s for s in needed if s not in cand.skills)


def _check(cand, rule, lead, needed, batch, pool_set, check_pool=True):
    """(reason, note) for one candidate; reason ELIGIBLE when it may be chosen."""
    reason = _static_reason(cand, rule, lead, needed, check_pool, pool_set)
    if reason:
        return reason, ""
    reason = batch.cap_reason(cand)
    if reason:
        return reason, ""
    missing = _missing(cand, needed)
    if missing:
        return MISSING_SKILL, "missing skills " + ", ".join(map(str, missing))
    if cand.id in lead.excluded_user_ids:
        return PREVIOUS_OWNER, ""
    return ELIGIBLE, ""


def _shares(rule, eligible):
    floor = max(0.0, min(rule.fairness_floor, 100.0)) / 100.0
    n = len(eligible)
    total = sum(max(c.score, 0.0) for c in eligible)
    shares = {}
    for cand in eligible:
        perf = max(cand.score, 0.0) / total if total > 0 else 1.0 / n
        shares[cand.id] = floor / n + (1.0 - floor) * perf
    return shares


def _fit(cand, needed):
    if not needed:
        return 1.0
    return sum(min(cand.skills.get(s, 0), 5) / 5.0 for s in needed) / len(needed)


def _pick(rule, lead, eligible, needed, batch, rstate, positions):
    """Choose among ``eligible`` (ordered by pool). Returns (cand, code, params, keys)."""
    strategy = rule.strategy
    if strategy == "fixed_user":
        return eligible[0], "fixed_user", {}, {}
    if strategy == "round_robin":
        served = rstate.setdefault("served", {})
        counts = {c.id: served.get(str(c.id), 0) for c in eligible}
        # A returning person gets at most one catch-up turn, never a burst.
        top = max(counts.values())
        for uid, count in counts.items():
            if count < top - 1:
                counts[uid] = top - 1
        keys = {c.id: (counts[c.id], positions[c.id]) for c in eligible}
        chosen = min(eligible, key=lambda c: keys[c.id])
        for uid, count in counts.items():
            served[str(uid)] = count
        served[str(chosen.id)] = counts[chosen.id] + 1
        return chosen, "round_robin", {}, keys
    if strategy == "load_balanced":
        keys = {
            c.id: (batch.load(c), batch.recency(c), positions[c.id]) for c in eligible
        }
        chosen = min(eligible, key=lambda c: keys[c.id])
        return chosen, "load_balanced", {"load": keys[chosen.id][0]}, keys
    if strategy == "best_match":
        keys = {
            c.id: (-_fit(c, needed), -c.score, batch.load(c), positions[c.id])
            for c in eligible
        }
        chosen = min(eligible, key=lambda c: keys[c.id])
        return chosen, "best_match", {"fit": -keys[chosen.id][0]}, keys
    if strategy == "continuity":
        by_id = {c.id: c for c in eligible}
        for via, owner in zip(
            _owner_labels(lead), lead.account_owner_ids, strict=False
        ):
            if owner in by_id:
                return by_id[owner], "continuity_owner", {"via": via}, {}
        chosen, _code, params, keys = _weighted(rule, eligible, rstate, positions)
        return chosen, "continuity_fallthrough", {}, keys
    return _weighted(rule, eligible, rstate, positions)


def _owner_labels(lead):
    return ("account owner", "parent company owner", "earlier lead owner") + (
        "earlier lead owner",
    ) * max(0, len(lead.account_owner_ids) - 3)


def _weighted(rule, eligible, rstate, positions):
    """Smooth weighted round robin: deterministic, shares converge exactly.

    Only the eligible accumulate credit, so someone away (or capped) does not
    come back to a burst.
    """
    credit = rstate.setdefault("credit", {})
    shares = _shares(rule, eligible)
    for cand in eligible:
        key = str(cand.id)
        credit[key] = credit.get(key, 0.0) + shares[cand.id]
    keys = {c.id: (-credit[str(c.id)], positions[c.id]) for c in eligible}
    chosen = min(eligible, key=lambda c: keys[c.id])
    credit[str(chosen.id)] -= 1.0
    return chosen, "weighted", {"share": shares[chosen.id]}, keys


def _least_loaded(rule, lead, pool, batch, positions):
    best = None
    for uid in pool:
        cand = batch.candidates.get(uid)
        if cand is None or not cand.active or not cand.internal:
            continue
        if lead.company_id is not None and lead.company_id not in cand.company_ids:
            continue
        if uid in lead.excluded_user_ids:
            continue
        key = (batch.load(cand), batch.recency(cand), positions[uid])
        if best is None or key < best[0]:
            best = (key, cand)
    return best[1] if best else None


def _explain(chosen_id, verdicts, keys, limit):
    """Chosen first, then eligible by rank, then excluded; cut at ``limit``."""
    eligible = [v for v in verdicts if v[1] == ELIGIBLE and v[0] != chosen_id]
    eligible.sort(key=lambda v: keys.get(v[0], ()))
    excluded = [v for v in verdicts if v[1] != ELIGIBLE]
    out = []
    if chosen_id is not None:
        out.append(Verdict(chosen_id, True, CHOSEN, 1, keys.get(chosen_id)))
    rank = len(out)
    for uid, _reason, note in eligible[:limit]:
        rank += 1
        out.append(Verdict(uid, True, ELIGIBLE, rank, keys.get(uid), note))
    for uid, reason, note in excluded[:limit]:
        out.append(Verdict(uid, False, reason, None, None, note))
    omitted = max(0, len(eligible) - limit) + max(0, len(excluded) - limit)
    return tuple(out), omitted


def route_batch(
    leads, candidates, rules, state=None, *, event="assign", explain_limit=25
):
    """Route ``leads`` in order; see the module docstring for the guarantees."""
    state = state or {}
    new_state = {
        rule.id: _copy_state(state.get(rule.id, state.get(str(rule.id))))
        for rule in rules
    }
    ordered = sorted(rules, key=lambda r: (r.sequence, r.id))
    batch = _Batch(candidates)
    assign_event = "reassign" if event == "reassign" else "assign"
    pools = {}
    for rule in ordered:
        pool = (rule.fixed_user_id,) if rule.strategy == "fixed_user" else rule.pool
        pool = tuple(dict.fromkeys(u for u in pool if u is not None))
        pools[rule.id] = (pool, frozenset(pool), {uid: i for i, uid in enumerate(pool)})
    decisions = []
    for lead in leads:
        wanted = set(lead.rule_ids)
        matching = [
            r
            for r in ordered
            if r.id in wanted
            and (
                r.company_id is None
                or lead.company_id is None
                or r.company_id == lead.company_id
            )
        ]
        decisions.append(
            _route_one(
                lead, matching, pools, batch, new_state, assign_event, explain_limit
            )
        )
    return RoutingResult(decisions, new_state, dict(batch.given))


def _copy_state(raw):
    raw = raw or {}
    return {
        "served": dict(raw.get("served", {})),
        "credit": dict(raw.get("credit", {})),
    }


def _route_one(lead, matching, pools, batch, states, assign_event, limit):
    if not matching:
        return Decision(lead.id, None, None, "unroutable", "no_rule")
    for rule in matching:
        pool, pool_set, positions = pools[rule.id]
        needed = frozenset(rule.required_skill_ids) | frozenset(lead.skill_ids)
        verdicts, eligible = [], []
        candidates_order = list(pool)
        if rule.strategy == "continuity":
            extra = [u for u in lead.account_owner_ids if u not in pool_set]
            candidates_order += extra
            positions = dict(positions)
            for uid in extra:
                positions[uid] = len(positions)
        for uid in candidates_order:
            cand = batch.candidates.get(uid)
            # Account owners outside the pool may still keep their account.
            check_pool = not (
                rule.strategy == "continuity" and uid in lead.account_owner_ids
            )
            reason, note = _check(cand, rule, lead, needed, batch, pool_set, check_pool)
            verdicts.append((uid, reason, note))
            if reason == ELIGIBLE:
                eligible.append(cand)
        if rule.strategy == "continuity":
            # Owners outside the pool may keep their account; anyone else
            # must be a pool member for the weighted fall-through.
            owners = set(lead.account_owner_ids)
            if not any(c.id in owners for c in eligible):
                eligible = [c for c in eligible if c.id in pool_set]
        if eligible:
            chosen, code, params, keys = _pick(
                rule, lead, eligible, needed, batch, states[rule.id], positions
            )
            batch.give(chosen)
            explained, omitted = _explain(chosen.id, verdicts, keys, limit)
            return Decision(
                lead.id,
                chosen.id,
                rule.id,
                assign_event,
                code,
                {"rule_id": rule.id, **params},
                explained,
                None,
                omitted,
            )
        if rule.fallback == "queue":
            explained, omitted = _explain(None, verdicts, {}, limit)
            return Decision(
                lead.id,
                None,
                rule.id,
                "queue",
                "queued",
                {"rule_id": rule.id, "excluded": len(verdicts)},
                explained,
                "queue",
                omitted,
            )
        if rule.fallback == "least_loaded":
            cand = _least_loaded(rule, lead, pool, batch, positions)
            if cand is not None:
                batch.give(cand)
                explained, omitted = _explain(cand.id, verdicts, {}, limit)
                return Decision(
                    lead.id,
                    cand.id,
                    rule.id,
                    assign_event,
                    "least_loaded_fallback",
                    {"rule_id": rule.id},
                    explained,
                    "least_loaded",
                    omitted,
                )
        last_rule, last_verdicts = rule, verdicts
    explained, omitted = _explain(None, last_verdicts, {}, limit)
    return Decision(
        lead.id,
        None,
        last_rule.id,
        "unroutable",
        "unroutable_no_eligible",
        {"rule_id": last_rule.id},
        explained,
        "next_rule",
        omitted,
    )
