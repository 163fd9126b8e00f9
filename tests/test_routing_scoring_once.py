# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""A new lead is scored once, with the team routing gives it, as a lead
created with its salesperson is (``crm.lead._routing_scoring_postponed``)."""

from odoo.addons.crm.models.crm_lead import Lead as CrmLead
from odoo.tests import tagged

from .common import RoutingCase, counting_calls


def scorings():
    """Counts Odoo's predictive scoring runs."""
    return counting_calls(CrmLead, "_compute_probabilities")


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingScoringOnce(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scoring_team = cls.env["crm.team"].create(
            {"name": "Scored", "use_leads": True}
        )
        other = cls.env["crm.team"].create({"name": "Elsewhere", "use_leads": True})
        # Where no team is known, Odoo scores from every team's history: the
        # two teams' are opposite, so the team a lead is scored with shows.
        stage = (
            cls.env["crm.lead"]
            .new({"type": "lead"})
            ._stage_find(domain=[("fold", "=", False)])
        )
        cls.env["crm.lead.scoring.frequency"].create(
            [
                {
                    "variable": "stage_id",
                    "value": str(stage.id),
                    "won_count": won,
                    "lost_count": 100 - won,
                    "team_id": team.id,
                }
                for team, won in ((cls.scoring_team, 90), (other, 5))
            ]
        )

    def test_a_new_lead_is_scored_once_with_the_team_routing_gives_it(self):
        self.make_rule(team_id=self.scoring_team.id)
        with scorings() as scored:
            lead = self.create_leads(expected_revenue=1000)
            self.env.flush_all()
        self.assertEqual(scored.call_count, 1)
        self.assertEqual(lead.team_id, self.scoring_team)
        expected = lead._pls_get_naive_bayes_probabilities()[lead.id]
        self.assertGreater(expected, 50)  # the team's history, not everyone's
        self.assertEqual(lead.automated_probability, expected)
        self.assertEqual(lead.probability, expected)
        self.assertTrue(lead.is_automated_probability)
        self.assertEqual(lead.prorated_revenue, round(1000 * expected / 100, 2))

    def test_a_lead_no_rule_takes_is_scored_once_with_its_own_team(self):
        self.make_rule(team_id=self.scoring_team.id, lead_domain="[('name', '=', 'x')]")
        with scorings() as scored:
            lead = self.create_leads()
            self.env.flush_all()
        self.assertEqual(scored.call_count, 1)
        self.assertNotEqual(lead.routing_state, "assigned")
        self.assertNotEqual(lead.team_id, self.scoring_team)
        self.assertEqual(
            lead.probability, lead._pls_get_naive_bayes_probabilities()[lead.id]
        )

    def test_a_filter_on_the_score_reads_the_score(self):
        # Scored before routing then, with the team it was created with:
        # every team's history says more than 0 % (a score not read would).
        rule = self.make_rule(
            name="Likely", sequence=1, lead_domain="[('probability', '>', 0)]"
        )
        self.make_rule(name="The rest", sequence=2, user_ids=[(6, 0, self.erin.ids)])
        lead = self.create_leads()
        self.assertEqual(lead.routing_rule_id, rule)
        self.assertEqual(
            lead.probability, lead._pls_get_naive_bayes_probabilities()[lead.id]
        )

    def test_a_lead_created_won_is_not_routed(self):
        self.make_rule()
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lead = self.create_leads(stage_id=won.id)
        self.assertEqual(lead.routing_state, "none")
        self.assertFalse(lead.routing_log_ids)
        self.assertEqual(lead.probability, 100)
