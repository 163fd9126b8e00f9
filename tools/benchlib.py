# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the Odoo benchmarks share: arguments, the database, bench salespeople.

Each benchmark works in one transaction that it rolls back, so the benchmark
database is left as it was, then vacuums it (see :func:`bench_cursor`).
"""

import argparse
import time
from contextlib import contextmanager
from types import SimpleNamespace

# Odoo and psycopg2 are imported where used: the load test's client processes
# import this module for its printing helpers and need neither.


def verdict(missed, args):
    """Print each target ``missed`` and return the benchmark's exit code: 1
    when one was missed, unless the run said ``--no-check``."""
    for msg in missed:
        print(f"TARGET MISSED: {msg}")
    return 1 if missed and not args.no_check else 0


def parse_args(doc, flags=(), **defaults):
    """--db, --addons-path, --no-check, one ``--name N`` per default and one
    ``--flag`` (store true) per name of ``flags``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    for name, value in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=value)
    parser.add_argument("--no-check", action="store_true")
    for name in flags:
        parser.add_argument(f"--{name.replace('_', '-')}", action="store_true")
    return parser.parse_args()


def open_registry(args):
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-d", args.db, "--addons-path", args.addons_path, "--log-level", "warn"]
    )
    return Registry(args.db)


@contextmanager
def bench_cursor(args):
    """The benchmark's one transaction, rolled back at the end; then a VACUUM.

    A rolled-back insert leaves its rows dead in the table: the benchmarks
    had left ``crm_lead`` 400 MB of them, which every later benchmark (and
    every later run) scanned. VACUUM gives those pages back, so each
    benchmark starts from the database as it was.
    """
    with open_registry(args).cursor() as cr:
        try:
            yield cr
        finally:
            cr.rollback()
    vacuum(args.db)


def vacuum(db):
    """Forget what rolled-back routings left behind (their claims, the
    rotation memory of rules that were never committed), then VACUUM ANALYZE
    ``db`` (outside any transaction): a company's database is autovacuumed
    and has statistics, which the planner's choices depend on."""
    import psycopg2

    from odoo.sql_db import connection_info_for

    _db, dsn = connection_info_for(db)
    cnx = psycopg2.connect(**dsn)
    try:
        cnx.autocommit = True
        with cnx.cursor() as cur:
            cur.execute(
                "DELETE FROM crm_routing_claim"
                " WHERE pg_visible_in_snapshot(xid, pg_current_snapshot())"
            )
            cur.execute(
                "DELETE FROM crm_routing_rotation"
                " WHERE rule_id NOT IN (SELECT id FROM crm_routing_rule)"
            )
            cur.execute("VACUUM ANALYZE")
    finally:
        cnx.close()


def superuser_env(cr, **context):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, context)


def create_salespeople(env, count, prefix, **extra):
    """``count`` internal salespeople; ``extra`` values may be callables of i."""
    group = env.ref("sales_team.group_sale_salesman")
    return (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True)
        .create(
            [
                {
                    "name": f"{prefix.title()} Bench Seller {i}",
                    "login": f"{prefix}_bench_seller_{i}",
                    "email": f"{prefix}_bench_{i}@example.com",
                    "groups_id": [(6, 0, group.ids)],
                    **{k: v(i) if callable(v) else v for k, v in extra.items()},
                }
                for i in range(count)
            ]
        )
    )


def give_working_hours(
    env, users, zones, spans, days=(0, 1, 2, 3, 4, 5, 6), name="Bench hours"
):
    """One calendar per time zone of ``zones`` with the ``spans`` ``(from,
    to, day period)`` on each of ``days``; ``users`` dealt over the zones
    round robin, each with a resource on their zone's calendar. Returns the
    resources."""
    resources = env["resource.resource"]
    for k, tz in enumerate(zones):
        calendar = env["resource.calendar"].create(
            {
                "name": f"{name} {tz}",
                "tz": tz,
                "attendance_ids": [(5, 0, 0)]
                + [
                    (
                        0,
                        0,
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": end,
                            "day_period": period,
                        },
                    )
                    for day in days
                    for start, end, period in spans
                ],
            }
        )
        group = users[k :: len(zones)]
        group.write({"tz": tz})
        resources |= env["resource.resource"].create(
            [
                {"name": u.name, "user_id": u.id, "calendar_id": calendar.id, "tz": tz}
                for u in group
            ]
        )
    return resources


# ------------------------------------------------------------ measuring, printing
@contextmanager
def measured(env):
    """Time the block and count its queries, pending writes flushed before and
    after (so they count where they are made): ``with measured(env) as m: ...``
    then ``m.seconds``, ``m.queries``."""
    env.flush_all()
    result = SimpleNamespace(seconds=0.0, queries=0)
    queries0, t0 = env.cr.sql_log_count, time.perf_counter()
    yield result
    env.flush_all()
    result.seconds = time.perf_counter() - t0
    result.queries = env.cr.sql_log_count - queries0


def sql(db, query, params=None):
    """Rows of one statement on ``db``, outside Odoo (a connection of its own)."""
    import psycopg2

    with psycopg2.connect(dbname=db) as cnx, cnx.cursor() as cr:
        cr.execute(query, params)
        rows = cr.fetchall() if cr.description else []
    cnx.close()
    return rows


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


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
