from odoo import _, api, fields, models

from .crm_routing_rule import check_lead_domain


class CrmRoutingSkill(models.Model):
    """A competence a lead may need: a language, a region, an industry, a product.

    A skill with a ``lead_domain`` is *required* by every lead that matches it,
    whatever the rule: a Spanish-speaking lead must reach someone who speaks
    Spanish even when the rule only says "round robin".
    """

    _name = "crm.routing.skill"
    _description = "Lead Routing Skill"
    _order = "category, name"

    name = fields.Char(required=True, translate=True)
    category = fields.Selection(
        [
            ("language", "Language"),
            ("region", "Region"),
            ("industry", "Industry"),
            ("product", "Product"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
    )
    lead_domain = fields.Char(
        string="Leads that need it",
        help="Leads matching this filter can only go to salespeople who have "
        "this skill. Leave empty when only rules ask for the skill.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    user_skill_ids = fields.One2many("crm.routing.user.skill", "skill_id")
    user_count = fields.Integer(compute="_compute_user_count", string="Salespeople")
    need_summary = fields.Char(string="Needed By", compute="_compute_need_summary")

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A skill with this name already exists in this company.",
        ),
    ]

    @api.depends("user_skill_ids")
    def _compute_user_count(self):
        counts = {
            skill.id: count
            for skill, count in self.env["crm.routing.user.skill"]._read_group(
                [("skill_id", "in", self.ids)], ["skill_id"], ["__count"]
            )
        }
        for skill in self:
            skill.user_count = counts.get(skill.id, 0)

    @api.depends("lead_domain")
    def _compute_need_summary(self):
        """Say who needs the skill: without a filter, only the leads of rules
        that ask for it (not "all records", as the domain widget would say)."""
        for skill in self:
            if skill.lead_domain and skill.lead_domain.strip() not in ("[]", ""):
                skill.need_summary = _("Leads that match its filter")
            else:
                skill.need_summary = _("Only leads of rules that require it")

    @api.constrains("lead_domain")
    def _check_lead_domain(self):
        for skill in self:
            check_lead_domain(self.env, skill.lead_domain, self._fields["lead_domain"])
