from odoo import models


class MailActivity(models.Model):
    """An activity on a routed lead marked done by its assignee is a first contact."""

    _inherit = "mail.activity"

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
