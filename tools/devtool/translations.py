# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The .pot and .po files: reading them (polib), exporting the .pot with Odoo, checking them."""

import ast
import collections
import csv
import json
import re
import shutil
import sys
import time
import xml.etree.ElementTree as ET

from .common import MODULE, POT, ROOT, STATE, DevError, run, say
from .odoo import addons_path, require_odoo
from .postgres import kept_db, walk_addon

# One entry of a .po file: its msgstr(s), and its references (``#:`` lines).
PoEntry = collections.namedtuple("PoEntry", "msgstrs refs")


def _polib():
    """polib, pinned in requirements-dev.txt: ./dev runs on any python3, so
    where that python lacks it, it is taken from .dev/venv (made on demand)."""
    try:
        import polib
    except ImportError:
        from .venv import venv_module_dir

        sys.path.append(venv_module_dir("polib"))
        import polib
    return polib


def read_po(path):
    """The entries of a .po or .pot file: {(msgctxt, msgid): PoEntry}.

    The header (msgid ""), comments and obsolete ``#~`` entries are left out, and
    the keys are all one compares: two exports of the same strings compare equal
    whatever their dates and order.
    """
    polib = _polib()
    try:
        catalog = polib.pofile(str(path), encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise DevError(f"{path}: not a .po file: {exc}") from None
    entries = {}
    for entry in catalog:
        if entry.obsolete or not entry.msgid:
            continue
        if entry.msgid_plural:
            strs = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
        else:
            strs = [entry.msgstr]
        refs = tuple(
            f"{where}:{line}" if line else where for where, line in entry.occurrences
        )
        entries[(entry.msgctxt, entry.msgid)] = PoEntry(strs, refs)
    return entries


def _quote_list(keys, limit=15):
    shown = [
        json.dumps(msgid if len(msgid) < 70 else msgid[:67] + "...", ensure_ascii=False)
        for _ctx, msgid in sorted(keys, key=lambda k: k[1])[:limit]
    ]
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(shown) + more


def demo_xmlids(root=ROOT):
    """External ids of the records the manifest's demo files create."""
    ids = set()
    for rel in ast.literal_eval((root / "__manifest__.py").read_text()).get("demo", []):
        path = root / rel
        if path.suffix == ".xml" and path.exists():
            ids |= {node.get("id") for node in ET.parse(path).iter() if node.get("id")}
        elif path.suffix == ".csv" and path.exists():
            with path.open(encoding="utf-8") as fh:
                ids |= {row.get("id") for row in csv.DictReader(fh) if row.get("id")}
    return {i if "." in i else f"{MODULE}.{i}" for i in ids}


def without_demo(entries, demo_ids):
    """Leave out the strings only demo records use: Odoo exports its .pot files from
    databases without demo data, but ./dev test's database has them."""

    def demo_only(entry):
        refs = [r for r in entry.refs if r.startswith(("model:", "model_terms:"))]
        return (
            bool(refs)
            and len(refs) == len(entry.refs)
            and all(r.rsplit(":", 1)[-1] in demo_ids for r in refs)
        )

    return {key: entry for key, entry in entries.items() if not demo_only(entry)}


def compare_pot(fresh, committed, pot_name=f"i18n/{MODULE}.pot"):
    """Problems between the msgids Odoo exports now and the committed .pot.

    Both directions fail: a string missing from the .pot cannot be translated, and
    a stale one makes translators work on text nobody sees.
    """
    problems = []
    missing = set(fresh) - set(committed)
    stale = set(committed) - set(fresh)
    if missing:
        problems.append(
            f"{pot_name} lacks {len(missing)} string(s) Odoo exports:"
            f" {_quote_list(missing)} (run ./dev pot)"
        )
    if stale:
        problems.append(
            f"{pot_name} has {len(stale)} string(s) Odoo no longer exports:"
            f" {_quote_list(stale)} (run ./dev pot)"
        )
    return problems


# Scalar field types whose first positional argument is the label.
_LABEL_FIRST = {
    "Boolean",
    "Char",
    "Text",
    "Html",
    "Integer",
    "Float",
    "Monetary",
    "Date",
    "Datetime",
    "Binary",
    "Image",
    "Json",
}
# View attributes Odoo exports as terms of their own.
_VIEW_ATTRS = ("string", "help", "placeholder", "confirm")


def _literal(node):
    return (
        node.value
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        else None
    )


def _python_terms(tree):
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ("_", "_lt") and call.args:
            yield _literal(call.args[0])
        is_field = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "fields"
        )
        if not is_field:
            continue
        for keyword in call.keywords:
            if keyword.arg in ("string", "help"):
                yield _literal(keyword.value)
        if name in _LABEL_FIRST and call.args:
            yield _literal(call.args[0])


def _xml_terms(tree):
    for menu in tree.iter("menuitem"):
        yield menu.get("name")
    for arch in tree.iter("field"):
        if arch.get("name") == "arch":
            for node in arch.iter():
                yield from (node.get(attr) for attr in _VIEW_ATTRS)


def static_pot_terms(root=ROOT):
    """Strings Odoo's .pot export must hold, found without Odoo: a *partial* list.

    Python: literal first arguments of _() and _lt() (also ``self.env._()``), and
    fields' literal labels and help; XML: view attributes string, help,
    placeholder and confirm, and menu names.  Not covered: selection values,
    records' translatable fields, view text nodes.
    """
    terms = set()
    for path in walk_addon(root):
        if path.suffix == ".py":
            found = _python_terms(ast.parse(path.read_text(encoding="utf-8")))
        elif path.suffix == ".xml":
            try:
                found = _xml_terms(ET.parse(path))
            except ET.ParseError:
                continue  # reported by the XML check
        else:
            continue
        terms.update(t for t in found if t and t.strip())
    return terms


def check_pot_static(root=ROOT):
    pot = root / "i18n" / f"{MODULE}.pot"
    if not pot.exists():
        return [f"i18n/{MODULE}.pot does not exist (run ./dev pot)"]
    exported = {msgid for _ctx, msgid in read_po(pot)}
    missing = {(None, t) for t in static_pot_terms(root) if t not in exported}
    if missing:
        return [
            f"i18n/{MODULE}.pot lacks {len(missing)} string(s) of the code or views"
            f" (partial check without Odoo): {_quote_list(missing)} (run ./dev pot)"
        ]
    return []


# What Python's %-formatting fills in: "%(name)s", "%s", "%d"... ("%%" is a percent sign).
_PLACEHOLDER = re.compile(r"%%|%(?:\([A-Za-z_]\w*\))?\d*(?:\.\d+)?[sdifr]")


def po_placeholders(text):
    """The placeholders of ``text``, sorted: a translation must keep the same ones,
    or formatting it fails (or drops a name) for the reader of that language."""
    return sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")


def check_po_files(root=ROOT):
    """Every i18n/*.po: every string of the .pot translated (no empty msgstr, none
    missing), no msgid the .pot does not have, the same placeholders as the msgid."""
    problems = []
    pot = root / "i18n" / f"{MODULE}.pot"
    pot_keys = set(read_po(pot)) if pot.exists() else None
    for po in sorted((root / "i18n").glob("*.po")):
        entries = read_po(po)
        empty = {
            key
            for key, entry in entries.items()
            if not entry.msgstrs or not all(entry.msgstrs)
        }
        if empty:
            problems.append(
                f"i18n/{po.name}: {len(empty)} untranslated string(s) (empty"
                f" msgstr): {_quote_list(empty, limit=5)}"
            )
        if pot_keys is not None:
            unknown = set(entries) - pot_keys
            if unknown:
                problems.append(
                    f"i18n/{po.name}: {len(unknown)} string(s) not in the .pot:"
                    f" {_quote_list(unknown, limit=5)}"
                )
            missing = pot_keys - set(entries)
            if missing:
                problems.append(
                    f"i18n/{po.name}: {len(missing)} string(s) of the .pot"
                    f" missing: {_quote_list(missing, limit=5)}"
                )
        mismatched = {
            key
            for key, entry in entries.items()
            if any(
                text and po_placeholders(text) != po_placeholders(key[1])
                for text in entry.msgstrs
            )
        }
        if mismatched:
            problems.append(
                f"i18n/{po.name}: {len(mismatched)} translation(s) whose"
                " placeholders differ from the msgid's:"
                f" {_quote_list(mismatched, limit=5)}"
            )
    return problems


def export_pot(odoo, db, out):
    """Have Odoo export the addon's .pot from ``db`` (where it is installed)."""
    _desc, argv, dirs, _version = odoo
    out.unlink(missing_ok=True)
    res = run(
        [
            *argv,
            "-d",
            db,
            "--addons-path",
            addons_path(dirs),
            f"--i18n-export={out}",
            f"--modules={MODULE}",
            "--stop-after-init",
            "--log-level",
            "warn",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if res.returncode or not out.exists():
        tail = (res.stdout + res.stderr).strip().splitlines()[-5:]
        raise DevError(f"Odoo could not export the .pot from {db}: " + " | ".join(tail))
    return out


def _without_dates(path):
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith(('"POT-Creation-Date:', '"PO-Revision-Date:'))
    ]


def cmd_pot(args):
    odoo = require_odoo()
    started = time.time()
    kept_db(odoo, args.db, demo=False)
    fresh = export_pot(odoo, args.db, STATE / "export.pot")
    rel = POT.relative_to(ROOT)
    if POT.exists() and _without_dates(POT) == _without_dates(fresh):
        say(
            f"{rel} is up to date ({len(read_po(POT))} strings; {time.time() - started:.0f}s)"
        )
        return 0
    before = read_po(POT) if POT.exists() else {}
    POT.parent.mkdir(exist_ok=True)
    shutil.copyfile(fresh, POT)
    after = read_po(POT)
    say(
        f"Wrote {rel}: {len(after)} strings, {len(set(after) - set(before))} new,"
        f" {len(set(before) - set(after))} gone ({time.time() - started:.0f}s)"
    )
    return 0
