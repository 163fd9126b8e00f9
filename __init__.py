# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from . import models, report, wizard


def uninstall_hook(env):
    """Leave nothing of routing on the tables of other modules."""
    env["crm.routing.rule.book"]._uninstall_version_triggers()
