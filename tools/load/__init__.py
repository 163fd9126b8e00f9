# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The load test of tools/loadtest.py, one module per concern: the clients
(client), the Odoo servers (server), the set-up and phases (scenario), the
faults (faults) and the correctness checks and report (checks)."""
