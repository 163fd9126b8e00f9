# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    """A user's language must be one Odoo has installed.

    Odoo accepts any text as a contact's language through the API, and a
    salesperson can change their own. Routing words each new owner's
    notification and to-do in their language, so a language that is not
    installed is refused when it is saved, for users; routing leaves out,
    with that reason, anyone whose language still is not installed.
    """

    _inherit = "res.partner"

    @api.constrains("lang")
    def _check_routing_user_lang(self):
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for partner in self:
            if (
                partner.lang
                and partner.lang not in installed
                and partner.sudo().user_ids
            ):
                raise ValidationError(
                    _(
                        "“%(lang)s” is not an installed language: choose one of "
                        "%(languages)s for %(user)s.",
                        lang=partner.lang,
                        languages=", ".join(sorted(installed)),
                        user=partner.name,
                    )
                )
