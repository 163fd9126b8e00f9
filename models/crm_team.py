# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models

# Set while crm moves someone from one team to another (mono-membership: it
# archives their other memberships before creating the new one): nobody
# leaves then.
MOVING = "crm_routing_moving_members"


class CrmTeam(models.Model):
    """A sales team archived or deleted: whoever sells nowhere else leaves
    (see ``res.users._routing_release_leads``)."""

    _inherit = "crm.team"

    def write(self, vals):
        people = self._routing_people() if "active" in vals else None
        result = super().write(vals)
        if people and not vals["active"]:
            people._routing_release_leads()
        return result

    def unlink(self):
        people = self._routing_people()
        result = super().unlink()
        people._routing_release_leads()
        return result

    def _routing_people(self):
        teams = self.sudo().with_context(active_test=False)
        return teams.member_ids | teams.user_id


class CrmTeamMember(models.Model):
    """Someone taken out of a team: if they sell nowhere else, they leave
    (see ``res.users._routing_release_leads``)."""

    _inherit = "crm.team.member"

    @api.model_create_multi
    def create(self, vals_list):
        members = super(CrmTeamMember, self.with_context(**{MOVING: True})).create(
            vals_list
        )
        return members.with_env(self.env)

    def write(self, vals):
        leaving = (
            "active" in vals and not vals["active"] and not self.env.context.get(MOVING)
        )
        people = self.sudo().user_id if leaving else None
        result = super().write(vals)
        if people:
            people._routing_release_leads()
        return result

    def unlink(self):
        people = self.sudo().user_id
        result = super().unlink()
        people._routing_release_leads()
        return result
