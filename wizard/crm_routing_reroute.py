# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.routing_scope import is_open_lead


class CrmRoutingReroute(models.TransientModel):
    """Confirm *Route now* on several leads that already have a salesperson.

    Re-routing takes leads away from people who may be working on them. The
    manager sees, before anything changes, how many leads would change hands
    (a dry run of the same routing, nothing written), and leads past the first
    stage of their pipeline, which somebody is visibly working on, keep their
    salesperson unless the manager ticks the box.
    """

    _name = "crm.routing.reroute"
    _inherit = ["crm.routing.input.mixin", "crm.routing.managers.only"]
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
    @api.depends_context("lang")
    def _compute_counts(self):
        for wizard in self:
            leads = wizard.lead_ids
            advanced = wizard.lead_ids._routing_past_first_stage()
            to_route = leads if wizard.include_advanced else leads - advanced
            moves = wizard._moves(to_route)
            wizard.lead_count = len(leads)
            wizard.owned_count = len(leads.filtered("user_id"))
            wizard.advanced_count = len(advanced)
            wizard.change_count = sum(moves.values())
            lines = [
                _(
                    "1 of the %(total)s selected leads already has a salesperson.",
                    total=wizard.lead_count,
                )
                if wizard.owned_count == 1
                else _(
                    "%(count)s of the %(total)s selected leads already have a "
                    "salesperson.",
                    count=wizard.owned_count,
                    total=wizard.lead_count,
                )
            ]
            lines += wizard._move_sentences(moves)
            if advanced and not wizard.include_advanced:
                lines.append(
                    _("1 lead is past the first stage and keeps its salesperson.")
                    if len(advanced) == 1
                    else _(
                        "%(count)s leads are past the first stage and keep their "
                        "salesperson.",
                        count=len(advanced),
                    )
                )
            wizard.summary = "\n".join(lines)

    def _move_sentences(self, moves):
        """What routing now will write, in the words it writes it."""
        lines = []
        count = moves.get("owner")
        if count:
            lines.append(
                _("1 lead gets another salesperson.")
                if count == 1
                else _("%(count)s leads get another salesperson.", count=count)
            )
        count = moves.get("new")
        if count:
            lines.append(
                _("1 lead without a salesperson gets one.")
                if count == 1
                else _("%(count)s leads without a salesperson get one.", count=count)
            )
        count = moves.get("queued")
        if count:
            lines.append(
                _("1 lead loses its salesperson and waits in the queue.")
                if count == 1
                else _(
                    "%(count)s leads lose their salesperson and wait in the queue.",
                    count=count,
                )
            )
        count = moves.get("unroutable")
        if count:
            lines.append(
                _("1 lead loses its salesperson: nobody can take it.")
                if count == 1
                else _(
                    "%(count)s leads lose their salesperson: nobody can take them.",
                    count=count,
                )
            )
        return lines or [_("No lead changes hands.")]

    @api.model
    def _moves(self, leads):
        """How many of ``leads`` routing now would give to someone else
        (``owner``), give a first salesperson (``new``), queue or leave
        unassigned (a dry run: nothing is written, the rotation memory
        included)."""
        leads = leads.filtered(is_open_lead)
        moves = {"owner": 0, "new": 0, "queued": 0, "unroutable": 0}
        if not leads:
            return moves
        current = {lead.id: lead.user_id.id for lead in leads}
        for _facts, result in self.env["crm.routing.dispatcher"]._decide_all(
            leads, live=False
        ):
            for decision in result.decisions:
                if not decision.write or decision.lead_id not in current:
                    continue
                if decision.user_id:
                    if not current[decision.lead_id]:
                        moves["new"] += 1
                    elif decision.user_id != current[decision.lead_id]:
                        moves["owner"] += 1
                elif current[decision.lead_id]:
                    moves["queued" if decision.event == "queue" else "unroutable"] += 1
        return moves

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
