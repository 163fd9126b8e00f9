# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class MailActivity(models.Model):
    """An activity on a routed lead marked done by its assignee is a first
    contact; routing's own "contact this lead" to-dos are marked, so that a
    lead routed to someone else takes its to-do away from who lost it."""

    _inherit = "mail.activity"

    routing_todo = fields.Boolean(
        string="Routing To-do",
        readonly=True,
        help="Planned by lead routing for the salesperson who got the lead.",
    )

    def _action_done(self, feedback=False, attachment_ids=None):
        lead_ids = {
            activity.res_id
            for activity in self
            if activity.res_model == "crm.lead" and activity.res_id
        }
        # Read before super(): the activities are deleted (or archived) there.
        leads = self.env["crm.lead"].browse(lead_ids)
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if leads:
            leads.exists()._routing_first_touch()
        return result
