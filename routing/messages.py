# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every sentence routing shows a person, in one catalogue.

Routing stores codes and numbers; these templates turn them into sentences.
They are plain English here, marked with :func:`_lt` so that Odoo's exporter
puts them in the addon's ``.pot``; the Odoo layer translates each template
into the reader's language when it renders (see ``routing.explain``).

Placeholders are ``%(name)s``: names of people, rules and skills are filled in
by the renderer, never ids or codes.
"""


def _lt(message):
    """Mark ``message`` for translation; the Odoo layer translates it when read."""
    return message


# What happened to the lead, first sentence of an explanation.
OUTCOMES = {
    "assign": _lt("Assigned to %(user)s by the rule “%(rule)s”: %(why)s."),
    "reassign": _lt("Reassigned to %(user)s by the rule “%(rule)s”: %(why)s."),
    "queue": _lt(
        "Queued by the rule “%(rule)s”: nobody in its pool can take it now; it "
        "goes to the first person who becomes available."
    ),
    "pull": _lt(
        "Waiting in the queue of the rule “%(rule)s” for someone of its pool to "
        "take it with Take My Next Lead."
    ),
    "pull_timeout": _lt(
        "Waiting in the queue of the rule “%(rule)s” for someone of its pool to "
        "take it with Take My Next Lead; if nobody takes it within %(duration)s "
        "of working time, the rule assigns it."
    ),
    "take": _lt("Taken by %(user)s from the queue of the rule “%(rule)s”: %(why)s."),
    "unroutable": _lt(
        "Nobody could take it under any rule that applies, so it stays unassigned."
    ),
    "no_rule": _lt("No routing rule applies to this lead, so it stays unassigned."),
    "failed": _lt(
        "Routing failed with an internal error, so the lead was kept unassigned; "
        "the server log has the details."
    ),
    "escalate": _lt(
        "Escalated to %(user)s after %(count)s reassignments without a first contact."
    ),
    "escalate_dead_end": _lt(
        "Escalated to %(user)s: everyone in its pool who could take it already had "
        "it and let it wait."
    ),
    "manual": _lt("Given to %(user)s by hand by %(by)s."),
    "manual_none": _lt("Taken off its salesperson by hand by %(by)s."),
    "escalate_nobody": _lt(
        "Nobody to escalate it to after %(count)s reassignments without a first "
        "contact: set “Escalate To” on the rule “%(rule)s” or a leader on the "
        "sales team."
    ),
}

# Why the chosen person, by how they were chosen (the strategies name theirs,
# and the figures that ranked the others, in ``routing.strategies``).
WHY = {
    "least_loaded_fallback": _lt(
        "nobody in its pool was available, so the one with the fewest open leads "
        "(%(open_leads)s) got it anyway"
    ),
    "continuity_owner": _lt("%(user)s already handles this account (%(via)s)"),
    "next_in_queue": _lt(
        "next in the queue for them (%(order)s); it had waited %(waited)s"
    ),
    "next_in_queue_after": _lt(
        "next in the queue for them (%(order)s), after leads they may not take: "
        "%(skipped)s; it had waited %(waited)s"
    ),
}

# The order of work (``routing.order``), as the explanation of a lead taken
# from a queue says it.
ORDERS = {
    "oldest": _lt("oldest first"),
    "revenue": _lt("most valuable first"),
    "newest": _lt("newest first"),
    "priority": _lt("priority channels first, then %(order)s"),
}

# How an account owner was found (continuity).
VIA = {
    "partner": _lt("salesperson of the contact"),
    "parent": _lt("salesperson of the parent company"),
    "earlier_lead": _lt("owner of an earlier lead of the same company"),
    "email_domain": _lt("owner of an earlier lead from the same email domain"),
}

# Why a rule tried before the deciding one did not take the lead.
TRIED = {
    "nobody_eligible": _lt("“%(rule)s”: nobody eligible, tried the next rule"),
    "nobody_eligible_named": _lt(
        "“%(rule)s”: nobody eligible (%(people)s), tried the next rule"
    ),
    "nobody_for_fallback_named": _lt(
        "“%(rule)s”: nobody eligible (%(people)s) and nobody in its pool for the "
        "least-loaded fallback, tried the next rule"
    ),
    "nobody_for_fallback": _lt(
        "“%(rule)s”: nobody eligible and nobody in its pool for the least-loaded "
        "fallback, tried the next rule"
    ),
    "broken_filter": _lt(
        "“%(rule)s” skipped: its filter no longer works on leads (%(error)s)"
    ),
}

# Why someone was not chosen (codes: ``routing.eligibility``).
EXCLUSIONS = {
    "inactive": _lt("archived"),
    "not_internal": _lt("not an internal user"),
    "broken_profile": _lt("%(fault)s"),
    "wrong_company": _lt("does not work for the lead's company"),
    "opted_out": _lt("skips automatic assignment in their sales team"),
    "unavailable": _lt("not accepting new leads"),
    "off_hours": _lt("not at work now"),
    "open_cap": _lt("has reached their maximum of open leads (%(cap)s)"),
    "daily_cap": _lt("has reached their maximum of new leads for today (%(cap)s)"),
    "end_of_shift": _lt("at the end of their shift (%(minutes)s min left)"),
    "stale_leads": _lt("%(count)s leads waiting for follow-up"),
    "missing_skill": _lt("lacks %(skills)s"),
    "previous_owner": _lt("already had this lead"),
    # Taking a lead from a queue (not a check of ``routing.eligibility``).
    "not_in_pool": _lt("not in the pool of its rule"),
    "no_rule": _lt("its rule no longer routes leads"),
}

# What is broken in a person's own data, so routing leaves them out (the
# exclusion ``broken_profile``; ``value`` is what was found).
FAULTS = {
    "language": _lt(
        "their language (%(value)s) is not installed; fix it in their preferences"
    ),
    "timezone": _lt(
        "their time zone (%(value)s) does not exist; fix it in their preferences"
    ),
    "calendar": _lt("their working hours cannot be read (%(value)s)"),
    "delivery": _lt(
        "routing could not notify them or plan their to-do (%(value)s); they get "
        "no lead until it is fixed"
    ),
}

# Why routing ran again (the deadline sweep, a manager).
TRIGGERS = {
    "no_contact_within": _lt("Nobody contacted it within %(duration)s."),
    "no_contact_before": _lt("Nobody contacted it before its deadline."),
    "owner_deleted": _lt("Its salesperson was deleted."),
    "owner_archived": _lt("%(user)s is archived."),
    "owner_left": _lt(
        "%(user)s is no longer in any sales team or routing rule pool, and had "
        "not contacted it yet."
    ),
    "owner_archived_uncontacted": _lt(
        "%(user)s was archived and had not contacted it yet."
    ),
    "rule_gone": _lt(
        "Its routing rule was archived or deleted, so the current rules decided."
    ),
}

# Remarks that come with a decision.
NOTES = {
    "always_on": _lt("%(user)s has no working hours, so they count as always at work."),
    "pull_timeout": _lt(
        "Nobody took it from the queue within %(duration)s of working time, so "
        "the rule handed it out."
    ),
}

# How the parts of an explanation are put together.
PARTS = {
    "person": _lt("%(user)s (%(figures)s)"),
    "excluded_person": _lt("%(user)s: %(reason)s"),
    "others_eligible": _lt("Also eligible: %(people)s."),
    "not_chosen": _lt("Not eligible: %(people)s."),
    "tried": _lt("Before that: %(rules)s."),
    "more": _lt("%(count)s more people not listed."),
    "one_more": _lt("One more person not listed."),
    # Named among the people of a rule tried before: "and 3 more".
    "and_more": _lt("%(people)s and %(count)s more"),
    # Joins one more item to a list (Chinese uses "；", for instance).
    "list_more": _lt("%(items)s; %(item)s"),
    # Joins one more figure about a person ("open leads: 2, last lead 5 min
    # ago"; Chinese uses "，").
    "figures_more": _lt("%(items)s, %(item)s"),
    "and": _lt("%(first)s and %(last)s"),
    "deleted_user": _lt("a deleted user"),
    "deleted_rule": _lt("a deleted rule"),
    "deleted_skill": _lt("a deleted skill"),
    "deleted_experiment": _lt("a deleted experiment"),
    "verdict_chosen": _lt("Chosen"),
    "verdict_eligible": _lt("Eligible"),
    "verdict_excluded": _lt("Not eligible"),
}

# Durations, as a person says them.
DURATIONS = {
    "seconds": _lt("%(seconds)s s"),
    "minutes": _lt("%(minutes)s min"),
    "hours": _lt("%(hours)s h"),
    "hours_minutes": _lt("%(hours)s h %(minutes)s min"),
    "days": _lt("%(days)s days"),
}

# Which group of an experiment a lead fell in (a sentence of its explanation).
ARMS = {
    "control": _lt(
        "It is in the control group of the experiment “%(experiment)s”, so the "
        "rule's own settings decided."
    ),
    "variant": _lt(
        "It is in the variant group of the experiment “%(experiment)s”, so the "
        "variant's settings decided."
    ),
}

# The verdict on an experiment (``routing.experiments.verdict``). Differences
# are variant minus control, already formatted ("+6.1 points", "-12 min").
VERDICTS = {
    "no_data": _lt("No results yet: none of the experiment's leads has an outcome."),
    "cannot_plan": _lt(
        "Interim results: there are not enough outcomes yet to know how many "
        "leads the test needs, so no winner is declared."
    ),
    "needs_more_conversion": _lt(
        "Interim results: %(count)s more closed leads are needed before a winner "
        "can be declared."
    ),
    "needs_more_revenue": _lt(
        "Interim results: %(count)s more closed leads are needed before a winner "
        "can be declared."
    ),
    "needs_more_first_contact": _lt(
        "Interim results: %(count)s more contacted leads are needed before a "
        "winner can be declared."
    ),
    "no_difference": _lt(
        "No detectable difference between the two groups (%(p)s): keep the "
        "rule as it is or test a bolder change."
    ),
    "variant_better_conversion": _lt(
        "The variant converts better: %(diff)s, 95%% CI %(low)s to %(high)s " "(%(p)s)."
    ),
    "control_better_conversion": _lt(
        "The control converts better: the variant differs by %(diff)s, 95%% CI "
        "%(low)s to %(high)s (%(p)s)."
    ),
    "variant_better_first_contact": _lt(
        "The variant reaches leads faster: median %(diff)s, 95%% CI %(low)s to "
        "%(high)s (%(p)s)."
    ),
    "control_better_first_contact": _lt(
        "The control reaches leads faster: the variant's median differs by "
        "%(diff)s, 95%% CI %(low)s to %(high)s (%(p)s)."
    ),
    "variant_better_revenue": _lt(
        "The variant wins more revenue per lead: %(diff)s, 95%% CI %(low)s to "
        "%(high)s (%(p)s)."
    ),
    "control_better_revenue": _lt(
        "The control wins more revenue per lead: the variant differs by "
        "%(diff)s, 95%% CI %(low)s to %(high)s (%(p)s)."
    ),
}

# Units of an experiment's differences.
UNITS = {
    "points": _lt("%(value)s points"),
    "minutes": _lt("%(value)s min"),
}
