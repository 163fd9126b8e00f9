from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .crm_routing_checks import check_values

# The largest cap on leads: beyond it a cap is a typo (0 is "no cap").
MAX_CAP = 100000
# Fields a sales manager may change on anyone's routing profile, and the one a
# salesperson may change on their own.
ROUTING_PROFILE_FIELDS = {
    "routing_skill_ids",
    "routing_available",
    "routing_max_open_leads",
    "routing_max_daily_leads",
    "routing_satisfaction",
}

# res.users field -> crm.routing.scorecard field. The values live on the
# scorecard (see its docstring for why); these fields show them to whoever the
# scorecard's record rules let read them, and read empty for anyone else.
SCORECARD_FIELDS = {
    "routing_score": "score",
    "routing_tier": "tier",
    "routing_score_details": "details",
    "routing_conversion_rate": "conversion_rate",
    "routing_speed_minutes": "speed_minutes",
    "routing_won_revenue": "won_revenue",
    "routing_activity_rate": "activity_rate",
    "routing_closed_count": "closed_count",
    "routing_score_date": "score_date",
    "routing_satisfaction": "satisfaction",
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
        compute="_compute_routing_scorecard",
        inverse="_inverse_routing_score",
        help="0-100 from the CRM history (conversion, speed, revenue, activity, "
        "satisfaction), ranked among comparable salespeople.",
    )
    routing_score_details = fields.Json(compute="_compute_routing_scorecard")
    routing_tier = fields.Selection(
        [
            ("top", "Top 20%"),
            ("middle", "Middle"),
            ("bottom", "Bottom 20%"),
            ("unranked", "Not ranked"),
        ],
        compute="_compute_routing_scorecard",
        help="Not ranked: not in a sales team or a routing rule's pool, so routing "
        "never chooses them and the scorecard leaves them out.",
    )
    routing_satisfaction = fields.Float(
        string="Customer Satisfaction (0-5)",
        compute="_compute_routing_scorecard",
        inverse="_inverse_routing_satisfaction",
        help="CSAT/NPS brought in from outside Odoo; used when its weight is set.",
    )
    routing_conversion_rate = fields.Float(
        string="Conversion (%)", compute="_compute_routing_scorecard"
    )
    routing_speed_minutes = fields.Float(
        string="Median First Contact (min)", compute="_compute_routing_scorecard"
    )
    routing_won_revenue = fields.Float(
        string="Won Revenue", compute="_compute_routing_scorecard"
    )
    routing_activity_rate = fields.Float(
        string="Activities per Working Day", compute="_compute_routing_scorecard"
    )
    routing_closed_count = fields.Integer(
        string="Closed Leads", compute="_compute_routing_scorecard"
    )
    routing_score_date = fields.Datetime(
        string="Score Computed On", compute="_compute_routing_scorecard"
    )
    routing_score_hidden = fields.Boolean(compute="_compute_routing_scorecard")
    routing_score_breakdown = fields.Html(
        compute="_compute_routing_score_breakdown", sanitize=False
    )
    routing_open_lead_count = fields.Integer(
        compute="_compute_routing_open_lead_count", string="Open Leads"
    )
    routing_target_ids = fields.Many2many(
        "crm.routing.target",
        string="Targets",
        compute="_compute_routing_target_ids",
        help="This person's targets and their sales teams' (started ones), as "
        "far as the reader may see them.",
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
            "routing_target_ids",
            *SCORECARD_FIELDS,
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

    @api.depends_context("uid")
    def _compute_routing_target_ids(self):
        """Searched as the reader: the targets' record rules decide (their
        own, their teams', colleagues' only when scores are shared)."""
        Target = self.env["crm.routing.target"]
        for user in self:
            user.routing_target_ids = Target.search(
                [
                    ("state", "!=", "draft"),
                    "|",
                    ("user_id", "=", user._origin.id),
                    ("team_id.member_ids", "in", [user._origin.id]),
                ],
                order="state desc, date_to desc, id desc",
            )

    @api.depends("routing_score_details")
    @api.depends_context("uid")
    def _compute_routing_score_breakdown(self):
        Scorecard = self.env["crm.routing.scorecard"]
        for user in self:
            if user.routing_score_hidden:
                breakdown = Markup("<p>%s</p>") % _(
                    "Only sales managers see colleagues' scores, unless a manager "
                    "shares them in the CRM settings."
                )
            else:
                breakdown = Scorecard._render_breakdown(user.routing_score_details)
            user.routing_score_breakdown = breakdown

    @api.depends_context("uid")
    def _compute_routing_scorecard(self):
        """Each user's scorecard, as far as the reader may see it.

        The scorecard's record rules decide (own, managers, shared by the
        company); what the reader may not see reads empty, so no screen that
        happens to load a colleague's user record can fail on it.
        """
        cards = self.env["crm.routing.scorecard"]._for_users(self)
        readable = cards
        if not self.env.su:
            readable = cards.with_user(self.env.user)._filtered_access("read")
        by_user = {card.user_id.id: card for card in readable.sudo()}
        hidden = set((cards - readable.sudo()).user_id.ids)
        for user in self:
            card = by_user.get(user._origin.id)
            for name, source in SCORECARD_FIELDS.items():
                user[name] = card[source] if card else False
            if user._origin.id not in hidden and not (card and card.ranked):
                user.routing_tier = "unranked"
            user.routing_score_hidden = user._origin.id in hidden

    def _inverse_routing_score(self):
        """Set-up code (demo data, tests, imports by an administrator) may seed
        a score; the nightly run recomputes it."""
        self._write_scorecards("score", "routing_score")

    def _inverse_routing_satisfaction(self):
        """A sales manager's input, kept on the scorecard."""
        self._write_scorecards("satisfaction", "routing_satisfaction")

    def _write_scorecards(self, card_field, user_field):
        cards = self.env["crm.routing.scorecard"]._for_users(self, create=True)
        by_user = {card.user_id.id: card for card in cards}
        for user in self:
            by_user[user.id].write({card_field: user[user_field]})

    def _routing_selling_places(self, limit=None):
        """Where this user sells: the active sales teams they lead or belong
        to, and the active routing rules that may choose them, as names (one
        query). Empty for someone who sells nothing (an integration user)."""
        self.ensure_one()
        for model in ("crm.team", "crm.team.member", "crm.routing.rule"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT 'crm.team', t.id FROM crm_team t
                 WHERE t.active
                   AND (t.user_id = %(uid)s
                        OR EXISTS (SELECT 1 FROM crm_team_member m
                                    WHERE m.crm_team_id = t.id AND m.active
                                      AND m.user_id = %(uid)s))
                UNION ALL
                SELECT 'crm.routing.rule', r.id FROM crm_routing_rule r
                 WHERE r.active
                   AND CASE WHEN r.strategy = 'fixed_user'
                            THEN r.fixed_user_id = %(uid)s
                            ELSE EXISTS (SELECT 1 FROM crm_routing_rule_user_rel p
                                          WHERE p.rule_id = r.id
                                            AND p.user_id = %(uid)s) END
                 LIMIT %(limit)s
                """,
                uid=self.id,
                limit=limit,
            )
        )
        rows = self.env.cr.fetchall()
        if limit:
            return [str(res_id) for _model, res_id in rows]
        env = self.sudo().env
        return [env[model].browse(res_id).display_name for model, res_id in rows]

    def action_routing_recompute_scores(self):
        """Recompute now (leaderboard button): the selected people's companies."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(_("Only sales managers can recompute routing scores."))
        self._routing_check_same_company()
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
            if max(user.routing_max_open_leads, user.routing_max_daily_leads) > MAX_CAP:
                raise ValidationError(
                    _(
                        "%(user)s: a lead cap is at most %(max)s; use 0 for no cap.",
                        user=user.name,
                        max=MAX_CAP,
                    )
                )

    def write(self, vals):
        """Let sales managers edit routing profiles without user-admin rights,
        for the salespeople of their own companies only."""
        check_values(self, [vals], ROUTING_PROFILE_FIELDS)
        if (
            vals
            and set(vals) <= ROUTING_PROFILE_FIELDS
            and not self.env.su
            and self.env.user.has_group("sales_team.group_sale_manager")
        ):
            self._routing_check_same_company()
            return super(ResUsers, self.sudo()).write(vals)
        return super().write(vals)

    def _routing_check_same_company(self):
        """A sales manager changes the routing profile of people who work in
        one of the manager's companies, never of another company's staff."""
        if self.env.su:
            return
        mine = self.env.user.sudo().company_ids
        strangers = self.sudo().filtered(
            lambda user: user != self.env.user and not (user.company_ids & mine)
        )
        if strangers:
            raise AccessError(
                _(
                    "%(names)s do not work in any of your companies: only their own "
                    "companies' sales managers can change their lead routing.",
                    names=", ".join(strangers.mapped("name")),
                )
            )

    def action_routing_toggle_available(self):
        """Accepting new leads on or off: one's own switch, or a sales
        manager's for the people of their companies."""
        others = self - self.env.user
        if others and not self.env.su:
            if not self.env.user.has_group("sales_team.group_sale_manager"):
                raise AccessError(
                    _("Only sales managers can switch colleagues' lead routing.")
                )
            others._routing_check_same_company()
        for user in self:
            user.routing_available = not user.routing_available
        return True
