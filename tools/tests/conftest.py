# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The tests of tools/ import its modules (``devtool``, the package behind
./dev) as ./dev does: with tools/ on the path."""

import sys
from pathlib import Path

TOOLS = str(Path(__file__).resolve().parents[1])
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)
