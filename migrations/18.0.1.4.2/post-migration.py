# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Scoring weights move from one company column per metric
(``res_company.routing_weight_<metric>``) to one row per company and metric
(``crm.routing.metric.weight``). Odoo leaves the old columns in place on
upgrade: every company's row takes its column's value, so that no manager's
weights are lost."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.routing.metric.weight"]._migrate_from_company_columns()
