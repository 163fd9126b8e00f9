# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Test a lead: who would get it now, and why, without routing it.

A sales manager about to change rules picks a lead, or fills the fields rules
usually filter on, and sees at once which rule would take it, who would get
it now, the explanation the routing log would show and who else was
considered. Inactive rules can be included, "as if this draft rule were
active".

The answer comes from the same path as live routing
(``crm.routing.dispatcher._decide``: the same facts, the same engine) with
``live=False`` and without the writer: nothing is written, not even the
rules' rotation memory. A lead that is only filled in is a new record, never
saved.
"""

from odoo import api, fields, models

RESULT_STATES = [
    ("assigned", "Assigned"),
    ("queued", "Queued"),
    ("unroutable", "Unroutable"),
]
# The fields a filled-in lead takes from the wizard.
LEAD_FIELDS = (
    "expected_revenue",
    "country_id",
    "lang_id",
    "source_id",
    "team_id",
    "tag_ids",
    "partner_id",
)


class CrmRoutingPreview(models.TransientModel):
    _name = "crm.routing.preview"
    _inherit = ["crm.routing.input.mixin", "crm.routing.managers.only"]
    _description = "Test a Lead Against the Routing Rules"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    rule_id = fields.Many2one(
        "crm.routing.rule",
        string="Rule Being Tested",
        context={"active_test": False},
        help="Always taken into account, even when it is archived.",
    )
    include_inactive = fields.Boolean(
        string="Include Archived Rules",
        help="Route as if the archived rules were active too, in their order.",
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Existing Lead",
        help="Test a lead you already have; leave empty to describe one below.",
    )
    expected_revenue = fields.Float()
    country_id = fields.Many2one("res.country")
    lang_id = fields.Many2one("res.lang", string="Language")
    source_id = fields.Many2one("utm.source")
    team_id = fields.Many2one("crm.team", string="Sales Team")
    tag_ids = fields.Many2many(
        "crm.tag", "crm_routing_preview_tag_rel", "preview_id", "tag_id", string="Tags"
    )
    partner_id = fields.Many2one("res.partner", string="Customer")

    result_rule_id = fields.Many2one(
        "crm.routing.rule", string="Rule That Takes It", compute="_compute_result"
    )
    result_user_id = fields.Many2one(
        "res.users", string="Would Go To", compute="_compute_result"
    )
    result_state = fields.Selection(
        RESULT_STATES, string="Outcome", compute="_compute_result"
    )
    explanation = fields.Text(compute="_compute_result")
    candidates_html = fields.Html(
        string="Who Was Considered", compute="_compute_result", sanitize=True
    )

    @api.depends(
        "company_id",
        "rule_id",
        "include_inactive",
        "lead_id",
        *LEAD_FIELDS,
    )
    @api.depends_context("lang")
    def _compute_result(self):
        explainer = self.env["crm.routing.explainer"]
        for wizard in self:
            decision = wizard._decision()
            details = decision.to_json()
            wizard.result_rule_id = decision.rule_id
            wizard.result_user_id = decision.user_id
            wizard.result_state = (
                "assigned"
                if decision.user_id
                else "queued"
                if decision.event == "queue"
                else "unroutable"
            )
            wizard.explanation = explainer._render([details])[0]
            wizard.candidates_html = explainer._candidate_table(details)

    def _lead(self):
        """The lead to test: the chosen one, or a new record (never saved)
        with the fields filled in."""
        self.ensure_one()
        if self.lead_id:
            return self.lead_id._origin
        # Nobody owns it yet (a new lead defaults to whoever creates it).
        vals = {"name": self.env._("Test lead"), "type": "lead", "user_id": False}
        for name in LEAD_FIELDS:
            vals[name] = self[name]
        vals["company_id"] = self.company_id
        return self.env["crm.lead"].new(vals)

    def _rules(self, company):
        """The rules to route by, in routing order: the company's active
        ones, the archived ones when asked, and the rule being tested."""
        domain = [("company_id", "in", [company.id, False])]
        if not self.include_inactive:
            domain.append(("active", "=", True))
        Rules = self.env["crm.routing.rule"].with_context(active_test=False)
        rules = Rules.search(domain) | self.rule_id._origin
        return rules.sorted(lambda rule: (rule.sequence, rule.id))

    def _decision(self):
        """What routing the lead now would decide (the engine's decision)."""
        lead = self._lead()
        company = lead.company_id or self.company_id or self.env.company
        _facts, result = self.env["crm.routing.dispatcher"]._decide(
            company,
            lead,
            now=fields.Datetime.now(),
            rules=self._rules(company),
            live=False,
        )
        return result.decisions[0]
