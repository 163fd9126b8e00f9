# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmRoutingReroute(models.TransientModel):
    """Confirm *Route now* on several leads that already have a salesperson.

    Re-routing takes leads away from people who may be working on them. The
    manager sees, before anything changes, how many leads would change hands
    (a dry run of the same routing, nothing written), and leads past the first
    stage of their pipeline, which somebody is visibly working on, keep their
    salesperson unless the manager ticks the box.
    """

    _name = "crm.routing.reroute"
    _description = "Route Leads Now (confirmation)"

    lead_ids = fields.Many2many("crm.lead", string="Leads", readonly=True)
    lead_count = fields.Integer(compute="_compute_counts")
    owned_count = fields.Integer(compute="_compute_counts")
    change_count = fields.Integer(compute="_compute_counts")
    advanced_count = fields.Integer(compute="_compute_counts")
    include_advanced = fields.Boolean(
        string="Also re-route leads past the first stage",
        help="Off: leads that have moved past the first stage of their pipeline "
        "keep their salesperson.",
    )
    summary = fields.Text(compute="_compute_counts", string="What will happen")

    @api.depends("lead_ids", "include_advanced")
    def _compute_counts(self):
        for wizard in self:
            leads = wizard.lead_ids
            advanced = wizard.lead_ids._routing_past_first_stage()
            to_route = leads if wizard.include_advanced else leads - advanced
            changes = wizard._changes(to_route)
            wizard.lead_count = len(leads)
            wizard.owned_count = len(leads.filtered("user_id"))
            wizard.advanced_count = len(advanced)
            wizard.change_count = len(changes)
            lines = [
                _(
                    "%(count)s of the %(total)s selected leads already have a "
                    "salesperson; %(changes)s would change hands now.",
                    count=wizard.owned_count,
                    total=wizard.lead_count,
                    changes=wizard.change_count,
                )
            ]
            if advanced and not wizard.include_advanced:
                lines.append(
                    _(
                        "%(count)s leads are past the first stage and keep their "
                        "salesperson.",
                        count=len(advanced),
                    )
                )
            wizard.summary = "\n".join(lines)

    @api.model
    def _changes(self, leads):
        """Leads whose salesperson routing would change (a dry run: nothing is
        written, the rotation memory included)."""
        leads = leads.filtered(lambda lead: lead.active and lead.probability < 100)
        if not leads:
            return leads
        new_owner = {
            decision.lead_id: decision.user_id or False
            for _facts, result in self.env["crm.routing.dispatcher"]._decide_all(leads)
            for decision in result.decisions
        }
        return leads.filtered(
            lambda lead: lead.id in new_owner and lead.user_id.id != new_owner[lead.id]
        )

    def action_confirm(self):
        self.ensure_one()
        leads = self.lead_ids
        if not self.include_advanced:
            leads -= leads._routing_past_first_stage()
        if not leads:
            raise UserError(
                _(
                    "Every selected lead is past the first stage and keeps its "
                    "salesperson. Tick “Also re-route leads past the first stage” "
                    "to route them anyway."
                )
            )
        return leads.action_route()
