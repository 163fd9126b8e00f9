from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Fields a sales manager may change on anyone's routing profile, and the one a
# salesperson may change on their own.
ROUTING_PROFILE_FIELDS = {
    "routing_skill_ids",
    "routing_available",
    "routing_max_open_leads",
    "routing_max_daily_leads",
    "routing_satisfaction",
}


class ResUsers(models.Model):
    """A salesperson's routing profile: skills, availability, capacity, score."""

    _inherit = "res.users"

    routing_skill_ids = fields.One2many(
        "crm.routing.user.skill", "user_id", string="Routing Skills"
    )
    routing_available = fields.Boolean(
        string="Accepting New Leads",
        default=True,
        help="Switch off to stop receiving routed leads (e.g. busy, sick).",
    )
    routing_max_open_leads = fields.Integer(string="Max Open Leads", help="0: no cap.")
    routing_max_daily_leads = fields.Integer(
        string="Max New Leads per Day", help="0: no cap."
    )
    routing_score = fields.Float(
        default=50.0,
        readonly=True,
        help="0-100 from the CRM history (conversion, speed, revenue, activity, "
        "satisfaction), ranked among comparable salespeople.",
    )
    routing_score_details = fields.Json(readonly=True)
    routing_tier = fields.Selection(
        [("top", "Top 20%"), ("middle", "Middle"), ("bottom", "Bottom 20%")],
        readonly=True,
        default="middle",
    )
    routing_satisfaction = fields.Float(
        string="Customer Satisfaction (0-5)",
        help="CSAT/NPS brought in from outside Odoo; used when its weight is set.",
    )
    routing_last_assigned_at = fields.Datetime(readonly=True, copy=False)
    routing_open_lead_count = fields.Integer(
        compute="_compute_routing_open_lead_count", string="Open Leads"
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "routing_skill_ids",
            "routing_available",
            "routing_max_open_leads",
            "routing_max_daily_leads",
            "routing_score",
            "routing_score_details",
            "routing_tier",
            "routing_open_lead_count",
        ]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["routing_available"]

    def _compute_routing_open_lead_count(self):
        counts = dict(
            self.env["crm.lead"]._read_group(
                [("user_id", "in", self.ids), ("probability", "<", 100)],
                ["user_id"],
                ["__count"],
            )
        )
        for user in self:
            user.routing_open_lead_count = counts.get(user, 0)

    @api.constrains("routing_max_open_leads", "routing_max_daily_leads")
    def _check_routing_caps(self):
        for user in self:
            if user.routing_max_open_leads < 0 or user.routing_max_daily_leads < 0:
                raise ValidationError(
                    _(
                        "%(user)s: lead caps cannot be negative; use 0 for no cap.",
                        user=user.name,
                    )
                )

    @api.constrains("routing_satisfaction")
    def _check_routing_satisfaction(self):
        for user in self:
            if not 0 <= user.routing_satisfaction <= 5:
                raise ValidationError(
                    _(
                        "%(user)s: Customer Satisfaction is a figure from 0 to 5 "
                        "(got %(value)s).",
                        user=user.name,
                        value=user.routing_satisfaction,
                    )
                )

    def write(self, vals):
        """Let sales managers edit routing profiles without user-admin rights."""
        if (
            vals
            and set(vals) <= ROUTING_PROFILE_FIELDS
            and not self.env.su
            and self.env.user.has_group("sales_team.group_sale_manager")
        ):
            return super(ResUsers, self.sudo()).write(vals)
        return super().write(vals)

    def action_routing_toggle_available(self):
        for user in self:
            user.routing_available = not user.routing_available
        return True
