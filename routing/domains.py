# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Does one rule's filter already take every lead of another's?

Rules are tried in order, so a rule placed after one whose filter matches all
of its leads only gets a lead when the earlier rule finds nobody. Deciding
this for any Odoo domain is out of reach; this module answers for the
domains managers build (a conjunction of simple conditions) and says "no"
whenever it cannot be sure, so a warning is never a false alarm.

A domain here is the Python list Odoo uses: ``[(field, operator, value), ...]``
with optional ``'&'`` operators. ``'|'`` and ``'!'`` make it "unknown".

A stored filter is data, never code: :func:`parse` reads its text as literals
only (strings, numbers, booleans, ``None``, lists and tuples of them) and
refuses anything else (a name, a call, an attribute, a lambda...). Nothing in
a filter is ever evaluated, whoever wrote it and whoever reads it later.
"""

import ast
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


# ---------------------------------------------------------------------- parsing
# Longest filter text read: a domain editor never writes more; a longer text
# is refused before it is parsed (a parser's cost grows with its input).
MAX_LENGTH = 100000
CONNECTORS = ("&", "|", "!")
# What a filter may not contain, by the node that holds it (``FilterError.what``).
_KINDS = (
    ((ast.Name,), "name"),
    ((ast.Call,), "call"),
    ((ast.Attribute, ast.Subscript), "attribute"),
    ((ast.Lambda,), "lambda"),
    ((ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp), "comprehension"),
    ((ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.NamedExpr), "operation"),
)


class FilterError(ValueError):
    """Why a filter's text is not a literal domain.

    ``code``: ``syntax``, ``too_long``, ``not_a_list``, ``not_literal`` (with
    ``what``: a key of ``_KINDS`` or ``other``), ``bad_term`` (with ``term``,
    the 1-based position of the offending element). The Odoo layer turns it
    into a sentence in the reader's language.
    """

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self):
        details = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.code} ({details})" if details else self.code


def _literal(node):
    """The value of a literal node; ``FilterError`` for anything else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str | int | float | bool) or node.value is None:
            return node.value
        raise FilterError("not_literal", what="other")
    if isinstance(node, ast.List | ast.Tuple):
        values = [_literal(elt) for elt in node.elts]
        return values if isinstance(node, ast.List) else tuple(values)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and _is_number(node.operand.value)
    ):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    raise _not_literal(node)


def _not_literal(node):
    """The error for a node that is not a literal, naming the most telling
    thing inside it: a name first (``user``), then a call, an attribute..."""
    found = {}
    for child in ast.walk(node):
        for types, what in _KINDS:
            if isinstance(child, types):
                found.setdefault(what, child)
    for _types, what in _KINDS:
        if what in found:
            if what == "name":
                return FilterError("not_literal", what=what, name=found[what].id)
            return FilterError("not_literal", what=what)
    return FilterError("not_literal", what="other")


def parse(text):
    """The domain a filter's text holds, as a list; ``[]`` for an empty text
    or an empty list however it is spaced. Reads literals only: raises
    :class:`FilterError` for anything that would need evaluating."""
    if text is None or text is False:
        return []
    if not isinstance(text, str):
        raise FilterError("not_a_list")
    if len(text) > MAX_LENGTH:
        raise FilterError("too_long", limit=MAX_LENGTH)
    if not text.strip():
        return []
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise FilterError("syntax") from exc
    body = tree.body
    if not isinstance(body, ast.List | ast.Tuple):
        if isinstance(body, ast.Constant | ast.Dict | ast.Set):
            raise FilterError("not_a_list")
        raise _not_literal(body)
    try:
        domain = list(_literal(body))
    except RecursionError as exc:
        raise FilterError("syntax") from exc
    for position, term in enumerate(domain, start=1):
        if isinstance(term, str):
            if term not in CONNECTORS:
                raise FilterError("bad_term", term=position)
            continue
        if (
            not isinstance(term, list | tuple)
            or len(term) != 3
            or not isinstance(term[0], str | int)
            or not isinstance(term[1], str)
        ):
            raise FilterError("bad_term", term=position)
    return domain


def is_empty(text):
    """Whether a filter's text takes every lead (no condition at all); a text
    that does not parse is not empty."""
    try:
        return parse(text) == []
    except FilterError:
        return False


def unsatisfiable(domain):
    """A field on which a conjunction can match nothing (``"expected_revenue"``
    for ``> 100000`` and ``< 10``), or ``None``. Sufficient, not necessary:
    ``None`` does not promise a match."""
    conditions = leaves(domain)
    if not conditions:
        return None
    intervals, equal = {}, {}
    for leaf in conditions:
        field_name = leaf[0]
        interval = _interval(leaf)
        if interval is not None:
            current = intervals.get(field_name, (-math.inf, False, math.inf, False))
            intervals[field_name] = _intersect(current, interval)
            if _is_empty_interval(intervals[field_name]):
                return field_name
        values = _values(leaf)
        if values is not None:
            equal[field_name] = values & equal.get(field_name, values)
            if not equal[field_name]:
                return field_name
    for field_name, values in equal.items():
        interval = intervals.get(field_name)
        if interval is None:
            continue
        numbers = [v for v in values if _is_number(v)]
        if len(numbers) == len(values) and not any(
            _contains(interval, (float(v), True, float(v), True)) for v in numbers
        ):
            return field_name
    return None


def _intersect(one, other):
    lo, lo_closed, hi, hi_closed = one
    o_lo, o_lo_closed, o_hi, o_hi_closed = other
    if o_lo > lo or (o_lo == lo and not o_lo_closed):
        lo, lo_closed = o_lo, o_lo_closed
    if o_hi < hi or (o_hi == hi and not o_hi_closed):
        hi, hi_closed = o_hi, o_hi_closed
    return lo, lo_closed, hi, hi_closed


def _is_empty_interval(interval):
    lo, lo_closed, hi, hi_closed = interval
    return lo > hi or (lo == hi and not (lo_closed and hi_closed))
