# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmRoutingUserSkill(models.Model):
    """How well one salesperson masters one skill (1 = basic, 5 = expert)."""

    _name = "crm.routing.user.skill"
    _inherit = ["crm.routing.input.mixin"]
    _description = "Salesperson Skill Level"
    _order = "user_id, level desc, skill_id"
    _rec_name = "skill_id"

    user_id = fields.Many2one(
        "res.users", string="Salesperson", required=True, ondelete="cascade", index=True
    )
    skill_id = fields.Many2one(
        "crm.routing.skill", required=True, ondelete="cascade", index=True
    )
    category = fields.Selection(related="skill_id.category")
    level = fields.Integer(default=3, required=True, help="1 = basic, 5 = expert")

    _sql_constraints = [
        (
            "user_skill_uniq",
            "unique(user_id, skill_id)",
            "This salesperson already has this skill: edit the existing line's level.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        """Refuse a duplicated line with a clear message before the insert."""
        pairs = [(v.get("user_id"), v.get("skill_id")) for v in vals_list]
        existing = self.search(
            [
                ("user_id", "in", [u for u, _s in pairs if u]),
                ("skill_id", "in", [s for _u, s in pairs if s]),
            ]
        )
        taken = {(line.user_id.id, line.skill_id.id): line for line in existing}
        seen = set()
        for pair in pairs:
            if pair in taken or pair in seen:
                line = taken.get(pair) or self.new(
                    {"user_id": pair[0], "skill_id": pair[1]}
                )
                raise ValidationError(
                    _(
                        "%(user)s already has the skill %(skill)s: edit the "
                        "existing line instead of adding another.",
                        user=line.user_id.name,
                        skill=line.skill_id.display_name,
                    )
                )
            seen.add(pair)
        return super().create(vals_list)

    @api.constrains("level")
    def _check_level(self):
        for line in self:
            if not 1 <= line.level <= 5:
                raise ValidationError(
                    _(
                        "Skill level must be between 1 and 5 (got %(level)s for "
                        "%(skill)s).",
                        level=line.level,
                        skill=line.skill_id.display_name,
                    )
                )

    @api.constrains("user_id", "skill_id")
    def _check_unique_line(self):
        """Caught before the SQL constraint so the message names the skill."""
        for line in self:
            twins = self.search_count(
                [
                    ("user_id", "=", line.user_id.id),
                    ("skill_id", "=", line.skill_id.id),
                    ("id", "!=", line.id),
                ]
            )
            if twins:
                raise ValidationError(
                    _(
                        "%(user)s already has the skill %(skill)s: edit the "
                        "existing line instead of adding another.",
                        user=line.user_id.name,
                        skill=line.skill_id.display_name,
                    )
                )
