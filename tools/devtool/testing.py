# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""./dev test and ./dev pytest: engine tests, Odoo's runner on a throwaway database,
pytest-odoo on a kept one."""

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from .common import (
    ALLOWED_LOG_LINES,
    MODULE,
    ODOO_HINT,
    POT,
    ROOT,
    STATE,
    SUMMARY,
    DevError,
    run,
    say,
)
from .lint import manifest, static_checks
from .odoo import addons_path, find_odoo, find_odoo_python, on_database, require_odoo
from .package import package_check
from .postgres import dropdb, ensure_postgres, init_database, kept_db, module_state
from .translations import compare_pot, demo_xmlids, export_pot, read_po, without_demo
from .venv import venv_python


def engine_tests(py):
    """routing/tests (the engine) and tools/tests (this script), without Odoo."""
    say("== Engine and dev tool tests (pure Python, no Odoo) ==")
    total = {"ran": 0, "passed": 0, "failed": 0, "skipped": 0}
    # One pytest per folder, each its own rootdir and confcutdir: above them the
    # checkout is a package (__init__.py) that only Odoo can import.
    for folder in ("routing/tests", "tools/tests"):
        for key, value in _pytest_counts(py, folder).items():
            total[key] += value
    return total


def _pytest_counts(py, folder):
    junit = STATE / f"junit-{folder.replace('/', '-')}.xml"
    junit.unlink(missing_ok=True)
    # pytest-odoo (for ./dev pytest) would load a registry: not for these tests.
    res = run(
        [
            py,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:odoo",
            "--rootdir",
            folder,
            "--confcutdir",
            folder,
            "-o",
            f"pythonpath={ROOT}",
            f"--junitxml={junit}",
            folder,
        ],
        cwd=ROOT,
    )
    if not junit.exists():
        return {"failed": 1}
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    total, skipped = int(suite.get("tests")), int(suite.get("skipped"))
    failed = int(suite.get("failures")) + int(suite.get("errors"))
    if res.returncode not in (0, 1) and not failed:
        failed = 1
    ran = total - skipped
    return {"ran": ran, "passed": ran - failed, "failed": failed, "skipped": skipped}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Where Odoo 18 looks for a browser on Linux (odoo.tests.common._find_executable).
BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
# What Odoo logs when it skips the screen tests for want of websocket-client.
NO_BROWSER_LOG_LINES = (re.compile(r"websocket-client module is not installed"),)


def browser_preflight(python, path=None):
    """What the screen tests (HttpCase, headless Chromium) lack, and how to add it.

    Odoo looks for a browser on PATH and imports websocket-client from the python
    that runs it; without either it *skips* those tests, with a line deep in its
    log.  ``path`` defaults to this process's PATH, which Odoo inherits.
    """
    path = os.environ.get("PATH", os.defpath) if path is None else path
    missing = []
    if not any(shutil.which(name, path=path) for name in BROWSERS):
        missing.append(
            f"Chromium: none of {', '.join(BROWSERS)} is on PATH;"
            " add it with `apt-get install chromium` (Debian/Ubuntu)"
        )
    probe = run(
        [python, "-c", "import websocket; websocket.create_connection"],
        capture_output=True,
        cwd="/",
    )
    if probe.returncode:
        missing.append(
            f"websocket-client: {python} cannot import it;"
            f" add it with `{python} -m pip install websocket-client`"
        )
    return missing


def _db_command(argv, dirs, *words):
    """Odoo's own ``db`` command (it copies, renames and drops a database
    with its filestore, which the attachments of demo data and web assets
    live in)."""
    return run(
        [*argv, "db", "--addons-path", addons_path(dirs), *words],
        cwd=ROOT,
        capture_output=True,
    )


PREGENERATE = "env['ir.qweb']._pregenerate_assets_bundles()\nenv.cr.commit()\n"


def deps_template(odoo):
    """A database holding what the addon depends on (``crm`` and what it
    needs, with their demo data), made once per Odoo tree and dependency
    list; each test run copies it instead of installing 41 modules again
    (about 50 s of every run on the 2-core machine). Returns its name, or
    None when it cannot be made (the test run then installs everything)."""
    _desc, argv, dirs, version = odoo
    depends = sorted(manifest()["depends"])
    stamp = [version, depends, "bundles"]
    for folder in dirs:
        folder = Path(folder)
        stamp.append([str(folder), folder.stat().st_mtime])
        for dep in depends:
            man = folder / dep / "__manifest__.py"
            if man.exists():
                stamp.append([str(man), man.stat().st_mtime])
    key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:10]
    name = f"{MODULE}_deps_{key}"
    found = run(
        ["psql", "-d", "postgres", "-tAc", "SELECT datname FROM pg_database"],
        capture_output=True,
        text=True,
    )
    existing = set(found.stdout.split()) if found.returncode == 0 else set()
    if name in existing:
        return name
    for stale in sorted(existing):
        if stale.startswith(f"{MODULE}_deps_"):
            _db_command(argv, dirs, "drop", stale)
    building = f"{name}_new"
    say(f"  preparing {name}: {', '.join(depends)} with demo data (once per Odoo tree)")
    started = time.time()
    res = init_database(
        argv,
        dirs,
        building,
        "-i",
        ",".join(depends),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    if not res.returncode:
        # The web client's bundles too: Odoo builds every one of them before
        # the first browser test (about 20 s); a copy reuses those whose
        # content the addon does not change (all but the tests' bundle).
        res = run(
            [
                *argv,
                "shell",
                "-d",
                building,
                "--addons-path",
                addons_path(dirs),
                "--no-http",
                "--log-level",
                "warn",
            ],
            cwd=ROOT,
            input=PREGENERATE,
            text=True,
            capture_output=True,
        )
    if (
        res.returncode
        or _db_command(argv, dirs, "rename", "-f", building, name).returncode
    ):
        _db_command(argv, dirs, "drop", building)
        say("  could not prepare it: this run installs everything itself")
        return None
    say(f"  prepared in {time.time() - started:.0f} s (not counted in the tests' time)")
    return name


def odoo_tests(odoo, args):
    desc, argv, dirs, _version = odoo
    say(f"== Odoo tests ({desc}) ==")
    missing = browser_preflight(argv[0])
    for what in missing:
        say(f"  MISSING {what}")
    if missing and not args.no_browser:
        say(
            "  Odoo tests: not started: Odoo would skip the screen tests, and a skipped test"
            " is no pass. Add what is missing, or run ./dev test --no-browser to run the"
            " other tests and report the screen tests as skipped."
        )
        return {"ran": 0, "passed": 0, "failed": 1, "skipped": 0, "missing": missing}
    if missing:
        say(
            "  --no-browser: the screen tests will be skipped (reported as skipped, not passed)"
        )
    ensure_postgres()
    db = f"{MODULE}_test_{os.getpid()}"
    dropdb(db)
    log = STATE / "odoo-test.log"
    log.unlink(missing_ok=True)  # Odoo appends to its logfile: judge this run only
    tags = args.odoo_tags or f"/{MODULE}"
    cmd = on_database(
        argv,
        dirs,
        db,
        "-i",
        MODULE,
        "--test-enable",
        "--test-tags",
        tags,
        "--stop-after-init",
        "--http-port",
        str(free_port()),
        "--http-interface",
        "127.0.0.1",
        "--log-level",
        "info",
        "--max-cron-threads",
        "0",
        f"--logfile={log}",
    )
    template = deps_template(odoo)
    say(f"  database {db}; log in {log.relative_to(ROOT)}")
    started = time.time()
    if template and _db_command(argv, dirs, "duplicate", "-f", template, db).returncode:
        say(f"  could not copy {template}: this run installs everything itself")
        dropdb(db)
    res = run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    seconds = time.time() - started
    pot_problems = pot_check_in(odoo, db)
    if not args.keep_db:
        _db_command(argv, dirs, "drop", db)
    text = log.read_text(errors="replace") if log.exists() else ""
    allowed = NO_BROWSER_LOG_LINES if missing else ()
    result = _parse_odoo_log(text, res.returncode, seconds, allowed)
    result["pot_problems"] = pot_problems
    return result


def pot_check_in(odoo, db):
    """Odoo exports the .pot from the freshly installed test database; it must match
    the committed i18n/crm_lead_routing.pot (strings only: not header, dates,
    comments or order)."""
    if module_state(db) != "installed":
        return []  # the install failed: the log check reports it
    try:
        fresh = without_demo(
            read_po(export_pot(odoo, db, STATE / "test-export.pot")), demo_xmlids()
        )
        problems = compare_pot(fresh, read_po(POT) if POT.exists() else {})
    except DevError as exc:
        problems = [str(exc)]
    for msg in problems:
        say(f"  FAIL {msg}")
    if not problems:
        say(
            f"  .pot check: OK, Odoo's export of the test database matches"
            f" i18n/{MODULE}.pot ({len(fresh)} strings)"
        )
    return problems


_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")
# "skipped Class.test" or, for each skipped subTest, "skipped Subtest Class.test (...)"
_SKIP_LINE = re.compile(r"^\S+ \S+ \d+ INFO \S+ \S+: skipped (?:Subtest )?(\S+)", re.M)


def _parse_odoo_log(text, returncode, seconds, allowed=()):
    ran = failed = 0
    for m in re.finditer(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", text):
        failed += int(m.group(1)) + int(m.group(2))
        ran += int(m.group(3))
    # Odoo counts a skipped test as run; a skipped test must not count as passed.
    # A test counts once however many of its subtests were skipped.
    skipped = len(set(_SKIP_LINE.findall(text)))
    ran = max(ran - skipped, 0)
    bad = []
    for line in text.splitlines():
        m = _LOG_LINE.match(line)
        if m and m.group(1) in ("WARNING", "ERROR", "CRITICAL"):
            if not any(p.search(line) for p in (*ALLOWED_LOG_LINES, *allowed)):
                bad.append(line)
    if bad:
        say(f"  {len(bad)} WARNING/ERROR line(s) in the Odoo log (these fail the run):")
        for line in bad[:30]:
            say("    " + line[:300])
    if returncode and not failed and not bad:
        say(f"  Odoo exited with status {returncode}")
    if ran == 0 and (returncode or bad):
        failed = 1
    say(f"  Odoo tests: {ran} ran, {failed} failed in {seconds:.0f}s")
    if skipped:
        say(f"  Odoo tests: {skipped} skipped (not counted as passed; see the log)")
    return {
        "ran": ran,
        "passed": max(ran - failed, 0),
        "failed": failed,
        "skipped": skipped,
        "log_problems": len(bad),
        "exit": returncode,
        "seconds": round(seconds),
    }


def _summary_line(odoo, engine):
    """The test counts of both parts, with the Odoo part's wall time: the
    number that says whether the suite stays quick to run."""
    if odoo.get("not_run"):
        return f"Odoo tests: not run. Engine tests: {engine['ran']} ran."
    took = f" in {odoo['seconds']} s" if "seconds" in odoo else ""
    return (
        f"Odoo tests: {odoo['ran']} ran ({odoo['failed']} failed,"
        f" {odoo.get('skipped', 0)} skipped){took};"
        f" engine tests: {engine['ran']} ran ({engine.get('skipped', 0)} skipped)."
    )


def cmd_test(args):
    STATE.mkdir(exist_ok=True)
    py = venv_python()
    engine = engine_tests(py)
    problems = static_checks(py)
    package = package_check(py)
    odoo = find_odoo(find_odoo_python() or py)
    summary = {
        "engine": engine,
        "static_problems": problems,
        "package_problems": package,
        "odoo": None,
        "odoo_version": None,
    }
    if odoo is None:
        say(f"Odoo tests: not run (no Odoo 18 found; {ODOO_HINT})")
        summary["odoo"] = {"ran": 0, "passed": 0, "failed": 0, "not_run": True}
    else:
        summary["odoo_version"] = odoo[3]
        summary["odoo"] = odoo_tests(odoo, args)
    summary["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    SUMMARY.write_text(json.dumps(summary, indent=2))
    o = summary["odoo"]
    passed = engine["passed"] + o["passed"]
    failed = engine["failed"] + o["failed"]
    say(_summary_line(o, engine))
    checks = {
        "static": len(problems),
        "package": len(package),
        "pot": len(o.get("pot_problems", ())),
        "Odoo log WARNING/ERROR lines": o.get("log_problems", 0),
    }
    if any(checks.values()):
        say(
            "Checks failed: "
            + ", ".join(f"{k} ({n})" for k, n in checks.items() if n)
            + " (see FAIL lines above)"
        )
    say(f"{passed} passed, {failed} failed")
    if failed or any(checks.values()):
        return 1
    if o.get("not_run") and args.require_odoo:
        say(f"--require-odoo: no Odoo 18 found ({ODOO_HINT})")
        return 1
    return 0


# --------------------------------------------------------------------------- pytest
# pytest options whose next argument is a value, never a path to rewrite.
_PYTEST_VALUE_OPTIONS = {
    "-k",
    "-m",
    "-o",
    "-p",
    "-c",
    "-W",
    "--maxfail",
    "--tb",
    "--durations",
    "--junitxml",
    "--odoo-log-level",
    "--deselect",
}


def pytest_targets(pytest_args, module_dir, cwd=None):
    """pytest's arguments with paths into the checkout (``tests/test_x.py::Class``)
    rewritten to the same paths under .dev/addons/crm_lead_routing, so that
    pytest-odoo imports them as odoo.addons.crm_lead_routing.tests...; the
    addon's tests/ when no path is given."""
    cwd = Path(cwd or os.getcwd())
    out, has_path, after_option = [], False, False
    for arg in pytest_args:
        path_part, sep, rest = arg.partition("::")
        candidate = (cwd / path_part).resolve() if path_part else None
        if (
            not after_option
            and not arg.startswith("-")
            and candidate
            and candidate.exists()
            and candidate.is_relative_to(ROOT)
            and not candidate.is_relative_to(STATE)
        ):
            arg = str(module_dir / candidate.relative_to(ROOT)) + sep + rest
            has_path = True
        after_option = arg in _PYTEST_VALUE_OPTIONS
        out.append(arg)
    return out if has_path else [*out, str(module_dir / "tests")]


def cmd_pytest(args, pytest_args):
    """Odoo tests through pytest-odoo on the kept database: seconds, not minutes."""
    odoo = require_odoo()
    py = venv_python()
    kept_db(odoo, args.db)
    desc, _argv, dirs, _version = odoo
    addons = addons_path(dirs)
    module_dir = STATE / "addons" / MODULE
    env = dict(os.environ)
    if os.environ.get("ODOO_SRC"):  # a source tree: make `import odoo` work for pytest
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [os.environ["ODOO_SRC"], env.get("PYTHONPATH")])
        )
    if pytest_args[:1] == ["--"]:
        pytest_args = pytest_args[1:]
    cmd = [
        py,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(module_dir),
        f"--odoo-database={args.db}",
        f"--odoo-addons-path={addons}",
        "--odoo-http",
        *pytest_targets(pytest_args, module_dir),
    ]
    say(f"pytest-odoo on {args.db} ({desc}): {' '.join(cmd[3:])}")
    started = time.time()
    rc = run(cmd, cwd=ROOT, env=env).returncode
    say(f"./dev pytest: pytest took {time.time() - started:.1f}s")
    return rc
