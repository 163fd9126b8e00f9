# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the load test checks and prints: latencies and rates against the
baseline, the database against what clients were told, the broken rule, the
final sweep."""

import json
import statistics
import time
from collections import Counter

from benchlib import percentile, say, sql, table

from .client import call
from .scenario import CASE_NAMES, CASES, SALESPEOPLE, SLA_MINUTES
from .server import kick_cron


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
