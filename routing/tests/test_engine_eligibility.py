# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import pytest

from routing.engine import route_batch
from routing.facts import Candidate, Lead, Rule

BASE = {"company_ids": frozenset({1})}


def route(cand_kwargs, rule_kwargs=None, lead_kwargs=None, n=1):
    cands = {
        1: Candidate(1, **{**BASE, **cand_kwargs}),
        2: Candidate(2, **BASE, skills={5: 3}),
    }
    rule = Rule(10, 1, "round_robin", (1, 2), fallback="queue", **(rule_kwargs or {}))
    lead_kwargs = lead_kwargs or {}
    batch = [Lead(i, 1, rule_ids=(10,), **lead_kwargs) for i in range(n)]
    return route_batch(batch, cands, [rule])


def reason_of(res, uid, index=-1):
    return {v.user_id: v.reason for v in res.decisions[index].candidates}[uid]


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"active": False}, "inactive"),
        ({"internal": False}, "not_internal"),
        ({"company_ids": frozenset({2})}, "wrong_company"),
        ({"opted_out": True}, "opted_out"),
        ({"available": False}, "unavailable"),
        ({"working_now": False}, "off_hours"),
        ({"open_leads": 4, "max_open": 4}, "open_cap"),
        ({"leads_today": 2, "max_daily": 2}, "daily_cap"),
    ],
)
def test_each_exclusion_reason_is_recorded(kwargs, reason):
    res = route(kwargs)
    assert res.decisions[0].user_id == 2
    assert reason_of(res, 1) == reason


def test_working_hours_ignored_when_the_rule_says_so():
    res = route({"working_now": False}, {"respect_working_hours": False})
    assert res.decisions[0].user_id == 1


def test_missing_required_skill_excludes():
    res = route({}, {"required_skill_ids": frozenset({5})})
    assert res.decisions[0].user_id == 2
    assert reason_of(res, 1) == "missing_skill"


def test_lead_skill_requirement_excludes():
    res = route({}, lead_kwargs={"skill_ids": frozenset({5})})
    assert reason_of(res, 1) == "missing_skill"


def test_previous_owner_is_excluded():
    res = route({}, lead_kwargs={"excluded_user_ids": frozenset({1})})
    assert res.decisions[0].user_id == 2
    assert reason_of(res, 1) == "previous_owner"


def test_candidate_outside_pool_is_not_chosen():
    cands = {1: Candidate(1, **BASE), 9: Candidate(9, **BASE)}
    res = route_batch(
        [Lead(1, 1, rule_ids=(10,))], cands, [Rule(10, 1, "round_robin", (1,))]
    )
    assert res.decisions[0].user_id == 1


def test_caps_count_leads_given_in_the_same_batch():
    res = route({"max_open": 2}, n=6)
    assert [d.user_id for d in res.decisions].count(1) == 2
    assert reason_of(res, 1) == "open_cap"


def test_queue_fallback():
    cands = {1: Candidate(1, **BASE, available=False)}
    res = route_batch(
        [Lead(1, 1, rule_ids=(10,))],
        cands,
        [Rule(10, 1, "round_robin", (1,), fallback="queue")],
    )
    assert res.decisions[0].event == "queue"
    assert res.decisions[0].user_id is None
    assert res.decisions[0].reason.startswith("Queued by the rule “rule 10”")


def test_next_rule_fallback_then_unroutable():
    cands = {1: Candidate(1, **BASE, available=False)}
    rules = [Rule(10, 1, "round_robin", (1,)), Rule(11, 2, "round_robin", (1,))]
    res = route_batch([Lead(1, 1, rule_ids=(10, 11))], cands, rules)
    assert res.decisions[0].event == "unroutable"
    assert res.decisions[0].rule_id == 11


def test_least_loaded_fallback_ignores_availability_but_not_activity():
    cands = {
        1: Candidate(1, **BASE, available=False, open_leads=5),
        2: Candidate(2, **BASE, available=False, open_leads=1),
        3: Candidate(3, **BASE, active=False),
    }
    rule = Rule(10, 1, "round_robin", (1, 2, 3), fallback="least_loaded")
    res = route_batch([Lead(1, 1, rule_ids=(10,))], cands, [rule])
    assert res.decisions[0].user_id == 2
    assert res.decisions[0].fallback == "least_loaded"


def test_no_rule_is_unroutable():
    res = route_batch([Lead(1, 1)], {}, [])
    assert res.decisions[0].event == "unroutable"
    assert res.decisions[0].reason == (
        "No routing rule applies to this lead, so it stays unassigned."
    )


def test_explanation_is_cut_at_the_limit():
    cands = {i: Candidate(i, **BASE) for i in range(1, 41)}
    rule = Rule(10, 1, "round_robin", tuple(cands))
    res = route_batch([Lead(1, 1, rule_ids=(10,))], cands, [rule], explain_limit=5)
    decision = res.decisions[0]
    assert len(decision.candidates) == 6
    assert decision.omitted == 34
    assert decision.to_json()["candidates"][0]["reason"] == "chosen"


def test_explanation_stores_no_empty_entries():
    """A large import logs tens of candidates per lead: keep each one small."""
    cands = {
        1: Candidate(1, **BASE, score=2 / 3),
        2: Candidate(2, **BASE, available=False),
    }
    rule = Rule(10, 1, "weighted", (1, 2))
    res = route_batch([Lead(1, 1, rule_ids=(10,))], cands, [rule])
    chosen, excluded = res.decisions[0].to_json()["candidates"]
    assert chosen == {"user_id": 1, "eligible": True, "reason": "chosen", "rank": 1}
    assert excluded == {"user_id": 2, "eligible": False, "reason": "unavailable"}
    assert res.decisions[0].to_json()["params"] == {"share": 1.0}
