# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from scenarios import candidate, draw_pool, draw_rules

from routing.engine import route_batch
from routing.facts import Candidate, Lead, Rule

salespeople = candidate(
    8,
    active=st.booleans(),
    available=st.booleans(),
    working_now=st.booleans(),
    skills=st.dictionaries(st.integers(1, 3), st.integers(1, 5), max_size=3),
    score=st.floats(0, 100),
    open_leads=st.integers(0, 5),
    leads_today=st.integers(0, 5),
    max_open=st.integers(0, 6),
    max_daily=st.integers(0, 6),
)
skill_ids = st.sets(st.integers(1, 3), max_size=1).map(frozenset)


@st.composite
def scenario(draw):
    cands, ids = draw_pool(draw, salespeople, 8)
    rules = draw_rules(
        draw, ids, required_skill_ids=skill_ids, fairness_floor=st.floats(0, 100)
    )
    leads = [
        Lead(
            n,
            1,
            skill_ids=draw(skill_ids),
            rule_ids=tuple(r.id for r in rules),
            account_owner_ids=tuple(draw(st.lists(st.sampled_from(ids), max_size=2))),
        )
        for n in range(draw(st.integers(1, 30)))
    ]
    return cands, rules, leads


@given(scenario())
def test_every_decision_has_a_reason_and_valid_event(data):
    cands, rules, leads = data
    for d in route_batch(leads, cands, rules).decisions:
        assert d.reason
        assert d.event in ("assign", "queue", "unroutable")
        assert (d.user_id is not None) == (d.event == "assign")


@given(scenario())
def test_chosen_people_are_eligible_and_caps_hold(data):
    cands, rules, leads = data
    res = route_batch(leads, cands, rules)
    for d in res.decisions:
        if d.user_id is None:
            continue
        c = cands[d.user_id]
        assert c.active and c.available
        rule = next(r for r in rules if r.id == d.rule_id)
        if rule.respect_working_hours:
            assert c.working_now
        lead = leads[d.lead_id]
        assert set(rule.required_skill_ids) | set(lead.skill_ids) <= set(c.skills)
    for uid, given_count in res.assigned_counts.items():
        c = cands[uid]
        if c.max_open:
            assert c.open_leads + given_count <= max(c.max_open, c.open_leads)
        if c.max_daily:
            assert c.leads_today + given_count <= max(c.max_daily, c.leads_today)


@given(scenario())
def test_nobody_is_left_unrouted_while_someone_eligible_exists(data):
    cands, rules, leads = data
    # single lead: if queued/unroutable, every pool member of every rule was excluded
    res = route_batch(leads[:1], cands, rules)
    d = res.decisions[0]
    if d.user_id is None and d.candidates:
        assert all(not v.eligible for v in d.candidates)


@given(st.integers(2, 7), st.integers(1, 200))
def test_round_robin_counts_differ_by_at_most_one(n, count):
    cands = {i: Candidate(i, frozenset({1})) for i in range(1, n + 1)}
    rule = Rule(10, 1, "round_robin", tuple(cands))
    res = route_batch([Lead(i, 1, rule_ids=(10,)) for i in range(count)], cands, [rule])
    counts = Counter(d.user_id for d in res.decisions)
    values = [counts.get(i, 0) for i in cands]
    assert max(values) - min(values) <= 1


@given(
    st.lists(st.floats(1, 100), min_size=2, max_size=6),
    st.floats(0, 100),
)
def test_weighted_shares_converge_within_two_points(scores, floor):
    cands = {
        i + 1: Candidate(i + 1, frozenset({1}), score=s) for i, s in enumerate(scores)
    }
    rule = Rule(10, 1, "weighted", tuple(cands), fairness_floor=floor)
    res = route_batch([Lead(i, 1, rule_ids=(10,)) for i in range(1000)], cands, [rule])
    counts = Counter(d.user_id for d in res.decisions)
    total, f = sum(scores), floor / 100
    for uid, score in zip(cands, scores, strict=True):
        target = f / len(scores) + (1 - f) * score / total
        assert abs(counts[uid] / 1000 - target) <= 0.02
