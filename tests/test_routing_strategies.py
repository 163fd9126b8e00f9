# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import Counter

from odoo.tests import tagged

from .common import RoutingCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingStrategies(RoutingCase):
    def seed(self, user, count, **vals):
        """``count`` leads routed to ``user`` by a rule of their own, before
        the rule under test (which only the other leads reach)."""
        self.make_rule(
            name="Seed",
            strategy="fixed_user",
            fixed_user_id=user.id,
            sequence=1,
            lead_domain="[('name', '=like', 'seed%')]",
        )
        return self.create_leads(count, name="seed", **vals)

    def test_round_robin_rotates_in_pool_order(self):
        self.make_rule(user_ids=[(6, 0, (self.alice | self.bob | self.carol).ids)])
        leads = self.create_leads(6)
        self.assertEqual(
            [lead.user_id.name for lead in leads], ["Alice", "Bob", "Carol"] * 2
        )
        self.assertEqual(set(leads.mapped("routing_state")), {"assigned"})

    def test_round_robin_continues_across_batches(self):
        self.make_rule(user_ids=[(6, 0, (self.alice | self.bob | self.carol).ids)])
        first = self.create_leads(2)
        second = self.create_leads(2)
        self.assertEqual(
            [lead.user_id.name for lead in first | second],
            ["Alice", "Bob", "Carol", "Alice"],
        )

    def test_round_robin_keeps_the_turn_of_someone_skipped(self):
        self.make_rule(user_ids=[(6, 0, (self.alice | self.bob | self.carol).ids)])
        self.create_leads(1)  # Alice
        self.bob.routing_available = False
        skipped = self.create_leads(1)
        self.assertEqual(skipped.user_id, self.carol)
        self.bob.routing_available = True
        back = self.create_leads(1)
        self.assertEqual(
            back.user_id, self.bob, "Bob's turn was kept while he was away"
        )

    def test_weighted_gives_top_performers_more_but_everyone_some(self):
        self.alice.routing_score = 90.0
        self.bob.routing_score = 10.0
        self.make_rule(
            strategy="weighted",
            fairness_floor=20.0,
            user_ids=[(6, 0, (self.alice | self.bob).ids)],
        )
        leads = self.create_leads(100)
        counts = Counter([lead.user_id.name for lead in leads])
        # target shares: 0.2/2 + 0.8*0.9 = 82%, 0.1 + 0.8*0.1 = 18%
        self.assertAlmostEqual(counts["Alice"], 82, delta=2)
        self.assertAlmostEqual(counts["Bob"], 18, delta=2)

    def test_load_balanced_counts_open_leads_capped_or_not(self):
        """Load is one thing for everyone: open leads. A cap is a limit, not a
        weight; the explanation gives the count."""
        self.seed(self.alice, 3)  # Alice now has 3 open leads
        self.alice.routing_max_open_leads = 30
        self.bob.routing_max_open_leads = 0
        self.make_rule(
            name="Balance",
            strategy="load_balanced",
            sequence=2,
            user_ids=[(6, 0, (self.alice | self.bob).ids)],
        )
        # Bob (0, then 1, 2, 3 open) takes every lead until he has as many
        # as Alice (3), whatever her cap.
        leads = self.create_leads(4)
        self.assertEqual(
            [lead.user_id.name for lead in leads], ["Bob", "Bob", "Bob", "Alice"]
        )
        self.assertIn("fewest open leads (0)", self.last_log(leads[0]).reason)

    def test_best_match_prefers_the_higher_skill_level(self):
        french = self.Skill.create(
            {
                "name": "French",
                "category": "language",
                "lead_domain": "[('name', 'ilike', 'fr:')]",
            }
        )
        self.env["crm.routing.user.skill"].create(
            [
                {"user_id": self.alice.id, "skill_id": french.id, "level": 2},
                {"user_id": self.bob.id, "skill_id": french.id, "level": 5},
            ]
        )
        self.make_rule(strategy="best_match")
        lead = self.create_leads(1, name="fr: Société Générale")
        self.assertEqual(lead.user_id, self.bob)
        self.assertIn("missing_skill", str(lead.routing_log_ids.details))

    def test_continuity_gives_the_account_to_its_owner(self):
        parent = self.env["res.partner"].create(
            {"name": "ACME Group", "is_company": True, "user_id": self.carol.id}
        )
        contact = self.env["res.partner"].create({"name": "Jo", "parent_id": parent.id})
        self.make_rule(strategy="continuity")
        lead = self.create_leads(1, partner_id=contact.id)
        self.assertEqual(lead.user_id, self.carol)
        self.assertIn("Carol", lead.routing_log_ids.reason)

    def test_continuity_follows_the_email_domain_of_earlier_leads(self):
        self.seed(self.dave, 1, email_from="ann@globex.example")
        self.make_rule(strategy="continuity", sequence=2)
        lead = self.create_leads(1, name="second", email_from="bob@globex.example")
        self.assertEqual(lead.user_id, self.dave)

    def test_continuity_without_owner_falls_through_to_weighted(self):
        self.make_rule(strategy="continuity")
        lead = self.create_leads(1, email_from="new@nowhere.example")
        self.assertTrue(lead.user_id)
        self.assertIn(lead.user_id, self.sales)

    def test_fixed_user_gets_every_lead(self):
        self.make_rule(strategy="fixed_user", fixed_user_id=self.erin.id)
        leads = self.create_leads(3)
        self.assertEqual(leads.user_id, self.erin)

    def test_rules_are_tried_in_sequence_first_match_decides(self):
        self.make_rule(
            name="Big",
            sequence=1,
            strategy="fixed_user",
            fixed_user_id=self.alice.id,
            lead_domain="[('expected_revenue', '>=', 10000)]",
        )
        self.make_rule(
            name="Rest", sequence=2, strategy="fixed_user", fixed_user_id=self.bob.id
        )
        big = self.create_leads(1, expected_revenue=50000)
        small = self.create_leads(1, expected_revenue=100)
        self.assertEqual(big.user_id, self.alice)
        self.assertEqual(big.routing_rule_id.name, "Big")
        self.assertEqual(small.user_id, self.bob)

    def test_rule_team_is_set_on_the_lead(self):
        self.make_rule(team_id=self.team.id, user_ids=[(5, 0, 0)])
        lead = self.create_leads(1)
        self.assertEqual(lead.team_id, self.team)
        self.assertIn(lead.user_id, self.sales)
