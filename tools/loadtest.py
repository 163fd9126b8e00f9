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
clients are stopped on every exit path. The parts live in ``tools/load/``:
client, server, scenario, faults, checks.
"""

import argparse
import json
import signal
import sys
import tempfile
from pathlib import Path

from benchlib import say, table
from load.checks import (
    broken_rule_report,
    check_database,
    final_sweep,
    fmt,
    report_phase,
    request_errors,
    single_rate,
)
from load.client import PASSWORD, rpc
from load.faults import FAULTS
from load.scenario import (
    BATCH,
    P95_RATIO,
    RATE_RATIO,
    RULES,
    SALESPEOPLE,
    SLA_MINUTES,
    prepare_database,
    run_phase,
    warm_up,
)
from load.server import Server


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
