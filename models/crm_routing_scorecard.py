# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..routing import scoring

TIERS = [("top", "Top 20%"), ("middle", "Middle"), ("bottom", "Bottom 20%")]
# The leaderboard shows at most this many running targets, one column each.
TARGET_COLUMNS = 6


class CrmRoutingScorecard(models.Model):
    """One salesperson's current routing score, kept apart from ``res.users``.

    Why a model of its own: who may see a score is a question of *records*
    (your own; everyone's for a sales manager; your colleagues' when the
    company shares scores), which record rules answer in one place. Kept as
    columns of ``res.users``, the scores had to be hidden by raising on field
    access, and Odoo's own screens that prefetch users (the chatter's
    followers, avatars, mentions) then failed for salespeople. ``res.users``
    exposes these values through computed fields that read this model under
    the reader's rules (see ``res_users.py``).
    """

    _name = "crm.routing.scorecard"
    _description = "Salesperson Scorecard"
    _order = "score desc, id"
    _rec_name = "user_id"

    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    ranked = fields.Boolean(
        readonly=True,
        help="Whether the last scoring run ranked this person among the people "
        "who sell (sales team members and leaders, people in a routing rule).",
    )
    score = fields.Float(default=50.0, readonly=True, aggregator="avg")
    tier = fields.Selection(TIERS, default="middle", readonly=True)
    details = fields.Json(readonly=True)
    conversion_rate = fields.Float(
        string="Conversion (%)", readonly=True, aggregator="avg"
    )
    speed_minutes = fields.Float(
        string="Median First Contact (min)", readonly=True, aggregator="avg"
    )
    won_revenue = fields.Float(readonly=True)
    activity_rate = fields.Float(
        string="Activities per Working Day", readonly=True, aggregator="avg"
    )
    closed_count = fields.Integer(string="Closed Leads", readonly=True)
    score_date = fields.Datetime(string="Scored On", readonly=True)
    activity_display = fields.Char(
        string="Activities per Day",
        compute="_compute_displays",
        help="Activities done on leads per working day; below a week of working "
        "days of history the figure says nothing yet.",
    )
    speed_display = fields.Char(
        string="Median First Contact", compute="_compute_displays"
    )
    breakdown = fields.Html(
        string="Score Breakdown", compute="_compute_displays", sanitize=False
    )
    satisfaction = fields.Float(
        string="Customer Satisfaction (0-5)",
        help="CSAT/NPS brought in from outside Odoo by a sales manager; used "
        "when its weight in the scorecard settings is above 0.",
    )

    # One column per running target on the leaderboard (see ``_get_view``):
    # each person's progress in %; -1 (shown empty) where it is not theirs.
    target_progress_1 = fields.Float(compute="_compute_target_progress")
    target_progress_2 = fields.Float(compute="_compute_target_progress")
    target_progress_3 = fields.Float(compute="_compute_target_progress")
    target_progress_4 = fields.Float(compute="_compute_target_progress")
    target_progress_5 = fields.Float(compute="_compute_target_progress")
    target_progress_6 = fields.Float(compute="_compute_target_progress")

    _sql_constraints = [
        (
            "user_uniq",
            "unique(user_id)",
            "A salesperson has one scorecard.",
        )
    ]

    @api.depends("speed_minutes", "details", "closed_count")
    def _compute_displays(self):
        explainer = self.env["crm.routing.explainer"]
        for card in self:
            card.speed_display = (
                explainer._duration(card.speed_minutes)
                if (card.details or {}).get("speed", {}).get("raw") is not None
                else ""
            )
            activity = (card.details or {}).get("activity", {})
            card.activity_display = (
                self._format_metric("activity", activity["raw"])
                if activity.get("raw") is not None
                else _("Not enough history yet")
            )
            card.breakdown = self._render_breakdown(card.details)

    @api.model
    def _render_breakdown(self, details):
        """The score's metrics as a table: value, cases, percentile, weight."""
        explainer = self.env["crm.routing.explainer"]
        if not details:
            return explainer._render_table(
                "crm_lead_routing.routing_score_breakdown", scored=False, rows=[]
            )
        tr = explainer._translator()
        formats = self._metric_formats()
        rows = []
        for metric in scoring.METRIC_TABLE:
            item = details.get(metric.name)
            if not item or not item.get("weight"):
                continue
            value = item.get("raw")
            rows.append(
                {
                    "label": tr(metric.label),
                    # None: the template says there is not enough history yet.
                    "value": None if value is None else formats[metric.shown_as](value),
                    "cases": item.get("n", 0),
                    "percentile": f"{item.get('percentile', 50):.0f}",
                    "weight": item.get("weight"),
                }
            )
        return explainer._render_table(
            "crm_lead_routing.routing_score_breakdown", scored=True, rows=rows
        )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_target_progress(self):
        """Each running target's progress for the person of each row: their
        own target's, or their team's for a team target (all computed at
        once, in the scorer's fixed number of queries)."""
        columns = self.env["crm.routing.target"]._leaderboard_columns()
        figures = []
        for _title, targets in columns[:TARGET_COLUMNS]:
            by_user = {}
            for target in targets:
                for user in target.user_id or target.team_id.sudo().member_ids:
                    by_user[user.id] = target.progress
            figures.append(by_user)
        for card in self:
            for slot in range(1, TARGET_COLUMNS + 1):
                by_user = figures[slot - 1] if slot <= len(figures) else {}
                card[f"target_progress_{slot}"] = by_user.get(card.user_id.id, -1.0)

    @api.model
    def _target_column_titles(self):
        return tuple(
            title
            for title, _targets in self.env["crm.routing.target"]._leaderboard_columns()
        )[:TARGET_COLUMNS]

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        """The leaderboard's columns follow the running targets: they are part
        of the cached list view's key."""
        key = super()._get_view_cache_key(view_id, view_type, **options)
        if view_type == "list":
            key += (tuple(self.env.companies.ids), self._target_column_titles())
        return key

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """A column per running target after the score's figures, titled with
        its metric and end ("Conversion by 03/31/2027")."""
        arch, view = super()._get_view(view_id, view_type, **options)
        anchor = arch.xpath("//field[@name='activity_display']")
        if view_type == "list" and anchor:
            anchor = anchor[0]
            titles = self._target_column_titles()
            for slot, title in reversed(list(enumerate(titles, start=1))):
                anchor.addnext(
                    etree.Element(
                        "field",
                        name=f"target_progress_{slot}",
                        string=title,
                        widget="progressbar",
                        invisible=f"target_progress_{slot} < 0",
                    )
                )
        return arch, view

    @api.model
    def _metric_formats(self):
        """How a metric's raw value is written, by its ``shown_as``."""
        explainer = self.env["crm.routing.explainer"]
        return {
            "percent": explainer._percent,
            "duration": explainer._duration,
            "amount": lambda value: explainer._number(value, 0),
            "decimal": lambda value: explainer._number(value, 2),
            "score": lambda value: explainer._number(value, 1),
        }

    @api.model
    def _format_metric(self, metric, value):
        """A metric's value as the breakdown writes it ("22.0 %", "15 min")."""
        shown_as = {m.name: m.shown_as for m in scoring.METRIC_TABLE}[metric]
        return self._metric_formats()[shown_as](value)

    @api.constrains("satisfaction")
    def _check_satisfaction(self):
        for card in self:
            if not 0 <= card.satisfaction <= 5:
                raise ValidationError(
                    _(
                        "%(user)s: Customer Satisfaction is a figure from 0 to 5 "
                        "(got %(value)s).",
                        user=card.user_id.name,
                        value=card.satisfaction,
                    )
                )

    @api.model
    def _for_users(self, users, create=False):
        """The scorecards of ``users`` (as superuser), created on demand."""
        cards = self.sudo().search([("user_id", "in", users.ids)])
        missing = users - cards.user_id
        if create and missing:
            cards |= (
                self.sudo()
                .with_context(active_test=False)
                .create(
                    [
                        {"user_id": user.id, "company_id": user.sudo().company_id.id}
                        for user in missing
                    ]
                )
            )
        return cards

    def action_recompute(self):
        """Leaderboard button: rescore everyone of the companies shown."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(_("Only sales managers can recompute routing scores."))
        return self.env["res.users"].action_routing_recompute_scores()
