# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""./dev run: set up a demo database and serve it, fetching Odoo 18.0 where none is found."""

import os
import shutil

from .common import (
    DEBIAN_BUILD_DEPS,
    MODULE,
    ODOO_HINT,
    ROOT,
    STATE,
    VENV,
    DevError,
    run,
    say,
)
from .odoo import (
    _odoo_requirements_pending,
    _odoo_requirements_stamp,
    _odoo_version_of_tree,
    addons_path,
    find_odoo,
    find_odoo_python,
)
from .postgres import ensure_postgres, module_state
from .venv import venv_python


def _install_official_odoo():
    """On a machine with internet, fetch Odoo 18.0 from Odoo's official repository
    and install its requirements into .dev/venv; a failed install is retried by the
    next run (it is done once it succeeded, not once the source is there)."""
    target = STATE / "odoo-18.0"
    if not _odoo_version_of_tree(target):
        say("No Odoo 18 found; trying to fetch Odoo 18.0 from its official source ...")
        res = run(
            [
                "git",
                "clone",
                "--depth",
                "1",
                "--branch",
                "18.0",
                "https://github.com/odoo/odoo.git",
                str(target),
            ],
            timeout=1800,
        )
        if res.returncode:
            shutil.rmtree(target, ignore_errors=True)
            raise DevError(
                f"no Odoo 18 found and it could not be downloaded; {ODOO_HINT}"
            )
    if _odoo_requirements_pending(target):
        py = venv_python()
        say(
            f"Installing Odoo's requirements ({target / 'requirements.txt'}) into"
            f" {VENV.relative_to(ROOT)} ..."
        )
        # setuptools<70: some of Odoo 18's requirements still import pkg_resources.
        res = run(
            [
                py,
                "-m",
                "pip",
                "install",
                "setuptools<70",
                "-r",
                str(target / "requirements.txt"),
            ]
        )
        if res.returncode:
            raise DevError(
                "Odoo's requirements did not install (see above); the next ./dev run tries"
                f" again. On Debian/Ubuntu they need: apt-get install {DEBIAN_BUILD_DEPS}"
            )
        stamp, want = _odoo_requirements_stamp(target)
        stamp.write_text(want)
    return target


def cmd_run(args):
    py = find_odoo_python() or venv_python()
    odoo = find_odoo(py)
    if odoo is None:
        os.environ["ODOO_SRC"] = str(_install_official_odoo())
        odoo = find_odoo(venv_python())
    desc, argv, dirs, _version = odoo
    ensure_postgres()
    installed = module_state(args.db) == "installed"
    action = ["-u", MODULE] if installed else ["-i", f"crm,{MODULE}"]
    say(f"{desc}; database {args.db} ({'updating' if installed else 'creating'}) ...")
    setup = run(
        [
            *argv,
            "-d",
            args.db,
            "--addons-path",
            addons_path(dirs),
            *action,
            "--stop-after-init",
            "--log-level",
            "warn",
        ],
        cwd=ROOT,
    )
    if setup.returncode:
        raise DevError(f"installing {MODULE} into {args.db} failed (see the log above)")
    say(
        f"Serving http://127.0.0.1:{args.port}  (login: admin / password: admin)  Ctrl-C stops."
    )
    try:
        return run(
            [
                *argv,
                "-d",
                args.db,
                "--addons-path",
                addons_path(dirs),
                "--http-interface",
                "127.0.0.1",
                "--http-port",
                str(args.port),
                "--db-filter",
                f"^{args.db}$",
            ],
            cwd=ROOT,
        ).returncode
    except KeyboardInterrupt:
        return 0
