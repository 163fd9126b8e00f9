# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""./dev bench and ./dev loadtest: the benchmarks of tools/ against a prepared database."""

import json

from .common import LOAD_DB, MODULE, ODOO_HINT, ROOT, DevError, run, say
from .odoo import addons_path, find_odoo, find_odoo_python, on_database, require_odoo
from .postgres import ensure_postgres
from .venv import venv_python


def cmd_bench(args):
    py = venv_python()
    say("== Engine micro-benchmark ==")
    rc = run(
        [
            py,
            "-m",
            "routing.bench",
            *(["--leads", str(args.leads)] if args.leads else []),
        ],
        cwd=ROOT,
    ).returncode
    if args.engine_only:
        return rc
    odoo = find_odoo(find_odoo_python() or py)
    if odoo is None:
        say(f"Odoo benchmark: not run (no Odoo 18 found; {ODOO_HINT})")
        return rc
    desc, argv, dirs, _version = odoo
    ensure_postgres()
    db = f"{MODULE}_bench"
    exists = (
        run(["psql", "-d", db, "-tAc", "select 1"], capture_output=True).returncode == 0
    )
    if not exists:
        say(f"== Preparing benchmark database {db} (crm + {MODULE}, no demo) ==")
        res = run(
            on_database(
                argv,
                dirs,
                db,
                "-i",
                MODULE,
                "--without-demo=all",
                "--stop-after-init",
                "--log-level",
                "warn",
            ),
            cwd=ROOT,
        )
        if res.returncode:
            raise DevError("could not prepare the benchmark database")
    else:
        run(
            on_database(
                argv,
                dirs,
                db,
                "-u",
                MODULE,
                "--stop-after-init",
                "--log-level",
                "warn",
            ),
            cwd=ROOT,
        )
    bench_args = ["--db", db, "--addons-path", addons_path(dirs)]
    cases = (
        ("routing at creation vs Odoo's own assignment", "odoo_bench.py", args.leads),
        ("single routed creates, with and without history", "bench_single.py", None),
        ("score recompute", "bench_scores.py", None),
        ("what-if replay", "bench_replay.py", None),
        ("routing analysis pivot", "bench_analysis.py", None),
        ("capacity by hour of the week", "bench_capacity.py", None),
        ("first-contact deadline sweep", "bench_sweep.py", None),
    )
    for title, script, leads in cases:
        say(f"== Odoo benchmark: {title} ({desc}) ==")
        extra = ["--leads", str(leads)] if leads else []
        if args.profile and script == "odoo_bench.py":
            extra.append("--profile")
        rc = (
            run(
                [
                    find_odoo_python() or py,
                    str(ROOT / "tools" / script),
                    *bench_args,
                    *extra,
                ],
                cwd=ROOT,
            ).returncode
            or rc
        )
    if not args.no_loadtest:
        say(f"== Load test: a multi-worker server under many clients ({desc}) ==")
        rc = loadtest(odoo, py, []) or rc
    return rc


def loadtest(odoo, py, extra):
    """tools/loadtest.py against a fresh database and a real prefork server."""
    _desc, argv, dirs, _version = odoo
    ensure_postgres()
    cmd = [
        find_odoo_python() or py,
        str(ROOT / "tools" / "loadtest.py"),
        "--db",
        LOAD_DB,
        "--addons-path",
        addons_path(dirs),
        "--odoo-cmd",
        json.dumps(argv),
        *extra,
    ]
    return run(cmd, cwd=ROOT).returncode


def cmd_loadtest(args):
    odoo = require_odoo()
    extra = [
        "--leads",
        str(args.leads),
        "--clients",
        str(args.clients),
        "--servers",
        str(args.servers),
        "--workers",
        str(args.workers),
    ]
    if args.fault_leads is not None:
        extra += ["--fault-leads", str(args.fault_leads)]
    if args.faults is not None:
        extra += ["--faults", *args.faults]
    if args.time_limit:
        extra += ["--time-limit", str(args.time_limit)]
    return loadtest(odoo, venv_python(), extra)
