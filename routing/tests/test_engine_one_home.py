# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""One home per concept: a strategy and a metric declared at runtime, each in
one entry, work end to end (the README's "Where to change what")."""

from datetime import datetime, timedelta

import pytest

from routing import explain, scoring, strategies
from routing.engine import route_batch
from routing.facts import Candidate, Lead, Rule
from routing.replay import replay, rule_targets, summarise
from routing.scoring import Gathered, Metric, MetricSample, ScoreFacts

B = frozenset({1})

SENIORITY = strategies.Figure("seniority", "seniority rank %(seniority)s", rank=35)
BOOST = strategies.Figure(
    "boost", "boosted to %(boost)s", "percent", rank=36, reveals_score=True
)


class Senior(strategies.Strategy):
    """Toy strategy: the lowest user id first; it aims two thirds of the
    leads at the most senior person, and names two figures of its own."""

    code = "senior"
    label = "Most senior"
    why = "most senior (rank %(seniority)s)"
    uses_fairness_floor = True
    shown_figures = (SENIORITY, BOOST)

    def key(self, profile, cand, batch, rstate):
        return (cand.id, profile.positions[cand.id])

    def chosen(self, profile, cand, key, batch, rstate):
        return {"seniority": 1}

    def figures(self, key, now_ts):
        return {"seniority": key[0], "boost": 0.5}

    def targets(self, rule, pool):
        first, *others = sorted(cand.id for cand in pool)
        if not others:
            return {first: 1.0}
        return {first: 2 / 3, **{uid: 1 / 3 / len(others) for uid in others}}


@pytest.fixture
def senior():
    strategies.register(Senior())
    yield
    strategies.unregister("senior")


def test_a_toy_strategy_routes_explains_and_aims(senior):
    cands = {i: Candidate(i, B) for i in (7, 3, 5)}
    rule = Rule(10, 1, "senior", (7, 3, 5))
    decision = route_batch(
        [Lead(1, 1, rule_ids=(10,))], cands, [rule], explain_limit=5
    ).decisions[0]
    assert decision.user_id == 3
    text = explain.render(decision.to_json())
    assert "Assigned to user 3 by the rule “rule 10”: most senior (rank 1)." in text
    # Its own figures, in its order, with their own formatting.
    assert "user 5 (seniority rank 5, boosted to 50%)" in text
    # A figure that reveals a score is hidden from a colleague (the reader
    # keeps their own).
    hidden = explain.render(explain.redact_scores(decision.to_json(), reader_id=5))
    assert "user 7 (seniority rank 7)." in hidden
    assert "user 5 (seniority rank 5, boosted to 50%)" in hidden
    # Its settings and targets come from the entry.
    assert ("senior", "Most senior") in strategies.choices()
    assert "senior" in strategies.codes_where("uses_fairness_floor")
    assert "senior" not in strategies.codes_where("uses_designated_user")
    assert rule_targets(rule, cands) == pytest.approx({3: 2 / 3, 5: 1 / 6, 7: 1 / 6})


def test_a_toy_strategy_through_a_replay(senior):
    cands = {i: Candidate(i, B) for i in (4, 2)}
    rule = Rule(10, 1, "senior", (4, 2))
    leads = [Lead(i, 1, rule_ids=(10,)) for i in range(1, 4)]
    start = datetime(2026, 1, 13, 9, 0)
    times = [start + timedelta(minutes=i) for i in range(3)]
    result = replay(leads, times, cands, [rule])
    assert [d.user_id for d in result.decisions] == [2, 2, 2]
    summary = summarise(leads, result.decisions, [rule], cands)
    assert summary.targets == pytest.approx({2: 2 / 3, 4: 1 / 3})
    assert summary.per_user == {2: 3}


def test_unregistering_the_toy_strategy_forgets_its_figures(senior):
    assert "seniority" in strategies.figures()
    strategies.unregister("senior")
    assert "seniority" not in strategies.figures()
    assert strategies.score_figures() == frozenset({"share"})


# ---------------------------------------------------------------- metrics
def _calls(g):
    return MetricSample(g.done * 2.0 if g.done else None, g.done)


@pytest.fixture
def calls():
    metric = scoring.register_metric(
        Metric(
            "calls",
            "Calls per lead",
            default_weight=10,
            full_sample=3,
            sample=_calls,
            column=None,
        )
    )
    yield metric
    scoring.unregister_metric("calls")


def test_a_toy_metric_is_gathered_weighted_and_scored(calls):
    assert scoring.metrics()[-1] == "calls"
    assert scoring.full_samples(10)["calls"] == 3
    assert scoring.full_samples(10)["conversion"] == 10
    gathered = Gathered(
        {"assigned": 4, "won": 1, "lost": 1, "revenue": 9.0}, (30.0, 2), 6, 10, None
    )
    samples = scoring.samples(gathered)
    assert samples["calls"] == MetricSample(12.0, 6)
    assert samples["conversion"] == MetricSample(50.0, 2)
    # Only the toy metric weighs: whoever calls more scores higher.
    people = [
        ScoreFacts(1, "g", {"calls": MetricSample(12.0, 6)}),
        ScoreFacts(2, "g", {"calls": MetricSample(2.0, 6)}),
    ]
    results = scoring.compute_scores(people, {"calls": 100}, scoring.full_samples(10))
    assert results[1].score > results[2].score
    assert results[1].details["calls"]["weight"] == 100
    assert results[1].details["calls"]["raw"] == 12.0


def test_without_the_toy_metric_scores_are_as_before(calls):
    scoring.unregister_metric("calls")
    assert scoring.metrics() == scoring.METRICS
