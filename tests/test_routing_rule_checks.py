# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules that cannot work are caught where the manager edits them."""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import RoutingCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingRuleChecks(RoutingCase):
    def test_a_rule_behind_a_wider_earlier_rule_is_flagged_with_its_name(self):
        big = self.make_rule(
            "Big deals", sequence=1, lead_domain="[('expected_revenue', '>=', 50000)]"
        )
        bigger = self.make_rule(
            "Bigger deals", sequence=2, lead_domain="[('expected_revenue', '>', 50000)]"
        )
        self.assertEqual(bigger.shadowed_by_id, big)
        self.assertIn("“Big deals” comes first", bigger.shadow_warning)
        self.assertFalse(big.shadowed_by_id)
        # Moved first, the narrower rule leaves the wider one the deals of
        # exactly 50,000: no warning either way.
        bigger.sequence = 0
        (big | bigger).invalidate_recordset()
        self.assertFalse(bigger.shadowed_by_id)
        self.assertFalse(big.shadowed_by_id)

    def test_no_warning_for_rules_that_overlap_only_in_part(self):
        self.make_rule("EN", sequence=1, lead_domain="[('lang_code', '=', 'en_US')]")
        big = self.make_rule(
            "Big", sequence=2, lead_domain="[('expected_revenue', '>=', 50000)]"
        )
        self.assertFalse(big.shadowed_by_id)

    def test_archived_or_other_company_rules_shadow_nothing(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.make_rule("All, archived", sequence=1, active=False)
        self.Rule.create(
            {
                "name": "All, other company",
                "sequence": 1,
                "company_id": other.id,
                "user_ids": [(6, 0, self.env.ref("base.user_admin").ids)],
            }
        )
        later = self.make_rule("Later", sequence=5)
        self.assertFalse(later.shadowed_by_id)

    def test_the_list_shows_the_warning_column(self):
        arch = self.Rule.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="shadowed_by_id"', arch)

    def test_a_rule_without_pool_or_team_is_refused_naming_the_fields(self):
        with self.assertRaisesRegex(ValidationError, "Pool.*Sales Team"):
            self.Rule.create({"name": "Nobody", "strategy": "round_robin"})
        rule = self.make_rule("Team only", user_ids=[], team_id=self.team.id)
        with self.assertRaisesRegex(ValidationError, "nobody to give leads to"):
            rule.team_id = False
        # A specific salesperson needs neither.
        self.Rule.create(
            {"name": "Alice", "strategy": "fixed_user", "fixed_user_id": self.alice.id}
        )

    def test_new_rules_start_with_the_company_default_deadline(self):
        self.company.routing_default_sla_minutes = 25
        with Form(self.Rule) as form:
            form.name = "Defaults"
            form.team_id = self.team
        self.assertEqual(form.record.sla_minutes, 25)
        lead = self.create_leads(1)
        self.assertEqual(
            (lead.routing_deadline - lead.routing_assigned_at).total_seconds(), 25 * 60
        )
        self.company.routing_default_sla_minutes = 0
        self.assertEqual(self.make_rule("No deadline").sla_minutes, 0)

    def test_skills_without_filter_say_who_needs_them(self):
        plain = self.Skill.create({"name": "Negotiation"})
        filtered = self.Skill.create(
            {"name": "Dutch", "lead_domain": "[('lang_code', '=', 'nl_NL')]"}
        )
        self.assertEqual(plain.need_summary, "Only leads of rules that require it")
        self.assertEqual(filtered.need_summary, "Leads that match its filter")
