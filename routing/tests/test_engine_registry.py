# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""A strategy is one object in one place: adding one touches no engine file."""

from datetime import datetime, timedelta

import pytest

from routing import explain, policy, strategies
from routing.engine import route_batch
from routing.facts import Candidate, Lead, Rule
from routing.worktime import Attendance, WorkSchedule

B = frozenset({1})


class Youngest(strategies.Strategy):
    """Toy strategy, defined here only: the highest user id first."""

    code = "youngest"
    label = "Youngest account"
    why = "newest account (id rank %(rank)s)"

    def key(self, profile, cand, batch, rstate):
        return (-cand.id, profile.positions[cand.id])

    def chosen(self, profile, cand, key, batch, rstate):
        return {"rank": 1}

    def figures(self, key, now_ts):
        return {"open_leads": 0}


@pytest.fixture
def youngest():
    strategies.register(Youngest())
    yield
    strategies.unregister("youngest")


def test_a_strategy_defined_in_a_test_module_routes(youngest):
    cands = {i: Candidate(i, B) for i in (3, 8, 5)}
    rule = Rule(10, 1, "youngest", (3, 8, 5))
    res = route_batch([Lead(1, 1, rule_ids=(10,))], cands, [rule])
    decision = res.decisions[0]
    assert decision.user_id == 8
    assert decision.reason_code == "youngest"
    assert "newest account (id rank 1)" in decision.reason
    assert ("youngest", "Youngest account") in strategies.choices()


def test_an_unknown_strategy_is_refused_clearly():
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        Rule(10, 1, "nope")


def test_the_rule_choices_come_from_the_registry():
    assert [code for code, _label in strategies.choices()][:6] == [
        "round_robin",
        "weighted",
        "load_balanced",
        "best_match",
        "continuity",
        "fixed_user",
    ]


def test_every_strategy_explains_its_choice():
    for code in strategies.codes():
        why = strategies.get(code).why
        assert why and "_" not in why.replace("%(open_leads)s", ""), code


# ---------------------------------------------------------------- policy
def test_team_is_the_rules_then_the_leads_then_the_owners_first():
    rule = Rule(10, 1, "round_robin", team_id=7)
    lead = Lead(1, 1, team_id=3, team_leader_id=9)
    assert policy.team_for(rule, lead, Candidate(2, B, team_ids=(3,))) == 7
    plain = Rule(10, 1, "round_robin")
    assert policy.team_for(plain, lead, Candidate(2, B, team_ids=(3,))) is None
    assert policy.team_for(plain, lead, Candidate(9, B)) is None  # the leader
    assert policy.team_for(plain, lead, Candidate(2, B, team_ids=(5, 3))) is None
    assert policy.team_for(plain, lead, Candidate(2, B, team_ids=(5,))) == 5


def office(tz="Europe/Brussels"):
    return WorkSchedule(tz, tuple(Attendance(d, 9.0, 17.0) for d in range(5)))


def test_deadline_counts_working_time_and_can_stay_wall_clock():
    evening = datetime(2026, 1, 13, 15, 50)  # 16:50 in Brussels
    cand = Candidate(1, B, schedule=office())
    rule = Rule(10, 1, "round_robin", sla_minutes=30)
    assert policy.deadline_for(rule, cand, evening) == datetime(2026, 1, 14, 8, 20)
    hand_on = Rule(10, 1, "round_robin", sla_minutes=30, sla_off_hours="reassign")
    assert policy.deadline_for(hand_on, cand, evening) == evening + timedelta(
        minutes=30
    )
    no_hours = Rule(10, 1, "round_robin", sla_minutes=30, respect_working_hours=False)
    assert policy.deadline_for(no_hours, cand, evening) == evening + timedelta(
        minutes=30
    )
    assert policy.deadline_for(Rule(10, 1, "round_robin"), cand, evening) is None


def test_decisions_carry_team_deadline_and_the_always_at_work_note():
    now = datetime(2026, 1, 13, 10, 0)
    cands = {1: Candidate(1, B, schedule=WorkSchedule("UTC"), team_ids=(4,))}
    rule = Rule(10, 1, "round_robin", (1,), sla_minutes=15)
    decision = route_batch(
        [Lead(1, 1, rule_ids=(10,))], cands, [rule], now=now
    ).decisions[0]
    assert decision.team_id == 4
    assert decision.deadline == now + timedelta(minutes=15)
    assert "user 1 has no working hours, so they count as always at work." in (
        explain.render(decision.to_json())
    )


def test_a_queued_lead_queued_again_is_left_alone_when_asked():
    cands = {1: Candidate(1, B, available=False)}
    rule = Rule(10, 1, "round_robin", (1,), fallback="queue")
    lead = Lead(1, 1, rule_ids=(10,), state="queued")
    quiet = route_batch([lead], cands, [rule], quiet_requeue=True).decisions[0]
    assert quiet.event == "queue" and not quiet.write
    loud = route_batch([lead], cands, [rule]).decisions[0]
    assert loud.write
