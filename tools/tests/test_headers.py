# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every Python file of the addon names its copyright holder and licence.

OCA publishes an addon's files with these two lines on top (after a shebang):
whoever copies one file out of the addon still knows under which terms.
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = [
    "# Copyright 2026 crm_lead_routing contributors",
    "# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).",
]


def python_files():
    """The Python files git tracks: *.py, and scripts whose shebang runs python."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        path = ROOT / rel
        if not path.is_file():
            continue
        if rel.endswith(".py"):
            yield rel, path
        else:
            with path.open("rb") as fh:
                first = fh.readline()
            if first.startswith(b"#!") and b"python" in first:
                yield rel, path


def header_of(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith("#!"):
        lines = lines[1:]
    return lines[:2]


def test_every_tracked_python_file_starts_with_the_copyright_header():
    files = dict(python_files())
    assert "dev" in files, "the ./dev script is Python and must be checked too"
    assert "__manifest__.py" in files
    missing = sorted(rel for rel, path in files.items() if header_of(path) != HEADER)
    assert missing == []


def test_the_header_goes_after_a_shebang_not_before(tmp_path):
    script = tmp_path / "script"
    script.write_text("#!/usr/bin/env python3\n" + "\n".join(HEADER) + "\nprint(1)\n")
    assert header_of(script) == HEADER
    script.write_text("import os\n")
    assert header_of(script) != HEADER
