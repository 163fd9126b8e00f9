# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The faults of the second phase: a worker killed, the database connections cut,
a rule broken in the database."""

import os
import random
import signal

from benchlib import sql


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
