# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Finding Odoo 18 (a source tree, an importable package, or what ./dev run fetched)
and showing it the addon."""

import functools
import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

from .common import MODULE, NOT_LINKED, ODOO_HINT, ROOT, STATE, VENV, DevError, run


def _odoo_version_of_tree(src):
    release = Path(src) / "odoo" / "release.py"
    if not release.is_file():
        return None
    match = re.search(r"^version_info = \((\d+), (\d+)", release.read_text(), re.M)
    return f"{match.group(1)}.{match.group(2)}" if match else None


@functools.cache
def imports_odoo18(python):
    res = run(
        [python, "-c", "import odoo.release as r; print(r.version_info[0])"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    return res.returncode == 0 and res.stdout.strip() == "18"


def find_odoo_python():
    """The interpreter that can import Odoo 18 (None if there is none).

    ODOO_PYTHON (``--odoo-python``) names it and must be right; else the first of
    this python, python3/python3.11 on PATH and pyenv's 3.11 that imports Odoo 18.
    """
    named = os.environ.get("ODOO_PYTHON")
    if named:
        found = shutil.which(named)
        if not found or not imports_odoo18(found):
            raise DevError(f"ODOO_PYTHON={named} cannot import Odoo 18 ({ODOO_HINT})")
        return found
    candidates = [sys.executable, shutil.which("python3"), shutil.which("python3.11")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob("versions/3.11*/bin/python3"))
    for cand in dict.fromkeys(c for c in candidates if c):
        if imports_odoo18(cand):
            return cand
    return None


def find_odoo(python):
    """Return (description, argv prefix, addons dirs, version) or None.

    ODOO_SRC must be an Odoo 18.0 tree; a wrong one is an error, not a fallback.
    """
    src = os.environ.get("ODOO_SRC")
    if src:
        version = _odoo_version_of_tree(src)
        if version is None:
            raise DevError(
                f"ODOO_SRC={src} is not an Odoo source tree (no odoo/release.py)"
            )
        if not version.startswith("18."):
            raise DevError(
                f"ODOO_SRC={src} is Odoo {version}; this addon needs Odoo 18.0"
            )
        src = Path(src).resolve()
        dirs = [d for d in (src / "addons", src / "odoo" / "addons") if d.is_dir()]
        return (
            f"Odoo {version} from ODOO_SRC={src}",
            [python, str(src / "odoo-bin")],
            dirs,
            version,
        )
    res = run(
        [
            python,
            "-c",
            "import odoo, odoo.release as r, os;"
            "print(r.version); print(os.path.dirname(odoo.__file__))",
        ],
        capture_output=True,
        text=True,
        cwd="/",
    )
    if res.returncode != 0:
        fetched = STATE / "odoo-18.0"
        if _odoo_version_of_tree(fetched) and not _odoo_requirements_pending(fetched):
            # What `./dev run` fetched on a machine without Odoo: use it here too.
            os.environ["ODOO_SRC"] = str(fetched)
            return find_odoo(str(VENV / "bin" / "python"))
        return None
    version, pkg = res.stdout.split()
    if not version.startswith("18."):
        raise DevError(f"the importable odoo is {version}; this addon needs Odoo 18.0")
    pkg = Path(pkg)
    dirs = [d for d in (pkg.parent / "addons", pkg / "addons") if d.is_dir()]
    launcher = "import sys, odoo.cli; sys.argv[0] = 'odoo'; odoo.cli.main()"
    return (
        f"Odoo {version} (importable, {pkg})",
        [python, "-c", launcher],
        dirs,
        version,
    )


def on_database(argv, dirs, db, *words):
    """Odoo's command line (``argv``) on database ``db`` with this addon's
    addons path, followed by ``words``."""
    return [*argv, "-d", db, "--addons-path", addons_path(dirs), *words]


def addons_path(odoo_dirs):
    """Expose the checkout as ``crm_lead_routing`` whatever the clone is called.

    .dev/addons/crm_lead_routing is a folder of links to the checkout's entries, not
    one link to the checkout: Odoo's translation export walks module folders
    following links, and a link to the whole checkout led it into .dev/ (the venv,
    and this very link, again and again).
    """
    module_dir = STATE / "addons" / MODULE
    if module_dir.is_symlink():  # the layout of earlier versions of this script
        module_dir.unlink()
    module_dir.mkdir(parents=True, exist_ok=True)
    wanted = {entry.name for entry in ROOT.iterdir() if entry.name not in NOT_LINKED}
    for link in module_dir.iterdir():
        if (
            link.name not in wanted
            or not link.is_symlink()
            or os.readlink(link) != str(ROOT / link.name)
        ):
            if link.is_dir() and not link.is_symlink():
                shutil.rmtree(link)
            else:
                link.unlink()
    for name in wanted:
        if not (module_dir / name).is_symlink():
            (module_dir / name).symlink_to(ROOT / name)
    return ",".join(str(d) for d in [*odoo_dirs, module_dir.parent])


def _odoo_requirements_stamp(target):
    """(stamp file, wanted content): the requirements of a fetched Odoo installed
    into .dev/venv.  The stamp lives in the venv, so a rebuilt venv installs them again."""
    return VENV / ".odoo-requirements", hashlib.sha256(
        (target / "requirements.txt").read_bytes()
    ).hexdigest()


def _odoo_requirements_pending(target):
    stamp, want = _odoo_requirements_stamp(target)
    return not stamp.exists() or stamp.read_text() != want


def require_odoo():
    """The Odoo to use, found (with .dev/venv's python when no other imports it)."""
    from .venv import venv_python  # venv.py finds its base python here

    odoo = find_odoo(find_odoo_python() or venv_python())
    if odoo is None:
        raise DevError(f"no Odoo 18 found; {ODOO_HINT}")
    return odoo
