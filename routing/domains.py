"""Does one rule's filter already take every lead of another's?

Rules are tried in order, so a rule placed after one whose filter matches all
of its leads only gets a lead when the earlier rule finds nobody. Deciding
this for any Odoo domain is out of reach; this module answers for the
domains managers build (a conjunction of simple conditions) and says "no"
whenever it cannot be sure, so a warning is never a false alarm.

A domain here is the Python list Odoo uses: ``[(field, operator, value), ...]``
with optional ``'&'`` operators. ``'|'`` and ``'!'`` make it "unknown".
"""

import math
from numbers import Real

NUMERIC_OPERATORS = {"=", ">", ">=", "<", "<="}


def leaves(domain):
    """The conditions of a pure conjunction, or ``None`` when the domain is
    anything else (an ``'|'``, a ``'!'``, a term that is not a condition)."""
    result = []
    for term in domain or ():
        if term == "&":
            continue
        if isinstance(term, str) or not isinstance(term, list | tuple):
            return None
        if len(term) != 3 or not isinstance(term[0], str):
            return None
        result.append((term[0], term[1], term[2]))
    return result


def implies(domain, other):
    """True when every lead matching ``domain`` surely matches ``other``.

    Sufficient, not necessary: each condition of ``other`` must follow from
    one condition of ``domain`` on the same field. An empty ``other`` matches
    every lead.
    """
    theirs = leaves(other)
    if theirs is None:
        return False
    if not theirs:
        return True
    ours = leaves(domain)
    if ours is None:
        return False
    return all(
        any(leaf_implies(mine, their) for mine in ours if mine[0] == their[0])
        for their in theirs
    )


def leaf_implies(leaf, other):
    """True when condition ``leaf`` surely implies condition ``other`` (same field)."""
    if leaf[0] != other[0]:
        return False
    if _same(leaf, other):
        return True
    inside = _interval(leaf)
    outside = _interval(other)
    if inside is not None and outside is not None:
        return _contains(outside, inside)
    values = _values(leaf)
    if values is None:
        return False
    op, value = other[1], other[2]
    if op in ("=", "in"):
        allowed = _as_set(value)
        return allowed is not None and values <= allowed
    if op in ("!=", "not in"):
        refused = _as_set(value)
        return refused is not None and not (values & refused)
    return False


def _same(leaf, other):
    try:
        return leaf[1] == other[1] and _freeze(leaf[2]) == _freeze(other[2])
    except TypeError:
        return False


def _freeze(value):
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _interval(leaf):
    """``(low, low_closed, high, high_closed)`` for a numeric comparison."""
    _field, op, value = leaf
    if op not in NUMERIC_OPERATORS or not _is_number(value):
        return None
    value = float(value)
    return {
        "=": (value, True, value, True),
        ">": (value, False, math.inf, False),
        ">=": (value, True, math.inf, False),
        "<": (-math.inf, False, value, False),
        "<=": (-math.inf, False, value, True),
    }[op]


def _contains(outer, inner):
    """Whether interval ``outer`` holds all of ``inner``."""
    o_lo, o_lo_closed, o_hi, o_hi_closed = outer
    i_lo, i_lo_closed, i_hi, i_hi_closed = inner
    low_ok = o_lo < i_lo or (o_lo == i_lo and (o_lo_closed or not i_lo_closed))
    high_ok = o_hi > i_hi or (o_hi == i_hi and (o_hi_closed or not i_hi_closed))
    return low_ok and high_ok


def _as_set(value):
    values = value if isinstance(value, list | tuple) else [value]
    try:
        return {_freeze(v) for v in values}
    except TypeError:
        return None


def _values(leaf):
    """The finite set of values a condition allows (``=`` and ``in`` only)."""
    _field, op, value = leaf
    if op == "=" and value is not False:
        return _as_set(value)
    if op == "in" and isinstance(value, list | tuple) and value:
        return _as_set(value)
    return None


def first_covering(domain, earlier):
    """The first of ``earlier`` (``(key, domain)`` pairs, in rule order) whose
    domain takes every lead ``domain`` matches; ``None`` when there is none."""
    for key, other in earlier:
        if implies(domain, other):
            return key
    return None
