# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""One replayed lead: who the simulated rules would give it to, and who has it.

Written only by ``crm.routing.simulation._store`` (never edited): the lines
are the replay's result, to be read in a list, a graph or a pivot table and
exported.
"""

import json

from odoo import _, api, fields, models
from odoo.tools import SQL

LINE_STATES = [
    ("assigned", "Assigned"),
    ("queued", "Queued"),
    ("unroutable", "Unroutable"),
]


class CrmRoutingSimulationLine(models.Model):
    _name = "crm.routing.simulation.line"
    _inherit = ["crm.routing.managers.only"]
    _description = "Lead Routing What-if Replay Line"
    _order = "simulation_id, lead_create_date, id"

    simulation_id = fields.Many2one(
        "crm.routing.simulation",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        related="simulation_id.company_id", store=True, readonly=True
    )
    lead_id = fields.Many2one("crm.lead", ondelete="cascade", readonly=True)
    lead_create_date = fields.Datetime(string="Lead Created On", readonly=True)
    rule_id = fields.Many2one("crm.routing.rule", ondelete="set null", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Simulated Salesperson", ondelete="set null", readonly=True
    )
    actual_user_id = fields.Many2one(
        "res.users", string="Actual Salesperson", ondelete="set null", readonly=True
    )
    state = fields.Selection(LINE_STATES, string="Outcome", readonly=True)
    details = fields.Json(
        readonly=True, help="The simulated decision, as the routing log stores one."
    )
    reason = fields.Text(
        string="Explanation",
        compute="_compute_reason",
        help="Why the simulated rules would decide so, in the reader's language.",
    )
    legacy_reason = fields.Text(readonly=True)
    changed = fields.Boolean(
        string="Would Change Owner",
        compute="_compute_changed",
        store=True,
        help="The simulated salesperson is not the lead's salesperson today.",
    )

    @api.depends("details", "legacy_reason")
    @api.depends_context("lang", "uid")
    def _compute_reason(self):
        """Rendered when read, like the log: a Russian manager reads a replay
        a Chinese manager ran in Russian."""
        texts = self.env["crm.routing.explainer"]._render(
            [line.details for line in self]
        )
        no_rule = _("No rule of this simulation applies to the lead's company.")
        for line, text in zip(self, texts, strict=True):
            line.reason = (
                text or line.legacy_reason or (no_rule if not line.details else "")
            )

    @api.depends("user_id", "actual_user_id")
    def _compute_changed(self):
        for line in self:
            line.changed = line.user_id != line.actual_user_id

    @api.model
    def _insert(self, simulation, rows):
        """Insert the lines of ``simulation`` in one query.

        A replay stores a line per lead, tens of thousands at a time, and
        lines have no logic on create: the ORM would spend most of the
        replay's time creating them. ``changed`` and ``company_id`` are set
        as their compute and related would.
        """
        if not rows:
            return
        self.flush_model()
        columns = ("lead_id", "lead_create_date", "rule_id", "user_id",
                   "actual_user_id", "state", "details")  # fmt: skip
        types = ("int", "timestamp", "int", "int", "int", "varchar", "jsonb")
        now, uid = self.env.cr.now(), self.env.uid
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_routing_simulation_line
                       (simulation_id, company_id, lead_id, lead_create_date,
                        rule_id, user_id, actual_user_id, state, details, changed,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(sim)s, %(company)s, v.lead_id, v.lead_create_date,
                       v.rule_id, v.user_id, v.actual_user_id, v.state, v.details,
                       v.user_id IS DISTINCT FROM v.actual_user_id,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(arrays)s) AS v(%(names)s)
                """,
                sim=simulation.id,
                company=simulation.company_id.id or None,
                uid=uid,
                now=now,
                arrays=SQL(", ").join(
                    SQL("%s::" + kind + "[]", [_value(row[name]) for row in rows])
                    for name, kind in zip(columns, types, strict=True)
                ),
                names=SQL(", ").join(SQL.identifier(name) for name in columns),
            )
        )
        self.invalidate_model()
        simulation.invalidate_recordset(["line_ids"])


def _value(value):
    """A column value for the bulk insert (dicts as JSON text)."""
    if isinstance(value, dict):
        return json.dumps(value)
    return value or None
