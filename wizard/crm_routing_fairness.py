# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

from ..models.crm_routing_rule import FAIRNESS_DAYS


class CrmRoutingFairness(models.TransientModel):
    """Routing Fairness: how evenly a rule shared its leads over a period.

    The rule form shows the last 30 days; a sales manager checking a month,
    a quarter or the weeks of an experiment picks the rule and the dates
    here (CRM > Reporting > Routing Fairness, or *Choose another period* on
    the rule). Same figures as the rule form (``crm.routing.rule``'s
    ``_fairness_summary``): each salesperson's share of the leads against
    their target share, the largest gap and the Gini coefficient. The
    figures follow the fields as they change; nothing needs saving.

    Dates are days in the manager's time zone, both included.
    """

    _name = "crm.routing.fairness"
    _inherit = ["crm.routing.input.mixin", "crm.routing.managers.only"]
    _description = "Routing Fairness"

    rule_id = fields.Many2one(
        "crm.routing.rule",
        required=True,
        ondelete="cascade",
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self)
        - timedelta(days=FAIRNESS_DAYS),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: fields.Date.context_today(self),
    )
    fairness_html = fields.Html(
        string="Fairness",
        compute="_compute_fairness",
        sanitize=True,
    )
    lead_count = fields.Integer(string="Leads", compute="_compute_fairness")
    gini = fields.Float(
        string="Gini Coefficient",
        compute="_compute_fairness",
        digits=(16, 2),
        help="0: every eligible salesperson gets as many leads; towards 1: one "
        "person gets them all.",
    )
    largest_gap = fields.Float(
        string="Largest Gap to Target (%)",
        compute="_compute_fairness",
        digits=(16, 1),
        help="The largest difference, in percentage points, between a "
        "salesperson's share of the leads and the share the rules aim for.",
    )
    largest_gap_user_id = fields.Many2one(
        "res.users", string="Furthest From Target", compute="_compute_fairness"
    )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if (
                wizard.date_from
                and wizard.date_to
                and wizard.date_from > wizard.date_to
            ):
                raise ValidationError(wizard._period_error())

    @api.onchange("date_from", "date_to")
    def _onchange_period(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            return {
                "warning": {
                    "title": _("Check the period"),
                    "message": self._period_error(),
                }
            }
        return None

    def _period_error(self):
        return _(
            "The period ends (%(end)s) before it starts (%(start)s): choose a "
            "From date on or before the To date.",
            start=self._day(self.date_from),
            end=self._day(self.date_to),
        )

    def _utc_bounds(self):
        """The period as naive UTC datetimes: from the first day's midnight to
        the midnight after the last day, in the manager's time zone."""
        zone = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

        def midnight(day):
            local = zone.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.UTC).replace(tzinfo=None)

        return midnight(self.date_from), midnight(self.date_to + timedelta(days=1))

    @api.depends("rule_id", "date_from", "date_to")
    @api.depends_context("lang", "tz")
    def _compute_fairness(self):
        for wizard in self:
            wizard.update(
                {
                    "lead_count": 0,
                    "gini": 0.0,
                    "largest_gap": 0.0,
                    "largest_gap_user_id": False,
                }
            )
            rule = wizard.rule_id
            if not rule or not wizard.date_from or not wizard.date_to:
                wizard.fairness_html = False
                continue
            if wizard.date_from > wizard.date_to:
                wizard.fairness_html = Markup("<p>{}</p>").format(
                    wizard._period_error()
                )
                continue
            since, until = wizard._utc_bounds()
            # A new (unsaved) wizard holds the rule as a new record: read the
            # stored one.
            rule = rule._origin or rule
            counts = rule._fairness_counts(since, until).get(rule.id, {})
            pool = rule._routing_pools()[rule.id]
            summary = rule._fairness_summary(counts, pool)
            wizard.fairness_html = rule._fairness_table(
                summary,
                _(
                    "No lead routed by %(rule)s from %(start)s to %(end)s.",
                    rule=rule.display_name,
                    start=wizard._day(wizard.date_from),
                    end=wizard._day(wizard.date_to),
                ),
            )
            if summary:
                gap = summary["largest_gap"]
                wizard.update(
                    {
                        "lead_count": sum(row[1] for row in summary["rows"]),
                        "gini": summary["gini"],
                        "largest_gap": abs(gap[4]) * 100.0,
                        "largest_gap_user_id": gap[0],
                    }
                )

    def _day(self, day):
        """A date as the reader's language writes it."""
        return format_date(self.env, day)
