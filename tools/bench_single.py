#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Single routed creates, each committed, with and without company history.

Run through ``./dev bench``. One lead per transaction, as a web form or the
mail gateway creates it (tracking and notifications on), 30 salespeople with
working-hours calendars and 11 rules. Three cases alternate lead by lead,
``--repeat`` times ``--leads`` creates each, median kept:

  (a) create without a salesperson, routing off;
  (b) create naming the salesperson, routing off;
  (c) create with routing on: routing's own cost = (c) - (b).

Measured twice: with no history, then with ``--history`` earlier leads of
the same salespeople (default 300,000: 10,000 each, 1 in 50 still open),
inserted for the run and deleted afterwards. It also prints how long
routing's locks were held per routing (median, 95th percentile), and exits
non-zero when routing's own cost is above a quarter of (b) or the median
lock time above 5 ms at either size, unless --no-check.
"""

import statistics
import sys
import time

from benchlib import open_registry, parse_args, superuser_env, vacuum, verdict
from odoo_bench import setup

TARGET_SHARE, TARGET_LOCK_MS = 0.25, 5.0
HISTORY = "BenchHistory"


def seed_history(cr, user_ids, company_id, count):
    """``count`` earlier leads shared by ``user_ids``, 1 in 50 open."""
    per_user = count // len(user_ids)
    cr.execute(
        f"""INSERT INTO crm_lead (name, type, user_id, company_id, active, probability,
                                 routing_state, routing_assigned_at, create_date,
                                 write_date, create_uid, write_uid, priority)
            SELECT '{HISTORY} ' || n, 'opportunity', u.uid, %s, n %% 50 = 0 OR n %% 3 <> 0,
                   CASE WHEN n %% 50 = 0 THEN 20 WHEN n %% 3 = 0 THEN 0 ELSE 100 END,
                   'assigned',
                   (now() at time zone 'UTC') - (n || ' hours')::interval,
                   (now() at time zone 'UTC') - (n || ' hours')::interval,
                   now() at time zone 'UTC', 1, 1, '0'
              FROM generate_series(1, %s) AS n, unnest(%s::int[]) AS u(uid)""",  # noqa: S608
        [company_id, per_user, user_ids],
    )
    cr.execute("ANALYZE crm_lead")


def one_create(registry, vals, routing):
    with registry.cursor() as cr:
        env = superuser_env(cr)
        env.company.routing_auto_assign = routing
        env.flush_all()
        queries, started = cr.sql_log_count, time.perf_counter()
        lead = env["crm.lead"].create(vals)
        env.flush_all()
        cr.commit()
        seconds = time.perf_counter() - started
        if routing and not lead.routing_assigned_at:
            raise RuntimeError("the routed lead was not assigned")
        return seconds, cr.sql_log_count - queries


def run_cases(registry, users, leads, repeat, tag):
    from odoo.addons.crm_lead_routing.models import crm_routing_facts

    crm_routing_facts.LOCK_TIMES.clear()
    times = {"no owner": [], "named owner": [], "routed": []}
    queries = {key: [] for key in times}
    k = 0
    # Case after case, lead by lead: a machine that slows down for a while
    # slows the three cases alike, and their differences stay true.
    for _i in range(repeat * leads):
        for case in times:
            k += 1
            vals = {
                "name": f"Single bench {tag} {k}",
                "email_from": f"buyer{k}@client{k % 97}.example",
                "expected_revenue": 1000 + (k * 37) % 20000,
                "user_id": users[k % len(users)] if case == "named owner" else False,
            }
            seconds, count = one_create(registry, vals, case == "routed")
            times[case].append(seconds)
            queries[case].append(count)
    locks = [t * 1000 for t in crm_routing_facts.LOCK_TIMES]
    return (
        {case: statistics.median(values) * 1000 for case, values in times.items()},
        {case: statistics.median(values) for case, values in queries.items()},
        locks,
    )


def main():
    args = parse_args(__doc__, leads=40, repeat=3, history=300_000, users=30, rules=11)
    registry = open_registry(args)
    with registry.cursor() as cr:
        env = superuser_env(cr, tracking_disable=True)
        cr.execute("SELECT max(id) FROM crm_lead")
        first_lead = (cr.fetchone()[0] or 0) + 1
        setup(env, args.users, args.rules)
        users = env["res.users"].search([("login", "=like", "routing_bench_seller_%")])
        user_ids, company_id = users.ids, env.company.id
        cr.commit()
    vacuum(args.db)
    results, failed = [], []
    try:
        for history in (0, args.history):
            if history:
                with registry.cursor() as cr:
                    started = time.perf_counter()
                    seed_history(cr, user_ids, company_id, history)
                    cr.commit()
                    print(
                        f"{history:,} earlier leads inserted in "
                        f"{time.perf_counter() - started:.1f} s"
                    )
                # A company's history is old and autovacuumed: its pages are
                # all-visible, as after this VACUUM (not after a bulk insert).
                vacuum(args.db)
            one_create(
                registry, {"name": "Single bench warm-up", "user_id": False}, True
            )
            ms, qs, locks = run_cases(
                registry, user_ids, args.leads, args.repeat, history
            )
            results.append((history, ms, qs, locks))
    finally:
        with registry.cursor() as cr:
            cr.execute("DELETE FROM crm_lead WHERE id >= %s", [first_lead])
            env = superuser_env(cr)
            env["crm.routing.rule"].search([("name", "=like", "Bench %")]).unlink()
            env["resource.resource"].search([("user_id", "in", user_ids)]).unlink()
            env["res.users"].browse(user_ids).unlink()
            env["resource.calendar"].search(
                [("name", "=like", "Bench hours%")]
            ).unlink()
            env["crm.team"].search([("name", "=", "Bench team")]).unlink()
            env["crm.routing.skill"].with_context(active_test=False).search(
                [("name", "=like", "Bench skill %")]
            ).unlink()
            env["crm.team"].with_context(active_test=False).search(
                [("active", "=", False)]
            ).write({"active": True})
            cr.commit()
        vacuum(args.db)
    print(
        f"\nOne lead per committed transaction, {args.users} salespeople with "
        f"calendars, {args.rules} rules; median of {args.repeat} x {args.leads}"
    )
    print(
        f"{'history':>10}{'no owner ms':>13}{'named ms':>10}{'routed ms':>11}"
        f"{'routing ms':>12}{'share':>7}{'queries +':>11}{'lock ms med':>13}{'p95':>7}"
    )
    for history, ms, qs, locks in results:
        own = ms["routed"] - ms["named owner"]
        share = own / ms["named owner"]
        med = statistics.median(locks) if locks else 0.0
        p95 = sorted(locks)[int(len(locks) * 0.95)] if locks else 0.0
        print(
            f"{history:>10,}{ms['no owner']:>13.1f}{ms['named owner']:>10.1f}"
            f"{ms['routed']:>11.1f}{own:>12.1f}{share:>7.0%}"
            f"{qs['routed'] - qs['named owner']:>11.0f}{med:>13.2f}{p95:>7.2f}"
        )
        if share > TARGET_SHARE:
            failed.append(
                f"with {history:,} earlier leads routing adds {share:.0%} of a create "
                f"naming the owner (> {TARGET_SHARE:.0%})"
            )
        if med > TARGET_LOCK_MS:
            failed.append(
                f"with {history:,} earlier leads the lock is held {med:.2f} ms "
                f"(median, > {TARGET_LOCK_MS} ms)"
            )
    return verdict(failed, args)


if __name__ == "__main__":
    sys.exit(main())
