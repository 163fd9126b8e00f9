from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

# Fields a sales manager may change on anyone's routing profile, and the one a
# salesperson may change on their own.
ROUTING_PROFILE_FIELDS = {
    "routing_skill_ids",
    "routing_available",
    "routing_max_open_leads",
    "routing_max_daily_leads",
    "routing_satisfaction",
}

# What the daily scoring run stores on each salesperson.
ROUTING_SCORECARD_COLUMNS = (
    "routing_score",
    "routing_tier",
    "routing_score_details",
    "routing_conversion_rate",
    "routing_speed_minutes",
    "routing_won_revenue",
    "routing_activity_rate",
    "routing_closed_count",
    "routing_score_date",
)
# A salesperson reads their own scorecard; colleagues' only when a manager, or
# when the company shares scores (a setting, off by default).
ROUTING_SCORE_FIELDS = frozenset(
    ROUTING_SCORECARD_COLUMNS + ("routing_score_breakdown", "routing_satisfaction")
)


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
    routing_conversion_rate = fields.Float(string="Conversion (%)", readonly=True)
    routing_speed_minutes = fields.Float(
        string="Median First Contact (min)", readonly=True
    )
    routing_won_revenue = fields.Float(string="Won Revenue", readonly=True)
    routing_activity_rate = fields.Float(
        string="Activities per Working Day", readonly=True
    )
    routing_closed_count = fields.Integer(string="Closed Leads", readonly=True)
    routing_score_date = fields.Datetime(string="Score Computed On", readonly=True)
    routing_score_breakdown = fields.Html(
        compute="_compute_routing_score_breakdown", sanitize=False
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
            "routing_open_lead_count",
            "routing_score_breakdown",
            *ROUTING_SCORECARD_COLUMNS,
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

    @api.depends("routing_score_details")
    def _compute_routing_score_breakdown(self):
        labels = {
            "conversion": _("Conversion (won / closed, %)"),
            "speed": _("Median first contact (min)"),
            "revenue": _("Won revenue"),
            "activity": _("Activities done per working day"),
            "satisfaction": _("Customer satisfaction (0-5)"),
        }
        header = Markup(
            "<table class='table table-sm o_routing_breakdown'><thead><tr>"
            "<th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr></thead><tbody>"
        ) % (_("Metric"), _("Value"), _("Cases"), _("Percentile"), _("Weight"))
        for user in self:
            details = user.routing_score_details or {}
            if not details:
                user.routing_score_breakdown = Markup("<p>%s</p>") % _(
                    "Not scored yet: scores are computed daily, or on demand from "
                    "the leaderboard."
                )
                continue
            rows = Markup()
            for metric, label in labels.items():
                item = details.get(metric)
                if not item or not item.get("weight"):
                    continue
                value = item.get("raw")
                rows += Markup(
                    "<tr><td>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td></tr>"
                ) % (
                    label,
                    "-" if value is None else f"{value:,.1f}",
                    item.get("n", 0),
                    escape(f"{item.get('percentile', 50):.0f}"),
                    item.get("weight"),
                )
            user.routing_score_breakdown = header + rows + Markup("</tbody></table>")

    @api.model
    def check_field_access_rights(self, operation, field_names):
        """Hide colleagues' scorecards from salespeople unless the company shares them.

        A salesperson always reads their own; a sales manager reads everyone's.
        """
        result = super().check_field_access_rights(operation, field_names)
        if (
            operation != "read"
            or self.env.su
            or (self and self.ids == [self.env.uid])
            or self.env.user.has_group("sales_team.group_sale_manager")
            or self.env.company.routing_score_share
        ):
            return result
        if field_names:
            asked = ROUTING_SCORE_FIELDS.intersection(field_names)
            if asked:
                raise AccessError(
                    _(
                        "Only sales managers can see colleagues' routing scores "
                        "(fields: %(fields)s). A manager can share them in CRM "
                        "settings > Lead Routing.",
                        fields=", ".join(sorted(asked)),
                    )
                )
            return result
        return [name for name in result if name not in ROUTING_SCORE_FIELDS]

    @api.model
    def _cron_routing_scores(self):
        """Daily: recompute every salesperson's score and snapshot it."""
        self.env["crm.routing.scorer"]._recompute()

    def action_routing_recompute_scores(self):
        """Recompute now (leaderboard button): the selected people's companies."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(_("Only sales managers can recompute routing scores."))
        results = self.env["crm.routing.scorer"]._recompute(self or None)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Lead routing"),
                "message": _("%(count)s salespeople scored.", count=len(results)),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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
