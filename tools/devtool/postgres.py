# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The local PostgreSQL cluster, and the kept databases of ./dev pytest and ./dev pot."""

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from .common import MODULE, NOT_LINKED, ROOT, STATE, DevError, run, say
from .odoo import on_database


def _pg_ok():
    res = run(
        ["psql", "-d", "postgres", "-tAc", "select 1"], capture_output=True, text=True
    )
    return res.returncode == 0, res.stderr.strip()


def ensure_postgres():
    """Start the local cluster when it is down; give the current OS user a role.

    PostgreSQL refuses to run as root, so as root we drive the Debian cluster
    (owned by ``postgres``) through pg_ctlcluster/runuser.
    """
    if not shutil.which("psql"):
        raise DevError("PostgreSQL client (psql) not found; install postgresql-15")
    ok, err = _pg_ok()
    if ok:
        return
    is_root = os.geteuid() == 0
    if shutil.which("pg_lsclusters"):
        listing = run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True
        ).stdout
        for line in listing.splitlines():
            ver, name, _port, status = line.split()[:4]
            if status != "online":
                say(f"Starting PostgreSQL cluster {ver}/{name} ...")
                run(["pg_ctlcluster", ver, name, "start"], capture_output=True)
    ok, err = _pg_ok()
    if not ok and is_root and "does not exist" in err:
        user = os.environ.get("USER") or "root"
        run(
            ["runuser", "-u", "postgres", "--", "createuser", "-s", user],
            capture_output=True,
        )
        ok, err = _pg_ok()
    if not ok:
        raise DevError(
            f"PostgreSQL unreachable: {err.splitlines()[-1] if err else 'no server'}"
            " (start it, or set PGHOST/PGPORT/PGUSER)"
        )


def dropdb(name):
    run(["dropdb", "--if-exists", name], capture_output=True)


def module_state(db):
    """The addon's state in ``db`` ("installed", "to upgrade", ...), None without it."""
    res = run(
        [
            "psql",
            "-d",
            db,
            "-tAc",
            f"select state from ir_module_module where name='{MODULE}'",
        ],
        capture_output=True,
        text=True,
    )
    return (res.stdout.strip() or None) if res.returncode == 0 else None


# --------------------------------------------------------------------------- kept database
def walk_addon(root=ROOT, skip=frozenset()):
    """The checkout's files as Odoo sees them (not .dev/, VCS, caches), in order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in NOT_LINKED and d not in skip
        )
        for name in sorted(filenames):
            yield Path(dirpath, name)


# Folders and files whose changes need no install/update of the kept database: tests
# are imported afresh by every run, the rest is documentation and tooling.
_NOT_INSTALLED = {"tests", "tools", ".ci", "readme"}


def addon_fingerprint(root=ROOT):
    """A hash of what an install/update of the addon reads (not tests nor docs)."""
    digest = hashlib.sha256()
    for path in walk_addon(root, skip=_NOT_INSTALLED):
        if path.suffix in (".md", ".pyc", ".pot") or path == root / "dev":
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def init_database(argv, dirs, db, *action, **kw):
    """Odoo installs or updates (``action``) modules in ``db`` and stops, with
    only warnings in its log and no cron running."""
    return run(
        on_database(
            argv,
            dirs,
            db,
            *action,
            "--stop-after-init",
            "--log-level",
            "warn",
            "--max-cron-threads",
            "0",
        ),
        cwd=ROOT,
        **kw,
    )


def kept_db(odoo, db, demo=True):
    """Install the addon (with crm, and demo data unless ``demo`` is false) into the
    kept database ``db``, or update it; skip both when nothing it reads changed
    since the last time.

    The fingerprint of the addon and the Odoo used are stored in
    .dev/kept-db-NAME.json; drop the database or delete that file to start over.
    """
    desc, argv, dirs, _version = odoo
    ensure_postgres()
    stamp = STATE / f"kept-db-{db}.json"
    want = {"db": db, "odoo": desc, "demo": demo, "addon": addon_fingerprint()}
    state = module_state(db)
    have = json.loads(stamp.read_text()) if stamp.exists() else None
    if state == "installed" and have == want:
        say(
            f"Database {db}: {MODULE} up to date (nothing changed since the last update)"
        )
        return
    action = ["-u", MODULE] if state == "installed" else ["-i", f"crm,{MODULE}"]
    if not demo and state != "installed":
        action.append("--without-demo=all")
    verb = "updating" if state == "installed" else "installing"
    say(f"Database {db}: {verb} {MODULE} ({desc}) ...")
    started = time.time()
    res = init_database(argv, dirs, db, *action)
    if res.returncode:
        stamp.unlink(missing_ok=True)
        raise DevError(f"{verb} {MODULE} in {db} failed (see the log above)")
    STATE.mkdir(exist_ok=True)
    stamp.write_text(json.dumps(want))
    say(
        f"Database {db}: {MODULE} {verb.replace('ing', 'ed')} in {time.time() - started:.0f}s"
    )
