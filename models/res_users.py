# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .client_actions import SOFT_RELOAD, notification
from .crm_routing_checks import check_values
from .routing_scope import open_lead_domain, open_lead_sql, rule_pool_sql

# The largest cap on leads: beyond it a cap is a typo (0 is "no cap").
MAX_CAP = 100000
# Fields a sales manager may change on anyone's routing profile, and the one a
# salesperson may change on their own.
ROUTING_PROFILE_FIELDS = {
    "routing_skill_ids",
    "routing_available",
    "routing_max_open_leads",
    "routing_max_daily_leads",
    "routing_max_stale_leads",
    "routing_satisfaction",
}
# Caps on a salesperson's leads (0: none).
ROUTING_CAPS = (
    "routing_max_open_leads",
    "routing_max_daily_leads",
    "routing_max_stale_leads",
)
# Take my next lead reads the waiting leads this many at a time, in the order
# of work, until one is the taker's (small batches match filters in memory).
TAKE_BATCH = 50
# States of a routed lead whose first contact is still awaited.
AWAITING_CONTACT = ("assigned", "escalated")

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
    routing_max_stale_leads = fields.Integer(
        string="Max Leads Waiting for Follow-up",
        help="Someone with more open leads than this that had no activity, "
        "message or stage change for the company's number of days (CRM "
        "settings) gets no new lead, pushed or taken, until they follow up. "
        "0: no limit.",
    )
    routing_stale_lead_count = fields.Integer(
        string="Waiting for Follow-up",
        compute="_compute_routing_stale_lead_count",
        help="Open leads with no activity, message or stage change for the "
        "company's number of days (CRM settings).",
    )
    routing_left_behind = fields.Boolean(
        string="Left, with Open Leads",
        compute="_compute_routing_left_behind",
        search="_search_routing_left_behind",
        help="Archived, or in no sales team and no routing rule's pool any more, "
        "and still the salesperson of open leads: hand them over.",
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
            "routing_max_stale_leads",
            "routing_stale_lead_count",
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
                [("user_id", "in", self.ids), *open_lead_domain()],
                ["user_id"],
                ["__count"],
            )
        )
        for user in self:
            user.routing_open_lead_count = counts.get(user, 0)

    @api.depends_context("company", "uid")
    def _compute_routing_stale_lead_count(self):
        """One query for all of them (``crm.routing.facts._stale_query``);
        a salesperson sees their own count, managers everyone's."""
        manager = self.env.su or self.env.user.has_group(
            "sales_team.group_sale_manager"
        )
        shown = self if manager else self.filtered(lambda u: u == self.env.user)
        counts = dict(shown._routing_stale_rows())
        for user in self:
            user.routing_stale_lead_count = counts.get(user._origin.id, 0)

    def _routing_stale_rows(self, select=None, group=None):
        """Rows of ``crm.routing.facts._stale_query`` for these people, with
        the company's number of days: ``(user id, count)`` by default."""
        ids = [uid for uid in self._origin.ids if uid]
        if not ids:
            return []
        company = self.env.company
        Facts = self.env["crm.routing.facts"]
        for model in ("crm.lead", "mail.message", "mail.activity"):
            self.env[model].flush_model()
        cutoff = fields.Datetime.now() - timedelta(days=company.routing_stale_days)
        self.env.cr.execute(Facts._stale_query(ids, cutoff, select, group))
        return self.env.cr.fetchall()

    def action_routing_view_stale_leads(self):
        """The open leads waiting for follow-up, to work through them."""
        self.ensure_one()
        if self != self.env.user:
            self._routing_check_manager()
        ids = [row[0] for row in self._routing_stale_rows(SQL("l.id"), SQL(""))]
        return {
            "type": "ir.actions.act_window",
            "name": _("Leads Waiting for Follow-up"),
            "res_model": "crm.lead",
            "views": [[False, "list"], [False, "form"]],
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }

    def action_routing_view_open_leads(self):
        """A salesperson's open leads, for a manager to hand them over."""
        self.ensure_one()
        self._routing_check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Open Leads of %(user)s", user=self.name),
            "res_model": "crm.lead",
            "views": [[False, "list"], [False, "form"]],
            "domain": [("user_id", "=", self.id), *open_lead_domain()],
            "context": {"create": False, "active_test": True},
        }

    def _routing_check_manager(self):
        if not (
            self.env.su or self.env.user.has_group("sales_team.group_sale_manager")
        ):
            raise AccessError(
                _("Only sales managers can see a colleague's leads from here.")
            )
        self._routing_check_same_company()

    # ------------------------------------------------------------ leaving
    @api.model
    def _routing_selling_ids(self, user_ids):
        """Which of ``user_ids`` sell somewhere: lead or belong to an active
        sales team, or are in the pool of an active routing rule (as in
        ``_routing_selling_places``), in one query."""
        if not user_ids:
            return set()
        for model in ("crm.team", "crm.team.member", "crm.routing.rule"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT t.user_id FROM crm_team t
                 WHERE t.active AND t.user_id = ANY(%(ids)s)
                UNION
                SELECT m.user_id FROM crm_team_member m
                  JOIN crm_team t ON t.id = m.crm_team_id
                 WHERE m.active AND t.active AND m.user_id = ANY(%(ids)s)
                UNION
                SELECT q.user_id FROM (%(pool)s) q
                  JOIN crm_routing_rule r ON r.id = q.rule_id
                 WHERE r.active AND q.user_id = ANY(%(ids)s)
                """,
                ids=list(user_ids),
                pool=rule_pool_sql(),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _compute_routing_left_behind(self):
        gone = set(self._routing_left_behind_ids(self._origin.ids))
        for user in self:
            user.routing_left_behind = user._origin.id in gone

    def _search_routing_left_behind(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Unsupported search on Left, with Open Leads."))
        ids = self._routing_left_behind_ids()
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

    @api.model
    def _routing_left_behind_ids(self, user_ids=None):
        """Salespeople of open leads who are archived or sell nowhere any
        more (``_routing_selling_ids``), among ``user_ids`` (default: all)."""
        self.env["crm.lead"].flush_model(["user_id", "active", "probability"])
        self.env["res.users"].flush_model(["active"])
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT l.user_id, u.active FROM crm_lead l
                     JOIN res_users u ON u.id = l.user_id
                    WHERE %s %s""",
                open_lead_sql("l"),
                SQL("AND l.user_id = ANY(%s)", list(user_ids))
                if user_ids is not None
                else SQL(""),
            )
        )
        owners = dict(self.env.cr.fetchall())
        selling = self._routing_selling_ids([uid for uid, on in owners.items() if on])
        return [uid for uid, on in owners.items() if not on or uid not in selling]

    def _routing_release_leads(self):
        """Salespeople who left (archived, or in no sales team and no rule
        pool any more) give their open leads not yet contacted back to
        routing, by the rules, where their company says so; the contacted
        ones stay with them (``routing_left_behind`` lists them for the
        managers). Called after whatever may have made them leave."""
        users = self.sudo().with_context(active_test=False).exists()
        if not users:
            return
        selling = self._routing_selling_ids(users.filtered("active").ids)
        gone = users.filtered(lambda user: not user.active or user.id not in selling)
        if not gone:
            return
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search(
                [
                    ("user_id", "in", gone.ids),
                    ("routing_state", "in", AWAITING_CONTACT),
                    ("routing_first_touch_at", "=", False),
                    *open_lead_domain(),
                ]
            )
            .filtered(
                lambda lead: (
                    lead.company_id or self.env.company
                ).routing_release_leavers
            )
        )
        if not leads:
            return
        before = {lead.id: lead.user_id for lead in leads}
        triggers = {
            lead.id: [
                {
                    "code": "owner_left"
                    if lead.user_id.active
                    else "owner_archived_uncontacted",
                    "user_id": lead.user_id.id,
                }
            ]
            for lead in leads
        }
        self.env["crm.routing.dispatcher"]._route(
            leads,
            event="reassign",
            trigger=lambda lead: triggers[lead.id],
            track=False,
            notify=False,
        )
        sweeper = self.env["crm.routing.sweeper"]
        self.env["crm.routing.dispatcher"]._isolated(
            leads,
            lambda recs: sweeper._notify_reassigned(recs, before, triggers),
            sweeper._log_failure,
        )

    # ------------------------------------------------------------ take
    def action_routing_take_next(self):
        """Take my next lead: the calling salesperson gets the next waiting
        lead they may take, in the company's order of work, and it opens.

        Leads wait in the queues of the rules whose pool they are in (a pull
        rule's, or a push rule's that found nobody): each is theirs to take
        when every check a push applies lets them (skills, caps,
        availability, the end of their shift, follow-ups, the people a
        missed deadline took it from). Routed like any lead, through
        ``crm.routing.dispatcher._route`` (locks, claims, the log): two
        people taking at once never get the same lead. Nobody chooses the
        lead, and nobody takes for someone else.
        """
        user = self.env.user
        if (self and self != user) or not user.has_group(
            "sales_team.group_sale_salesman"
        ):
            raise AccessError(
                _(
                    "Take My Next Lead gives the next lead to the salesperson who "
                    "asks for it, and to nobody else."
                )
            )
        # The company comes from the request's context, which a superuser
        # environment does not check: the taker must work for it.
        company = self.env.company
        if company not in user.company_ids:
            raise AccessError(
                _(
                    "%(user)s does not work for %(company)s, so they cannot take "
                    "its leads.",
                    user=user.name,
                    company=company.name,
                )
            )
        rules = (
            self.env["crm.routing.rule"]
            .sudo()
            .search([("company_id", "in", [company.id, False])])
        )
        pools = rules._routing_pools()
        mine = [rule.id for rule in rules if user.id in pools[rule.id]]
        if not mine:
            return self._routing_take_message(
                _(
                    "You are in no routing rule's pool, so no queue is yours to "
                    "take leads from. Ask a sales manager."
                )
            )
        waiting = self.env["crm.routing.sweeper"]._waiting(
            company, [company.id, None], rule_ids=mine
        )
        if not waiting:
            return self._routing_take_message(
                _("No lead is waiting in the queues you take from.")
            )
        Lead = self.env["crm.lead"].sudo()
        dispatcher = self.env["crm.routing.dispatcher"]
        passed = []
        for start in range(0, len(waiting), TAKE_BATCH):
            decisions = dispatcher._route(
                Lead.browse(waiting[start : start + TAKE_BATCH]),
                event="take",
                taker=user,
                order=company.routing_queue_order,
            )
            taken = next((d for d in decisions if d.write and d.user_id), None)
            if taken:
                return self._routing_taken(Lead.browse(taken.lead_id))
            passed += decisions
        if not passed:
            # Every lead seen waiting was taken meanwhile by someone else.
            return self._routing_take_message(
                _("No lead is waiting in the queues you take from.")
            )
        reasons = self.env["crm.routing.explainer"]._exclusion_reasons(
            [(user.id, d.reason_code, d.reason_params) for d in passed]
        )
        if len(passed) == 1:
            message = _(
                "The lead waiting in the queues you take from is not yours to "
                "take now: %(reasons)s.",
                reasons=reasons,
            )
        else:
            message = _(
                "None of the %(count)s leads waiting in the queues you take from "
                "is yours to take now: %(reasons)s.",
                count=len(passed),
                reasons=reasons,
            )
        return self._routing_take_message(message)

    def _routing_taken(self, lead):
        return notification(
            _("Take My Next Lead"),
            _("“%(lead)s” is yours now.", lead=lead.name),
            "success",
            {
                "type": "ir.actions.act_window",
                "res_model": "crm.lead",
                "res_id": lead.id,
                "views": [[False, "form"]],
                "target": "current",
            },
        )

    def _routing_take_message(self, message):
        return notification(_("Take My Next Lead"), message, "warning")

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
                   AND EXISTS (SELECT 1 FROM (%(pool)s) q
                                WHERE q.rule_id = r.id AND q.user_id = %(uid)s)
                 LIMIT %(limit)s
                """,
                pool=rule_pool_sql(),
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
        return notification(
            _("Lead routing"),
            _("%(count)s salespeople scored.", count=len(results)),
            "success",
            SOFT_RELOAD,
        )

    @api.constrains(*ROUTING_CAPS)
    def _check_routing_caps(self):
        for user in self:
            for name in ROUTING_CAPS:
                if not 0 <= user[name] <= MAX_CAP:
                    raise ValidationError(
                        _(
                            "%(user)s: “%(field)s” is a cap between 0 (no cap) and "
                            "%(max)s, not %(value)s; lead caps cannot be negative.",
                            user=user.name,
                            field=self._fields[name]._description_string(self.env),
                            max=MAX_CAP,
                            value=user[name],
                        )
                    )

    def write(self, vals):
        """Let sales managers edit routing profiles without user-admin rights,
        for the salespeople of their own companies only. Someone archived
        gives their leads not yet contacted back to routing."""
        check_values(self, [vals], ROUTING_PROFILE_FIELDS)
        if (
            vals
            and set(vals) <= ROUTING_PROFILE_FIELDS
            and not self.env.su
            and self.env.user.has_group("sales_team.group_sale_manager")
        ):
            self._routing_check_same_company()
            return super(ResUsers, self.sudo()).write(vals)
        result = super().write(vals)
        if "active" in vals and not vals["active"]:
            self._routing_release_leads()
        return result

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
