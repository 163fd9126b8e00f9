# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmRoutingTargetSnapshot(models.Model):
    """A target's figures on one day of its period.

    Written every night for running targets (``crm.routing.target._cron_snapshot``)
    and on the last day with the final figures, so a manager reviewing a
    target at its end sees how it went over the period (graph), not only
    where it ended. Who may read a snapshot is who may read its target.
    """

    _name = "crm.routing.target.snapshot"
    _description = "Sales Target Snapshot"
    _order = "date desc, id desc"
    _rec_name = "target_id"

    target_id = fields.Many2one(
        "crm.routing.target",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    date = fields.Date(required=True, readonly=True)
    company_id = fields.Many2one(
        related="target_id.company_id", store=True, index=True, readonly=True
    )
    user_id = fields.Many2one(
        related="target_id.user_id", store=True, string="Salesperson", readonly=True
    )
    team_id = fields.Many2one(
        related="target_id.team_id", store=True, string="Sales Team", readonly=True
    )
    metric = fields.Selection(related="target_id.metric", store=True, readonly=True)
    state = fields.Selection(related="target_id.state", readonly=True)
    value = fields.Float(aggregator="avg", readonly=True, help="The metric so far.")
    has_value = fields.Boolean(readonly=True)
    target_value = fields.Float(aggregator="avg", readonly=True)
    progress = fields.Float(string="Progress (%)", aggregator="avg", readonly=True)

    _sql_constraints = [
        (
            "target_date_uniq",
            "unique(target_id, date)",
            "A target has one snapshot per day.",
        )
    ]
