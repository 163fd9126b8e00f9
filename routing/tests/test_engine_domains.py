"""A rule is flagged as shadowed only when the earlier filter surely takes
every lead of the later one: no false alarms."""

from hypothesis import given
from hypothesis import strategies as st

from routing.domains import first_covering, implies

REVENUE = "expected_revenue"


def test_greater_or_equal_takes_every_lead_of_strictly_greater():
    assert implies([(REVENUE, ">", 50000)], [(REVENUE, ">=", 50000)])
    assert not implies([(REVENUE, ">=", 50000)], [(REVENUE, ">", 50000)])


def test_an_empty_filter_takes_every_lead():
    assert implies([("country_id", "=", 3)], [])
    assert implies([], [])


def test_a_narrower_filter_does_not_take_every_lead_of_a_wider_one():
    assert not implies([], [(REVENUE, ">=", 1)])
    assert not implies([("country_id", "in", [1, 2])], [("country_id", "=", 1)])


def test_more_conditions_are_narrower():
    later = [(REVENUE, ">", 100), ("country_id", "=", 3)]
    assert implies(later, [(REVENUE, ">=", 50)])
    assert implies(later, [("country_id", "in", [3, 4])])
    assert not implies([(REVENUE, ">", 100)], later)


def test_value_lists():
    assert implies([("lang_code", "=", "fr_FR")], [("lang_code", "in", ["fr_FR"])])
    assert implies([("lang_code", "in", ["fr_FR"])], [("lang_code", "!=", "en_US")])
    assert not implies(
        [("lang_code", "in", ["fr_FR", "en_US"])], [("lang_code", "!=", "en_US")]
    )


def test_or_and_not_are_never_claimed():
    assert not implies(["|", (REVENUE, ">", 1), (REVENUE, "<", 0)], [(REVENUE, ">", 1)])
    assert not implies([(REVENUE, ">", 1)], ["!", (REVENUE, "<", 0)])
    assert implies(["&", (REVENUE, ">", 5), (REVENUE, "<", 9)], [(REVENUE, ">", 1)])


def test_first_covering_names_the_earliest_rule():
    earlier = [("big", [(REVENUE, ">=", 50000)]), ("all", [])]
    assert first_covering([(REVENUE, ">", 60000)], earlier) == "big"
    assert first_covering([(REVENUE, "<", 10)], earlier) == "all"
    assert first_covering([(REVENUE, "<", 10)], earlier[:1]) is None


OPS = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "!=": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}
small = st.integers(-5, 5)
leaf = st.one_of(
    st.tuples(st.just("x"), st.sampled_from(["=", ">", ">=", "<", "<=", "!="]), small),
    st.tuples(
        st.just("x"), st.sampled_from(["in", "not in"]), st.lists(small, max_size=3)
    ),
    st.tuples(st.just("y"), st.sampled_from(["=", ">", "<"]), small),
)
domain = st.lists(leaf, max_size=3)


def matches(domain, lead):
    return all(OPS[op](lead[field], value) for field, op, value in domain)


@given(domain, domain)
def test_implication_is_never_a_false_alarm(later, earlier):
    """Whenever it claims coverage, every lead of ``later`` matches ``earlier``."""
    if implies(later, earlier):
        for x in range(-7, 8):
            for y in range(-7, 8):
                lead = {"x": x, "y": y}
                if matches(later, lead):
                    assert matches(earlier, lead)
