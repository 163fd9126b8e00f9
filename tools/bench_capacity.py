#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the Capacity report inside a real Odoo 18 database.

Run through ``./dev bench``. In one transaction (rolled back at the end, so the
database is left as it was) it bulk-inserts N routed leads over the 8
complete weeks the report reads (as the Routing Analysis benchmark does: four rules, 50 salespeople,
won, lost and open, most contacted, some past their deadline, one in 23
taken from an earlier owner), gives the 50 salespeople working hours (Monday
to Friday, 9:00 to 12:00 and 13:00 to 18:00, in three time zones) and a day
off each, then times what a sales manager waits for:

* opening CRM > Reporting > Capacity: the form's figures (leads per hour of
  the week from Routing Analysis, people on shift from 50 schedules over 8
  weeks and next week, the load that kept deadlines, the forecast, the
  summary), as the web client's onchange computes them;
* *Heat Map*: the 168 lines written, then the read_group calls of the pivot
  (hours by weekdays, with the totals).

Each is timed after a first run that warms PostgreSQL's caches. It exits
non-zero when either takes more than 1 second, unless --no-check.
"""

import sys
import time
from datetime import timedelta

from bench_analysis import insert_routed_leads, routed_salespeople, timed
from benchlib import (
    bench_cursor,
    give_working_hours,
    parse_args,
    superuser_env,
    verdict,
)

from odoo import fields

TARGET_SECONDS = 1.0
ZONES = ("Europe/Brussels", "America/New_York", "Asia/Shanghai")


def give_office_hours(env, users, now):
    """Monday to Friday, 9-12 and 13-18, one calendar per time zone, and a
    day off for each salesperson in the last weeks."""
    spans = ((9.0, 12.0, "morning"), (13.0, 18.0, "afternoon"))
    resources = give_working_hours(
        env, users, ZONES, spans, days=(0, 1, 2, 3, 4), name="Capacity bench"
    )
    env["resource.calendar.leaves"].create(
        [
            {
                "name": "Day off",
                "resource_id": resource.id,
                "calendar_id": resource.calendar_id.id,
                "date_from": now - timedelta(days=3 + i % 50),
                "date_to": now - timedelta(days=2 + i % 50),
            }
            for i, resource in enumerate(resources)
        ]
    )


def pivot(Line, capacity):
    """The read_group calls of the heat map: each leading part of the rows
    (hours) with each leading part of the columns (weekdays)."""
    arch_rows, arch_cols = ["hour"], ["weekday"]
    measures = ["leads_per_week:sum", "people_on_shift:avg", "__count"]
    domain = [("capacity_id", "=", capacity.id)]
    return [
        Line.read_group(domain, measures, r + c, lazy=False)
        for r in (arch_rows[:k] for k in range(len(arch_rows) + 1))
        for c in (arch_cols[:k] for k in range(len(arch_cols) + 1))
    ]


def open_form(Capacity):
    report = Capacity.new(Capacity.default_get(list(Capacity._fields)))
    return report.summary, report.lead_count


def heat_map(Capacity, Line, capacity):
    capacity.invalidate_recordset()
    capacity.action_view_heatmap()
    return pivot(Line, capacity)


def main():
    args = parse_args(__doc__, leads=200_000, users=50)
    with bench_cursor(args) as cr:
        env = superuser_env(cr, tracking_disable=True, tz="Europe/Brussels")
        now = fields.Datetime.now()
        users, rules = routed_salespeople(env, args.users, "capacity")
        give_office_hours(env, users, now)
        t0 = time.perf_counter()
        # All of them within the 8 complete weeks the report reads (the addon
        # is importable once the registry is loaded).
        from odoo.addons.crm_lead_routing.routing.capacity import weeks_before

        _since, until = weeks_before(now, env.context["tz"], 8)
        insert_routed_leads(env, users, rules, args.leads, until, days=7 * 8)
        insert_s = time.perf_counter() - t0
        env.flush_all()
        Capacity = env["crm.routing.capacity"]
        Line = env["crm.routing.capacity.line"]
        (summary, counted), form_s, form_q = timed(cr, open_form, Capacity)
        capacity = Capacity.create({})
        groups, map_s, map_q = timed(cr, heat_map, Capacity, Line, capacity)
        uncovered, short = capacity.uncovered_count, capacity.short_count
        total = groups[0][0] if groups else {}
        cr.rollback()

    print(
        f"\ncapacity over {counted:,} routed leads of the last 8 weeks, "
        f"{args.users} salespeople with working hours and time off "
        f"(insert {insert_s:.1f} s):\n"
        f"  the form (figures, people on shift, forecast, summary): "
        f"{form_s:.2f} s, {form_q} queries\n"
        f"  Heat Map (168 lines written, then the pivot): {map_s:.2f} s, "
        f"{map_q} queries; {total.get('__count', 0)} lines, "
        f"{uncovered} hours with leads and nobody on shift, {short} hours short "
        f"next week"
    )
    failed = []
    if counted < args.leads:
        failed.append(f"the report counted {counted} leads of {args.leads}")
    if "Leads created from" not in str(summary):
        failed.append("the summary is missing")
    for label, seconds in (("the form", form_s), ("the heat map", map_s)):
        if seconds > TARGET_SECONDS:
            failed.append(f"{label} took {seconds:.2f} s > {TARGET_SECONDS:.0f} s")
    return verdict(failed, args)


if __name__ == "__main__":
    sys.exit(main())
