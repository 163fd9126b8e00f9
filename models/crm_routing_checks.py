# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Values refused at the door, with a sentence, before the database sees them.

PostgreSQL refuses a NUL character in text and an integer beyond 32 bits with
a raw error, at a flush that may come much later than the input (a cron
failing every night for every company). Routing's models and routing's fields
on users and companies check what they are given when it is given, and name
the field.
"""

from odoo import api, models
from odoo.exceptions import ValidationError

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
TEXT_TYPES = ("char", "text", "html")


def check_values(model, vals_list, names=None):
    """Raise a ValidationError naming the first field of ``vals_list`` (dicts
    for ``model``) holding a NUL character or an integer out of range;
    ``names``: only these fields."""
    for vals in vals_list:
        for name, value in vals.items():
            field = model._fields.get(name)
            if field is None or (names is not None and name not in names):
                continue
            label = field._description_string(model.env)
            if field.type == "integer" and isinstance(value, int):
                if not INT_MIN <= value <= INT_MAX:
                    raise ValidationError(
                        model.env._(
                            "“%(field)s” cannot hold %(value)s: the largest number "
                            "it takes is %(max)s.",
                            field=label,
                            value=value,
                            max=INT_MAX,
                        )
                    )
            elif (
                field.type in TEXT_TYPES and isinstance(value, str) and "\x00" in value
            ):
                raise ValidationError(
                    model.env._(
                        "“%(field)s” contains an invisible NUL character: remove it "
                        "and save again.",
                        field=label,
                    )
                )


class CrmRoutingInputMixin(models.AbstractModel):
    """Routing's own models check every value given to create and write."""

    _name = "crm.routing.input.mixin"
    _description = "Lead Routing Input Checks"

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals])
        return super().write(vals)
