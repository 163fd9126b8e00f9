"""What else routing decides when it gives a lead to someone: team and deadline.

Pure functions of the facts, called by the engine for every assignment, so
that live routing, a preview and a replay decide them the same way.
"""

from datetime import timedelta


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


def deadline_for(rule, cand, now):
    """When the first contact is due (naive UTC), or None without a deadline.

    Counted in the owner's working time when the rule respects working hours.
    A deadline that would wait past the end of the owner's shift stays
    wall-clock when the rule says "reassign to someone on shift"
    (``sla_off_hours='reassign'``), so the sweep hands it on instead.
    """
    minutes = rule.sla_minutes if rule is not None else 0
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
