"""One replayed lead: who the simulated rules would give it to, and who has it.

Written only by ``crm.routing.simulation._store`` (never edited): the lines
are the replay's result, to be read in a list, a graph or a pivot table and
exported.
"""

from odoo import api, fields, models

LINE_STATES = [
    ("assigned", "Assigned"),
    ("queued", "Queued"),
    ("unroutable", "Unroutable"),
]


class CrmRoutingSimulationLine(models.Model):
    _name = "crm.routing.simulation.line"
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
    reason = fields.Text(string="Explanation", readonly=True)
    changed = fields.Boolean(
        string="Would Change Owner",
        compute="_compute_changed",
        store=True,
        help="The simulated salesperson is not the lead's salesperson today.",
    )

    @api.depends("user_id", "actual_user_id")
    def _compute_changed(self):
        for line in self:
            line.changed = line.user_id != line.actual_user_id
