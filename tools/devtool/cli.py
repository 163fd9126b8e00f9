# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Developer entry point for crm_lead_routing.

    ./dev test [--require-odoo] [--keep-db] [--odoo-tags TAGS] [--no-browser]
    ./dev run [--db NAME] [--port 8069]
    ./dev pytest [--db NAME] [PYTEST ARGS ...]
    ./dev pot [--db NAME]
    ./dev package [--outdir DIR]
    ./dev bench [--engine-only] [--leads N] [--no-loadtest] [--profile]
    ./dev loadtest [--leads N] [--clients N] [--fault-leads N] [--faults ...]
    ./dev lint [--fix] [--only CHECK ...]

Every command takes --odoo-python PYTHON (or ODOO_PYTHON=PYTHON): the interpreter
that imports Odoo 18, e.g. the python of the virtualenv Odoo was installed into.

Why one script: a newcomer (and CI) runs two commands from README.md and gets the
same environment every time.  Odoo itself is *found*, never vendored: ``ODOO_SRC``
(an Odoo 18.0 source tree) wins, else an importable ``odoo`` package.  Where no
Odoo exists the engine tests and static checks still run and the Odoo tests are
reported as *not run*, never as passed."""

import argparse
import os
import sys

from .bench import cmd_bench, cmd_loadtest
from .common import KEPT_DB, LOAD_DB, MODULE, POT_DB, STATE, DevError
from .lint import LINT_CHECKS, cmd_lint
from .package import cmd_package
from .serve import cmd_run
from .testing import cmd_pytest, cmd_test
from .translations import cmd_pot


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--odoo-python",
        metavar="PYTHON",
        help="the python that imports Odoo 18, e.g. the bin/python of the virtualenv Odoo"
        " was installed into (default: $ODOO_PYTHON, else the first of this python,"
        " python3 on PATH and pyenv's 3.11 that imports it; $ODOO_SRC, a source tree,"
        " wins over both)",
    )
    db_help = (
        "the kept database (default %(default)s); the addon is installed with crm"
        " and demo data, and updated only when its files changed"
    )
    parser = argparse.ArgumentParser(
        prog="./dev",
        description=__doc__.split("\n\n")[0],
        epilog="Each command has its own --help, e.g. ./dev test --help.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help_text, description=None, **kw):
        return sub.add_parser(
            name,
            help=help_text,
            description=description or help_text,
            parents=[common],
            allow_abbrev=False,
            **kw,
        )

    t = command(
        "test",
        "engine tests, static checks, the wheel, Odoo tests",
        "Engine and dev-tool tests (no Odoo), static checks, the wheel check, then"
        " the Odoo tests in a throwaway database with Odoo's own runner, and the"
        " .pot check on that database. Ends with 'N passed, N failed' and writes"
        " .dev/test-summary.json.",
    )
    t.add_argument(
        "--require-odoo",
        action="store_true",
        help="fail when no Odoo 18 is found (by default the Odoo tests are then"
        " reported as not run)",
    )
    t.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the throwaway test database (crm_lead_routing_test_PID)"
        " after the run, to look into it",
    )
    t.add_argument(
        "--odoo-tags",
        metavar="TAGS",
        help="Odoo --test-tags, e.g. /crm_lead_routing:TestRoutingStrategies"
        " (default /crm_lead_routing: all of the addon's tests)",
    )
    t.add_argument(
        "--no-browser",
        action="store_true",
        help="run the Odoo tests even without Chromium or websocket-client: the"
        " screen tests are then skipped and reported as skipped (by default a"
        " missing one stops the Odoo tests before they start, saying what to"
        " install)",
    )
    r = command(
        "run",
        "create/update a demo database and serve Odoo",
        "Set up (fetching Odoo 18.0 where none is found and the internet is"
        " reachable) and serve Odoo with crm, this addon and demo data.",
    )
    r.add_argument(
        "--db",
        default=MODULE,
        metavar="NAME",
        help="database to create or update and serve (default %(default)s)",
    )
    r.add_argument(
        "--port",
        type=int,
        default=8069,
        help="HTTP port on 127.0.0.1 (default %(default)s)",
    )
    pt = command(
        "pytest",
        "Odoo tests through pytest-odoo on a kept database",
        "Install or update the addon in a kept database (only when its files"
        " changed), then run Odoo tests with pytest's selection. Arguments dev"
        " does not know go to pytest: paths (tests/test_x.py::Class::test),"
        " -k EXPR, -x, ...; `./dev pytest -- --help` shows pytest's own help.",
        usage="./dev pytest [-h] [--odoo-python PYTHON] [--db NAME] [PYTEST ARGS ...]",
    )
    pt.add_argument("--db", default=KEPT_DB, metavar="NAME", help=db_help)
    pot = command(
        "pot",
        "export i18n/crm_lead_routing.pot with Odoo",
        "Install or update the addon in a kept database, then have Odoo export"
        " i18n/crm_lead_routing.pot (the file is left alone when only its"
        " dates would change).",
    )
    pot.add_argument(
        "--db",
        default=POT_DB,
        metavar="NAME",
        help=db_help.replace("and demo data", "and no demo data"),
    )
    pk = command(
        "package",
        "build and check the wheel odoo-addon-crm_lead_routing",
        "Build the wheel with whool from the files git tracks, and check that it"
        " holds the manifest, every file it lists, static/, i18n/ and the Python"
        " packages. No Odoo needed.",
    )
    pk.add_argument(
        "--outdir",
        default=str(STATE / "dist"),
        metavar="DIR",
        help="where to write the wheel (default .dev/dist)",
    )
    b = command("bench", "engine micro-benchmark and Odoo benchmark")
    b.add_argument(
        "--engine-only",
        action="store_true",
        help="only the engine micro-benchmark (no Odoo, no database)",
    )
    b.add_argument(
        "--leads",
        type=int,
        metavar="N",
        help="number of leads of the engine and creation benchmarks",
    )
    b.add_argument(
        "--profile",
        action="store_true",
        help="also print where routing's time goes (cProfile of one routed create)",
    )
    b.add_argument(
        "--no-loadtest",
        action="store_true",
        help="skip the load test (./dev loadtest with its defaults)",
    )
    lt = command(
        "loadtest",
        "many clients against a multi-worker Odoo, with faults",
        f"Create the database {LOAD_DB} afresh (no demo), start one or more Odoo"
        " servers on it (--servers, each --workers=4 --max-cron-threads=1) on"
        " 127.0.0.1 (free ports), create"
        " leads from many JSON-RPC clients while a manager marks leads contacted"
        " and runs Route now, then again with faults (a worker killed, the"
        " database connections cut, a rule broken in the database); check the"
        " database and print a table. Stops the server on every exit.",
    )
    lt.add_argument(
        "--leads",
        type=int,
        default=5000,
        help="routed leads of the first phase (default %(default)s)",
    )
    lt.add_argument(
        "--clients",
        type=int,
        default=8,
        help="client processes creating leads (default %(default)s)",
    )
    lt.add_argument(
        "--servers",
        type=int,
        default=1,
        help="Odoo servers on the one database, clients spread over them"
        " (default %(default)s)",
    )
    lt.add_argument(
        "--workers",
        type=int,
        default=4,
        help="HTTP workers of each server (default %(default)s)",
    )
    lt.add_argument(
        "--fault-leads",
        type=int,
        metavar="N",
        help="routed leads of the fault phase (default: a fifth of --leads;"
        " 0: no fault phase)",
    )
    lt.add_argument(
        "--faults",
        nargs="*",
        metavar="FAULT",
        choices=["kill-worker", "terminate-backends", "break-rule"],
        help="faults of the second phase (default: kill-worker"
        " terminate-backends break-rule)",
    )
    lt.add_argument(
        "--time-limit",
        type=int,
        metavar="S",
        help="seconds per phase before the clients stop (default 1200)",
    )
    lint = command("lint", "static checks only (what .pre-commit-config.yaml runs)")
    lint.add_argument(
        "--fix",
        action="store_true",
        help="let ruff fix what it can and format the code first",
    )
    lint.add_argument(
        "--only",
        nargs="+",
        choices=sorted(LINT_CHECKS),
        metavar="CHECK",
        help="run only these checks: "
        + "; ".join(f"{name}: {what}" for name, (what, _f) in LINT_CHECKS.items()),
    )
    return parser


def main(argv=None):
    parser = build_parser()

    def one_line_error(message):
        print(f"./dev: {message} (see ./dev --help)", file=sys.stderr)
        sys.exit(2)

    parser.error = one_line_error
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "pytest":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.odoo_python:
        os.environ["ODOO_PYTHON"] = args.odoo_python
    handler = {
        "test": cmd_test,
        "run": cmd_run,
        "bench": cmd_bench,
        "lint": cmd_lint,
        "loadtest": cmd_loadtest,
        "pot": cmd_pot,
        "package": cmd_package,
    }
    try:
        if args.command == "pytest":
            return cmd_pytest(args, extra)
        return handler[args.command](args)
    except DevError as exc:
        print(f"./dev {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
