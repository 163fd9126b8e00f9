# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmRoutingScoreSnapshot(models.Model):
    """One salesperson's score on one day.

    Managers judge trends over months, not one bad week: the daily scoring run
    stores a row per person and day (a rerun the same day updates it), and the
    graph and pivot views draw the history from these rows.
    """

    _name = "crm.routing.score.snapshot"
    _description = "Salesperson Score Snapshot"
    _order = "date desc, score desc"
    _rec_name = "user_id"

    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    date = fields.Date(required=True, index=True, readonly=True)
    score = fields.Float(aggregator="avg", readonly=True)
    tier = fields.Selection(
        [("top", "Top 20%"), ("middle", "Middle"), ("bottom", "Bottom 20%")],
        readonly=True,
    )
    conversion_rate = fields.Float(
        string="Conversion (%)", aggregator="avg", readonly=True
    )
    speed_minutes = fields.Float(
        string="Median First Contact (min)", aggregator="avg", readonly=True
    )
    won_revenue = fields.Float(aggregator="sum", readonly=True)
    activity_rate = fields.Float(
        string="Activities per Working Day", aggregator="avg", readonly=True
    )
    closed_count = fields.Integer(string="Closed Leads", readonly=True)

    _sql_constraints = [
        (
            "user_date_uniq",
            "unique(user_id, date)",
            "A salesperson has one score snapshot per day.",
        )
    ]
