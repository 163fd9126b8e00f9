# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..routing import scoring
from .crm_routing_checks import check_values
from .crm_routing_metric_weight import weights_error

# Bounds of the routing settings: beyond them a value is a typo, and a very
# large one broke the nightly score run for every company.
MAX_SCORE_WINDOW_DAYS = 3650
MAX_MIN_CLOSED = 10000
MAX_SLA_MINUTES = 30 * 24 * 60
MAX_SLA_INTERVAL = 24 * 60
MAX_STALE_DAYS = 365


class ResCompany(models.Model):
    _inherit = "res.company"

    def write(self, vals):
        check_values(
            self, [vals], [name for name in vals if name.startswith("routing_")]
        )
        return super().write(vals)

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
        string="Order of Work",
        default="oldest",
        required=True,
        help="The order in which waiting leads are handed out, by the queue and "
        "by Take My Next Lead alike: oldest first (at the start of a shift, "
        "what came in overnight), newest first (the fresh ones), or the most "
        "valuable first. Leads from priority channels always come first.",
    )
    routing_priority_source_ids = fields.Many2many(
        "utm.source",
        "crm_routing_priority_source_rel",
        "company_id",
        "source_id",
        string="Priority Sources",
        help="Leads from these sources come first in the order of work, and get "
        "a rule's shorter first-contact deadline when it sets one.",
    )
    routing_priority_medium_ids = fields.Many2many(
        "utm.medium",
        "crm_routing_priority_medium_rel",
        "company_id",
        "medium_id",
        string="Priority Mediums",
        help="Leads from these mediums come first in the order of work, and get "
        "a rule's shorter first-contact deadline when it sets one.",
    )
    routing_stale_days = fields.Integer(
        string="Follow-up Within (days)",
        default=7,
        help="An open lead with no activity, message or stage change for this "
        "many days waits for follow-up; a salesperson with more such leads than "
        "their limit gets no new lead.",
    )
    routing_release_leavers = fields.Boolean(
        string="Route the Leads of People Who Leave",
        default=True,
        help="When a salesperson is archived, or is no longer in any sales team "
        "or rule pool, their open leads not yet contacted are routed again by "
        "the rules; the contacted ones stay with them and are listed on the "
        "Salespeople screen.",
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
    routing_weight_ids = fields.One2many(
        "crm.routing.metric.weight",
        "company_id",
        string="Scoring Weights",
        groups="sales_team.group_sale_salesman",
        help="How much each metric counts in the performance score; the "
        "weights add up to 100.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["crm.routing.metric.weight"]._ensure_rows(companies)
        return companies

    @api.constrains("routing_weight_ids")
    def _check_routing_weights(self):
        """The whole set, once saved: one row at a time could not change two
        weights that keep the total at 100."""
        for company in self:
            weights = company._routing_score_weights()
            if any(w < 0 for w in weights.values()) or sum(weights.values()) != 100:
                raise weights_error(self.env, sum(weights.values()))

    @api.constrains(
        "routing_score_window_days",
        "routing_score_min_closed",
        "routing_default_sla_minutes",
        "routing_sla_interval",
        "routing_stale_days",
    )
    def _check_routing_numbers(self):
        for company in self:
            if not 0 < company.routing_stale_days <= MAX_STALE_DAYS:
                raise ValidationError(
                    _(
                        "“%(field)s” is a number of days between 1 and %(max)s, "
                        "not %(value)s.",
                        field=self._fields["routing_stale_days"]._description_string(
                            self.env
                        ),
                        max=MAX_STALE_DAYS,
                        value=company.routing_stale_days,
                    )
                )
            if not 0 < company.routing_score_window_days <= MAX_SCORE_WINDOW_DAYS:
                raise ValidationError(
                    _(
                        "The score window is a number of days between 1 and "
                        "%(max)s (ten years), not %(value)s.",
                        max=MAX_SCORE_WINDOW_DAYS,
                        value=company.routing_score_window_days,
                    )
                )
            if not 0 <= company.routing_score_min_closed <= MAX_MIN_CLOSED:
                raise ValidationError(
                    _(
                        "Closed leads for a full score is a number between 0 and "
                        "%(max)s, not %(value)s.",
                        max=MAX_MIN_CLOSED,
                        value=company.routing_score_min_closed,
                    )
                )
            if not 0 <= company.routing_default_sla_minutes <= MAX_SLA_MINUTES:
                raise ValidationError(
                    _(
                        "The default first-contact deadline is between 0 (none) "
                        "and %(max)s minutes (30 days), not %(value)s.",
                        max=MAX_SLA_MINUTES,
                        value=company.routing_default_sla_minutes,
                    )
                )
            if not 0 < company.routing_sla_interval <= MAX_SLA_INTERVAL:
                raise ValidationError(
                    _(
                        "Deadlines are checked every 1 to %(max)s minutes (once "
                        "a day), not every %(value)s.",
                        max=MAX_SLA_INTERVAL,
                        value=company.routing_sla_interval,
                    )
                )

    def _routing_score_weights(self):
        """``{metric: weight}`` for every metric of the table: the company's
        row, or the metric's default weight where it has none."""
        self.ensure_one()
        rows = {row.metric: row.weight for row in self.sudo().routing_weight_ids}
        return {
            m.name: rows.get(m.name, m.default_weight) for m in scoring.METRIC_TABLE
        }

    def _routing_set_weights(self, weights):
        """Save ``{metric: weight}`` (the metrics not named keep theirs) as one
        set, checked as a whole once every row is written. Rows are written
        as the current user: sales managers of the company may, through the
        access rights and record rules of the rows."""
        self.ensure_one()
        Weight = self.env["crm.routing.metric.weight"]
        Weight._ensure_rows(self)
        rows = {
            row.metric: row for row in Weight.search([("company_id", "=", self.id)])
        }
        changed = False
        for name, weight in weights.items():
            if rows[name].weight != weight:
                rows[name].write({"weight": weight})
                changed = True
        if changed:
            self._check_routing_weights()
