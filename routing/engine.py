"""Route a batch of leads: eligibility, six strategies, fallbacks, explanations.

Design choices:

* The batch is routed lead by lead, in the given order, with counters that
  include what this batch already gave, so caps hold within a batch.
* Per-rule state (rotation counts, weighted passes) is a plain JSON dict so
  the Odoo layer can store it on the rule and a rotation survives restarts.
* Speed: leads that share a rule, the skills they need, their company and the
  people excluded for them share a *profile*, built once per batch: who passes
  the static checks (pool, active, company, availability, hours, skills) and a
  heap of those people ordered by the strategy's key. Keys only ever grow
  within a batch (counts, loads, passes) and caps only ever close, so a lead
  costs a few heap operations (stale entries are refreshed lazily) instead of
  a pass over the whole pool.
* Every tie is broken by the pool's order, never by set or dict iteration, so
  the same facts and state always give the same decisions.
"""

import heapq
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

# Builds a Verdict from a full tuple of its fields, skipping the keyword
# handling of the named tuple's constructor (a decision carries dozens).
_verdict = tuple.__new__


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
        # Caps only close within a batch: who is capped, and a version that
        # changes whenever someone new is, so profiles know when to refresh.
        self.capped = {}
        self.cap_version = 0
        for cand in candidates.values():
            reason = self.cap_reason(cand)
            if reason:
                self.capped[cand.id] = reason

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
        reason = self.cap_reason(cand)
        if reason and cand.id not in self.capped:
            self.capped[cand.id] = reason
            self.cap_version += 1


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


def _owner_labels(lead):
    return ("account owner", "parent company owner", "earlier lead owner") + (
        "earlier lead owner",
    ) * max(0, len(lead.account_owner_ids) - 3)


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


class _Profile:
    """Leads of one rule that need the same skills, company and exclusions.

    ``ok`` are the pool members who pass every check but the caps, in pool
    order; ``excluded`` the others with their reason. ``heap`` orders ``ok``
    by the strategy's key; an entry may be stale (its person's key has grown
    since, or they are now capped) and is refreshed when it reaches the top.
    """

    __slots__ = (
        "rule",
        "needed",
        "positions",
        "ok",
        "excluded",
        "heap",
        "strides",
        "version",
        "capped_count",
        "fit",
        "epoch",
    )

    def __init__(self, rule, needed, positions, ok, excluded, epoch):
        self.rule = rule
        self.epoch = epoch  # shared by the rule's profiles: [counter]
        self.needed = needed
        self.positions = positions
        self.ok = ok
        self.excluded = excluded
        self.heap = None
        self.strides = {}
        self.version = -1
        self.capped_count = 0
        self.fit = (
            {c.id: _fit(c, needed) for c in ok} if rule.strategy == "best_match" else {}
        )


def _key(profile, cand, batch, rstate):
    """The strategy's ordering key for ``cand`` now (smallest is chosen)."""
    strategy = profile.rule.strategy
    pos = profile.positions[cand.id]
    if strategy == "round_robin":
        return (rstate["served"].get(cand.id, 0), pos)
    if strategy == "load_balanced":
        return (batch.load(cand), batch.recency(cand), pos)
    if strategy == "best_match":
        return (-profile.fit[cand.id], -cand.score, batch.load(cand), pos)
    if strategy == "fixed_user":
        return (pos,)
    # weighted (and the continuity fall-through): the virtual finish time
    return (rstate["pass"].get(cand.id, 0.0) + profile.strides[cand.id], pos)


def _refresh(profile, batch, rstate):
    """(Re)build the heap when first used or when someone in it got capped."""
    if profile.heap is not None and profile.version == batch.cap_version:
        return
    live = [c for c in profile.ok if c.id not in batch.capped]
    profile.capped_count = len(profile.ok) - len(live)
    strategy = profile.rule.strategy
    if strategy == "round_robin" and profile.heap is None:
        # A returning person gets at most one catch-up turn, never a burst.
        served = rstate["served"]
        counts = {c.id: served.get(c.id, 0) for c in live}
        top = max(counts.values(), default=0)
        for uid, count in counts.items():
            if count < top - 1:
                served[uid] = top - 1
                profile.epoch[0] += 1
    if strategy in ("weighted", "continuity"):
        # Shares depend on who is eligible; only the eligible move forward, and
        # someone back from an absence starts level with the others (one
        # catch-up turn at most), not with a burst.
        shares = _shares(profile.rule, live) if live else {}
        profile.strides = {uid: 1.0 / share for uid, share in shares.items()}
        passes = rstate["pass"]
        # "Now" in virtual time: the earliest next turn among those with one.
        known = [passes[c.id] + profile.strides[c.id] for c in live if c.id in passes]
        level = min(known) if known else None
        for cand in live:
            key = cand.id
            if level is None:
                passes[key] = 0.0
            else:
                floor = level - profile.strides[cand.id]
                if passes.get(key, floor) <= floor:
                    passes[key] = floor
            profile.epoch[0] += 1
    epoch, given = profile.epoch[0], batch.given
    profile.heap = [
        (_key(profile, c, batch, rstate), c.id, given[c.id], epoch) for c in live
    ]
    heapq.heapify(profile.heap)
    profile.version = batch.cap_version


def _top(profile, batch, rstate, count):
    """The ``count`` best eligible (key, cand), best first; the heap is kept."""
    heap, found = profile.heap, []
    capped, given, epoch = batch.capped, batch.given, profile.epoch[0]
    candidates = batch.candidates
    while heap and len(found) < count:
        entry = heap[0]
        uid = entry[1]
        if uid in capped:
            heapq.heappop(heap)
            continue
        # A key can only have changed if its person was given a lead since
        # (loads, turns, passes) or the rule's counters were levelled.
        if entry[2] != given[uid] or entry[3] != epoch:
            current = _key(profile, candidates[uid], batch, rstate)
            if current != entry[0]:
                heapq.heapreplace(heap, (current, uid, given[uid], epoch))
                continue
            heapq.heappop(heap)
            found.append((current, uid, given[uid], epoch))
            continue
        found.append(heapq.heappop(heap))
    for entry in found:
        heapq.heappush(heap, entry)
    return [(entry[0], candidates[entry[1]]) for entry in found]


def _choose(profile, batch, rstate, limit):
    """(cand, code, params, ranked) for the profile's best, or None."""
    rule = profile.rule
    _refresh(profile, batch, rstate)
    ranked = _top(profile, batch, rstate, 1 + limit)
    if not ranked:
        return None
    key, chosen = ranked[0]
    strategy = rule.strategy
    params = {}
    if strategy == "round_robin":
        rstate["served"][chosen.id] = key[0] + 1
        code = "round_robin"
    elif strategy == "load_balanced":
        code, params = "load_balanced", {"load": key[0]}
    elif strategy == "best_match":
        code, params = "best_match", {"fit": -key[0]}
    elif strategy == "fixed_user":
        code = "fixed_user"
    else:
        rstate["pass"][chosen.id] = key[0]
        share = 1.0 / profile.strides[chosen.id]
        code = "weighted" if strategy == "weighted" else "continuity_fallthrough"
        params = {"share": share} if strategy == "weighted" else {}
    return chosen, code, params, ranked


def _explain(chosen_id, ranked, profile, batch, extra=(), limit=25):
    """Chosen first, then eligible by rank, then excluded; cut at ``limit``."""
    out = []
    if chosen_id is not None:
        key = None
        for k, c in ranked:
            if c.id == chosen_id:
                key = k
                break
        out.append(_verdict(Verdict, (chosen_id, True, CHOSEN, 1, key, "")))
    rank = len(out)
    shown = 0
    for key, cand in ranked:
        if cand.id == chosen_id:
            continue
        if shown >= limit:
            break
        rank += 1
        shown += 1
        out.append(_verdict(Verdict, (cand.id, True, ELIGIBLE, rank, key, "")))
    excluded = list(extra)
    n_excluded = len(excluded)
    if profile is not None:
        n_excluded += len(profile.excluded) + profile.capped_count
        excluded += profile.excluded[: max(0, limit - len(excluded))]
        if len(excluded) < limit and profile.capped_count:
            for cand in profile.ok:
                reason = batch.capped.get(cand.id)
                if reason:
                    excluded.append((cand.id, reason, ""))
                    if len(excluded) >= limit:
                        break
    out.extend(
        _verdict(Verdict, (uid, False, reason, None, None, note))
        for uid, reason, note in excluded[:limit]
    )
    n_eligible = 0
    if profile is not None:
        n_eligible = len(profile.ok) - profile.capped_count
        if chosen_id is not None and chosen_id in profile.positions:
            n_eligible -= 1
    omitted = max(0, n_eligible - shown) + max(0, n_excluded - limit)
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
    ctx = _Context(batch, pools, new_state, assign_event, explain_limit)
    decisions = []
    matching_cache = {}
    for lead in leads:
        cache_key = (lead.rule_ids, lead.company_id)
        matching = matching_cache.get(cache_key)
        if matching is None:
            wanted = set(lead.rule_ids)
            matching = matching_cache[cache_key] = [
                r
                for r in ordered
                if r.id in wanted
                and (
                    r.company_id is None
                    or lead.company_id is None
                    or r.company_id == lead.company_id
                )
            ]
        decisions.append(_route_one(lead, matching, ctx))
    stored = {rule_id: _stored_state(st) for rule_id, st in new_state.items()}
    return RoutingResult(decisions, stored, dict(batch.given))


class _Context:
    __slots__ = (
        "batch",
        "pools",
        "states",
        "assign_event",
        "limit",
        "profiles",
        "needs",
        "epochs",
    )

    def __init__(self, batch, pools, states, assign_event, limit):
        self.batch = batch
        self.pools = pools
        self.states = states
        self.assign_event = assign_event
        self.limit = limit
        self.profiles = {}
        self.needs = {}
        self.epochs = {}

    def needed(self, rule, lead):
        """The skills a lead needs under a rule (the rule's and the lead's own)."""
        key = (rule.id, lead.skill_ids)
        needed = self.needs.get(key)
        if needed is None:
            needed = self.needs[key] = frozenset(rule.required_skill_ids) | frozenset(
                lead.skill_ids
            )
        return needed

    def profile(self, rule, lead, needed):
        key = (rule.id, needed, lead.company_id, lead.excluded_user_ids)
        profile = self.profiles.get(key)
        if profile is None:
            pool, pool_set, positions = self.pools[rule.id]
            ok, excluded = [], []
            for uid in pool:
                cand = self.batch.candidates.get(uid)
                reason = _static_reason(cand, rule, lead, needed, True, pool_set)
                note = ""
                if reason is None:
                    missing = _missing(cand, needed)
                    if missing:
                        reason = MISSING_SKILL
                        note = "missing skills " + ", ".join(map(str, missing))
                    elif uid in lead.excluded_user_ids:
                        reason = PREVIOUS_OWNER
                if reason is None:
                    ok.append(cand)
                else:
                    excluded.append((uid, reason, note))
            profile = self.profiles[key] = _Profile(
                rule,
                needed,
                positions,
                ok,
                excluded,
                self.epochs.setdefault(rule.id, [0]),
            )
        return profile


def _copy_state(raw):
    """Working copy of a rule's stored state, with integer user ids."""
    raw = raw or {}
    return {
        name: {int(uid): value for uid, value in raw.get(name, {}).items()}
        for name in ("served", "pass")
    }


def _stored_state(state):
    """Back to JSON-friendly string keys, in a stable order."""
    return {
        name: {str(uid): values[uid] for uid in sorted(values)}
        for name, values in state.items()
    }


def _route_one(lead, matching, ctx):
    if not matching:
        return Decision(lead.id, None, None, "unroutable", "no_rule")
    batch, limit = ctx.batch, ctx.limit
    last_rule, last_profile, last_extra = None, None, ()
    for rule in matching:
        rstate = ctx.states[rule.id]
        needed = ctx.needed(rule, lead)
        extra = ()
        if rule.strategy == "continuity":
            owner, extra, via = _eligible_owner(rule, lead, needed, ctx)
            if owner is not None:
                profile = ctx.profile(rule, lead, needed)
                _refresh(profile, batch, rstate)
                ranked = _top(profile, batch, rstate, limit + 1)
                batch.give(owner)
                explained, omitted = _explain(
                    owner.id, ranked, profile, batch, extra, limit
                )
                return Decision(
                    lead.id,
                    owner.id,
                    rule.id,
                    ctx.assign_event,
                    "continuity_owner",
                    {"rule_id": rule.id, "via": via},
                    explained,
                    None,
                    omitted,
                )
        profile = ctx.profile(rule, lead, needed)
        picked = _choose(profile, batch, rstate, limit)
        if picked:
            chosen, code, params, ranked = picked
            batch.give(chosen)
            explained, omitted = _explain(
                chosen.id, ranked, profile, batch, extra, limit
            )
            return Decision(
                lead.id,
                chosen.id,
                rule.id,
                ctx.assign_event,
                code,
                {"rule_id": rule.id, **params},
                explained,
                None,
                omitted,
            )
        if rule.fallback == "queue":
            explained, omitted = _explain(None, (), profile, batch, extra, limit)
            return Decision(
                lead.id,
                None,
                rule.id,
                "queue",
                "queued",
                {
                    "rule_id": rule.id,
                    "excluded": len(profile.excluded) + profile.capped_count,
                },
                explained,
                "queue",
                omitted,
            )
        if rule.fallback == "least_loaded":
            pool, _pool_set, positions = ctx.pools[rule.id]
            cand = _least_loaded(rule, lead, pool, batch, positions)
            if cand is not None:
                batch.give(cand)
                explained, omitted = _explain(cand.id, (), profile, batch, extra, limit)
                return Decision(
                    lead.id,
                    cand.id,
                    rule.id,
                    ctx.assign_event,
                    "least_loaded_fallback",
                    {"rule_id": rule.id},
                    explained,
                    "least_loaded",
                    omitted,
                )
        last_rule, last_profile, last_extra = rule, profile, extra
    explained, omitted = _explain(None, (), last_profile, batch, last_extra, limit)
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


def _eligible_owner(rule, lead, needed, ctx):
    """Continuity: the first account owner who may take the lead.

    Owners outside the pool may keep their account. Returns (cand or None,
    verdicts of the owners passed over, how the owner was found).
    """
    _pool, pool_set, _positions = ctx.pools[rule.id]
    passed_over = []
    for via, owner in zip(_owner_labels(lead), lead.account_owner_ids, strict=False):
        cand = ctx.batch.candidates.get(owner)
        reason, note = _check(cand, rule, lead, needed, ctx.batch, pool_set, False)
        if reason == ELIGIBLE:
            return cand, tuple(passed_over), via
        if owner not in pool_set:
            passed_over.append((owner, reason, note))
    return None, tuple(passed_over), None
