# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may take a lead: one ordered pipeline of checks.

Every place that asks "may this person take this lead?" walks this one list:
building a rule's candidates, checking an account owner (continuity), and the
least-loaded fallback. They differ only in which *kinds* of check they apply:

* ``pool``: the rule's pool (an account owner may keep their account outside it);
* ``identity``: active, internal, nothing broken in their own data (see
  ``Candidate.fault``), working for the lead's company (always);
* ``availability``: the "accepting leads" switch, the sales team opt-out,
  working hours and the last minutes of a shift, a pile of open leads
  nobody followed up (the least-loaded fallback ignores these, by
  definition);
* ``capacity``: caps on open leads and on leads per day, which close as a batch
  hands out leads, so they are checked live rather than once per batch;
* ``fit``: skills the rule and the lead need;
* ``history``: people who already had the lead (reassignment).

The order is the order of the explanation: the first failing check is the
reason stored. Adding a check is one entry in :data:`CHECKS` and its label in
``messages.EXCLUSIONS``.
"""

from typing import NamedTuple


class Check(NamedTuple):
    code: str
    kind: str
    # (cand, rule, lead, needed, batch) -> True when ``cand`` is excluded
    test: object
    # (cand, rule, lead, needed, batch) -> figures for the explanation, or None
    params: object = None


def _missing(cand, needed):
    return sorted(s for s in needed if s not in cand.skills)


CHECKS = (
    Check("inactive", "identity", lambda c, r, ld, n, b: not c.active),
    Check("not_internal", "identity", lambda c, r, ld, n, b: not c.internal),
    Check(
        "broken_profile",
        "identity",
        lambda c, r, ld, n, b: c.fault is not None,
        lambda c, r, ld, n, b: {"fault": c.fault[0], "value": c.fault[1]},
    ),
    Check(
        "wrong_company",
        "identity",
        lambda c, r, ld, n, b: ld.company_id is not None
        and ld.company_id not in c.company_ids,
    ),
    Check("opted_out", "availability", lambda c, r, ld, n, b: c.opted_out),
    Check("unavailable", "availability", lambda c, r, ld, n, b: not c.available),
    Check(
        "off_hours",
        "availability",
        lambda c, r, ld, n, b: r.respect_working_hours and not b.working(c),
    ),
    Check(
        "end_of_shift",
        "availability",
        lambda c, r, ld, n, b: bool(r.end_of_shift)
        and r.respect_working_hours
        and b.leaving_within(c, r.end_of_shift),
        lambda c, r, ld, n, b: {"minutes": b.minutes_left(c)},
    ),
    Check(
        "stale_leads",
        "availability",
        lambda c, r, ld, n, b: bool(c.max_stale) and c.stale_leads > c.max_stale,
        lambda c, r, ld, n, b: {"count": c.stale_leads},
    ),
    Check(
        "open_cap",
        "capacity",
        lambda c, r, ld, n, b: bool(c.max_open) and b.open_leads(c) >= c.max_open,
        lambda c, r, ld, n, b: {"cap": c.max_open},
    ),
    Check(
        "daily_cap",
        "capacity",
        lambda c, r, ld, n, b: bool(c.max_daily) and b.leads_today(c) >= c.max_daily,
        lambda c, r, ld, n, b: {"cap": c.max_daily},
    ),
    Check(
        "missing_skill",
        "fit",
        lambda c, r, ld, n, b: bool(n) and any(s not in c.skills for s in n),
        lambda c, r, ld, n, b: {"skills": _missing(c, n)},
    ),
    Check(
        "previous_owner",
        "history",
        lambda c, r, ld, n, b: c.id in ld.excluded_user_ids,
    ),
)
CODES = tuple(check.code for check in CHECKS)

# Who applies which kinds (see the module docstring).
STATIC = frozenset({"identity", "availability", "fit", "history"})
CAPACITY = frozenset({"capacity"})
EVERYTHING = STATIC | CAPACITY
FALLBACK = frozenset({"identity", "history"})

# A pool member without facts (a deleted user, say) reads as archived.
MISSING = "inactive"


def first_failure(cand, rule, lead, needed, batch, kinds):
    """``(code, params)`` of the first check of ``kinds`` that excludes
    ``cand``, or None when ``cand`` passes them all."""
    if cand is None:
        return MISSING, None
    for check in CHECKS:
        if check.kind in kinds and check.test(cand, rule, lead, needed, batch):
            params = (
                check.params(cand, rule, lead, needed, batch) if check.params else None
            )
            return check.code, params
    return None
