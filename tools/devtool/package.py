# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""./dev package: the wheel odoo-addon-crm_lead_routing, built with whool and checked."""

import ast
import fnmatch
import shutil
import tempfile
import zipfile
from pathlib import Path

from .common import DIST_NAME, MODULE, ROOT, STATE, DevError, run, say
from .postgres import walk_addon
from .venv import venv_python

# Folders whose every file the wheel must hold (those that exist in the checkout).
PACKAGED_DIRS = (
    "static",
    "i18n",
    "routing",
    "models",
    "wizard",
    "report",
    "migrations",
)


def _scm_files(root):
    """What whool packages: the files git tracks (all files where git is absent)."""
    res = run(["git", "ls-files", "-z"], cwd=root, capture_output=True)
    if res.returncode == 0:
        return [f for f in res.stdout.decode().split("\0") if f]
    return [str(path.relative_to(root)) for path in walk_addon(root)]


def build_wheel(py, outdir, root=ROOT):
    """Build odoo-addon-crm_lead_routing with whool (pyproject.toml), as OCA does.

    whool names the package after the addon's folder, and this checkout may be
    called anything: it builds from a copy of the files git tracks in a folder
    named crm_lead_routing, which is exactly what it packages from a checkout.
    """
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob(f"{DIST_NAME.replace('-', '_')}-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="dev-wheel-") as tmp:
        src = Path(tmp, MODULE)
        for rel in _scm_files(root):
            if (root / rel).is_file():
                (src / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / rel, src / rel)
        res = run(
            [
                py,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--disable-pip-version-check",
                "-q",
                "-w",
                str(outdir),
                str(src),
            ],
            capture_output=True,
            text=True,
        )
    wheels = sorted(outdir.glob(f"{DIST_NAME.replace('-', '_')}-*.whl"))
    if res.returncode or not wheels:
        raise DevError(
            "building the wheel failed: " + (res.stdout + res.stderr).strip()[-800:]
        )
    return wheels[-1]


def manifest_files(man):
    """Files (or glob patterns) the manifest lists under data, demo and assets."""
    for key in ("data", "demo", "assets"):
        files = man.get(key, [])
        if isinstance(files, dict):
            files = [
                f for group in files.values() for f in group if not isinstance(f, tuple)
            ]
        for rel in files:
            yield rel.removeprefix(f"{MODULE}/")


def check_wheel(whl, root=ROOT):
    """The wheel installs into odoo/addons/crm_lead_routing and holds the manifest,
    every file it lists, and every file of static/, i18n/ and the Python packages."""
    with zipfile.ZipFile(whl) as zf:
        names = set(zf.namelist())
        metadata = next(
            (zf.read(n).decode() for n in names if n.endswith(".dist-info/METADATA")),
            "",
        )
    problems = []
    if f"Name: {DIST_NAME}\n" not in metadata:
        problems.append(f"the wheel's metadata does not name {DIST_NAME}")
    prefix = f"odoo/addons/{MODULE}/"
    inside = {n[len(prefix) :] for n in names if n.startswith(prefix)}
    wanted = ["__manifest__.py", "__init__.py"]
    for rel in manifest_files(ast.literal_eval((root / "__manifest__.py").read_text())):
        if "*" in rel:
            if not fnmatch.filter(inside, rel):
                problems.append(f"the wheel has no file matching {rel} (manifest)")
        else:
            wanted.append(rel)
    for folder in PACKAGED_DIRS:
        if folder in ("static", "i18n") and not (root / folder).is_dir():
            problems.append(f"{folder}/ does not exist, so the wheel cannot hold it")
        for path in (
            sorted((root / folder).rglob("*")) if (root / folder).is_dir() else ()
        ):
            rel = path.relative_to(root)
            # Caches the tools leave (.pytest_cache, .hypothesis, __pycache__) are
            # not the addon's: git ignores them and the wheel rightly lacks them.
            if path.is_file() and not any(
                part == "__pycache__" or part.startswith(".") for part in rel.parts
            ):
                wanted.append(str(rel))
    for rel in dict.fromkeys(wanted):
        if rel not in inside:
            problems.append(f"the wheel lacks {rel} (is it added to git?)")
    return problems


def package_check(py):
    say("== Package (wheel, no Odoo needed) ==")
    try:
        whl = build_wheel(py, STATE / "dist")
    except DevError as exc:
        say(f"  FAIL {exc}")
        return [str(exc)]
    problems = check_wheel(whl)
    for msg in problems:
        say(f"  FAIL {msg}")
    with zipfile.ZipFile(whl) as zf:
        count = len(zf.namelist())
    say(
        f"  {whl.name}: {count} files; "
        + ("OK" if not problems else f"{len(problems)} problem(s)")
    )
    return problems


def cmd_package(args):
    py = venv_python()
    whl = build_wheel(py, args.outdir)
    problems = check_wheel(whl)
    for msg in problems:
        say(f"FAIL {msg}")
    say(f"Built {whl}" + (f" with {len(problems)} problem(s)" if problems else ""))
    return 1 if problems else 0
