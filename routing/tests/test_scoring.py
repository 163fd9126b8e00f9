# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from routing.scoring import (
    METRICS,
    MetricSample,
    ScoreFacts,
    compute_scores,
    percentile_ranks,
    smooth,
    tiers,
    working_days,
)

WEIGHTS = {"conversion": 40, "speed": 25, "revenue": 20, "activity": 15}
FULL = dict.fromkeys(METRICS, 10)


def person(user_id, conversion=30.0, speed=60.0, revenue=1000.0, activity=2.0, n=20):
    return ScoreFacts(
        user_id,
        "team",
        {
            "conversion": MetricSample(conversion, n),
            "speed": MetricSample(speed, n),
            "revenue": MetricSample(revenue, n),
            "activity": MetricSample(activity, n),
        },
    )


def test_better_conversion_gives_a_higher_score_all_else_equal():
    scores = compute_scores(
        [person(1, conversion=50), person(2, conversion=20), person(3)],
        WEIGHTS,
        FULL,
    )
    assert scores[1].score > scores[3].score > scores[2].score


def test_slower_first_contact_gives_a_lower_score():
    scores = compute_scores(
        [person(1, speed=5), person(2, speed=240), person(3)], WEIGHTS, FULL
    )
    assert scores[1].score > scores[3].score > scores[2].score


def test_a_newcomer_with_two_leads_lands_near_the_median():
    veterans = [person(i, conversion=10 * i, speed=100 - 10 * i) for i in range(1, 10)]
    newcomer = ScoreFacts(
        99,
        "team",
        {
            "conversion": MetricSample(0.0, 2),  # two losses
            "speed": MetricSample(300.0, 2),
        },
    )
    scores = compute_scores(veterans + [newcomer], WEIGHTS, FULL)
    assert 35 <= scores[99].score <= 65
    assert scores[99].tier == "middle"


def test_nobody_with_history_scores_fifty():
    scores = compute_scores(
        [ScoreFacts(1, "g", {}), ScoreFacts(2, "g", {})], WEIGHTS, FULL
    )
    assert scores[1].score == scores[2].score == 50.0


def test_weights_change_the_ranking():
    fast, converter = (
        person(1, conversion=10, speed=5),
        person(2, conversion=60, speed=90),
    )
    by_conversion = compute_scores([fast, converter], {"conversion": 100}, FULL)
    by_speed = compute_scores([fast, converter], {"speed": 100}, FULL)
    assert by_conversion[2].score > by_conversion[1].score
    assert by_speed[1].score > by_speed[2].score


def test_people_are_ranked_only_within_their_group():
    a = ScoreFacts(1, "east", {"conversion": MetricSample(10.0, 20)})
    b = ScoreFacts(2, "west", {"conversion": MetricSample(90.0, 20)})
    scores = compute_scores([a, b], {"conversion": 100}, FULL)
    assert scores[1].score == scores[2].score == 50.0


def test_details_carry_raw_value_percentile_weight_and_sample():
    scores = compute_scores([person(1), person(2, conversion=80)], WEIGHTS, FULL)
    detail = scores[2].details["conversion"]
    assert detail == {
        "raw": 80,
        "value": 80,
        "percentile": 100.0,
        "weight": 40,
        "n": 20,
    }
    assert scores[2].details["satisfaction"]["weight"] == 0


def test_smoothing_is_proportional_to_the_missing_sample():
    assert smooth(0.0, 0, 10, 40.0) == 40.0
    assert smooth(None, 5, 10, 40.0) == 40.0
    assert smooth(0.0, 5, 10, 40.0) == 20.0
    assert smooth(90.0, 10, 10, 40.0) == 90.0
    assert smooth(90.0, 3, 0, 40.0) == 90.0


def test_percentile_ranks_and_tiers():
    assert percentile_ranks([1, 2, 3]) == [0.0, 50.0, 100.0]
    assert percentile_ranks([1, 2, 3], lower_is_better=True) == [100.0, 50.0, 0.0]
    assert percentile_ranks([5, 5]) == [50.0, 50.0]
    assert percentile_ranks([7]) == [50.0]
    assert tiers([10, 20, 30, 40, 50]) == [
        "bottom",
        "middle",
        "middle",
        "middle",
        "top",
    ]
    assert tiers([42]) == ["middle"]


def test_working_days_counts_monday_to_friday():
    assert working_days(date(2026, 11, 16), date(2026, 11, 22)) == 5  # Mon..Sun
    assert working_days(date(2026, 11, 21), date(2026, 11, 22)) == 1  # weekend: 1
    assert working_days(date(2026, 11, 2), date(2026, 11, 29)) == 20


sample = st.builds(
    MetricSample,
    value=st.one_of(st.none(), st.floats(0, 1000, allow_nan=False)),
    n=st.integers(0, 40),
)
people = st.lists(
    st.builds(
        ScoreFacts,
        user_id=st.integers(1, 10**6),
        group=st.sampled_from(["a", "b"]),
        metrics=st.fixed_dictionaries({m: sample for m in METRICS}),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda p: p.user_id,
)
weights = st.fixed_dictionaries({m: st.integers(0, 100) for m in METRICS}).filter(
    lambda w: sum(w.values()) > 0
)


@given(people, weights, st.integers(0, 20))
def test_scores_are_bounded_deterministic_and_cover_everyone(crowd, w, full):
    first = compute_scores(crowd, w, dict.fromkeys(METRICS, full))
    again = compute_scores(list(crowd), w, dict.fromkeys(METRICS, full))
    assert set(first) == {p.user_id for p in crowd}
    assert first == again
    for result in first.values():
        assert 0.0 <= result.score <= 100.0
        assert result.tier in {"top", "middle", "bottom"}


@given(people)
def test_top_tier_is_at_most_a_fifth_of_the_group_plus_ties(crowd):
    results = compute_scores(crowd, {"conversion": 100}, dict.fromkeys(METRICS, 5))
    for group in {p.group for p in crowd}:
        members = [results[p.user_id] for p in crowd if p.group == group]
        top = [r for r in members if r.tier == "top"]
        # Someone is "top" only when strictly better than 80 % of the group.
        for r in top:
            below = sum(1 for o in members if o.score < r.score)
            assert below >= 0.8 * len(members)


def test_a_low_start_rises_as_results_come_in():
    veterans = [person(i, conversion=10 * i) for i in range(1, 10)]

    def newcomer(won, closed):
        return ScoreFacts(
            99, "team", {"conversion": MetricSample(100 * won / closed, closed)}
        )

    early = compute_scores(veterans + [newcomer(0, 2)], {"conversion": 100}, FULL)
    later = compute_scores(veterans + [newcomer(10, 14)], {"conversion": 100}, FULL)
    assert early[99].score < 50 < later[99].score


@given(people, weights)
def test_someone_without_any_history_sits_at_the_middle_of_every_metric(crowd, w):
    blank = ScoreFacts(0, "a", {})
    results = compute_scores([*crowd, blank], w, dict.fromkeys(METRICS, 10))
    for detail in results[0].details.values():
        assert detail["percentile"] == 50.0
