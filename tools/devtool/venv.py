# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The virtualenv .dev/venv with the pinned tools of requirements-dev.txt."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from .common import ROOT, STATE, VENV, DevError, run, say
from .odoo import find_odoo_python


def venv_python():
    """Create/refresh .dev/venv with the pinned tools; reuse it when unchanged.

    The venv sees the system site-packages so that an Odoo installed into the
    machine's Python (and its requirements) stays importable from it; an Odoo
    installed into another virtualenv is added through a .pth file.
    """
    base = find_odoo_python() or sys.executable
    req = ROOT / "requirements-dev.txt"
    stamp = VENV / ".stamp"
    want = hashlib.sha256(req.read_bytes() + base.encode()).hexdigest()
    py = VENV / "bin" / "python"
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return str(py)
    say(f"Preparing {VENV.relative_to(ROOT)} (pinned test tools) ...")
    shutil.rmtree(VENV, ignore_errors=True)
    STATE.mkdir(exist_ok=True)
    if run([base, "-m", "venv", "--system-site-packages", str(VENV)]).returncode:
        raise DevError(
            f"could not create a virtualenv with {base} (is python3-venv installed?)"
        )
    _see_odoo_virtualenv(base, str(py))
    res = run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(req),
        ],
        stdout=subprocess.DEVNULL,
    )
    if res.returncode:
        raise DevError(
            "pip could not install requirements-dev.txt (see the output above)"
        )
    stamp.write_text(want)
    return str(py)


def _see_odoo_virtualenv(base, py):
    """A venv made from a virtualenv's python sees the *base* interpreter's packages,
    not the virtualenv's: add those (Odoo and its requirements) after our own."""
    probe = (
        "import site, sys; print(sys.prefix != sys.base_prefix);"
        " print('\\n'.join(site.getsitepackages()))"
    )
    res = run([base, "-c", probe], capture_output=True, text=True, cwd="/")
    lines = res.stdout.split("\n")
    if res.returncode or lines[0] != "True":
        return
    site_dir = run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site_dir, "_odoo_virtualenv.pth").write_text(
        "\n".join(filter(None, lines[1:])) + "\n"
    )


def venv_module_dir(name):
    """The folder from which .dev/venv's python imports the module ``name`` (its
    own site-packages, or the system's it sees); the venv is made if needed."""
    py = venv_python()
    probe = f"import os, {name}; print(os.path.dirname({name}.__file__))"
    res = run([py, "-c", probe], capture_output=True, text=True, cwd="/")
    if res.returncode:
        raise DevError(f"{VENV.relative_to(ROOT)} cannot import {name}")
    return res.stdout.strip()
