# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
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


# ---------------------------------------------------------------- literal filters
import pytest  # noqa: E402

from routing.domains import FilterError, is_empty, parse, unsatisfiable  # noqa: E402

PAYLOADS = {
    "a superuser write": "[('id', '!=', user.write({'groups_id': [(4, 2)]}) and 0)]",
    "SQL through the environment": "[('id', '=', user.env.cr.execute('UPDATE x'))]",
    "an import": "__import__('os').system('true')",
    "an import in a term": "[('name', '=', __import__('os').getcwd())]",
    "attribute access": "[('id', '=', (1).__class__)]",
    "a lambda": "[('id', '=', (lambda: 1)())]",
    "a generator": "[('id', 'in', list(x for x in (1, 2)))]",
    "a comprehension": "[('id', 'in', [x for x in (1, 2)])]",
    "a calculation": "[('expected_revenue', '>', 10 ** 9)]",
    "a name": "[('user_id', '=', uid)]",
}


@pytest.mark.parametrize("label", sorted(PAYLOADS))
def test_a_filter_that_would_run_code_is_refused(label):
    with pytest.raises(FilterError) as caught:
        parse(PAYLOADS[label])
    assert caught.value.code == "not_literal"


def test_a_refused_name_is_named():
    with pytest.raises(FilterError) as caught:
        parse(PAYLOADS["a superuser write"])
    assert caught.value.params == {"what": "name", "name": "user"}


@pytest.mark.parametrize("text", ["", "   ", "[]", "[ ]", "[\n]", "()", None, False])
def test_empty_filters_however_spaced_take_every_lead(text):
    assert parse(text) == []
    assert is_empty(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[('name', '=',", "syntax"),
        ("{'a': 1}", "not_a_list"),
        ("'name'", "not_a_list"),
        ("['name']", "bad_term"),
        ("[('name', '=')]", "bad_term"),
        ("[1]", "bad_term"),
        ("[" * 200 + "]" * 200, "bad_term"),
        ("[" + "('a', '=', 1), " * 8000 + "]", "too_long"),
    ],
)
def test_malformed_filters_say_what_is_wrong(text, code):
    with pytest.raises(FilterError) as caught:
        parse(text)
    assert caught.value.code == code
    assert not is_empty(text)


def test_the_domain_editor_s_output_reads_back_as_written():
    text = (
        '["&", "|", ("country_id.code", "in", ["BE", "NL"]), ("probability", "<", 5.5),'
        ' "!", ("partner_id", "=", False), ("expected_revenue", ">=", -1)]'
    )
    assert parse(text) == [
        "&", "|", ("country_id.code", "in", ["BE", "NL"]), ("probability", "<", 5.5),
        "!", ("partner_id", "=", False), ("expected_revenue", ">=", -1),
    ]  # fmt: skip


literals = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
terms = st.tuples(
    st.sampled_from(["name", "expected_revenue", "country_id.code", "tag_ids"]),
    st.sampled_from(["=", "!=", ">", "<=", "in", "not in", "ilike", "=like"]),
    st.one_of(literals, st.lists(literals, max_size=3)),
)


@given(st.lists(st.one_of(terms, st.sampled_from(["&", "|", "!"])), max_size=8))
def test_any_literal_domain_reads_back_as_itself(domain):
    assert parse(repr(domain)) == domain


def test_a_filter_that_can_match_nothing_names_its_field():
    assert unsatisfiable([(REVENUE, ">", 100000), (REVENUE, "<", 10)]) == REVENUE
    assert unsatisfiable([("lang_code", "=", "fr_FR"), ("lang_code", "=", "en_US")])
    assert unsatisfiable([(REVENUE, "=", 5), (REVENUE, ">", 10)]) == REVENUE
    assert unsatisfiable([(REVENUE, ">=", 10), (REVENUE, "<=", 10)]) is None
    assert unsatisfiable([(REVENUE, ">", 10), ("probability", "<", 5)]) is None
    assert unsatisfiable(["|", (REVENUE, ">", 10), (REVENUE, "<", 5)]) is None
    assert unsatisfiable([]) is None
