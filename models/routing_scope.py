# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two definitions routing reads everywhere, written once: "an open lead" and
"who is in a rule's pool". The SQL, the ORM domains and the Python tests of
the addon are built from here, so they cannot drift apart.

* **An open lead** is active and not won: its probability is below 100 (a
  lead without probability counts as 0). Lost leads are archived, so they
  are not open either. Counters, caps, the stale-lead check, the partial
  indexes behind them, the reroute of people who leave all count these.
* **A rule's people** are its own list, else the active members of its sales
  team. **Its pool** is who its strategy may choose: the designated
  salesperson for a strategy that uses one (``Strategy.uses_designated_user``),
  else its people.
"""

from types import SimpleNamespace

from odoo.tools import SQL

from ..routing import strategies

# -------------------------------------------------------------- an open lead
_OPEN = "{a}active AND COALESCE({a}probability, 0) < 100"

# The condition on ``crm_lead`` without an alias, for the predicates of
# partial indexes (they must read as the queries do for PostgreSQL to use
# them).
OPEN_LEAD_WHERE = _OPEN.format(a="")


def open_lead_sql(alias=None):
    """The condition "open lead" on ``crm_lead`` (as ``alias``)."""
    return SQL(_OPEN.format(a=f"{alias}." if alias else ""))


def open_lead_domain():
    """The same condition as an ORM domain on ``crm.lead`` (the ORM counts a
    lead without probability below 100, as the SQL does)."""
    return [("active", "=", True), ("probability", "<", 100)]


def is_open_lead(lead):
    """The same condition on a lead record (or anything with ``active`` and
    ``probability``)."""
    return bool(lead.active and (lead.probability or 0) < 100)


# -------------------------------------------------------------- a rule's pool
def rule_people_sql():
    """Rows ``(rule_id, user_id)``: every rule's people (its own list, else
    its sales team's active members), whatever its strategy."""
    return SQL(
        """
        SELECT o.rule_id, o.user_id FROM crm_routing_rule_user_rel o
        UNION ALL
        SELECT t.id, m.user_id
          FROM crm_routing_rule t
          JOIN crm_team_member m ON m.crm_team_id = t.team_id AND m.active
         WHERE NOT EXISTS (SELECT 1 FROM crm_routing_rule_user_rel x
                            WHERE x.rule_id = t.id)
        """
    )


def rule_pool_sql():
    """Rows ``(rule_id, user_id)``: every rule's pool, as its strategy has it
    (the designated salesperson, else the rule's people). Rules of any state:
    callers filter (``JOIN crm_routing_rule r ON r.id = q.rule_id``)."""
    designated = list(strategies.codes_where("uses_designated_user"))
    return SQL(
        """
        SELECT q.rule_id, q.user_id
          FROM (%(people)s) q
          JOIN crm_routing_rule d ON d.id = q.rule_id
         WHERE NOT d.strategy = ANY(%(designated)s::varchar[])
        UNION ALL
        SELECT d.id, d.fixed_user_id FROM crm_routing_rule d
         WHERE d.strategy = ANY(%(designated)s::varchar[])
           AND d.fixed_user_id IS NOT NULL
        """,
        people=rule_people_sql(),
        designated=designated,
    )


def rule_pool(rule, people):
    """The pool of ``rule`` (a ``crm.routing.rule`` record) whose people are
    ``people`` (user ids, see ``crm.routing.rule._pools_and_skills``): the
    engine's own ``Strategy.pool``."""
    strategy = strategies.get(rule.strategy or strategies.DEFAULT)
    fixed = rule.fixed_user_id.id or None
    return tuple(
        strategy.pool(SimpleNamespace(pool=tuple(people), fixed_user_id=fixed))
    )
