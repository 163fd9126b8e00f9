from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmRoutingUserSkill(models.Model):
    """How well one salesperson masters one skill (1 = basic, 5 = expert)."""

    _name = "crm.routing.user.skill"
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
