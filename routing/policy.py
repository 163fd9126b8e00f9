# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What else routing decides when it gives a lead to someone: team and deadline.

Pure functions of the facts, called by the engine for every assignment, so
that live routing, a preview and a replay decide them the same way.
"""

from datetime import timedelta

from . import worktime


def team_for(rule, lead, cand):
    """The sales team a routed lead gets, or None to leave it as it is.

    The rule's team when it has one; else the lead's own team when the new
    owner is a member or its leader; else the owner's first team.
    """
    if rule is not None and rule.team_id:
        team = rule.team_id
    elif lead.team_id and (
        lead.team_id in cand.team_ids or lead.team_leader_id == cand.id
    ):
        team = lead.team_id
    elif cand.team_ids:
        team = cand.team_ids[0]
    else:
        team = lead.team_id
    return team if team != lead.team_id else None


def sla_minutes_for(rule, priority=False):
    """The first-contact deadline of a lead under ``rule``, in minutes (0:
    none): the rule's shorter one for a lead from a priority channel, when
    the rule sets one. ``rule``: the engine's or the Odoo record (the same
    attribute names)."""
    if rule is None:
        return 0
    if priority and rule.priority_sla_minutes:
        return rule.priority_sla_minutes
    return rule.sla_minutes


def deadline_for(rule, cand, now, lead=None):
    """When the first contact is due (naive UTC), or None without a deadline.

    Counted in the owner's working time when the rule respects working hours.
    A deadline that would wait past the end of the owner's shift stays
    wall-clock when the rule says "reassign to someone on shift"
    (``sla_off_hours='reassign'``), so the sweep hands it on instead. A lead
    from a priority channel gets the rule's shorter deadline, if it has one.
    """
    minutes = sla_minutes_for(rule, lead is not None and lead.priority)
    if not minutes:
        return None
    plain = now + timedelta(minutes=minutes)
    schedule = cand.schedule
    if not rule.respect_working_hours or schedule is None or schedule.always_on:
        return plain
    try:
        deadline = schedule.add_working_minutes(now, minutes)
    except ValueError:  # no working time ahead at all
        return plain
    if rule.sla_off_hours == "reassign":
        return min(deadline, plain)
    return deadline


def pull_deadline(rule, schedules, now):
    """When a lead waiting in a pull rule's queue since ``now`` is pushed by
    the rule's strategy if nobody took it (naive UTC), or None when it waits
    for ever (no timeout).

    Counted in working time when the rule respects working hours: the time
    during which someone of its pool (``schedules``, theirs) is at work, so
    a night with nobody there does not count against the people coming on.
    """
    minutes = rule.pull_timeout
    if not minutes:
        return None
    plain = now + timedelta(minutes=minutes)
    if not rule.respect_working_hours:
        return plain
    try:
        return worktime.add_working_minutes_any(
            [s for s in schedules if s is not None], now, minutes
        )
    except ValueError:  # nobody of the pool works in the months ahead
        return plain
