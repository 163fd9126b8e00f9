# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What every command shares: where things are, and how a command fails or speaks."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULE = "crm_lead_routing"
STATE = ROOT / ".dev"
VENV = STATE / "venv"
SUMMARY = STATE / "test-summary.json"
POT = ROOT / "i18n" / f"{MODULE}.pot"
KEPT_DB = f"{MODULE}_kept"  # ./dev pytest: with demo data, like ./dev test's database
LOAD_DB = f"{MODULE}_load"  # ./dev loadtest: dropped and created again by every run
POT_DB = f"{MODULE}_pot"  # ./dev pot: without demo data, as Odoo exports its own .pot
DIST_NAME = f"odoo-addon-{MODULE}"
ODOO_HINT = (
    "set ODOO_SRC=/path/to/odoo-18.0-source, or ODOO_PYTHON=/path/to/python that"
    " imports Odoo 18 (e.g. its virtualenv's), or install Odoo 18 so `import odoo`"
    " works"
)
# What Odoo's requirements need to build on Debian (psycopg2, python-ldap, ...).
DEBIAN_BUILD_DEPS = "build-essential python3-dev libpq-dev libldap2-dev libsasl2-dev"
# Never linked into the module folder Odoo sees (see addons_path).
NOT_LINKED = {
    ".dev",
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
    "dist",
}
# Warnings Odoo prints by design in our setups; anything else in the log fails the run.
ALLOWED_LOG_LINES = (re.compile(r"Running as user 'root' is a security risk"),)


class DevError(Exception):
    """A failure we explain in one line (no traceback)."""


def say(msg):
    print(msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, **kw)
