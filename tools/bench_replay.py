#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the what-if replay inside a real Odoo 18 database.

Run through ``./dev bench``. In one transaction (rolled back at the end, so the
database is left as it was) it sets up the routing bench's company (50
salespeople with working-hours calendars in three time zones, skills, the rules
of ``odoo_bench``; 20 of them are replayed), creates N leads (routing off)
spread over the last 30 days, and times ``crm.routing.simulation.action_run()``
with availability "as at each lead's creation": the leads one after the other,
each at its creation time, then the lines and the summary stored.

It prints the time, the queries and how much the process grew (peak resident
memory during the replay, minus before), and exits non-zero when the replay
takes more than 5 seconds or grows the process by more than 300 MB, unless
--no-check.
"""

import resource
import sys
import threading

from benchlib import bench_cursor, measured, parse_args, superuser_env, verdict
from odoo_bench import lead_values, setup

from odoo import fields
from odoo.tools import SQL

TARGET_SECONDS, TARGET_MB = 5.0, 300.0


def rss_mb():
    """The process's resident memory now, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class PeakMemory:
    """The highest resident memory seen while the block runs (sampled every
    10 ms by a thread: the process's lifetime peak may come from set-up)."""

    def __enter__(self):
        self.peak, self._stop = rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def main():
    args = parse_args(__doc__, leads=10_000, users=50, rules=21)
    with bench_cursor(args) as cr:
        env = superuser_env(cr, tracking_disable=True)
        setup(env, args.users, args.rules)
        company = env.company
        company.routing_auto_assign = False
        leads = (
            env["crm.lead"]
            .with_context(mail_create_nolog=True)
            .create(lead_values(args.leads))
        )
        env.flush_all()
        now = fields.Datetime.now()
        # Spread over the last 30 days, oldest first, a lead every few minutes.
        cr.execute(
            SQL(
                """
                UPDATE crm_lead
                   SET create_date = %(now)s
                       - (%(n)s - (id - %(first)s)) * (interval '30 days' / %(n)s)
                 WHERE id = ANY(%(ids)s)
                """,
                now=now,
                n=len(leads),
                first=min(leads.ids),
                ids=leads.ids,
            )
        )
        env.invalidate_all()
        rules = (
            env["crm.routing.rule"]
            .with_context(active_test=False)
            .search([("name", "=like", "Bench rule%")], order="sequence, id", limit=20)
        )
        sim = env["crm.routing.simulation"].create(
            {
                "name": "Bench replay",
                "lead_domain": "[('name', 'like', '-Bench lead ')]",
                "rule_ids": [(6, 0, rules.ids)],
                "availability": "at_creation",
            }
        )
        env.flush_all()
        env.invalidate_all()
        rss0 = rss_mb()
        with PeakMemory() as memory:
            with measured(env) as took:
                sim.action_run()
        seconds, queries = took.seconds, took.queries
        grown = max(memory.peak - rss0, 0.0)
        replayed, assigned, changed = (
            sim.lead_count,
            sim.assigned_count,
            sim.changed_count,
        )
        cr.rollback()

    print(
        f"\nwhat-if replay: {replayed:,} leads over 30 days, {len(rules)} rules, "
        f"{args.users} salespeople, availability as at each lead's creation: "
        f"{seconds:.2f} s, {queries} queries, process grew {grown:.0f} MB "
        f"({assigned:,} assigned, {changed:,} would change owner)"
    )
    failed = []
    if replayed != args.leads:
        failed.append(f"replayed {replayed} leads instead of {args.leads}")
    if seconds > TARGET_SECONDS:
        failed.append(f"replay took {seconds:.2f} s > {TARGET_SECONDS:.0f} s")
    if grown > TARGET_MB:
        failed.append(f"replay grew the process by {grown:.0f} MB > {TARGET_MB:.0f}")
    return verdict(failed, args)


if __name__ == "__main__":
    sys.exit(main())
