# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, _, api, fields, models

from .crm_routing_checks import check_values


class CrmRoutingWeightSetting(models.TransientModel):
    """One metric's weight as the settings screen edits it: the company's rows
    (``crm.routing.metric.weight``) are saved together, on Save, so that the
    sum-to-100 check sees the new set as a whole."""

    _name = "crm.routing.weight.setting"
    _description = "Lead Routing Metric Weight (Settings)"
    _order = "sequence, id"

    settings_id = fields.Many2one(
        "res.config.settings", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    metric = fields.Selection(
        selection=lambda self: self.env[
            "crm.routing.metric.weight"
        ]._selection_metric(),
        required=True,
        readonly=True,
    )
    weight = fields.Integer()


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    @api.model_create_multi
    def create(self, vals_list):
        check_values(
            self,
            vals_list,
            {
                name
                for vals in vals_list
                for name in vals
                if name.startswith("routing_")
            },
        )
        return super().create(vals_list)

    routing_auto_assign = fields.Boolean(
        related="company_id.routing_auto_assign", readonly=False
    )
    routing_staff_leads = fields.Selection(
        related="company_id.routing_staff_leads", readonly=False
    )
    routing_default_sla_minutes = fields.Integer(
        related="company_id.routing_default_sla_minutes", readonly=False
    )
    routing_queue_order = fields.Selection(
        related="company_id.routing_queue_order", readonly=False
    )
    routing_priority_source_ids = fields.Many2many(
        related="company_id.routing_priority_source_ids", readonly=False
    )
    routing_priority_medium_ids = fields.Many2many(
        related="company_id.routing_priority_medium_ids", readonly=False
    )
    routing_stale_days = fields.Integer(
        related="company_id.routing_stale_days", readonly=False
    )
    routing_release_leavers = fields.Boolean(
        related="company_id.routing_release_leavers", readonly=False
    )
    routing_sla_interval = fields.Integer(
        related="company_id.routing_sla_interval", readonly=False
    )
    routing_score_window_days = fields.Integer(
        related="company_id.routing_score_window_days", readonly=False
    )
    routing_score_min_closed = fields.Integer(
        related="company_id.routing_score_min_closed", readonly=False
    )
    routing_score_by_team = fields.Boolean(
        related="company_id.routing_score_by_team", readonly=False
    )
    routing_score_share = fields.Boolean(
        related="company_id.routing_score_share", readonly=False
    )
    # The company's weights, one line per metric, saved together in set_values.
    routing_weight_ids = fields.One2many(
        "crm.routing.weight.setting",
        "settings_id",
        string="Scoring Weights",
        compute="_compute_routing_weights",
        store=True,
        readonly=False,
    )
    routing_odoo_assign_conflict = fields.Boolean(
        compute="_compute_routing_odoo_assign_conflict",
        help="Odoo's own rule-based assignment is also active: two systems would "
        "assign the same leads.",
    )

    @api.depends("company_id")
    def _compute_routing_weights(self):
        """Weights are saved together in set_values: the sum-to-100 check must see
        the new set as a whole, not one weight at a time as related fields would."""
        for settings in self:
            weights = settings.company_id.sudo()._routing_score_weights()
            settings.routing_weight_ids = [Command.clear()] + [
                Command.create({"sequence": index, "metric": name, "weight": weight})
                for index, (name, weight) in enumerate(weights.items())
            ]

    @api.depends("routing_auto_assign", "crm_use_auto_assignment")
    def _compute_routing_odoo_assign_conflict(self):
        cron = self.env.ref("crm.ir_cron_crm_lead_assign", raise_if_not_found=False)
        odoo_cron_on = bool(cron and cron.sudo().active)
        for settings in self:
            settings.routing_odoo_assign_conflict = bool(
                settings.routing_auto_assign
                and settings.crm_use_auto_assignment
                and odoo_cron_on
            )

    def action_routing_disable_odoo_assignment(self):
        """Turn Odoo's own assignment off so one lead is assigned by one system."""
        self.env["ir.config_parameter"].sudo().set_param(
            "crm.lead.auto.assignment", False
        )
        cron = self.env.ref("crm.ir_cron_crm_lead_assign", raise_if_not_found=False)
        if cron:
            cron.sudo().active = False
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Lead routing"),
                "message": _("Odoo's rule-based assignment is now off."),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "reload"},
            },
        }

    def action_routing_recompute_scores(self):
        """Save the settings first, so new weights apply, then rescore everyone."""
        self.execute()
        return self.env["res.users"].action_routing_recompute_scores()

    def set_values(self):
        """Save the scoring weights as one set; run the deadline check as often
        as the settings say (one cron serves every company: it runs at the
        shortest interval any company asks for).
        """
        super().set_values()
        # The settings screen is for Settings administrators only: they save
        # the company's weights whatever their sales rights.
        self.company_id.sudo()._routing_set_weights(
            {line.metric: line.weight for line in self.routing_weight_ids}
        )
        cron = self.env.ref(
            "crm_lead_routing.ir_cron_routing_sla", raise_if_not_found=False
        )
        if not cron:
            return
        intervals = (
            self.env["res.company"].sudo().search([]).mapped("routing_sla_interval")
        )
        minutes = min([i for i in intervals if i > 0] or [5])
        cron = cron.sudo()
        if cron.interval_number != minutes or cron.interval_type != "minutes":
            cron.write({"interval_number": minutes, "interval_type": "minutes"})
