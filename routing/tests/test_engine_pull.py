# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pull rules, "Take my next lead", the end of a shift and a pile of leads
nobody followed up: what the engine decides and how it says it."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from routing import explain, order
from routing.engine import route_batch, take_next
from routing.facts import Candidate, Lead, Rule
from routing.worktime import Attendance, WorkSchedule

B = frozenset({1})
# Tuesday 13 January 2026, 10:00 UTC
NOW = datetime(2026, 1, 13, 10, 0)
OFFICE = WorkSchedule("UTC", tuple(Attendance(d, 9, 17) for d in range(5)))
EVENING = WorkSchedule("UTC", tuple(Attendance(d, 13, 21) for d in range(5)))


def ts(moment):
    return moment.replace(tzinfo=UTC).timestamp()


class Names(explain.IdNames):
    def user(self, user_id):
        return {1: "Sofia", 2: "Grace", 3: "Noah"}.get(user_id)

    def rule(self, rule_id):
        return {10: "Web leads", 11: "Everything else"}.get(rule_id)


def pull_rule(**kwargs):
    kwargs.setdefault("fallback", "queue")
    kwargs.setdefault("respect_working_hours", False)
    return Rule(10, 1, "round_robin", (1, 2), delivery="pull", **kwargs)


def people(extra=None):
    extra = extra or {}
    return {
        1: Candidate(1, B, **extra.get(1, {})),
        2: Candidate(2, B, **extra.get(2, {})),
        3: Candidate(3, B),
    }


def text(decision):
    return explain.render(decision.to_json(), Names())


# ---------------------------------------------------------------- pull rules
def test_a_pull_rule_leaves_a_new_lead_in_its_queue():
    res = route_batch([Lead(1, 1, rule_ids=(10,))], people(), [pull_rule()], now=NOW)
    (decision,) = res.decisions
    assert (decision.user_id, decision.event, decision.rule_id) == (None, "queue", 10)
    assert decision.deadline is None, "no timeout: it waits until someone takes it"
    assert text(decision) == (
        "Waiting in the queue of the rule “Web leads” for someone of its pool "
        "to take it with Take My Next Lead."
    )


def test_the_pull_timeout_counts_only_the_time_someone_of_the_pool_works():
    rule = pull_rule(pull_timeout=30, respect_working_hours=True)
    evening = datetime(2026, 1, 13, 20, 50)  # Grace works until 21:00
    cands = people({1: {"schedule": OFFICE}, 2: {"schedule": EVENING}})
    res = route_batch([Lead(1, 1, rule_ids=(10,))], cands, [rule], now=evening)
    # 10 minutes tonight (Grace), 20 tomorrow from 09:00 (Sofia).
    assert res.decisions[0].deadline == datetime(2026, 1, 14, 9, 20)
    assert "within 30 min of working time, the rule assigns it" in text(
        res.decisions[0]
    )


def test_a_lead_nobody_took_in_time_is_pushed_by_the_rule_strategy():
    rule = pull_rule(pull_timeout=30)
    lead = Lead(1, 1, rule_ids=(10,), state="queued", rule_id=10, pull_due=NOW)
    res = route_batch([lead], people(), [rule], now=NOW, quiet_requeue=True)
    (decision,) = res.decisions
    assert decision.user_id == 1
    assert text(decision).startswith(
        "Assigned to Sofia by the rule “Web leads”: next in the round-robin rotation."
    )
    assert (
        "Nobody took it from the queue within 30 min of working time, so the "
        "rule handed it out." in text(decision)
    )


def test_a_waiting_lead_stays_as_it_is_when_the_queue_is_drained():
    rule = pull_rule(pull_timeout=30)
    due = NOW + timedelta(minutes=5)
    lead = Lead(1, 1, rule_ids=(10,), state="queued", rule_id=10, pull_due=due)
    res = route_batch([lead], people(), [rule], now=NOW, quiet_requeue=True)
    assert res.decisions[0].event == "queue"
    assert not res.decisions[0].write


def test_a_lead_taken_from_someone_who_let_it_wait_is_pushed_not_queued():
    res = route_batch(
        [Lead(1, 1, rule_ids=(10,), user_id=3, excluded_user_ids=frozenset({3}))],
        people(),
        [pull_rule(pull_timeout=30)],
        event="reassign",
        now=NOW,
    )
    assert (res.decisions[0].event, res.decisions[0].user_id) == ("reassign", 1)


# ---------------------------------------------------------------- take
def waiting(n, **kwargs):
    created = NOW - timedelta(hours=2)
    return [
        Lead(
            i,
            1,
            rule_ids=(10,),
            state="queued",
            rule_id=10,
            created=ts(created),
            **kwargs,
        )
        for i in range(1, n + 1)
    ]


def test_take_gives_the_first_waiting_lead_and_says_why():
    res = take_next(waiting(3), people(), [pull_rule()], 2, now=NOW, order="oldest")
    (decision,) = res.decisions
    assert (decision.lead_id, decision.user_id, decision.event) == (1, 2, "take")
    assert decision.write
    assert text(decision) == (
        "Taken by Grace from the queue of the rule “Web leads”: next in the "
        "queue for them (oldest first); it had waited 2 h."
    )


def test_take_passes_over_the_leads_the_taker_may_not_take():
    leads = waiting(1, skill_ids=frozenset({7})) + waiting(2)[1:]
    res = take_next(leads, people(), [pull_rule()], 2, now=NOW, order="newest")
    skipped, taken = res.decisions
    assert (skipped.lead_id, skipped.reason_code, skipped.write) == (
        1,
        "missing_skill",
        False,
    )
    assert taken.lead_id == 2
    assert "(newest first), after leads they may not take: 1;" in text(taken)


def test_take_finds_nothing_for_someone_outside_the_pool():
    res = take_next(waiting(2), people(), [pull_rule()], 3, now=NOW)
    assert [d.reason_code for d in res.decisions] == ["not_in_pool"] * 2
    assert not any(d.write for d in res.decisions)


def test_take_applies_the_caps_and_the_people_a_deadline_took_it_from():
    capped = people({2: {"open_leads": 3, "max_open": 3}})
    res = take_next(waiting(1), capped, [pull_rule()], 2, now=NOW)
    assert res.decisions[0].reason_code == "open_cap"
    before = waiting(1, excluded_user_ids=frozenset({2}))
    res = take_next(before, people(), [pull_rule()], 2, now=NOW)
    assert res.decisions[0].reason_code == "previous_owner"


def test_a_taken_priority_lead_gets_the_shorter_deadline():
    rule = pull_rule(sla_minutes=60, priority_sla_minutes=10)
    res = take_next(waiting(1, priority=True), people(), [rule], 1, now=NOW)
    (decision,) = res.decisions
    assert decision.deadline == NOW + timedelta(minutes=10)
    assert "(priority channels first, then oldest first)" in text(decision)


def test_take_does_not_move_the_rotation():
    res = take_next(waiting(1), people(), [pull_rule()], 1, state={}, now=NOW)
    assert res.state == {10: {"served": {}, "pass": {}}}


# ---------------------------------------------------------------- end of shift
def test_nobody_gets_a_lead_in_their_last_minutes_of_work():
    rule = Rule(
        11, 1, "round_robin", (1, 2), end_of_shift=15, fallback="queue",
    )  # fmt: skip
    cands = people({1: {"schedule": OFFICE}, 2: {"schedule": EVENING}})
    late = datetime(2026, 1, 13, 16, 50)  # Sofia leaves at 17:00
    res = route_batch([Lead(1, 1, rule_ids=(11,))], cands, [rule], now=late)
    decision = res.decisions[0]
    assert decision.user_id == 2
    assert "Sofia: at the end of their shift (10 min left)" in text(decision)


def test_at_the_end_of_everyone_s_shift_the_lead_waits_for_the_next_one():
    rule = Rule(11, 1, "round_robin", (1,), end_of_shift=15, fallback="queue")
    cands = people({1: {"schedule": OFFICE}})
    res = route_batch(
        [Lead(1, 1, rule_ids=(11,))], cands, [rule], now=datetime(2026, 1, 13, 16, 55)
    )
    assert res.decisions[0].event == "queue"
    res = route_batch(
        [Lead(1, 1, rule_ids=(11,))], cands, [rule], now=datetime(2026, 1, 14, 9, 0)
    )
    assert res.decisions[0].user_id == 1


def test_someone_without_working_hours_never_reaches_the_end_of_a_shift():
    rule = Rule(11, 1, "round_robin", (1,), end_of_shift=15)
    cands = people({1: {"schedule": WorkSchedule("UTC")}})
    res = route_batch([Lead(1, 1, rule_ids=(11,))], cands, [rule], now=NOW)
    assert res.decisions[0].user_id == 1


# ---------------------------------------------------------------- stale leads
def test_someone_with_more_leads_waiting_for_follow_up_than_allowed_gets_none():
    cands = people({1: {"stale_leads": 12, "max_stale": 10}})
    rule = Rule(11, 1, "round_robin", (1, 2))
    res = route_batch([Lead(1, 1, rule_ids=(11,))], cands, [rule], now=NOW)
    assert res.decisions[0].user_id == 2
    assert "Sofia: 12 leads waiting for follow-up" in text(res.decisions[0])
    res = take_next(waiting(1), cands, [pull_rule()], 1, now=NOW)
    assert res.decisions[0].reason_code == "stale_leads"


def test_the_stale_limit_is_a_limit_not_a_cap_and_zero_means_none():
    for extra in ({"stale_leads": 10, "max_stale": 10}, {"stale_leads": 99}):
        cands = people({1: extra})
        res = route_batch(
            [Lead(1, 1, rule_ids=(11,))],
            cands,
            [Rule(11, 1, "fixed_user", fixed_user_id=1)],
        )
        assert res.decisions[0].user_id == 1


# ---------------------------------------------------------------- worktime
def test_a_shift_ends_after_back_to_back_intervals():
    split = WorkSchedule("UTC", (Attendance(1, 9, 12), Attendance(1, 12, 17)))
    assert split.shift_end(datetime(2026, 1, 13, 11, 0)) == datetime(2026, 1, 13, 17)
    lunch = WorkSchedule("UTC", (Attendance(1, 9, 12), Attendance(1, 13, 17)))
    assert lunch.shift_end(datetime(2026, 1, 13, 11, 0)) == datetime(2026, 1, 13, 12)
    assert lunch.shift_end(datetime(2026, 1, 13, 12, 30)) is None


# ---------------------------------------------------------------- order of work
def items():
    base = ts(NOW)
    return [
        order.Waiting(1, base - 300, 100.0),
        order.Waiting(2, base - 200, 900.0),
        order.Waiting(3, base - 100, 500.0, priority=True),
        order.Waiting(4, base, 900.0),
    ]


def test_each_order_of_work():
    ids = {
        name: [i.id for i in order.work_order(items(), name)] for name in order.ORDERS
    }
    assert ids == {
        "oldest": [3, 1, 2, 4],
        "newest": [3, 4, 2, 1],
        "revenue": [3, 2, 4, 1],
    }


def test_priority_channels_by_source_or_medium():
    assert order.is_priority(5, None, {5}, set())
    assert order.is_priority(None, 8, set(), {8})
    assert not order.is_priority(None, None, {5}, {8})


waiting_items = st.lists(
    st.builds(
        order.Waiting,
        id=st.integers(1, 10_000),
        created=st.floats(0, 1e9),
        revenue=st.floats(0, 1e7),
        priority=st.booleans(),
    ),
    unique_by=lambda item: item.id,
    max_size=30,
)


@given(waiting_items, st.sampled_from(order.ORDERS), st.randoms())
def test_the_order_of_work_puts_priority_first_and_ignores_arrival_order(
    queue, name, rnd
):
    ordered = order.work_order(queue, name)
    flags = [item.priority for item in ordered]
    assert flags == sorted(flags, reverse=True), "priority channels first"
    shuffled = list(queue)
    rnd.shuffle(shuffled)
    assert order.work_order(shuffled, name) == ordered, "a total order"
