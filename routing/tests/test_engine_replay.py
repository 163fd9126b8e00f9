# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import Counter
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenarios import candidate, draw_pool, draw_rules

from routing import fairness
from routing.engine import route_batch
from routing.facts import Candidate, Lead, Rule
from routing.replay import replay, rule_targets, summarise

START = datetime(2026, 3, 2, 8, 0)

# ---------------------------------------------------------------- fairness

counts = st.lists(st.integers(0, 1000), max_size=30)


@given(counts)
def test_gini_stays_between_zero_and_one(values):
    assert 0.0 <= fairness.gini(values) <= 1.0


@given(st.integers(1, 50), st.integers(0, 1000))
def test_gini_is_zero_when_everyone_gets_the_same(n, value):
    assert fairness.gini([value] * n) == pytest.approx(0.0, abs=1e-12)


@given(counts, st.randoms())
def test_gini_ignores_order(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert fairness.gini(shuffled) == pytest.approx(fairness.gini(values))


@given(counts, st.integers(1, 20))
def test_gini_ignores_scale(values, factor):
    assert fairness.gini([v * factor for v in values]) == pytest.approx(
        fairness.gini(values)
    )


@given(st.lists(st.integers(0, 100), min_size=2, max_size=20))
def test_gini_is_half_the_mean_absolute_difference_over_the_mean(values):
    n, mean = len(values), sum(values) / len(values)
    if mean == 0:
        expected = 0.0
    else:
        expected = sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)
    assert fairness.gini(values) == pytest.approx(expected)


def test_gini_of_one_person_taking_everything_among_four():
    assert fairness.gini([0, 0, 0, 12]) == pytest.approx(0.75)


def test_gini_refuses_negative_counts():
    with pytest.raises(ValueError):
        fairness.gini([1, -1])


@given(
    st.dictionaries(st.integers(1, 9), st.integers(1, 50), min_size=1),
    st.integers(1, 7),
)
def test_no_gap_when_leads_follow_the_targets(weights, factor):
    total = sum(weights.values())
    targets = {k: v / total for k, v in weights.items()}
    got = {k: v * factor for k, v in weights.items()}
    _who, gap = fairness.largest_share_gap(got, targets)
    assert gap == pytest.approx(0.0, abs=1e-12)


@given(
    st.dictionaries(st.integers(1, 9), st.integers(0, 50)),
    st.dictionaries(st.integers(1, 9), st.floats(0, 1)),
)
def test_gap_is_a_share_difference_and_names_someone_when_there_are_leads(got, targets):
    who, gap = fairness.largest_share_gap(got, targets)
    assert 0.0 <= gap <= 1.0 + 1e-9
    if sum(got.values()):
        assert who in set(got) | set(targets)
        shares = fairness.shares(got)
        assert gap == pytest.approx(abs(shares.get(who, 0.0) - targets.get(who, 0.0)))
    else:
        assert (who, gap) == (None, 0.0)


def test_gap_counts_someone_who_got_nothing():
    # Targets 50/25/25, leads 6/2/0: the third is 25 points short.
    who, gap = fairness.largest_share_gap({1: 6, 2: 2}, {1: 0.5, 2: 0.25, 3: 0.25})
    assert (who, gap) == (1, pytest.approx(0.25))  # 75% vs 50%: first of the ties
    who, gap = fairness.largest_share_gap({1: 4, 2: 4}, {1: 0.5, 2: 0.25, 3: 0.25})
    assert (who, gap) == (2, pytest.approx(0.25))


@given(
    st.lists(
        st.tuples(
            st.integers(0, 30),
            st.dictionaries(st.integers(1, 6), st.integers(1, 10), min_size=1),
        ),
        max_size=5,
    )
)
def test_combined_targets_sum_to_one_when_any_rule_assigned(per_rule):
    normalised = [
        (n, {k: v / sum(w.values()) for k, v in w.items()}) for n, w in per_rule
    ]
    targets = fairness.combined_targets(normalised)
    if any(n for n, _w in per_rule):
        assert sum(targets.values()) == pytest.approx(1.0)
    else:
        assert targets == {}


def test_combined_targets_weigh_rules_by_the_leads_they_assigned():
    targets = fairness.combined_targets([(30, {1: 0.5, 2: 0.5}), (10, {3: 1.0})])
    assert targets == pytest.approx({1: 0.375, 2: 0.375, 3: 0.25})


def test_weighted_rule_targets_follow_scores_others_are_equal():
    cands = {1: Candidate(1, score=30), 2: Candidate(2, score=10), 3: Candidate(3)}
    weighted = Rule(1, 1, "weighted", (1, 2))
    assert rule_targets(weighted, cands) == pytest.approx({1: 0.75, 2: 0.25})
    rr = Rule(2, 2, "round_robin", (1, 2, 3))
    assert rule_targets(rr, cands) == pytest.approx({1: 1 / 3, 2: 1 / 3, 3: 1 / 3})
    fixed = Rule(3, 3, "fixed_user", fixed_user_id=3)
    assert rule_targets(fixed, cands) == {3: 1.0}


# ---------------------------------------------------------------- replay

salespeople = candidate(
    6,
    available=st.booleans(),
    score=st.floats(0, 100),
    open_leads=st.integers(0, 4),
    max_open=st.integers(0, 8),
    max_daily=st.integers(0, 4),
)


@st.composite
def history(draw):
    cands, ids = draw_pool(draw, salespeople, 6)
    rules = draw_rules(draw, ids, respect_working_hours=st.just(False))
    n = draw(st.integers(1, 40))
    gaps = draw(st.lists(st.integers(1, 60 * 14), min_size=n, max_size=n))
    times, now = [], START
    for minutes in gaps:
        now += timedelta(minutes=minutes)
        times.append(now)
    leads = [Lead(i, 1, rule_ids=tuple(r.id for r in rules)) for i in range(n)]
    day_counts = {
        (uid, t.date()): draw(st.integers(0, 2)) for uid in ids for t in times[:1]
    }
    return cands, rules, leads, times, day_counts


@given(history())
def test_replay_decides_every_lead_in_order_and_is_deterministic(data):
    cands, rules, leads, times, day_counts = data
    first = replay(leads, times, cands, rules, day_counts=day_counts)
    again = replay(leads, times, cands, rules, day_counts=day_counts)
    assert [d.lead_id for d in first.decisions] == [lead.id for lead in leads]
    assert [(d.user_id, d.rule_id, d.event) for d in first.decisions] == [
        (d.user_id, d.rule_id, d.event) for d in again.decisions
    ]


@given(history())
def test_replay_keeps_open_and_daily_caps_as_the_days_go_by(data):
    cands, rules, leads, times, day_counts = data
    result = replay(leads, times, cands, rules, day_counts=day_counts)
    total, per_day = Counter(), Counter()
    for decision, now in zip(result.decisions, times, strict=True):
        if decision.user_id is None:
            continue
        total[decision.user_id] += 1
        per_day[decision.user_id, now.date()] += 1
    for uid, count in total.items():
        cand = cands[uid]
        if cand.max_open and rules_capped(rules, uid):
            assert cand.open_leads + count <= max(cand.max_open, cand.open_leads)
    for (uid, day), count in per_day.items():
        cand = cands[uid]
        if cand.max_daily and rules_capped(rules, uid):
            assert day_counts.get((uid, day), 0) + count <= max(
                cand.max_daily, day_counts.get((uid, day), 0)
            )
    assert result.assigned_counts == dict(total)


def rules_capped(rules, uid):
    """Caps bind every strategy (the fallbacks here never ignore them)."""
    return all(r.fallback != "least_loaded" for r in rules)


@given(st.integers(2, 6), st.integers(1, 60))
def test_replayed_round_robin_shares_leads_evenly(people, n):
    cands = {i: Candidate(i, company_ids=frozenset({1})) for i in range(1, people + 1)}
    rule = Rule(1, 1, "round_robin", tuple(cands), respect_working_hours=False)
    leads = [Lead(i, 1, rule_ids=(1,)) for i in range(n)]
    times = [START + timedelta(hours=3 * i) for i in range(n)]
    result = replay(leads, times, cands, [rule])
    got = Counter(d.user_id for d in result.decisions)
    assert max(got.values()) - min(got.get(uid, 0) for uid in cands) <= 1


@given(history())
def test_replay_of_one_lead_is_live_routing_of_that_lead(data):
    cands, rules, leads, times, _day_counts = data
    lead, now = leads[0], times[0]
    cands = {uid: c for uid, c in cands.items() if not c.leads_today}
    live = route_batch([lead], cands, rules, now=now).decisions[0]
    replayed = replay([lead], [now], cands, rules).decisions[0]
    assert replayed.to_json() == live.to_json()


def test_replay_reports_progress_and_needs_a_time_per_lead():
    cands = {1: Candidate(1, company_ids=frozenset({1}))}
    rule = Rule(1, 1, "round_robin", (1,), respect_working_hours=False)
    leads = [Lead(i, 1, rule_ids=(1,)) for i in range(1000)]
    times = [START + timedelta(minutes=i) for i in range(1000)]
    seen = []
    replay(leads, times, cands, [rule], progress=lambda d, t: seen.append((d, t)))
    assert seen == [(500, 1000), (1000, 1000)]
    with pytest.raises(ValueError):
        replay(leads, times[:-1], cands, [rule])


def test_summary_counts_rules_people_and_fairness():
    cands = {i: Candidate(i, company_ids=frozenset({1})) for i in (1, 2, 3, 4)}
    rule = Rule(1, 1, "fixed_user", fixed_user_id=1, respect_working_hours=False)
    rr = Rule(2, 2, "round_robin", (2, 3, 4), respect_working_hours=False)
    leads = [Lead(i, 1, rule_ids=(1, 2)) for i in range(4)]
    leads += [Lead(10 + i, 1, rule_ids=(2,)) for i in range(6)]
    decisions = route_batch(leads, cands, [rule, rr]).decisions
    summary = summarise(leads, decisions, [rule, rr], cands)
    assert summary.per_user == {1: 4, 2: 2, 3: 2, 4: 2}
    assert summary.per_rule[1] == {"matched": 4, "assigned": 4, "taken_earlier": 0}
    assert summary.per_rule[2] == {"matched": 10, "assigned": 6, "taken_earlier": 4}
    # Targets: 4 leads all to 1, 6 leads a third each to 2, 3, 4.
    assert summary.targets == pytest.approx({1: 0.4, 2: 0.2, 3: 0.2, 4: 0.2})
    assert summary.largest_gap == pytest.approx(0.0)
    assert summary.gini == pytest.approx(fairness.gini([4, 2, 2, 2]))


OUTCOMES = ("taken_earlier", "assigned", "queued", "unroutable", "fell_through")


@given(
    st.lists(
        st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=25
    ),
    st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_a_rule_s_outcomes_add_up_to_the_leads_it_matched(matches, available):
    """Every lead a rule's filter matched is counted once: taken by an
    earlier rule, assigned, queued, unroutable, or passed to the next rule."""
    cands = {
        i: Candidate(i, company_ids=frozenset({1}), available=available[i - 1])
        for i in (1, 2, 3)
    }
    rules = [
        Rule(1, 1, "round_robin", (1,), respect_working_hours=False),
        Rule(
            2, 2, "load_balanced", (2,), respect_working_hours=False, fallback="queue"
        ),
        Rule(3, 3, "round_robin", (3,), respect_working_hours=False),
    ]
    leads = [
        Lead(
            i, 1, rule_ids=tuple(r for r, hit in zip((1, 2, 3), m, strict=True) if hit)
        )
        for i, m in enumerate(matches)
    ]
    decisions = route_batch(leads, cands, rules).decisions
    summary = summarise(leads, decisions, rules, cands)
    for counts in summary.per_rule.values():
        assert sum(counts.get(key, 0) for key in OUTCOMES) == counts["matched"]
