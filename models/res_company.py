from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..routing import scoring


class ResCompany(models.Model):
    _inherit = "res.company"

    routing_auto_assign = fields.Boolean(
        string="Route New Leads Automatically",
        default=False,
        help="Route every new lead through the routing rules when it is created.",
    )
    routing_staff_leads = fields.Selection(
        [
            ("keep", "Keep the creator as salesperson"),
            ("route", "Route them like any other lead"),
        ],
        string="Leads Created by Salespeople",
        default="keep",
        required=True,
        help="A lead that someone who sells creates without choosing a "
        "salesperson: keep it theirs, or hand it out by the routing rules.",
    )
    routing_default_sla_minutes = fields.Integer(
        string="Default First-Contact Deadline (min)",
        default=30,
        help="The first-contact deadline new routing rules start with; each "
        "rule can change its own. 0: no deadline.",
    )
    routing_queue_order = fields.Selection(
        [
            ("oldest", "Oldest first"),
            ("revenue", "Highest expected revenue first"),
            ("newest", "Newest first"),
        ],
        string="Queue Order",
        default="oldest",
        required=True,
    )
    routing_sla_interval = fields.Integer(
        string="Deadline Check Every (min)", default=5
    )
    routing_score_window_days = fields.Integer(string="Score Window (days)", default=90)
    routing_score_min_closed = fields.Integer(
        string="Closed Leads for a Full Score", default=10
    )
    routing_score_by_team = fields.Boolean(string="Rank Within Team")
    routing_score_share = fields.Boolean(
        string="Salespeople See Colleagues' Scores", default=False
    )
    routing_weight_conversion = fields.Integer(default=40)
    routing_weight_speed = fields.Integer(default=25)
    routing_weight_revenue = fields.Integer(default=20)
    routing_weight_activity = fields.Integer(default=15)
    routing_weight_satisfaction = fields.Integer(default=0)

    @api.constrains(
        "routing_weight_conversion",
        "routing_weight_speed",
        "routing_weight_revenue",
        "routing_weight_activity",
        "routing_weight_satisfaction",
    )
    def _check_routing_weights(self):
        for company in self:
            weights = company._routing_score_weights()
            if any(w < 0 for w in weights.values()) or sum(weights.values()) != 100:
                raise ValidationError(
                    _(
                        "The scoring weights must be between 0 and 100 and add up to "
                        "100 (they add up to %(total)s).",
                        total=sum(weights.values()),
                    )
                )

    @api.constrains(
        "routing_score_window_days",
        "routing_score_min_closed",
        "routing_default_sla_minutes",
        "routing_sla_interval",
    )
    def _check_routing_numbers(self):
        for company in self:
            if company.routing_score_window_days <= 0:
                raise ValidationError(
                    _("The score window must be a positive number of days.")
                )
            if company.routing_score_min_closed < 0:
                raise ValidationError(
                    _("Closed leads for a full score cannot be negative.")
                )
            if company.routing_default_sla_minutes < 0:
                raise ValidationError(
                    _("The default first-contact deadline cannot be negative.")
                )
            if company.routing_sla_interval <= 0:
                raise ValidationError(
                    _("The deadline check interval must be at least one minute.")
                )

    def _routing_score_weights(self):
        self.ensure_one()
        return {name: self[f"routing_weight_{name}"] for name in scoring.METRICS}
