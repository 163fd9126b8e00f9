# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.exceptions import AccessError


class CrmRoutingManagersOnly(models.AbstractModel):
    """Screens for sales managers: anyone else who reaches one (a link, a URL
    kept from before) reads a sentence saying whose screen it is, not Odoo's
    list of access rights and groups."""

    _name = "crm.routing.managers.only"
    _description = "Lead Routing Manager Screen"

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result and not self.env.user.has_group("sales_team.group_sale_manager"):
            return result[0], self._managers_only_error
        return result

    @api.model
    def _managers_only_error(self):
        screen = self.env["ir.model"]._get(self._name).name or self._description
        return AccessError(
            self.env._(
                "“%(screen)s” is for sales managers. Ask one of them if you need it.",
                screen=screen,
            )
        )
