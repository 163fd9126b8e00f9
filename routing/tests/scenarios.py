# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Hypothesis strategies the engine's property tests share: a pool of
salespeople and the rules that route to them, in one company (id 1)."""

from hypothesis import strategies as st

from routing import strategies
from routing.facts import Candidate, Rule


def candidate(max_id, **fields):
    """A salesperson with an id from 1 to ``max_id``; ``fields``: strategies
    for the other fields of ``Candidate`` (their defaults otherwise)."""
    return st.builds(
        Candidate,
        id=st.integers(1, max_id),
        company_ids=st.just(frozenset({1})),
        **fields,
    )


def draw_pool(draw, people, max_size):
    """``({id: candidate}, sorted ids)``: 1 to ``max_size`` of ``people``
    (the same id drawn twice is one person)."""
    cands = {c.id: c for c in draw(st.lists(people, min_size=1, max_size=max_size))}
    return cands, sorted(cands)


def draw_rules(draw, ids, **fields):
    """1 to 3 rules (ids 10, 11, 12, in that order) of any strategy over the
    pool ``ids`` in a drawn order; ``fields``: strategies for other fields of
    ``Rule``."""
    return [
        Rule(
            10 + i,
            i,
            draw(st.sampled_from(strategies.codes())),
            tuple(draw(st.permutations(ids))),
            fixed_user_id=draw(st.sampled_from(ids)),
            fallback=draw(st.sampled_from(("next_rule", "queue"))),
            **{name: draw(value) for name, value in fields.items()},
        )
        for i in range(draw(st.integers(1, 3)))
    ]
