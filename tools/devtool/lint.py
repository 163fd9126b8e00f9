# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""./dev lint: the static checks (ruff, pylint-odoo, XML, manifest, ACLs, .pot, .po)."""

import ast
import csv
import xml.etree.ElementTree as ET

from .common import ROOT, run, say
from .package import manifest_files
from .postgres import walk_addon
from .translations import check_po_files, check_pot_static
from .venv import venv_python


def manifest():
    return ast.literal_eval((ROOT / "__manifest__.py").read_text())


def _check_ruff(py):
    return (
        ["ruff found problems"]
        if run([py, "-m", "ruff", "check", "."], cwd=ROOT).returncode
        else []
    )


def _check_format(py):
    res = run([py, "-m", "ruff", "format", "--check", "--quiet", "."], cwd=ROOT)
    return (
        ["ruff format: files need formatting (run ./dev lint --fix)"]
        if res.returncode
        else []
    )


def _check_pylint(py):
    res = run(
        [
            py,
            "-m",
            "pylint",
            "--rcfile",
            str(ROOT / ".pylintrc-mandatory"),
            "--score=n",
            str(ROOT),
        ],
        cwd=ROOT.parent,
    )
    return ["pylint-odoo mandatory checks failed"] if res.returncode else []


def _check_xml(_py):
    problems = []
    for xml in (p for p in walk_addon() if p.suffix == ".xml"):
        try:
            ET.parse(xml)
        except ET.ParseError as exc:
            problems.append(f"{xml.relative_to(ROOT)} does not parse: {exc}")
    return problems


def _check_manifest(_py):
    return [
        f"manifest lists {rel}, which does not exist"
        for rel in manifest_files(manifest())
        if "*" not in rel and not (ROOT / rel).exists()
    ]


# name: (what it checks, function); `./dev lint --only NAME` runs one of them.
LINT_CHECKS = {
    "ruff": ("ruff lint", _check_ruff),
    "format": ("ruff format", _check_format),
    "pylint": (
        "OCA's mandatory pylint-odoo checks (.pylintrc-mandatory)",
        _check_pylint,
    ),
    "xml": ("every XML file parses", _check_xml),
    "manifest": ("every file the manifest lists exists", _check_manifest),
    "acl": ("every model has access rules", lambda _py: _missing_acls()),
    "pot": (
        "the .pot holds the code's and views' strings (partial without Odoo)",
        lambda _py: check_pot_static(),
    ),
    "po": (
        "i18n/*.po: every .pot string translated, none extra, same placeholders",
        lambda _py: check_po_files(),
    ),
}


def static_checks(py, only=None):
    """ruff, pylint-odoo (OCA mandatory checks), XML, manifest files, ACLs, .pot, .po."""
    say("== Static checks ==")
    problems = []
    for name, (_what, check) in LINT_CHECKS.items():
        if not only or name in only:
            problems += check(py)
    for msg in problems:
        say(f"  FAIL {msg}")
    say("  static checks: " + ("OK" if not problems else f"{len(problems)} problem(s)"))
    return problems


# The Python packages that hold models, as Odoo's own addons lay them out: models,
# transient wizards, SQL reports.
MODEL_DIRS = ("models", "wizard", "report")


def _missing_acls(root=ROOT):
    """Every new (non-abstract, non-transient) model needs ir.model.access lines."""
    models = set()
    for path in sorted(
        p for folder in MODEL_DIRS for p in (root / folder).glob("*.py")
    ):
        tree = ast.parse(path.read_text())
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            bases = {getattr(b, "attr", getattr(b, "id", "")) for b in cls.bases}
            if not bases & {"Model"}:
                continue
            attrs = {
                t.id: n.value
                for n in cls.body
                if isinstance(n, ast.Assign)
                for t in n.targets
                if isinstance(t, ast.Name)
            }
            name = attrs.get("_name")
            inherit = attrs.get("_inherit")
            if isinstance(name, ast.Constant) and not (
                isinstance(inherit, ast.Constant) and inherit.value == name.value
            ):
                models.add(name.value)
    acl_file = root / "security" / "ir.model.access.csv"
    covered = set()
    if acl_file.exists():
        with acl_file.open() as fh:
            for row in csv.DictReader(fh):
                covered.add(row["model_id:id"].split(".")[-1].removeprefix("model_"))
    return [
        f"model {m} has no line in security/ir.model.access.csv"
        for m in sorted(models)
        if m.replace(".", "_") not in covered
    ]


def cmd_lint(args):
    py = venv_python()
    if args.fix:
        run([py, "-m", "ruff", "check", "--fix", "."], cwd=ROOT)
        run([py, "-m", "ruff", "format", "."], cwd=ROOT)
    return 1 if static_checks(py, only=args.only) else 0
