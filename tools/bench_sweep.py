#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the first-contact sweep inside a real Odoo 18 database.

In one transaction (rolled back at the end, so the database is left as it was)
it bulk-inserts N open leads with SQL, of which M are assigned, untouched and
past their deadline, among leads already contacted, not yet due, won and lost.
Then it times ``crm.routing.sweeper._sweep_overdue()``, which must reassign
every overdue lead (chatter note, notifications, activity for the new owner).

It prints the time, the queries and the plan of the overdue query, and exits
non-zero when the sweep takes longer than the target (5 s) or leaves an overdue
lead behind, unless --no-check.
"""

import sys
import time

from benchlib import (
    bench_cursor,
    create_salespeople,
    measured,
    parse_args,
    superuser_env,
    verdict,
)

from odoo import fields
from odoo.tools import SQL

TARGET_SECONDS = 5.0


def setup(env, n_users):
    users = create_salespeople(env, n_users, "sweep")
    env["crm.team"].search([]).write({"assignment_domain": False})
    team = env["crm.team"].create({"name": "Sweep bench team", "use_leads": True})
    env["crm.routing.rule"].search([]).active = False
    rule = env["crm.routing.rule"].create(
        {
            "name": "Sweep bench rule",
            "strategy": "round_robin",
            "team_id": team.id,
            "user_ids": [(6, 0, users.ids)],
            "fallback": "queue",
            "respect_working_hours": False,
            "sla_minutes": 30,
            "max_reassignments": 3,
            "notify_assignee": True,
        }
    )
    return users, team, rule


def insert_leads(env, n, n_overdue, users, team, rule, now):
    """Bulk insert: ``n_overdue`` overdue leads, the rest in every other state.

    Kinds by ``g % 10`` for the others: contacted in time (0-5), not yet due
    (6), won and lost without a recorded contact (7, 8), never routed (9).
    """
    cr = env.cr
    env.flush_all()
    user_ids = users.ids
    company_id = env.company.id
    cr.execute(
        SQL(
            """
            INSERT INTO crm_lead (
                name, type, active, probability, expected_revenue, company_id,
                team_id, stage_id, user_id, routing_rule_id, routing_state,
                routing_assigned_at, routing_deadline, routing_first_touch_at,
                routing_reassign_count, create_date, write_date, create_uid,
                write_uid
            )
            SELECT 'Sweep bench lead ' || g,
                   'lead',
                   NOT (kind = 8),
                   CASE kind WHEN 7 THEN 100 ELSE 10 END,
                   mod(g, 97) * 100,
                   %(company)s,
                   %(team)s,
                   %(stage)s,
                   CASE WHEN kind = 9 THEN NULL
                        ELSE (%(users)s::int[])[1 + mod(g, %(n_users)s)] END,
                   CASE WHEN kind = 9 THEN NULL ELSE %(rule)s END,
                   CASE WHEN kind = 9 THEN 'none' ELSE 'assigned' END,
                   ts - interval '30 minutes',
                   CASE WHEN kind = 6 THEN %(now)s + interval '20 minutes'
                        WHEN kind = 9 THEN NULL
                        ELSE ts END,
                   CASE WHEN kind BETWEEN 0 AND 5 THEN ts - interval '10 minutes' END,
                   0, ts - interval '30 minutes', ts, %(uid)s, %(uid)s
              FROM (
                    SELECT g,
                           CASE WHEN g <= %(overdue)s THEN -1 ELSE mod(g, 10) END AS kind,
                           %(now)s - mod(g, 20000) * interval '1 minute'
                                   - interval '1 minute' AS ts
                      FROM generate_series(1, %(n)s) AS g
                   ) AS src
            RETURNING id
            """,
            company=company_id,
            team=team.id,
            stage=env["crm.lead"]
            .with_context(default_team_id=team.id)
            ._stage_find()
            .id,
            users=user_ids,
            n_users=len(user_ids),
            rule=rule.id,
            now=now,
            overdue=n_overdue,
            n=n,
            uid=env.uid,
        )
    )
    lead_ids = [row[0] for row in cr.fetchall()]
    # Everyone routed has the assign line the dispatcher would have written.
    cr.execute(
        SQL(
            """
            INSERT INTO crm_routing_log (lead_id, company_id, rule_id, user_id, event,
                                         details, create_date, write_date,
                                         create_uid, write_uid)
            SELECT id, company_id, routing_rule_id, user_id, 'assign',
                   '{"v": 2, "event": "assign", "code": "bench"}'::jsonb,
                   routing_assigned_at, routing_assigned_at, %s, %s
              FROM crm_lead
             WHERE id = ANY(%s) AND routing_state <> 'none'
            """,
            env.uid,
            env.uid,
            lead_ids,
        )
    )
    cr.execute("ANALYZE crm_lead")
    cr.execute("ANALYZE crm_routing_log")
    env.invalidate_all()
    cr.execute(
        SQL(
            "SELECT id FROM crm_lead WHERE %s",
            env["crm.routing.sweeper"]._overdue_where(now),
        )
    )
    return [row[0] for row in cr.fetchall()]


def overdue_plan(env, now):
    sweeper = env["crm.routing.sweeper"]
    env.cr.execute(
        SQL(
            "EXPLAIN SELECT id FROM crm_lead WHERE %s ORDER BY routing_deadline, id "
            "LIMIT 200 FOR NO KEY UPDATE SKIP LOCKED",
            sweeper._overdue_where(now),
        )
    )
    return [row[0] for row in env.cr.fetchall()]


def main():
    args = parse_args(__doc__, leads=100_000, overdue=1_000, users=50)
    with bench_cursor(args) as cr:
        env = superuser_env(cr)
        now = fields.Datetime.now()
        users, team, rule = setup(env, args.users)
        t0 = time.perf_counter()
        overdue_ids = insert_leads(
            env, args.leads, args.overdue, users, team, rule, now
        )
        insert_s = time.perf_counter() - t0
        plan = overdue_plan(env, now)

        with measured(env) as took:
            done = env["crm.routing.sweeper"]._sweep_overdue(now=now)
        seconds, queries = took.seconds, took.queries

        leads = env["crm.lead"].browse(overdue_ids)
        reassigned = len(leads.filtered(lambda lead: lead.routing_reassign_count == 1))
        cr.execute(
            SQL(
                "SELECT count(*) FROM crm_lead WHERE %s",
                env["crm.routing.sweeper"]._overdue_where(now),
            )
        )
        left = cr.fetchone()[0]
        cr.rollback()

    n = max(done, 1)
    print(
        f"\n{args.leads} open leads ({args.overdue} overdue), {args.users} salespeople"
    )
    print(f"bulk insert: {insert_s:.2f} s (not measured below)")
    print("overdue query plan:")
    for line in plan:
        print(f"    {line}")
    print(
        f"sweep: {seconds:.2f} s, {queries} queries for {done} leads "
        f"({seconds * 1000 / n:.2f} ms and {queries / n:.1f} queries per lead)"
    )
    print(f"reassigned {reassigned}/{args.overdue}; still overdue after: {left}")
    failed = []
    if seconds > TARGET_SECONDS:
        failed.append(f"sweep took {seconds:.2f} s > {TARGET_SECONDS} s")
    if reassigned != args.overdue or left:
        failed.append(f"{args.overdue - reassigned} overdue leads not reassigned")
    return verdict(failed, args)


if __name__ == "__main__":
    sys.exit(main())
