#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Side-by-side benchmark of lead routing inside a real Odoo 18 database.

Run through ``./dev bench``. In one transaction (rolled back at the end, so the
database is left as it was) it creates N leads in one ``create`` with 50
salespeople, each with a working-hours calendar (three time zones), 21 rules
(five strategies) that respect working hours, and skills, and measures:

  (a) the same create with routing off (baseline);
  (b) the create with routing on: routing's cost = (b) - (a);
      (a) and (b) alternate, ``--repeat`` times each (default 3), and the
      median of each is kept;
  (c) Odoo's own rule-based assignment (``crm.team._action_assign_leads``)
      assigning the same leads to the same people.

It prints milliseconds and queries per lead for each, and exits non-zero when
routing adds more than half the cost of the plain create (a), more than 3
queries per lead, or is not at least 10 times cheaper per lead than Odoo's own
assignment, unless --no-check. The targets are ratios measured in one run, so
they hold on a slower or busier machine too.

With ``--profile`` it also runs the routed create once more under cProfile and
prints where routing's time goes: reading the facts, the engine, writing the
decisions (and their parts), as a share of routing's own time. cProfile slows
Python calls down, so read the shares, not the milliseconds.
"""

import cProfile
import pstats
import random
import sys
import threading

import benchlib
from benchlib import (
    bench_cursor,
    create_salespeople,
    measured,
    parse_args,
    superuser_env,
    verdict,
)

TARGET_SHARE, TARGET_QUERIES, TARGET_RATIO = 0.5, 3.0, 10.0
ZONES = ("Europe/Brussels", "America/New_York", "Asia/Kolkata")
# Where routing's time goes: (label, file of the function, function, caller);
# with a caller, only the time of the calls from that function counts.
# Indented labels are parts of the line above them.
PROFILED = (
    ("routing, all of it", "crm_routing_dispatcher.py", "_route", None),
    (
        "  the create's own pending work, flushed first",
        "sql_db.py",
        "savepoint",
        "_isolated",
    ),
    ("  read the facts", "crm_routing_facts.py", "_gather", None),
    ("    rule filters on the leads", "crm_routing_facts.py", "_match_domains", None),
    ("    salespeople's profiles", "crm_routing_facts.py", "_profiles", None),
    ("    open leads and daily counts", "crm_routing_facts.py", "_read_counters", None),
    ("    working hours and time off", "crm_routing_facts.py", "_work_schedules", None),
    ("    account owners", "crm_routing_facts.py", "_account_owners", None),
    ("  the engine decides", "engine.py", "route_batch", None),
    ("  write the decisions", "crm_routing_writer.py", "_apply", None),
    (
        "    leads (salesperson, team, deadline)",
        "crm_routing_writer.py",
        "_write_leads",
        None,
    ),
    ("    routing log lines", "crm_routing_log.py", "_append", None),
    ("    followers", "crm_routing_writer.py", "_subscribe", None),
    ("    claims and rotation memory", "crm_routing_facts.py", "record", None),
    (
        "    first-contact activities",
        "crm_routing_writer.py",
        "_schedule_activities",
        None,
    ),
    (
        "  flush the writes (Odoo recomputes what depends on them)",
        "sql_db.py",
        "__exit__",
        "_isolated",
    ),
)


def give_working_hours(env, users):
    """A calendar per time zone, every day round the clock, so that everyone
    is at work whenever the bench runs while routing still reads and checks
    each person's schedule."""
    benchlib.give_working_hours(
        env, users, ZONES, ((0.0, 12.0, "morning"), (12.0, 24.0, "afternoon"))
    )


def setup(env, n_users, n_rules):
    rnd = random.Random(42)
    users = create_salespeople(
        env, n_users, "routing", routing_score=lambda _i: rnd.uniform(10, 95)
    )
    give_working_hours(env, users)
    env["crm.team"].search([]).write({"assignment_domain": False, "active": False})
    team = env["crm.team"].create({"name": "Bench team", "use_leads": True})
    env["crm.team.member"].create(
        [
            {"crm_team_id": team.id, "user_id": u.id, "assignment_max": 30 * 1000}
            for u in users
        ]
    )
    skills = env["crm.routing.skill"].create(
        [
            {
                "name": f"Bench skill {k}",
                "category": "product",
                "lead_domain": f"[('name', '=like', 'S{k}-%')]" if k < 3 else False,
            }
            for k in range(8)
        ]
    )
    env["crm.routing.user.skill"].create(
        [
            {"user_id": u.id, "skill_id": s.id, "level": rnd.randint(1, 5)}
            for u in users
            for s in rnd.sample(list(skills), 4)
        ]
    )
    env["crm.routing.rule"].search([]).active = False
    strategies = [
        "round_robin",
        "weighted",
        "load_balanced",
        "best_match",
        "continuity",
    ]
    ids = users.ids
    rules = []
    for i in range(n_rules - 1):
        pool = ids[(i * 7) % len(ids) :] + ids[: (i * 7) % len(ids)]
        rules.append(
            {
                "name": f"Bench rule {i}",
                "sequence": i,
                "strategy": strategies[i % len(strategies)],
                "lead_domain": f"[('expected_revenue', '>=', {(i + 1) * 1000}), "
                f"('expected_revenue', '<', {(i + 1) * 1000 + 500})]",
                "user_ids": [(6, 0, pool[: 10 + (i * 3) % 40])],
                "fallback": "next_rule",
                "notify_assignee": False,
                "respect_working_hours": True,
                "sla_minutes": 30,
            }
        )
    rules.append(
        {
            "name": "Bench catch-all",
            "sequence": 1000,
            "strategy": "weighted",
            "user_ids": [(6, 0, ids)],
            "fallback": "queue",
            "notify_assignee": False,
            "respect_working_hours": True,
            "sla_minutes": 30,
        }
    )
    env["crm.routing.rule"].create(rules)
    return team


def lead_values(n):
    rnd = random.Random(7)
    domains = [f"client{k}.example" for k in range(200)]
    return [
        {
            "name": f"S{rnd.randint(0, 9)}-Bench lead {i}",
            "type": "lead",
            "email_from": f"buyer{i}@{rnd.choice(domains)}",
            "expected_revenue": rnd.choice(
                [rnd.randint(1000, 25000), rnd.randint(0, 999)]
            ),
        }
        for i in range(n)
    ]


def measure(env, label, func):
    env.flush_all()
    env.invalidate_all()
    with measured(env) as took:
        result = func()
    return label, took.seconds, took.queries, result


def profile_routing(env, create):
    """Run ``create`` (routing on) under cProfile; print each PROFILED part's
    cumulative time as a share of routing's own (the first line)."""
    profiler = cProfile.Profile()
    env.flush_all()
    env.invalidate_all()
    profiler.enable()
    create()
    env.flush_all()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    cumulative = {}
    for (filename, _line, func), (_cc, _nc, _tt, ct, callers) in stats.items():
        for label, file, name, caller in PROFILED:
            if func != name or not filename.endswith(file):
                continue
            if caller:
                ct = sum(row[3] for key, row in callers.items() if key[2] == caller)
            cumulative[label] = cumulative.get(label, 0.0) + ct
    whole = cumulative.get(PROFILED[0][0]) or 0.0
    print("\nWhere routing's time goes (cProfile, one routed create):")
    print(f"{'part':<60}{'s (profiled)':>14}{'share':>8}")
    for label, _file, _name, _caller in PROFILED:
        seconds = cumulative.get(label, 0.0)
        share = seconds / whole if whole else 0.0
        print(f"{label:<60}{seconds:>14.3f}{share:>8.0%}")


def main():
    args = parse_args(
        __doc__, flags=("profile",), leads=10_000, users=50, rules=21, repeat=3
    )
    n = args.leads
    rows = []
    with bench_cursor(args) as cr:
        env = superuser_env(cr, tracking_disable=True)
        team = setup(env, args.users, args.rules)
        company = env.company
        values = lead_values(n)
        Lead = env["crm.lead"].with_context(mail_create_nolog=True)

        # Off and on alternate, each run `repeat` times; the median of each is
        # kept: on a shared machine one run can be 20% off either way.
        cr.execute("SAVEPOINT bench_case")
        runs = {False: [], True: []}
        for _run in range(args.repeat):
            for switch in (False, True):
                company.routing_auto_assign = switch
                env.flush_all()
                label = f"create, routing {'on' if switch else 'off'}"
                runs[switch].append(measure(env, label, lambda: Lead.create(values)))
                if switch:
                    assigned = len(runs[True][-1][3].filtered("user_id"))
                cr.execute("ROLLBACK TO SAVEPOINT bench_case")
                env.invalidate_all()
        for switch in (False, True):
            timed = sorted(runs[switch], key=lambda row: row[1])
            rows.append(timed[len(timed) // 2])
            if args.repeat > 1:
                print(
                    f"{timed[0][0]}: "
                    + ", ".join(f"{row[1]:.2f} s" for row in runs[switch])
                    + " (median kept)"
                )

        if args.profile:
            company.routing_auto_assign = True
            profile_routing(env, lambda: Lead.create(values))
            cr.execute("ROLLBACK TO SAVEPOINT bench_case")
            env.invalidate_all()

        company.routing_auto_assign = False
        leads = Lead.create([dict(v, user_id=False, team_id=False) for v in values])
        # Odoo's assignment commits every batch unless it believes it runs in a
        # test: keep everything in this transaction so it can be rolled back.
        threading.current_thread().testing = True
        rows.append(
            measure(
                env,
                "Odoo's own assignment",
                lambda: team._action_assign_leads(
                    force_quota=True, creation_delta_days=0
                ),
            )
        )
        threading.current_thread().testing = False
        odoo_assigned = len(leads.filtered("user_id"))
        cr.rollback()

    print(f"\n{n} leads, {args.users} salespeople, {args.rules} rules")
    print(f"{'case':<26}{'total s':>10}{'ms/lead':>10}{'queries/lead':>14}")
    for label, sec, qry, _res in rows:
        print(f"{label:<26}{sec:>10.2f}{sec * 1000 / n:>10.3f}{qry / n:>14.3f}")
    off, on, own = rows
    plain_ms = off[1] * 1000 / n
    routing_ms = (on[1] - off[1]) * 1000 / n
    routing_q = (on[2] - off[2]) / n
    own_ms, own_q = own[1] * 1000 / n, own[2] / n
    ratio = own_ms / routing_ms if routing_ms > 0 else float("inf")
    share = routing_ms / plain_ms if plain_ms > 0 else float("inf")
    print(
        f"\nrouting adds {routing_ms:.3f} ms and {routing_q:.3f} queries per lead "
        f"({assigned}/{n} assigned), {share:.0%} of a plain create ({plain_ms:.3f} ms)"
    )
    print(
        f"Odoo's own assignment: {own_ms:.3f} ms and {own_q:.3f} queries per lead "
        f"({odoo_assigned}/{n} assigned); routing is {ratio:.1f}x cheaper per lead"
    )
    failed = []
    if share > TARGET_SHARE:
        failed.append(
            f"routing adds {share:.0%} of a plain create's cost > {TARGET_SHARE:.0%}"
        )
    if routing_q > TARGET_QUERIES:
        failed.append(f"routing adds {routing_q:.3f} queries/lead > {TARGET_QUERIES}")
    if ratio < TARGET_RATIO:
        failed.append(f"only {ratio:.1f}x cheaper than Odoo's own (< {TARGET_RATIO}x)")
    return verdict(failed, args)


if __name__ == "__main__":
    sys.exit(main())
