# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models

from ..routing import domains
from .crm_routing_rule import check_lead_domain


class CrmRoutingSkill(models.Model):
    """A competence a lead may need: a language, a region, an industry, a product.

    A skill with a ``lead_domain`` is *required* by every lead that matches it,
    whatever the rule: a Spanish-speaking lead must reach someone who speaks
    Spanish even when the rule only says "round robin".
    """

    _name = "crm.routing.skill"
    _inherit = ["crm.routing.input.mixin"]
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
    holder_warning = fields.Char(
        string="Warning",
        compute="_compute_holder_warning",
        help="Set when no salesperson who accepts new leads has this skill, while "
        "leads need it: those leads wait in the queue.",
    )

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A skill with this name already exists in this company.",
        ),
    ]

    def init(self):
        res = super().init()
        # Routing keeps what it reads of this table (and of those it
        # depends on) until a change moves their version.
        self.env["crm.routing.rule.book"]._install_version_triggers()
        return res

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

    @api.depends("lead_domain", "active", "user_skill_ids")
    def _compute_holder_warning(self):
        """Warn when leads need the skill and nobody who takes leads has it."""
        holders = self._available_holders()
        for skill in self:
            needed = skill.active and not domains.is_empty(skill.lead_domain)
            if needed and not holders.get(skill._origin.id):
                skill.holder_warning = _(
                    "Nobody who accepts new leads has this skill: every lead its "
                    "filter matches waits in the queue until someone does. Give the "
                    "skill to salespeople, or narrow the filter."
                )
            else:
                skill.holder_warning = False

    def _available_holders(self):
        """``{skill id: user ids}`` of the active internal users accepting
        new leads who have each skill (one query)."""
        ids = [sid for sid in self._origin.ids if sid]
        if not ids:
            return {}
        lines = (
            self.env["crm.routing.user.skill"]
            .sudo()
            .search_fetch([("skill_id", "in", ids)], ["skill_id", "user_id"])
        )
        holders = {}
        for line in lines:
            user = line.user_id
            if user.active and not user.share and user.routing_available:
                holders.setdefault(line.skill_id.id, set()).add(user.id)
        return holders

    @api.depends("lead_domain")
    def _compute_need_summary(self):
        """Say who needs the skill: without a filter, only the leads of rules
        that ask for it (not "all records", as the domain widget would say)."""
        for skill in self:
            if not domains.is_empty(skill.lead_domain):
                skill.need_summary = _("Leads that match its filter")
            else:
                skill.need_summary = _("Only leads of rules that require it")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalise_lead_domain(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._normalise_lead_domain(vals)
        return super().write(vals)

    @api.model
    def _normalise_lead_domain(self, vals):
        """A filter without conditions ("[ ]", spaces) is stored empty: the
        skill is then required only by the rules that ask for it, never by
        every lead of the company."""
        if "lead_domain" in vals and domains.is_empty(vals["lead_domain"]):
            vals["lead_domain"] = False

    @api.constrains("lead_domain")
    def _check_lead_domain(self):
        for skill in self:
            check_lead_domain(self.env, skill.lead_domain, self._fields["lead_domain"])
