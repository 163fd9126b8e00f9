#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the daily score recompute inside a real Odoo 18 database.

In one transaction (rolled back at the end, so the database is left as it was)
it creates S salespeople and bulk-inserts H historical leads assigned to them
over the last 120 days (won, lost and open; most with a recorded first contact,
some only with an owner's message) plus the owners' done-activity messages, then
times ``crm.routing.scorer._recompute()`` over every salesperson.

It prints the time and the number of queries, and exits non-zero when the
recompute takes longer than the target (10 s), unless --no-check.
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

TARGET_SECONDS = 10.0


def setup(env, n_users):
    users = create_salespeople(env, n_users, "score")
    teams = env["crm.team"].create(
        [{"name": f"Score bench team {t}", "use_leads": True} for t in range(4)]
    )
    env["crm.team.member"].create(
        [
            {"crm_team_id": teams[i % 4].id, "user_id": user.id}
            for i, user in enumerate(users)
        ]
    )
    # Scores rank the people routing hands leads to: one rule per team.
    env["crm.routing.rule"].create(
        [
            {"name": f"Score bench rule {t}", "team_id": team.id, "sequence": 900 + t}
            for t, team in enumerate(teams)
        ]
    )
    return users


def insert_history(env, users, n, now):
    """``n`` leads; kind by ``g % 10``: won (0-2), lost (3-6), open (7-9)."""
    cr = env.cr
    env.flush_all()
    cr.execute(
        SQL(
            """
            INSERT INTO crm_lead (
                name, type, active, probability, expected_revenue, company_id,
                user_id, routing_state, routing_assigned_at, routing_first_touch_at,
                create_date, write_date, create_uid, write_uid
            )
            SELECT 'Score bench lead ' || g, 'opportunity',
                   NOT (kind BETWEEN 3 AND 6),
                   CASE WHEN kind <= 2 THEN 100 WHEN kind <= 6 THEN 0 ELSE 30 END,
                   mod(g, 89) * 150, %(company)s, user_id, 'assigned', ts,
                   CASE WHEN mod(g, 7) <> 0
                        THEN ts + mod(g * user_id, 240) * interval '1 minute' END,
                   ts, ts, %(uid)s, %(uid)s
              FROM (
                    SELECT g, mod(g, 10) AS kind,
                           (%(users)s::int[])[1 + mod(g * 7 + g / 13, %(n_users)s)]
                               AS user_id,
                           %(now)s - mod(g, 120 * 24 * 60) * interval '1 minute'
                               AS ts
                      FROM generate_series(1, %(n)s) AS g
                   ) AS src
            """,
            company=env.company.id,
            users=users.ids,
            n_users=len(users),
            now=now,
            n=n,
            uid=env.uid,
        )
    )
    # Leads without a recorded first contact get an owner's message instead;
    # every third lead gets a done activity by its owner.
    activity_type = env.ref("mail.mail_activity_data_call").id
    cr.execute(
        SQL(
            """
            INSERT INTO mail_message (model, res_id, author_id, message_type, date,
                                      mail_activity_type_id, create_date, write_date,
                                      create_uid, write_uid)
            SELECT 'crm.lead', l.id, u.partner_id,
                   CASE WHEN l.routing_first_touch_at IS NULL THEN 'comment'
                        ELSE 'notification' END,
                   l.routing_assigned_at + interval '50 minutes',
                   CASE WHEN l.routing_first_touch_at IS NULL THEN NULL
                        ELSE %s END,
                   l.create_date, l.create_date, %s, %s
              FROM crm_lead l JOIN res_users u ON u.id = l.user_id
             WHERE l.name LIKE %s
               AND (l.routing_first_touch_at IS NULL OR mod(l.id, 3) = 0)
            """,
            activity_type,
            env.uid,
            env.uid,
            "Score bench lead %",
        )
    )
    cr.execute("ANALYZE crm_lead")
    cr.execute("ANALYZE mail_message")
    env.invalidate_all()
    cr.execute("SELECT count(*) FROM mail_message WHERE model = 'crm.lead'")
    return cr.fetchone()[0]


def main():
    args = parse_args(__doc__, leads=200_000, users=200)
    with bench_cursor(args) as cr:
        env = superuser_env(cr)
        now = fields.Datetime.now()
        users = setup(env, args.users)
        t0 = time.perf_counter()
        messages = insert_history(env, users, args.leads, now)
        insert_s = time.perf_counter() - t0

        with measured(env) as took:
            results = env["crm.routing.scorer"]._recompute()
        seconds, queries = took.seconds, took.queries
        scored = sum(1 for user in users if user.id in results)
        tiers = {
            t: sum(1 for r in results.values() if r.tier == t)
            for t in ("top", "middle", "bottom")
        }
        cr.rollback()

    print(
        f"\nscores: {scored} of {len(users)} bench salespeople scored "
        f"({len(results)} in all), {args.leads:,} historical leads, "
        f"{messages:,} lead messages (inserted in {insert_s:.1f} s)"
    )
    print(f"recompute: {seconds:.2f} s, {queries} queries; tiers {tiers}")
    missed = []
    if seconds > TARGET_SECONDS:
        missed.append(f"recompute {seconds:.2f} s > {TARGET_SECONDS:.0f} s")
    if scored != len(users):
        missed.append("some salespeople were not scored")
    return verdict(missed, args)


if __name__ == "__main__":
    sys.exit(main())
