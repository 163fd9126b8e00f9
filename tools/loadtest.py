#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Load test: a real multi-worker Odoo server taking leads from many clients.

Run through ``./dev loadtest`` (and ``./dev bench``). It

1. creates a fresh database (no demo) with the addon, 30 salespeople working
   around the clock, 10 rules of every strategy, daily caps low enough that a
   third of the people reach theirs, a one-minute first-contact deadline, an
   integration user and a sales manager; a second company with routing off
   takes the baseline creates of the same run;
2. starts ``--servers`` Odoo servers on that one database (default 1), each
   with ``--workers`` HTTP workers (default 4) and one cron thread, on
   127.0.0.1 (free ports, loopback only), as several Odoo servers behind a
   load balancer share one PostgreSQL;
3. runs ``--clients`` processes, spread over the servers, creating leads
   through JSON-RPC
   ``crm.lead.create`` (single leads and batches of 50) as the integration
   user, while a manager marks leads contacted and runs *Route now*, and the
   deadline cron is woken every few seconds;
4. runs a second, shorter phase with faults: one HTTP worker killed with
   SIGKILL, the workers' PostgreSQL backends terminated, a rule's filter made
   invalid in the database (a field that no longer exists);
5. checks the database against what clients were told and prints a table.

Every loop is bounded (lead count and ``--time-limit``); the server and the
clients are stopped on every exit path.
"""

import argparse
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

HOST = "127.0.0.1"
PASSWORD = "load-test"  # noqa: S105 - throwaway users of a throwaway database
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
REQUEST_TIMEOUT = 300
# Targets, routing on against routing off in the same run.
P95_RATIO = 1.2
RATE_RATIO = 0.8


# --------------------------------------------------------------------------- rpc
class RpcError(Exception):
    """An error Odoo returned (the request reached it and failed)."""


def rpc(url, service, method, *args):
    """One JSON-RPC call to ``url`` (always the loopback server)."""
    assert url.startswith(f"http://{HOST}:"), url
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": random.randint(1, 1 << 30),
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/jsonrpc", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
        data = json.load(response)
    if data.get("error"):
        err = data["error"].get("data") or {}
        name = err.get("name") or data["error"].get("message")
        message = (err.get("message") or "").strip().splitlines()
        raise RpcError(f"{name}: {message[0] if message else ''}")
    return data["result"]


def call(ctx, model, method, args, kwargs=None):
    return rpc(
        ctx["url"],
        "object",
        "execute_kw",
        ctx["db"],
        ctx["uid"],
        PASSWORD,
        model,
        method,
        args,
        kwargs or {},
    )


def error_text(exc):
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"connection: {exc.reason}"
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0] if text else ''}"[:200]


# --------------------------------------------------------------------------- clients
def creator(ctx, index, quota, phase, out_path, deadline):
    """Create ``quota`` routed leads (batches of 50 and single leads), plus
    baseline creates in the routing-off company; one JSON line per request."""
    rnd = random.Random(f"{phase}-{index}")
    seq = 0
    company_on, company_off = ctx["company_on"], ctx["company_off"]
    allowed = {"allowed_company_ids": [company_on, company_off]}

    def values(company, count, named=False):
        nonlocal seq
        out = []
        for _i in range(count):
            seq += 1
            vals = {
                "name": f"L{rnd.randrange(RULES)}-{phase}-c{index}-{seq}",
                "type": "lead",
                "company_id": company,
                "email_from": f"buyer{seq}@acct{rnd.randrange(150)}.example.com",
                "expected_revenue": rnd.choice((500, 5000, 20000, 80000)),
            }
            # The integration's own team in each company (Odoo's default
            # team would be any team the user sees, of either company).
            vals["team_id"] = ctx["team_off" if company == company_off else "team_on"]
            if named:
                vals["user_id"] = ctx["people_off"][seq % len(ctx["people_off"])]
            out.append(vals)
        return out

    created = 0
    with open(out_path, "w", encoding="utf-8") as out:
        cycle = 0
        while created < quota and time.time() < deadline:
            plan = [("batch", "on", min(BATCH, quota - created))]
            plan += [("single", "on", 1)] * SINGLES_PER_BATCH
            plan += [("single", "off", 1), ("single", "named", 1)] * 2
            if cycle % 3 == 0:
                plan.append(("batch", "off", BATCH))
            rnd.shuffle(plan)
            cycle += 1
            for kind, routing, count in plan:
                if routing == "on":
                    count = min(count, quota - created)
                    if count <= 0:
                        continue
                if time.time() >= deadline:
                    break
                vals = values(
                    company_on if routing == "on" else company_off,
                    count,
                    named=routing == "named",
                )
                record = {
                    "client": index,
                    "phase": phase,
                    "kind": kind,
                    "routing": routing,
                    "n": count,
                    "names": [v["name"] for v in vals],
                    "t0": time.time(),
                }
                started = time.perf_counter()
                try:
                    ids = call(ctx, "crm.lead", "create", [vals], {"context": allowed})
                    record["ids"] = ids if isinstance(ids, list) else [ids]
                except Exception as exc:  # noqa: BLE001 - recorded, reported
                    record["error"] = error_text(exc)
                record["dt"] = time.perf_counter() - started
                if routing == "on":
                    created += count
                out.write(json.dumps(record) + "\n")
                out.flush()


def manager(ctx, index, role, phase, out_path, stop, deadline):
    """The sales manager's clicks: Mark as contacted, or Route now."""
    rnd = random.Random(f"{role}-{phase}-{index}")
    with open(out_path, "w", encoding="utf-8") as out:
        while not stop.is_set() and time.time() < deadline:
            record = {"client": f"{role}{index}", "phase": phase, "kind": role}
            started = time.perf_counter()
            record["t0"] = time.time()
            try:
                domain = [("company_id", "=", ctx["company_on"])]
                if role == "contact":
                    domain += [
                        ("routing_state", "=", "assigned"),
                        ("routing_first_touch_at", "=", False),
                    ]
                ids = call(
                    ctx,
                    "crm.lead",
                    "search",
                    [domain],
                    {"limit": 100, "order": "id desc"},
                )
                pick = rnd.sample(ids, min(len(ids), 5 if role == "contact" else 2))
                record["ids"] = pick
                if pick:
                    method = (
                        "action_routing_mark_contacted"
                        if role == "contact"
                        else "action_route"
                    )
                    call(ctx, "crm.lead", method, [pick])
            except Exception as exc:  # noqa: BLE001 - recorded, reported
                record["error"] = error_text(exc)
            record["dt"] = time.perf_counter() - started
            out.write(json.dumps(record) + "\n")
            out.flush()
            stop.wait(0.3 + rnd.random() * 0.4)


# --------------------------------------------------------------------------- set-up
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


# --------------------------------------------------------------------------- server
def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """Odoo in prefork mode; stopped (the whole process group) on every exit."""

    def __init__(self, odoo_cmd, addons, db, workdir, workers=4):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        Path(workdir).mkdir(parents=True, exist_ok=True)
        self.log = Path(workdir) / "odoo.log"
        cmd = [
            *self.launcher(odoo_cmd, workdir),
            "-d",
            db,
            "--db-filter",
            f"^{db}$",
            "--addons-path",
            addons,
            "--http-interface",
            HOST,
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(free_port()),
            "--workers",
            str(workers),
            "--max-cron-threads",
            "1",
            "--limit-time-real",
            str(REQUEST_TIMEOUT),
            "--limit-time-cpu",
            str(REQUEST_TIMEOUT),
            "--no-database-list",
            "--logfile",
            str(self.log),
            "--log-level",
            "info",
        ]
        env = dict(os.environ)
        if len(odoo_cmd) == 2:  # a source tree's odoo-bin: make odoo importable
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(Path(odoo_cmd[1]).parent), env.get("PYTHONPATH")])
            )
        self.proc = subprocess.Popen(cmd, start_new_session=True, env=env)  # noqa: S603

    @staticmethod
    def launcher(odoo_cmd, workdir):
        """Odoo's master starts its long-polling server as ``python argv[0]
        gevent ...`` and starts it again whenever it exits. The load test
        needs none (no browser): Odoo is started from a small script whose
        ``gevent`` process only waits to be stopped with the others."""
        script = Path(workdir) / "odoo-bin"
        script.write_text(
            "import signal, sys\n"
            "if sys.argv[1:2] == ['gevent']:\n"
            "    signal.pause()\n"
            "    sys.exit(0)\n"
            "import odoo.cli\n"
            "odoo.cli.main()\n"
        )
        return [odoo_cmd[0], str(script)]

    def wait_ready(self, seconds=90):
        end = time.time() + seconds
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"Odoo exited with {self.proc.returncode}; see {self.log}"
                )
            try:
                rpc(self.url, "common", "version")
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        raise RuntimeError(f"Odoo did not answer within {seconds} s; see {self.log}")

    def http_workers(self):
        """Pids of the live HTTP workers (children of the master, as logged)."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields_ = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields_[1]) == self.proc.pid:
                children.add(int(stat.parent.name))
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        http = set()
        for line in text.splitlines():
            if "Worker WorkerHTTP (" in line:
                http.add(int(line.split("Worker WorkerHTTP (")[1].split(")")[0]))
        return sorted(children & http) or sorted(children)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


# --------------------------------------------------------------------------- database
def sql(db, query, params=None):
    import psycopg2

    with psycopg2.connect(dbname=db) as cnx, cnx.cursor() as cr:
        cr.execute(query, params)
        rows = cr.fetchall() if cr.description else []
    cnx.close()
    return rows


def kick_cron(ctx):
    """Wake the deadline and queue crons now (the cron worker LISTENs)."""
    sql(
        ctx["db"],
        "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' WHERE id = ANY(%s);"
        "NOTIFY cron_trigger, %s",
        [[ctx["sla_cron"], ctx["queue_cron"]], ctx["db"]],
    )


# --------------------------------------------------------------------------- phases
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


def fault_kill_worker(ctx, server):
    pids = server.http_workers()
    if not pids:
        return "kill a worker: no HTTP worker found"
    pid = random.Random(1).choice(pids)
    os.kill(pid, signal.SIGKILL)
    return f"SIGKILL to HTTP worker {pid} (of {len(pids)})"


def fault_terminate_backends(ctx, server):
    rows = sql(
        ctx["db"],
        """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = %s AND pid <> pg_backend_pid()""",
        [ctx["db"]],
    )
    return f"pg_terminate_backend: {sum(1 for (ok,) in rows if ok)} backends of the workers"


def fault_break_rule(ctx, server):
    rule_id = ctx["rules"][1]
    ctx["broken_rule"] = rule_id
    ctx["broken_at"] = sql(ctx["db"], "SELECT now() AT TIME ZONE 'UTC'")[0][0]
    sql(
        ctx["db"],
        "UPDATE crm_routing_rule SET lead_domain = %s WHERE id = %s",
        ["[('x_gone_priority', '=', 'high')]", rule_id],
    )
    return (
        f"rule “{ctx['rule_names'][rule_id]}” given a filter on a field that does "
        "not exist (x_gone_priority), in the database"
    )


FAULTS = {
    "kill-worker": (0.2, fault_kill_worker),
    "terminate-backends": (0.45, fault_terminate_backends),
    "break-rule": (0.6, fault_break_rule),
}


# --------------------------------------------------------------------------- checks
def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def latency_rows(records, seconds):
    rows = []
    for kind, routing in CASES:
        ok = [
            r
            for r in records
            if r["kind"] == kind and r["routing"] == routing and "error" not in r
        ]
        per_lead = [r["dt"] * 1000 / r["n"] for r in ok]
        per_request = [r["dt"] * 1000 for r in ok]
        rows.append(
            {
                "case": CASE_NAMES[routing].format(kind=kind),
                "kind": kind,
                "routing": routing,
                "requests": len(ok),
                "leads": sum(r["n"] for r in ok),
                "median_ms": statistics.median(per_request) if ok else float("nan"),
                "p95_ms": percentile(per_request, 0.95),
                "median_ms_lead": statistics.median(per_lead) if ok else float("nan"),
            }
        )
    created = sum(
        r["n"] for r in records if r["kind"] in ("single", "batch") and "error" not in r
    )
    return rows, created / seconds if seconds else 0.0


def single_rate(records, routing):
    """Single creates per second one client gets done, routing on or off:
    the inverse of their mean latency in phase 1."""
    times = [
        r["dt"]
        for r in records
        if r["kind"] == "single" and r["routing"] == routing and "error" not in r
    ]
    return len(times) / sum(times) if times else 0.0


def replay_caps(db):
    """Replay the routing log in decision order; the worst count each capped
    person ever reached, against their caps (open leads, leads per day)."""
    caps = {
        uid: (max_open, max_daily)
        for uid, max_open, max_daily in sql(
            db,
            """SELECT id, routing_max_open_leads, routing_max_daily_leads
                 FROM res_users WHERE routing_max_open_leads > 0
                    OR routing_max_daily_leads > 0""",
        )
    }
    logs = sql(
        db,
        """SELECT id, lead_id, user_id, event, create_date::date
             FROM crm_routing_log ORDER BY id""",
    )
    closed = {
        lead_id
        for (lead_id,) in sql(
            db, "SELECT id FROM crm_lead WHERE COALESCE(probability, 0) >= 100"
        )
    }
    owner, open_count = {}, Counter()
    daily = Counter()
    worst, over = {}, []
    for log_id, lead_id, user_id, event, day in logs:
        if event not in ("assign", "reassign", "queue", "unroutable"):
            continue
        old = owner.pop(lead_id, None)
        if old:
            open_count[old[0]] -= 1
            daily[old] -= 1
        if event in ("assign", "reassign") and user_id:
            owner[lead_id] = (user_id, day)
            if lead_id not in closed:
                open_count[user_id] += 1
            daily[(user_id, day)] += 1
            if user_id in caps:
                max_open, max_daily = caps[user_id]
                now_open, now_daily = open_count[user_id], daily[(user_id, day)]
                prev = worst.get(user_id, (0, 0))
                worst[user_id] = (max(prev[0], now_open), max(prev[1], now_daily))
                if (max_open and now_open > max_open) or (
                    max_daily and now_daily > max_daily
                ):
                    over.append((log_id, user_id, now_open, now_daily))
    reached = sum(
        1 for uid, (mo, md) in caps.items() if md and worst.get(uid, (0, 0))[1] >= md
    )
    return caps, worst, over, reached


def check_database(ctx, records):
    db = ctx["db"]
    results = []

    def check(name, ok, detail):
        results.append((name, "ok" if ok else "FAILED", detail))

    creates = [r for r in records if r["kind"] in ("single", "batch")]
    told = {i for r in creates if "error" not in r for i in r["ids"]}
    existing = {
        i
        for (i,) in sql(
            db, "SELECT id FROM crm_lead WHERE id = ANY(%s)", [sorted(told)]
        )
    }
    check(
        "every lead a client was told about exists",
        told <= existing,
        f"{len(existing)} of {len(told)} found",
    )
    failed_names = [n for r in creates if "error" in r for n in r["names"]]
    ghosts = sql(
        db,
        """SELECT l.id, l.company_id, l.routing_state,
                  (SELECT count(*) FROM crm_routing_log g WHERE g.lead_id = l.id)
             FROM crm_lead l WHERE l.name = ANY(%s)""",
        [failed_names],
    )
    half = [g for g in ghosts if g[1] == ctx["company_on"] and (not g[3] or not g[2])]
    check(
        "a failed create left nothing half-done",
        not half,
        f"{len(failed_names)} leads in failed requests: {len(ghosts)} exist anyway "
        f"(committed before the error reached the client), {len(half)} of them "
        "without a routing decision",
    )
    caps, worst, over, reached = replay_caps(db)
    top = max((w[1] for u, w in worst.items() if caps[u][1]), default=0)
    check(
        "no salesperson over a cap, at any time (log replayed in order)",
        not over,
        f"{len(over)} over; {reached} of {SALESPEOPLE} people reached their daily cap "
        f"of {ctx['daily_cap']} (largest daily count of a capped person {top}); "
        f"open cap {ctx['open_cap']}: largest {max((w[0] for u, w in worst.items() if caps[u][0]), default=0)}",
    )
    rows = sql(
        db,
        """SELECT l.id, l.user_id, l.routing_state, COALESCE(l.routing_reassign_count, 0),
                  last.user_id, last.event, COALESCE(n.decisions, 0),
                  COALESCE(n.reassigns, 0)
             FROM crm_lead l
             LEFT JOIN LATERAL (
                  SELECT g.user_id, g.event FROM crm_routing_log g
                   WHERE g.lead_id = l.id AND g.event != 'escalate'
                ORDER BY g.id DESC LIMIT 1) last ON TRUE
             LEFT JOIN LATERAL (
                  SELECT count(*) AS decisions,
                         count(*) FILTER (WHERE g.event = 'reassign') AS reassigns
                    FROM crm_routing_log g WHERE g.lead_id = l.id) n ON TRUE
            WHERE l.company_id = %s""",
        [ctx["company_on"]],
    )
    no_log = [r for r in rows if not r[6]]
    mismatch = []
    for lead_id, user_id, state, count, last_user, last_event, _n, reassigns in rows:
        if not last_event:
            continue
        if last_event in ("assign", "reassign"):
            bad = user_id != last_user or state not in ("assigned", "escalated")
        else:
            bad = bool(user_id) or state != {"queue": "queued"}.get(
                last_event, last_event
            )
        if bad or count != reassigns:
            mismatch.append(lead_id)
    states = Counter(r[2] or "none" for r in rows)
    check(
        "every routed lead: one owner, the one its last log line names",
        not mismatch,
        f"{len(rows)} leads: "
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        + f"; {len(mismatch)} disagree with their log",
    )
    check(
        "a log line per decision (no routed lead without one)",
        not no_log,
        f"{len(no_log)} leads without a log line; "
        f"{sum(r[6] for r in rows)} log lines",
    )
    dupes = sql(
        db,
        """SELECT lead_id, previous_user_id, count(*) FROM crm_routing_log
            WHERE event = 'reassign' GROUP BY 1, 2 HAVING count(*) > 1""",
    )
    early = sql(
        db,
        """SELECT count(*) FROM crm_routing_log g
             JOIN LATERAL (SELECT p.create_date FROM crm_routing_log p
                            WHERE p.lead_id = g.lead_id AND p.id < g.id
                              AND p.event IN ('assign', 'reassign')
                         ORDER BY p.id DESC LIMIT 1) prev ON TRUE
            WHERE g.event = 'reassign'
              AND g.create_date < prev.create_date + %s * interval '1 minute'
                                  - interval '5 seconds'""",
        [SLA_MINUTES],
    )[0][0]
    sweeps = sql(
        db,
        "SELECT count(*), count(DISTINCT lead_id) FROM crm_routing_log WHERE event = 'reassign'",
    )[0]
    check(
        "no lead reassigned twice for one missed deadline",
        not dupes and not early,
        f"{sweeps[0]} reassignments of {sweeps[1]} leads by the deadline cron; "
        f"{len(dupes)} taken twice from the same person, {early} before the deadline",
    )
    return results


def request_errors(records):
    errors = Counter()
    for r in records:
        if "error" in r:
            errors[(r["phase"], r["kind"], r["error"])] += 1
    return errors


# --------------------------------------------------------------------------- report
def say(msg):
    print(msg, flush=True)


def table(headers, rows):
    widths = [
        max(len(str(h)), *(len(str(row[i])) for row in rows)) if rows else len(str(h))
        for i, h in enumerate(headers)
    ]
    line = (
        "| "
        + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False))
        + " |"
    )
    out = [line, "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in rows:
        out.append(
            "| "
            + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False))
            + " |"
        )
    return "\n".join(out)


def fmt(value):
    return "-" if value != value else f"{value:.0f}"  # NaN


def report_phase(title, records, seconds, notes):
    say(f"\n### {title}\n")
    rows, throughput = latency_rows(records, seconds)
    ok = sum(1 for r in records if "error" not in r)
    errors = sum(1 for r in records if "error" in r)
    say(
        f"{len(records)} requests in {seconds:.0f} s ({ok} ok, {errors} failed); "
        f"{throughput:.1f} leads created per second"
    )
    say(
        table(
            ["case", "requests", "leads", "median ms", "p95 ms", "median ms/lead"],
            [
                [
                    r["case"],
                    r["requests"],
                    r["leads"],
                    fmt(r["median_ms"]),
                    fmt(r["p95_ms"]),
                    f"{r['median_ms_lead']:.1f}",
                ]
                for r in rows
            ],
        )
    )
    helper = Counter(
        (r["kind"], "failed" if "error" in r else "ok")
        for r in records
        if r["kind"] in ("contact", "route")
    )
    say(
        f"\nManager: {helper[('contact', 'ok')]} Mark as contacted "
        f"({helper[('contact', 'failed')]} failed), {helper[('route', 'ok')]} Route now "
        f"({helper[('route', 'failed')]} failed)"
    )
    for note in notes:
        say(f"Fault: {note}")
    return rows


def broken_rule_report(ctx):
    """What the skipped rule did to routing, and what a manager reads."""
    rule_id = ctx.get("broken_rule")
    if not rule_id:
        return []
    after = sql(
        ctx["db"],
        """SELECT l.routing_state, count(*) FROM crm_lead l
            WHERE l.company_id = %s AND l.create_date > %s AND l.name LIKE 'L1-%%'
            GROUP BY 1""",
        [ctx["company_on"], ctx["broken_at"]],
    )
    logs = sql(
        ctx["db"],
        """SELECT id FROM crm_routing_log
            WHERE details -> 'tried' @> %s::jsonb ORDER BY id DESC LIMIT 1""",
        [json.dumps([{"rule_id": rule_id, "outcome": "broken_filter"}])],
    )
    states = dict(after)
    lines = [
        (
            "a broken rule is skipped, the others route",
            "ok"
            if logs and states.get("assigned", 0) and not states.get("unroutable")
            else "FAILED",
            "leads of the broken rule's filter created after it broke: "
            + (", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none"),
        )
    ]
    manager = ctx["manager_ctx"]
    if logs:
        reason = call(manager, "crm.routing.log", "read", [[logs[0][0]], ["reason"]])
        ctx["broken_reason"] = reason[0]["reason"]
    problem = call(manager, "crm.routing.rule", "read", [[rule_id], ["filter_problem"]])
    ctx["broken_problem"] = problem[0]["filter_problem"]
    return lines


def final_sweep(ctx, seconds=240):
    """Wake the deadline cron until every deadline of the run has passed and
    it left no lead overdue (bounded)."""
    end = time.time() + seconds
    last_deadline = time.time() + SLA_MINUTES * 60 + 10
    left = None
    while time.time() < end:
        kick_cron(ctx)
        time.sleep(5)
        if time.time() < last_deadline:
            continue
        left = sql(
            ctx["db"],
            """SELECT count(*) FROM crm_lead
                WHERE routing_state = 'assigned' AND routing_first_touch_at IS NULL
                  AND routing_deadline < (now() AT TIME ZONE 'UTC') - interval '20 seconds'
                  AND active AND COALESCE(probability, 0) < 100""",
        )[0][0]
        if not left:
            break
    return left


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="crm_lead_routing_load")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument(
        "--odoo-cmd", required=True, help="JSON list: the command that starts Odoo"
    )
    parser.add_argument(
        "--leads", type=int, default=5000, help="routed leads (phase 1)"
    )
    parser.add_argument("--clients", type=int, default=8, help="creating clients")
    parser.add_argument(
        "--servers", type=int, default=1, help="Odoo servers on the one database"
    )
    parser.add_argument(
        "--workers", type=int, default=4, help="HTTP workers of each server"
    )
    parser.add_argument(
        "--fault-leads",
        type=int,
        help="routed leads of the fault phase (default: a fifth of --leads; 0: no faults)",
    )
    parser.add_argument(
        "--faults",
        nargs="*",
        default=list(FAULTS),
        choices=list(FAULTS),
        help="faults of the second phase (default: all)",
    )
    parser.add_argument(
        "--time-limit", type=int, default=1200, help="seconds per phase"
    )
    args = parser.parse_args()
    odoo_cmd = json.loads(args.odoo_cmd)
    fault_leads = args.leads // 5 if args.fault_leads is None else args.fault_leads

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    workdir = tempfile.mkdtemp(prefix="crm_routing_load_")
    servers = []
    try:
        ctx = prepare_database(args, odoo_cmd, args.addons_path)
        for k in range(max(args.servers, 1)):
            servers.append(
                Server(
                    odoo_cmd,
                    args.addons_path,
                    args.db,
                    Path(workdir) / f"server-{k + 1}",
                    workers=args.workers,
                )
            )
            say(
                f"Odoo server {k + 1}: --workers={args.workers} --max-cron-threads=1 "
                f"on {servers[-1].url} (log {servers[-1].log})"
            )
        for server in servers:
            server.wait_ready()
        server = servers[0]
        ctx["url"] = server.url
        ctx["urls"] = [each.url for each in servers]
        ctx["uid"] = rpc(
            server.url, "common", "login", args.db, "load_integration", PASSWORD
        )
        ctx["manager_ctx"] = dict(
            ctx,
            uid=rpc(server.url, "common", "login", args.db, "load_manager", PASSWORD),
        )
        warm_up(ctx)
        say(
            f"{args.clients} clients create {args.leads} routed leads (batches of "
            f"{BATCH} and single leads) plus baseline leads in the routing-off company; "
            "a manager marks leads contacted and runs Route now"
        )
        records, seconds, _notes = run_phase(
            ctx, server, "A", args.leads, args.clients, args.time_limit, workdir
        )
        fault_records, fault_seconds, notes = [], 0.0, []
        if fault_leads:
            faults = [FAULTS[name] for name in args.faults]
            say(f"Fault phase: {fault_leads} leads with {', '.join(args.faults)}")
            fault_records, fault_seconds, notes = run_phase(
                ctx,
                server,
                "F",
                fault_leads,
                args.clients,
                args.time_limit,
                workdir,
                faults=sorted(faults, key=lambda f: f[0]),
            )
        say("Letting the deadline cron finish ...")
        left = final_sweep(ctx)
        broken = broken_rule_report(ctx)
        say(
            f"\n## Load test: {args.clients} clients on {len(servers)} server(s) of "
            f"{args.workers} workers, {SALESPEOPLE} salespeople, "
            f"{RULES} rules, first-contact deadline {SLA_MINUTES} min"
        )
        rows = report_phase(
            f"Phase 1: {args.leads} routed leads, no faults", records, seconds, []
        )
        if fault_leads:
            report_phase(
                f"Phase 2: {fault_leads} routed leads with faults",
                fault_records,
                fault_seconds,
                notes,
            )
        checks = check_database(ctx, records + fault_records)
        checks += broken
        clean_errors = request_errors(records)
        checks.append(
            (
                "no client-visible failure without faults (phase 1)",
                "ok" if not clean_errors else "FAILED",
                f"{sum(clean_errors.values())} failed requests",
            )
        )
        single_on, single_off = (
            next(r for r in rows if (r["kind"], r["routing"]) == ("single", routing))
            for routing in ("on", "named")
        )
        ratio = (
            single_on["p95_ms"] / single_off["p95_ms"] if single_off["requests"] else 0
        )
        checks.append(
            (
                f"p95 of a routed single create within {P95_RATIO}x routing off "
                "(naming the owner)",
                "ok" if ratio <= P95_RATIO else "MISSED",
                f"{fmt(single_on['p95_ms'])} ms vs {fmt(single_off['p95_ms'])} ms "
                f"({ratio:.2f}x)",
            )
        )
        rate_on, rate_off = single_rate(records, "on"), single_rate(records, "named")
        rate = rate_on / rate_off if rate_off else 0
        checks.append(
            (
                f"routed single creates per second at least {RATE_RATIO}x routing off "
                "(naming the owner)",
                "ok" if rate >= RATE_RATIO else "MISSED",
                f"{rate_on:.2f} vs {rate_off:.2f} creates per second and client "
                f"({rate:.2f}x)",
            )
        )
        checks.append(
            (
                "the next sweeps pick up what was left",
                "ok" if not left else "FAILED",
                f"{left} leads still overdue after the final sweeps",
            )
        )
        say("\n### Checks\n")
        say(table(["check", "result", "detail"], checks))
        errors = request_errors(records + fault_records)
        if errors:
            say("\n### Failed requests\n")
            say(
                table(
                    ["phase", "request", "count", "error"],
                    [
                        ["1" if p == "A" else "2 (faults)", k, n, e]
                        for (p, k, e), n in sorted(errors.items())
                    ],
                )
            )
        if ctx.get("broken_reason"):
            say(
                f"\nLog line of a lead the broken rule would have taken:\n  {ctx['broken_reason']}"
            )
        if ctx.get("broken_problem"):
            say(f"The rule's form and list say:\n  {ctx['broken_problem']}")
        return 0 if all(c[1] == "ok" for c in checks) else 1
    finally:
        for server in servers:
            server.stop()
            say(f"Odoo stopped (log kept in {server.log})")


if __name__ == "__main__":
    sys.exit(main())
