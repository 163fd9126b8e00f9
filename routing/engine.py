# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Route a batch of leads: eligibility, strategies, fallbacks, explanations.

Design choices:

* The batch is routed lead by lead, in the given order, with counters that
  include what this batch already gave, so caps hold within a batch.
* Per-rule state (rotation counts, weighted passes) is a plain JSON dict so
  the Odoo layer can store it and a rotation survives restarts.
* Speed: leads that share a rule, the skills they need, their company and the
  people excluded for them share a *profile*, built once per batch: who passes
  the static checks (``routing.eligibility``) and a heap of those people
  ordered by the strategy's key (``routing.strategies``). Keys only ever grow
  within a batch (counts, loads, passes) and caps only ever close, so a lead
  costs a few heap operations (stale entries are refreshed lazily) instead of
  a pass over the whole pool.
* Every tie is broken by the pool's order, never by set or dict iteration, so
  the same facts and state always give the same decisions.
* Besides the person, a decision carries everything else routing decides for
  the lead (``routing.policy``: team, deadline) and what is needed to explain
  it (``routing.explain``), so the Odoo layer only writes.
"""

import heapq
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC

from . import eligibility, experiments, policy, strategies
from .facts import CHOSEN, ELIGIBLE, Decision, Tried, Verdict

# Builds a Verdict from a full tuple of its fields, skipping the keyword
# handling of the named tuple's constructor (a decision carries dozens).
_verdict = tuple.__new__


@dataclass
class RoutingResult:
    decisions: list
    state: dict
    assigned_counts: dict = field(default_factory=dict)


class _Batch:
    """What one batch knows and has done: counters, caps, the time."""

    def __init__(self, candidates, now=None):
        self.candidates = candidates
        self.now = now
        self.now_ts = now.replace(tzinfo=UTC).timestamp() if now else None
        self.given = Counter()
        self.given_order = {}
        self.clock = 0
        self._working = {}
        self._left = {}
        # Caps only close within a batch: who is capped (uid -> (code,
        # params)), and a version that changes whenever someone new is, so
        # profiles know when to refresh.
        self.capped = {}
        self.cap_version = 0
        for cand in candidates.values():
            reason = self.cap_reason(cand)
            if reason:
                self.capped[cand.id] = reason

    def working(self, cand):
        """At work now: from the schedule at ``now``, else the flag given."""
        if cand.schedule is None or self.now is None:
            return cand.working_now
        working = self._working.get(cand.id)
        if working is None:
            working = self._working[cand.id] = cand.schedule.is_working(self.now)
        return working

    def minutes_left(self, cand):
        """Minutes until the stretch of work ``cand`` is in ends (rounded
        up), or None when it does not end (no working hours, not at work)."""
        if cand.schedule is None or self.now is None:
            return None
        left = self._left.get(cand.id, False)
        if left is False:
            end = cand.schedule.shift_end(self.now)
            left = None
            if end is not None:
                left = math.ceil((end - self.now).total_seconds() / 60)
            self._left[cand.id] = left
        return left

    def leaving_within(self, cand, minutes):
        """Whether ``cand``'s shift ends within ``minutes`` from now."""
        left = self.minutes_left(cand)
        return left is not None and left <= minutes

    def open_leads(self, cand):
        return cand.open_leads + self.given[cand.id]

    def leads_today(self, cand):
        return cand.leads_today + self.given[cand.id]

    def recency(self, cand):
        """Larger = assigned more recently; never assigned sorts first."""
        if cand.id in self.given_order:
            return (2, self.given_order[cand.id])
        if cand.last_assigned is None:
            return (0, 0.0)
        return (1, cand.last_assigned)

    def cap_reason(self, cand):
        return eligibility.first_failure(
            cand, None, None, None, self, eligibility.CAPACITY
        )

    def give(self, cand):
        self.given[cand.id] += 1
        self.clock += 1
        self.given_order[cand.id] = self.clock
        reason = self.cap_reason(cand)
        if reason and cand.id not in self.capped:
            self.capped[cand.id] = reason
            self.cap_version += 1


# Slotted records compared by identity (``eq=False``), as plain classes are.
@dataclass(slots=True, eq=False)
class _Profile:
    """Leads of one rule that need the same skills, company and exclusions.

    ``ok`` are the pool members who pass every check but the caps, in pool
    order; ``excluded`` the others with their reason. ``heap`` orders ``ok``
    by the strategy's key; an entry may be stale (its person's key has grown
    since, or they are now capped) and is refreshed when it reaches the top.
    ``cache`` is the strategy's own (per profile).
    """

    rule: object
    strategy: object
    needed: frozenset
    positions: dict
    ok: list
    excluded: list
    epoch: list  # shared by the rule's profiles: [counter]
    heap: list | None = None
    strides: dict = field(default_factory=dict)
    version: int = -1
    capped_count: int = 0
    cache: dict = field(default_factory=dict)


def _refresh(profile, batch, rstate):
    """(Re)build the heap when first used or when someone in it got capped."""
    if profile.heap is not None and profile.version == batch.cap_version:
        return
    live = [c for c in profile.ok if c.id not in batch.capped]
    profile.capped_count = len(profile.ok) - len(live)
    if profile.strategy.prepare(profile, live, batch, rstate):
        profile.epoch[0] += 1
    key, epoch, given = profile.strategy.key, profile.epoch[0], batch.given
    profile.heap = [
        (key(profile, c, batch, rstate), c.id, given[c.id], epoch) for c in live
    ]
    heapq.heapify(profile.heap)
    profile.version = batch.cap_version


def _top(profile, batch, rstate, count):
    """The ``count`` best eligible (key, cand), best first; the heap is kept."""
    heap, found = profile.heap, []
    capped, given, epoch = batch.capped, batch.given, profile.epoch[0]
    candidates, key = batch.candidates, profile.strategy.key
    while heap and len(found) < count:
        entry = heap[0]
        uid = entry[1]
        if uid in capped:
            heapq.heappop(heap)
            continue
        # A key can only have changed if its person was given a lead since
        # (loads, turns, passes) or the rule's counters were levelled.
        if entry[2] != given[uid] or entry[3] != epoch:
            current = key(profile, candidates[uid], batch, rstate)
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


def _excluded_block(profile, batch, room):
    """The profile's excluded people as verdicts (at most ``room``), and how
    many there are; the same for every lead until someone new is capped."""
    cached = profile.cache.get("excluded")
    if cached is not None and cached[0] == (profile.version, room):
        return cached[1], cached[2]
    excluded = profile.excluded[:room]
    if len(excluded) < room and profile.capped_count:
        for cand in profile.ok:
            reason = batch.capped.get(cand.id)
            if reason:
                excluded.append((cand.id, *reason))
                if len(excluded) >= room:
                    break
    verdicts = tuple(
        _verdict(Verdict, (uid, False, reason, None, None, params))
        for uid, reason, params in excluded
    )
    count = len(profile.excluded) + profile.capped_count
    profile.cache["excluded"] = ((profile.version, room), verdicts, count)
    return verdicts, count


def _explain(chosen_id, ranked, profile, batch, extra=(), limit=25):
    """Chosen first, then eligible by rank, then excluded; cut at ``limit``."""
    out = []
    if chosen_id is not None:
        out.append(_verdict(Verdict, (chosen_id, True, CHOSEN, 1, None, None)))
    rank = len(out)
    shown = 0
    for key, cand in ranked:
        if cand.id == chosen_id:
            continue
        if shown >= limit:
            break
        rank += 1
        shown += 1
        out.append(_verdict(Verdict, (cand.id, True, ELIGIBLE, rank, key, None)))
    extra = extra[:limit]
    out.extend(
        _verdict(Verdict, (uid, False, reason, None, None, params))
        for uid, reason, params in extra
    )
    n_excluded = len(extra)
    n_eligible = 0
    if profile is not None:
        block, count = _excluded_block(profile, batch, limit - len(extra))
        out.extend(block)
        n_excluded += count
        n_eligible = len(profile.ok) - profile.capped_count
        if chosen_id is not None and chosen_id in profile.positions:
            n_eligible -= 1
    omitted = max(0, n_eligible - shown) + max(0, n_excluded - limit)
    return tuple(out), omitted


@dataclass(slots=True, eq=False)
class _Context:
    """One batch's routing: counters, rules' memory, profiles."""

    batch: _Batch
    pools: dict
    states: dict
    assign_event: str
    limit: int
    quiet_requeue: bool
    broken: dict
    variants: dict = field(default_factory=dict)
    profiles: dict = field(default_factory=dict)
    needs: dict = field(default_factory=dict)
    epochs: dict = field(default_factory=dict)
    pull_dues: dict = field(default_factory=dict)

    def pull_due(self, rule):
        """When a lead this pull rule queues now is pushed if nobody took it:
        counted in the working time of the pool's active members."""
        due = self.pull_dues.get(rule.slot, False)
        if due is False:
            due = None
            if self.batch.now is not None:
                pool = self.pools[rule.slot][0]
                people = (self.batch.candidates.get(uid) for uid in pool)
                due = policy.pull_deadline(
                    rule,
                    [c.schedule for c in people if c is not None and c.active],
                    self.batch.now,
                )
            self.pull_dues[rule.slot] = due
        return due

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
        key = (rule.slot, needed, lead.company_id, lead.excluded_user_ids)
        profile = self.profiles.get(key)
        if profile is None:
            pool, pool_set, positions = self.pools[rule.slot]
            ok, excluded = [], []
            for uid in pool:
                cand = self.batch.candidates.get(uid)
                failure = eligibility.first_failure(
                    cand, rule, lead, needed, self.batch, eligibility.STATIC
                )
                if failure is None:
                    ok.append(cand)
                else:
                    excluded.append((uid, *failure))
            profile = self.profiles[key] = _Profile(
                rule,
                strategies.get(rule.strategy),
                needed,
                positions,
                ok,
                excluded,
                self.epochs.setdefault(rule.slot, [0]),
            )
        return profile


def route_batch(
    leads,
    candidates,
    rules,
    state=None,
    *,
    event="assign",
    explain_limit=25,
    now=None,
    quiet_requeue=False,
    broken=None,
):
    """Route ``leads`` in order; see the module docstring for the guarantees.

    ``now`` (naive UTC): the time of routing, for working hours, deadlines and
    "last lead ... ago"; ``quiet_requeue``: a lead that was queued and is
    queued again is left as it is (``Decision.write`` False); ``broken``:
    ``{rule id: problem}`` of rules whose filter cannot be evaluated: they
    take no lead and every explanation says they were skipped.
    """
    plan = Plan(rules, state, broken)
    decisions, given = plan.route(
        leads,
        candidates,
        event=event,
        explain_limit=explain_limit,
        now=now,
        quiet_requeue=quiet_requeue,
    )
    return RoutingResult(decisions, plan.stored_state(), given)


def take_next(
    leads, candidates, rules, taker_id, state=None, *, now=None, order=None,
    broken=None,
):  # fmt: skip
    """ "Take my next lead" for ``taker_id`` among ``leads`` (in the order
    of work): see :meth:`Plan.take`. The rules' memory is returned as given."""
    plan = Plan(rules, state, broken)
    decisions = plan.take(leads, candidates, taker_id, now=now, order=order)
    return RoutingResult(decisions, plan.stored_state(), {})


class Plan:
    """What routing derives from the rules alone: their order, experiment
    variants, pools, which rules a lead's matches select, and the working copy
    of their memory (round-robin turns, weighted passes).

    ``route_batch`` makes one per batch. A replay makes one and routes lead
    after lead with it, each at its own time: the memory carries over and
    nothing is derived twice.
    """

    def __init__(self, rules, state=None, broken=None):
        self.broken = broken or {}
        self.rules = list(rules)
        state = state or {}
        self.states = {}
        self.variants = {}
        for rule in self.rules:
            raw = state.get(rule.id, state.get(str(rule.id))) or {}
            self.states[rule.id] = _copy_state(raw)
            if rule.experiment is not None:
                variant = self.variants[rule.id] = experiments.variant_rule(rule)
                self.states[variant.slot] = _copy_state(raw.get("variant"))
        self.ordered = sorted(self.rules, key=lambda r: (r.sequence, r.id))
        self.pools = {}
        for rule in (*self.ordered, *self.variants.values()):
            pool = strategies.get(rule.strategy).pool(rule)
            pool = tuple(dict.fromkeys(u for u in pool if u is not None))
            self.pools[rule.slot] = (
                pool,
                frozenset(pool),
                {uid: i for i, uid in enumerate(pool)},
            )
        self._matching = {}

    def matching(self, lead):
        """The rules that may take ``lead``, in order (broken ones included:
        they are skipped with a word in the explanation)."""
        cache_key = (lead.rule_ids, lead.company_id)
        matching = self._matching.get(cache_key)
        if matching is None:
            wanted = set(lead.rule_ids)
            matching = self._matching[cache_key] = [
                r
                for r in self.ordered
                if (r.id in wanted or r.id in self.broken)
                and (
                    r.company_id is None
                    or lead.company_id is None
                    or r.company_id == lead.company_id
                )
            ]
        return matching

    def route(
        self,
        leads,
        candidates,
        *,
        event="assign",
        explain_limit=25,
        now=None,
        quiet_requeue=False,
    ):
        """``(decisions, {user id: leads given})`` for ``leads`` routed in
        order at ``now`` among ``candidates``; the rules' memory moves on."""
        batch = _Batch(candidates, now)
        assign_event = "reassign" if event == "reassign" else "assign"
        ctx = _Context(
            batch,
            self.pools,
            self.states,
            assign_event,
            explain_limit,
            quiet_requeue,
            self.broken,
        )
        ctx.variants = self.variants
        decisions = [_route_one(lead, self.matching(lead), ctx) for lead in leads]
        return decisions, dict(batch.given)

    def take(self, leads, candidates, taker_id, *, now=None, order=None):
        """ "Take my next lead": the decisions for ``taker_id`` taking the
        first of ``leads`` (waiting leads, already in the order of work,
        see ``routing.order``) they may take.

        A lead is theirs to take when they are in the pool of the rule it
        waits under and pass every check a push would apply (skills, caps,
        availability, the end of their shift, follow-ups, the people a
        missed deadline took it from). Each lead passed over before it gets
        a decision that is not written (``write`` False) with the reason;
        so does every lead when none is theirs. At most one lead is taken;
        the rules' memory (rotations) does not move.
        """
        batch = _Batch(candidates, now)
        ctx = _Context(batch, self.pools, self.states, "assign", 1, False, self.broken)
        taker = candidates.get(taker_id)
        decisions = []
        for lead in leads:
            rule = next(
                (r for r in self.matching(lead) if r.id not in self.broken), None
            )
            failure = _take_failure(lead, rule, taker, ctx)
            if failure is not None:
                decisions.append(
                    Decision(
                        lead.id,
                        None,
                        rule.id if rule else None,
                        "take",
                        failure[0],
                        failure[1] or {},
                        write=False,
                        now_ts=batch.now_ts,
                    )
                )
                continue
            decisions.append(_taken(lead, rule, taker, ctx, order, len(decisions)))
            break
        return decisions

    def stored_state(self):
        """The rules' memory as stored: JSON-friendly, the variant's with its
        rule's."""
        stored = {rule.id: _stored_state(self.states[rule.id]) for rule in self.rules}
        for rule_id, variant in self.variants.items():
            stored[rule_id]["variant"] = _stored_state(self.states[variant.slot])
        return stored


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


def _assigned(lead, rule, cand, code, params, explained, ctx, tried, fallback=None):
    """A decision that gives ``lead`` to ``cand``, with team and deadline."""
    now = ctx.batch.now
    return _decision(
        lead, rule, ctx.assign_event, code, params, explained, ctx, tried, fallback,
        user_id=cand.id,
        team_id=policy.team_for(rule, lead, cand),
        deadline=policy.deadline_for(rule, cand, now, lead) if now else None,
        notes=_pushed_note(lead, rule, ctx) + _always_on_note(rule, cand),
        previous_user_id=lead.user_id if lead.user_id != cand.id else None,
    )  # fmt: skip


def _unassigned(lead, rule, event, code, params, explained, ctx, tried, fallback):
    """A decision that leaves ``lead`` without a salesperson (queued, ...)."""
    return _decision(
        lead, rule, event, code, params, explained, ctx, tried, fallback,
        notes=_pushed_note(lead, rule, ctx),
        write=not (ctx.quiet_requeue and event == "queue" and lead.state == "queued"),
        previous_user_id=lead.user_id,
    )  # fmt: skip


def _decision(lead, rule, event, code, params, explained, ctx, tried, fallback, **rest):
    """What every decision on ``lead`` by ``rule`` holds: its reason, its
    explanation, the rules tried, the rule's strategy and experiment."""
    explanation, omitted = explained
    experiment_id, arm = _experiment_of(rule)
    return Decision(
        lead.id,
        rest.pop("user_id", None),
        rule.id if rule else None,
        event,
        code,
        params,
        explanation,
        fallback,
        omitted,
        tuple(tried),
        rule.strategy if rule else None,
        now_ts=ctx.batch.now_ts,
        experiment_id=experiment_id,
        arm=arm,
        **rest,
    )


def _always_on_note(rule, cand):
    """The remark that ``cand``, without working hours, counts as at work."""
    if (
        rule.respect_working_hours
        and cand.schedule is not None
        and cand.schedule.always_on
    ):
        return (("always_on", {"user_id": cand.id}),)
    return ()


def _pulls(rule, ctx):
    """Whether ``rule`` leaves its leads in its queue for someone to take
    (a pull rule), rather than assigning them now. A lead taken from
    someone who let it wait (a reassignment) is pushed: it waited enough."""
    return rule.delivery == "pull" and ctx.assign_event != "reassign"


def _pull_timed_out(lead, ctx):
    now = ctx.batch.now
    return lead.pull_due is not None and now is not None and lead.pull_due <= now


def _pushed_note(lead, rule, ctx):
    """The remark on a pull rule's lead that nobody took in time, now
    pushed by the rule's strategy."""
    if rule is None or not _pulls(rule, ctx) or not _pull_timed_out(lead, ctx):
        return ()
    return (("pull_timeout", {"minutes": rule.pull_timeout}),)


def _pull_waiting(lead, rule, ctx, tried):
    """``lead`` waits in the queue of the pull ``rule`` until someone of its
    pool takes it, or the rule pushes it after its timeout. A lead already
    waiting there is left as it is when the queue is drained."""
    params = {"timeout": rule.pull_timeout} if rule.pull_timeout else {}
    decision = _unassigned(
        lead, rule, "queue", "pull", params, ((), 0), ctx, tried, None
    )
    waiting = (
        ctx.quiet_requeue
        and lead.state == "queued"
        and lead.rule_id == rule.id
        and (lead.pull_due is not None or not rule.pull_timeout)
    )
    return replace(decision, deadline=ctx.pull_due(rule), write=not waiting)


def _experiment_of(rule):
    """``(experiment id, arm)`` of a decision by ``rule``, or (None, None)."""
    if rule is None or rule.experiment is None:
        return None, None
    return rule.experiment.id, rule.arm or experiments.CONTROL


def _arm_rule(rule, lead, ctx):
    """The rule itself, or its experiment's variant for the leads in the
    variant group (``routing.experiments.arm``: a pure function of the lead)."""
    exp = rule.experiment
    if exp is None or rule.arm is not None:
        return rule
    if experiments.arm(lead.id, exp.id, exp.share) == experiments.VARIANT:
        return ctx.variants[rule.id]
    return rule


def _route_one(lead, matching, ctx):
    if not matching:
        return _unassigned(
            lead, None, "unroutable", "no_rule", {}, ((), 0), ctx, (), None
        )
    batch, limit = ctx.batch, ctx.limit
    tried = []
    last_rule, last_profile, last_extra = None, None, ()
    for rule in matching:
        if rule.id in ctx.broken:
            tried.append(
                Tried(rule.id, "broken_filter", {"error": ctx.broken[rule.id]})
            )
            continue
        rule = _arm_rule(rule, lead, ctx)
        if _pulls(rule, ctx) and not _pull_timed_out(lead, ctx):
            return _pull_waiting(lead, rule, ctx, tried)
        rstate = ctx.states[rule.slot]
        needed = ctx.needed(rule, lead)
        strategy = strategies.get(rule.strategy)
        extra = ()
        if strategy.account_owner_first:
            owner, extra, via = _eligible_owner(rule, lead, needed, ctx)
            if owner is not None:
                profile = ctx.profile(rule, lead, needed)
                _refresh(profile, batch, rstate)
                ranked = _top(profile, batch, rstate, limit + 1)
                batch.give(owner)
                explained = _explain(owner.id, ranked, profile, batch, extra, limit)
                return _assigned(
                    lead,
                    rule,
                    owner,
                    "continuity_owner",
                    {"via": via},
                    explained,
                    ctx,
                    tried,
                )
        profile = ctx.profile(rule, lead, needed)
        _refresh(profile, batch, rstate)
        ranked = _top(profile, batch, rstate, 1 + limit)
        if ranked:
            key, chosen = ranked[0]
            params = strategy.chosen(profile, chosen, key, batch, rstate)
            batch.give(chosen)
            explained = _explain(chosen.id, ranked, profile, batch, extra, limit)
            return _assigned(
                lead, rule, chosen, strategy.reason_code, params, explained, ctx, tried
            )
        if rule.fallback == "queue":
            explained = _explain(None, (), profile, batch, extra, limit)
            excluded = len(profile.excluded) + profile.capped_count
            return _unassigned(
                lead,
                rule,
                "queue",
                "queued",
                {"excluded": excluded},
                explained,
                ctx,
                tried,
                "queue",
            )
        outcome = "nobody_eligible"
        if rule.fallback == "least_loaded":
            cand = _least_loaded(rule, lead, needed, ctx)
            if cand is not None:
                open_leads = batch.open_leads(cand)
                batch.give(cand)
                explained = _explain(cand.id, (), profile, batch, extra, limit)
                return _assigned(
                    lead,
                    rule,
                    cand,
                    "least_loaded_fallback",
                    {"open_leads": open_leads},
                    explained,
                    ctx,
                    tried,
                    "least_loaded",
                )
            outcome = "nobody_for_fallback"
        tried.append(Tried(rule.id, outcome, _why_nobody(profile, batch)))
        last_rule, last_profile, last_extra = rule, profile, extra
    if last_rule is None:  # only broken rules applied
        return _unassigned(
            lead, None, "unroutable", "no_rule", {}, ((), 0), ctx, tried, None
        )
    explained = _explain(None, (), last_profile, batch, last_extra, limit)
    return _unassigned(
        lead,
        last_rule,
        "unroutable",
        "unroutable_no_eligible",
        {},
        explained,
        ctx,
        tried,
        "next_rule",
    )


def _take_failure(lead, rule, taker, ctx):
    """``(code, params)`` of why ``taker`` may not take ``lead`` waiting
    under ``rule``, or None when they may."""
    if rule is None:
        return "no_rule", None
    if taker is None:
        return eligibility.MISSING, None
    if taker.id not in ctx.pools[rule.slot][1]:
        return "not_in_pool", None
    needed = ctx.needed(rule, lead)
    return eligibility.first_failure(
        taker, rule, lead, needed, ctx.batch, eligibility.EVERYTHING
    )


def _taken(lead, rule, taker, ctx, order, skipped):
    """The decision that gives ``lead`` to ``taker``, who took it from the
    queue: next in the order of work, after ``skipped`` leads not theirs."""
    batch = ctx.batch
    params = {"order": order or "oldest"}
    if lead.priority:
        params["priority"] = True
    if skipped:
        params["skipped"] = skipped
    if batch.now_ts is not None and lead.created is not None:
        params["waited"] = max(0.0, (batch.now_ts - lead.created) / 60.0)
    return Decision(
        lead.id,
        taker.id,
        rule.id,
        "take",
        "next_in_queue_after" if skipped else "next_in_queue",
        params,
        (_verdict(Verdict, (taker.id, True, CHOSEN, 1, None, None)),),
        team_id=policy.team_for(rule, lead, taker),
        deadline=policy.deadline_for(rule, taker, batch.now, lead)
        if batch.now
        else None,
        notes=_always_on_note(rule, taker),
        previous_user_id=lead.user_id if lead.user_id != taker.id else None,
        now_ts=batch.now_ts,
    )


# People named, each with why they could not take the lead, for a rule
# tried before the deciding one.
TRIED_NAMED = 5


def _why_nobody(profile, batch):
    """``{"people": [[user id, reason, params]], "more": n}`` of a rule that
    found nobody eligible: the explanation names them, as for the deciding
    rule's candidates."""
    verdicts, count = _excluded_block(profile, batch, TRIED_NAMED)
    params = {"people": [[v.user_id, v.reason, dict(v.params or {})] for v in verdicts]}
    if count > len(verdicts):
        params["more"] = count - len(verdicts)
    return params


def _least_loaded(rule, lead, needed, ctx):
    """The fallback's pick: fewest open leads among the pool, availability
    ignored (who is archived, external, of another company or already had
    the lead still cannot take it)."""
    pool, _pool_set, positions = ctx.pools[rule.slot]
    batch, best = ctx.batch, None
    for uid in pool:
        cand = batch.candidates.get(uid)
        if eligibility.first_failure(
            cand, rule, lead, needed, batch, eligibility.FALLBACK
        ):
            continue
        key = (batch.open_leads(cand), batch.recency(cand), positions[uid])
        if best is None or key < best[0]:
            best = (key, cand)
    return best[1] if best else None


def _eligible_owner(rule, lead, needed, ctx):
    """Continuity: the first account owner who may take the lead.

    Owners outside the pool may keep their account. Returns (cand or None,
    verdicts of the owners passed over, how the owner was found).
    """
    _pool, pool_set, _positions = ctx.pools[rule.slot]
    passed_over = []
    vias = lead.account_owner_via or ()
    for index, owner in enumerate(lead.account_owner_ids):
        cand = ctx.batch.candidates.get(owner)
        failure = eligibility.first_failure(
            cand, rule, lead, needed, ctx.batch, eligibility.EVERYTHING
        )
        if failure is None:
            return (
                cand,
                tuple(passed_over),
                vias[index] if index < len(vias) else "partner",
            )
        if owner not in pool_set:
            passed_over.append((owner, *failure))
    return None, tuple(passed_over), None
