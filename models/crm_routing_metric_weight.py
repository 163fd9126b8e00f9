# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""A company's weight of one scorecard metric: one row per company and metric.

The metrics are the entries of ``routing.scoring.METRIC_TABLE``; a metric
added there gets its row in every company (``_ensure_rows``) without a new
field anywhere. A company without a row for a metric weighs it at the
metric's ``default_weight``. The weights of a company add up to 100: checked
on the company, once the whole set is saved (``res.company``'s
``routing_weight_ids``).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..routing import scoring


def weights_error(env, total):
    """The sentence refusing a company's weights that add up to ``total``."""
    return ValidationError(
        env._(
            "The scoring weights must be between 0 and 100 and add up to "
            "100 (they add up to %(total)s).",
            total=total,
        )
    )


class CrmRoutingMetricWeight(models.Model):
    _name = "crm.routing.metric.weight"
    _inherit = "crm.routing.input.mixin"
    _description = "Lead Routing Metric Weight"
    _order = "company_id, sequence, id"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    metric = fields.Selection(
        selection="_selection_metric", required=True, readonly=True
    )
    sequence = fields.Integer(compute="_compute_sequence", store=True)
    weight = fields.Integer(
        help="How much this metric counts in the performance score; a "
        "company's weights add up to 100.",
    )

    _sql_constraints = [
        (
            "company_metric_unique",
            "unique(company_id, metric)",
            "A company weighs each metric once.",
        )
    ]

    @api.model
    def _selection_metric(self):
        return [(m.name, m.label) for m in scoring.METRIC_TABLE]

    @api.depends("metric")
    def _compute_sequence(self):
        """The metrics' order is the table's."""
        order = {name: index for index, name in enumerate(scoring.metrics())}
        for row in self:
            row.sequence = order.get(row.metric, len(order))

    @api.constrains("weight")
    def _check_weight(self):
        for row in self:
            if not 0 <= row.weight <= 100:
                weights = row.company_id._routing_score_weights()
                raise weights_error(self.env, sum(weights.values()))

    @api.model
    def _ensure_rows(self, companies=None, values=None):
        """Give every company (or ``companies``) a row for each metric it has
        none for, at ``values[company id][metric]`` if given, else at the
        metric's default weight. Returns the rows created."""
        if companies is None:
            companies = self.env["res.company"].sudo().search([])
        values = values or {}
        existing = {
            (row.company_id.id, row.metric)
            for row in self.sudo().search([("company_id", "in", companies.ids)])
        }
        vals_list = [
            {
                "company_id": company.id,
                "metric": metric.name,
                "weight": values.get(company.id, {}).get(
                    metric.name, metric.default_weight
                ),
            }
            for company in companies
            for metric in scoring.METRIC_TABLE
            if (company.id, metric.name) not in existing
        ]
        return self.sudo().create(vals_list)

    @api.model
    def _migrate_from_company_columns(self):
        """Rows from the columns ``res_company.routing_weight_<metric>`` of
        versions up to 18.0.1.4.1, so that no company's weights are lost: a
        company's column is its weight (rows already made take it too), a
        metric without a column gets its default weight. Returns every company's rows."""
        self.env.cr.execute(
            """SELECT column_name FROM information_schema.columns
                WHERE table_name = 'res_company'
                  AND column_name LIKE 'routing\\_weight\\_%%'"""
        )
        present = {column for (column,) in self.env.cr.fetchall()}
        columns = {
            m.name: f"routing_weight_{m.name}"
            for m in scoring.METRIC_TABLE
            if f"routing_weight_{m.name}" in present
        }
        values = {}
        if columns:
            self.env.cr.execute(
                SQL(
                    "SELECT id, %s FROM res_company",
                    SQL(", ").join(map(SQL.identifier, columns.values())),
                )
            )
            for company_id, *weights in self.env.cr.fetchall():
                values[company_id] = {
                    name: weight
                    for name, weight in zip(columns, weights, strict=True)
                    if weight is not None
                }
        created = self._ensure_rows(values=values)
        # Rows made before this (by the module's data, on the same upgrade)
        # take the company's column too.
        for row in self.sudo().search([]) - created:
            weight = values.get(row.company_id.id, {}).get(row.metric)
            if weight is not None and weight != row.weight:
                row.weight = weight
        return self.sudo().search([])
