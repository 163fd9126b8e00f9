# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The load test's plan: the database it sets up (people, calendar, caps, rules,
users), the cases it measures, and its phases of clients."""

import json
import multiprocessing
import random
import subprocess
import sys
import time
from pathlib import Path

from benchlib import say, sql

from .client import PASSWORD, call, creator, manager
from .server import kick_cron

SALESPEOPLE = 30
RULES = 10
BATCH = 50
# The creates measured: routed, and in the routing-off company without an
# owner and naming one (the baseline of routing's targets).
CASES = (("single", "on"), ("single", "off"), ("single", "named"), ("batch", "on"),
         ("batch", "off"))  # fmt: skip
CASE_NAMES = {
    "on": "{kind} create, routing on",
    "off": "{kind} create, routing off, no owner",
    "named": "{kind} create, routing off, naming the owner",
}
SINGLES_PER_BATCH = 10
SLA_MINUTES = 1

# Targets, routing on against routing off in the same run.
P95_RATIO = 1.2
RATE_RATIO = 0.8


def prepare_database(args, odoo_cmd, addons):
    """A fresh database with the addon (no demo), then the load set-up."""
    subprocess.run(["dropdb", "--if-exists", args.db], check=True)
    say(f"Installing crm + crm_lead_routing into {args.db} (no demo) ...")
    subprocess.run(
        [
            *odoo_cmd,
            "-d",
            args.db,
            "--addons-path",
            addons,
            "-i",
            "crm_lead_routing",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level",
            "warn",
        ],
        check=True,
    )
    return configure(args, addons)


def configure(args, addons):
    """Salespeople, calendar, caps, rules, users: committed, ids returned."""
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-d", args.db, "--addons-path", addons, "--log-level", "warn"])
    # Importable once the addons path is set.
    from odoo.addons.crm_lead_routing.routing import strategies

    rnd = random.Random(18)
    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        company = env.company
        company.write({"routing_auto_assign": True, "name": "Load Company"})
        baseline = env["res.company"].create(
            {"name": "Baseline Company (routing off)", "routing_auto_assign": False}
        )
        # Only routing's crons run: others would reach out (lead enrichment
        # calls Odoo's IAP servers) or add unrelated work to the figures.
        routing_crons = env.ref("crm_lead_routing.ir_cron_routing_sla") | env.ref(
            "crm_lead_routing.ir_cron_routing_queue"
        )
        (env["ir.cron"].search([]) - routing_crons).write({"active": False})
        calendar = env["resource.calendar"].create(
            {
                "name": "Around the clock",
                "tz": "UTC",
                "company_id": False,
                "attendance_ids": [(5, 0, 0)]
                + [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 0.0,
                            "hour_to": 24.0,
                            "day_period": "morning",
                        },
                    )
                    for day in range(7)
                ],
            }
        )
        per_person = max(args.leads // SALESPEOPLE, 1)
        daily_cap = max(per_person // 4, 2)
        open_cap = max(per_person // 2, 3)
        salesman = env.ref("sales_team.group_sale_salesman")
        Users = env["res.users"].with_context(no_reset_password=True)
        people = Users.create(
            [
                {
                    "name": f"Seller {i:02d}",
                    "login": f"load_seller_{i}",
                    "email": f"seller{i}@load.example.com",
                    "password": PASSWORD,
                    "tz": "UTC",
                    "groups_id": [(6, 0, salesman.ids)],
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    # A third reach a daily cap during the run; a few an open cap.
                    "routing_max_daily_leads": daily_cap if i < 10 else 0,
                    "routing_max_open_leads": open_cap if 10 <= i < 13 else 0,
                }
                for i in range(SALESPEOPLE)
            ]
        )
        # The routing-off company's salespeople: its "named" creates give
        # each lead one of them, as a company without routing assigns leads
        # (the follower, the "You have been assigned" message), the cost
        # routing's own is measured against.
        people_off = Users.create(
            [
                {
                    "name": f"Baseline Seller {i:02d}",
                    "login": f"load_baseline_seller_{i}",
                    "email": f"baseline{i}@load.example.com",
                    "tz": "UTC",
                    "groups_id": [(6, 0, salesman.ids)],
                    "company_id": baseline.id,
                    "company_ids": [(6, 0, baseline.ids)],
                }
                for i in range(SALESPEOPLE)
            ]
        )
        env["resource.resource"].create(
            [
                {
                    "name": u.name,
                    "user_id": u.id,
                    "calendar_id": calendar.id,
                    "tz": "UTC",
                }
                for u in people
            ]
        )
        integration = Users.create(
            {
                "name": "Website Integration",
                "login": "load_integration",
                # The author of Odoo's "You have been assigned" when it names
                # the salesperson (routing's comes from the system).
                "email": "integration@load.example.com",
                "password": PASSWORD,
                "groups_id": [
                    (6, 0, env.ref("sales_team.group_sale_salesman_all_leads").ids)
                ],
                "company_id": company.id,
                "company_ids": [(6, 0, (company | baseline).ids)],
            }
        )
        manager_user = Users.create(
            {
                "name": "Load Sales Manager",
                "login": "load_manager",
                "password": PASSWORD,
                "groups_id": [(6, 0, env.ref("sales_team.group_sale_manager").ids)],
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
            }
        )
        env["crm.team"].search([]).write({"active": False})
        team = env["crm.team"].create(
            {"name": "Load Team", "use_leads": True, "company_id": company.id}
        )
        team_off = env["crm.team"].create(
            {"name": "Baseline Team", "use_leads": True, "company_id": baseline.id}
        )
        env["crm.team.member"].create(
            [{"crm_team_id": team.id, "user_id": u.id} for u in people]
        )
        skill = env["crm.routing.skill"].create(
            {"name": "Enterprise deals", "category": "product"}
        )
        env["crm.routing.user.skill"].create(
            [
                {"user_id": u.id, "skill_id": skill.id, "level": rnd.randint(1, 5)}
                for u in people[:20]
            ]
        )
        env["crm.routing.rule"].search([]).write({"active": False})
        ids = people.ids
        rules = []
        # Every strategy of the registry, in turn, over all rules but the last.
        every = list(strategies.codes())
        for i in range(RULES - 1):
            strategy = strategies.get(every[i % len(every)])
            start = (i * 7) % SALESPEOPLE
            pool = (ids[start:] + ids[:start])[:12]
            rules.append(
                {
                    "name": f"Rule {i}: {strategy.code.replace('_', ' ')}",
                    "sequence": i + 1,
                    "strategy": strategy.code,
                    "lead_domain": f"[('name', '=like', 'L{i}-%')]",
                    "user_ids": [(6, 0, pool)],
                    "fixed_user_id": pool[0]
                    if strategy.uses_designated_user
                    else False,
                    "required_skill_ids": [(6, 0, skill.ids)]
                    if strategy.uses_skills
                    else [],
                    "fallback": "next_rule",
                    "sla_minutes": SLA_MINUTES,
                    "team_id": team.id,
                    "company_id": company.id,
                }
            )
        rules.append(
            {
                "name": "Everyone else",
                "sequence": 100,
                "strategy": strategies.DEFAULT,
                "lead_domain": "[]",
                "team_id": team.id,
                "fallback": "queue",
                "sla_minutes": SLA_MINUTES,
                "company_id": company.id,
            }
        )
        rule_records = env["crm.routing.rule"].create(rules)
        sla_cron = env.ref("crm_lead_routing.ir_cron_routing_sla")
        queue_cron = env.ref("crm_lead_routing.ir_cron_routing_queue")
        (sla_cron | queue_cron).write(
            {"interval_number": 1, "interval_type": "minutes"}
        )
        cr.commit()
        return {
            "db": args.db,
            "company_on": company.id,
            "company_off": baseline.id,
            "people_off": people_off.ids,
            "team_off": team_off.id,
            "team_on": team.id,
            "integration": integration.id,
            "manager": manager_user.id,
            "rules": rule_records.ids,
            "rule_names": dict(
                zip(rule_records.ids, rule_records.mapped("name"), strict=False)
            ),
            "sla_cron": sla_cron.id,
            "queue_cron": queue_cron.id,
            "daily_cap": daily_cap,
            "open_cap": open_cap,
        }


def run_phase(ctx, server, phase, leads, clients, time_limit, workdir, faults=()):
    """Run the clients of one phase, spread over the servers' URLs
    (``ctx["urls"]``); inject ``faults`` (on ``server``, the first one) at
    fixed shares of the leads created. Returns (records, seconds, notes)."""
    urls = ctx.get("urls") or [ctx["url"]]
    mp = multiprocessing.get_context("spawn")
    deadline = time.time() + time_limit
    stop = mp.Event()
    files, procs = [], []
    shares = [
        leads // clients + (1 if i < leads % clients else 0) for i in range(clients)
    ]
    started = time.time()
    for i, quota in enumerate(shares):
        path = Path(workdir) / f"{phase}-creator-{i}.jsonl"
        files.append(path)
        client_ctx = dict(ctx, url=urls[i % len(urls)])
        procs.append(
            mp.Process(
                target=creator, args=(client_ctx, i, quota, phase, str(path), deadline)
            )
        )
    helpers = []
    for k, role in enumerate(("contact", "route")):
        path = Path(workdir) / f"{phase}-{role}.jsonl"
        files.append(path)
        manager_ctx = dict(ctx["manager_ctx"], url=urls[k % len(urls)])
        helpers.append(
            mp.Process(
                target=manager,
                args=(manager_ctx, 0, role, phase, str(path), stop, deadline),
            )
        )
    notes = []
    try:
        for proc in procs + helpers:
            proc.start()
        pending = list(faults)
        last_kick = 0.0
        while any(p.is_alive() for p in procs) and time.time() < deadline + 5:
            time.sleep(0.25)
            if time.time() - last_kick > 5:
                kick_cron(ctx)
                last_kick = time.time()
            if pending:
                done = sql(
                    ctx["db"],
                    "SELECT count(*) FROM crm_lead WHERE name LIKE %s",
                    [f"L%-{phase}-%"],
                )[0][0]
                while pending and done >= pending[0][0] * leads:
                    _share, fault = pending.pop(0)
                    notes.append(fault(ctx, server))
        for proc in procs:
            proc.join(timeout=max(deadline - time.time(), 0) + 10)
    finally:
        stop.set()
        interrupted = sys.exc_info()[0] is not None
        for proc in procs + helpers:
            proc.join(timeout=0 if interrupted else 15)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
    seconds = time.time() - started
    records = []
    for path in files:
        if path.exists():
            records += [json.loads(line) for line in path.read_text().splitlines()]
    return records, seconds, notes


def warm_up(ctx, rounds=3):
    """Each worker loads the registry on its first request (seconds): load
    it in all of them before anything is measured."""
    mp = multiprocessing.get_context("spawn")
    for _round in range(rounds):
        with mp.Pool(8) as pool:
            pool.starmap(warm_one, [(ctx,)] * 8)


def warm_one(ctx):
    call(ctx, "crm.lead", "search_count", [[]])
    call(ctx, "crm.routing.rule", "search_read", [[]], {"fields": ["name"]})
