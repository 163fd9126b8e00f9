#!/usr/bin/env python3
# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Write README.rst from the manifest and the readme/ fragments, as OCA publishes
addons (what the Apps store and PyPI show); ``--check`` fails when it is stale.

    python3 tools/readme_rst.py           # rewrite README.rst
    python3 tools/readme_rst.py --check   # exit 1 if README.rst is not current

README.md stays the developers' readme; README.rst is for the people who install
the addon. The fragments are Markdown, like OCA's ``readme/*.md``: paragraphs,
``-`` and ``1.`` lists, ``*emphasis*``, ``**strong**``, ```code``` and
``[links](url)``, which this script turns into reStructuredText itself (no
pandoc, no network, standard library only).
"""

import argparse
import ast
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (fragment, section title); a missing fragment leaves its section out, as OCA's
# generator does. CONTRIBUTORS goes under Credits, after the authors.
SECTIONS = (
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
)
FRAGMENTS = ("DESCRIPTION", *(name for name, _title in SECTIONS), "CONTRIBUTORS")

STATUS_COLOURS = {
    "Alpha": "red",
    "Beta": "yellow",
    "Production/Stable": "green",
    "Mature": "brightgreen",
}
LICENCES = {
    "LGPL-3": "http://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "AGPL-3": "http://www.gnu.org/licenses/agpl-3.0-standalone.html",
}

# What README.rst shows of the manifest.
MANIFEST_KEYS = (
    "name",
    "license",
    "development_status",
    "author",
    "website",
    "maintainers",
)

_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def inline(text):
    """Markdown's inline marks in reStructuredText: code gets double backquotes,
    links become named references; emphasis and strong are written alike."""
    text = _CODE.sub(lambda m: f"``{m.group(1)}``", text)
    return _LINK.sub(lambda m: f"`{m.group(1)} <{m.group(2)}>`__", text)


def markdown_to_rst(markdown):
    """The fragment's blocks (paragraphs and lists) as reStructuredText.

    A list item's continuation lines keep their indentation, which is already the
    one reStructuredText asks for (two spaces after ``-``, three after ``1.``); a
    list always gets a blank line before it, which Markdown does not need."""
    out = []
    for line in markdown.strip("\n").splitlines():
        line = line.rstrip()
        is_item = bool(re.match(r"(-|\*|\d+\.) ", line))
        if (
            is_item
            and out
            and out[-1]
            and not re.match(r"\s*(-|\*|\d+\.) |\s", out[-1])
        ):
            out.append("")  # a list right after a paragraph line
        if is_item and line.startswith("* "):
            line = "- " + line[2:]
        out.append(inline(line))
    return "\n".join(out) + "\n"


def title(text, char, over=False):
    rule = char * len(text)
    return f"{rule}\n{text}\n{rule}\n" if over else f"{text}\n{rule}\n"


def read_inputs(root=ROOT):
    manifest = ast.literal_eval((root / "__manifest__.py").read_text(encoding="utf-8"))
    fragments = {}
    for name in FRAGMENTS:
        path = root / "readme" / f"{name}.md"
        if path.exists():
            fragments[name] = path.read_text(encoding="utf-8")
    return manifest, fragments


def digest(manifest, fragments):
    """A hash of what README.rst is made of, written into it: a reader of the file
    sees which sources it came from. Only the manifest's keys README.rst shows
    count, so adding a data file or bumping the version leaves it current."""
    shown = {key: manifest.get(key) for key in MANIFEST_KEYS}
    sha = hashlib.sha256(repr(sorted(shown.items())).encode())
    for name in sorted(fragments):
        sha.update(f"\0{name}\0{fragments[name]}".encode())
    return sha.hexdigest()


def render(manifest, fragments):
    """README.rst's text: title, badges, description, table of contents, the
    fragments' sections, bug tracker, credits (authors, contributors, maintainers)."""
    if "DESCRIPTION" not in fragments:
        raise SystemExit("readme/DESCRIPTION.md is required")
    name, website = manifest["name"], manifest.get("website", "").rstrip("/")
    status = manifest.get("development_status", "Beta")
    licence = manifest["license"]
    badges = [
        (
            f"maturity-{status.replace('/', '%2F')}-{STATUS_COLOURS.get(status, 'lightgrey')}",
            "https://odoo-community.org/page/development-status",
            status,
        ),
        (
            f"licence-{licence.replace('-', '--')}-blue",
            LICENCES.get(licence, "https://spdx.org/licenses/"),
            f"License: {licence}",
        ),
    ]
    parts = [
        title(name, "=", over=True),
        "..\n"
        "   !! This file is generated by tools/readme_rst.py from __manifest__.py and\n"
        "   !! readme/*.md: edit those, then run python3 tools/readme_rst.py.\n"
        f"   !! source digest: sha256:{digest(manifest, fragments)}\n",
    ]
    parts.append(
        "\n".join(
            f".. |badge{i}| image:: https://img.shields.io/badge/{image}.png\n"
            f"    :target: {target}\n"
            f"    :alt: {alt}"
            for i, (image, target, alt) in enumerate(badges, 1)
        )
        + "\n\n"
        + " ".join(f"|badge{i}|" for i in range(1, len(badges) + 1))
        + "\n"
    )
    parts.append(markdown_to_rst(fragments["DESCRIPTION"]))
    parts.append("**Table of contents**\n\n.. contents::\n   :local:\n")
    for fragment, heading in SECTIONS:
        if fragment in fragments:
            parts.append(title(heading, "="))
            parts.append(markdown_to_rst(fragments[fragment]))
    if website:
        parts.append(title("Bug Tracker", "="))
        parts.append(
            f"Report problems in the project's `issues <{website}/issues>`__, after\n"
            "a look at whether someone already did: say which Odoo 18 version, what\n"
            "you did, what you expected and what happened instead.\n"
        )
    parts.append(title("Credits", "="))
    parts.append(title("Authors", "-"))
    parts.append(
        "\n".join(f"- {a.strip()}" for a in manifest.get("author", "").split(","))
        + "\n"
    )
    if "CONTRIBUTORS" in fragments:
        parts.append(title("Contributors", "-"))
        parts.append(markdown_to_rst(fragments["CONTRIBUTORS"]))
    maintainers = manifest.get("maintainers") or []
    if maintainers:
        parts.append(title("Maintainers", "-"))
        parts.append(
            "Current maintainer"
            + ("s" if len(maintainers) > 1 else "")
            + ":\n\n"
            + "\n".join(f"- `{m} <https://github.com/{m}>`__" for m in maintainers)
            + "\n"
        )
        if website:
            parts.append(f"Source code: {website}\n")
    return "\n".join(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when README.rst differs from what the "
        "manifest and readme/*.md give",
    )
    args = parser.parse_args(argv)
    target = ROOT / "README.rst"
    text = render(*read_inputs(ROOT))
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if args.check:
        if current != text:
            print(
                "README.rst is stale: run python3 tools/readme_rst.py",
                file=sys.stderr,
            )
            return 1
        print("README.rst is current")
        return 0
    if current != text:
        target.write_text(text, encoding="utf-8")
        print("wrote README.rst")
    else:
        print("README.rst is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
