# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.crm_lead_routing.routing import experiments
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RoutingCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingExperiments(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule(strategy="round_robin")
        cls.Experiment = cls.env["crm.routing.experiment"]

    def experiment(self, **vals):
        vals.setdefault("name", "Load-balanced test")
        vals.setdefault("rule_id", self.rule.id)
        vals.setdefault("variant_strategy", "load_balanced")
        return self.Experiment.create(vals)

    def test_each_lead_gets_the_arm_the_engine_draws_and_keeps_it(self):
        """Routing records, lead by lead, the arm ``experiments.arm`` draws for
        it (how close the draws come to the split over many leads is the
        engine's property test, routing/tests)."""
        exp = self.experiment(variant_share=50)
        exp.action_start()
        leads = self.create_leads(40)
        expected = {lead.id: experiments.arm(lead.id, exp.id, 50) for lead in leads}
        self.assertEqual(
            {lead.id: lead.routing_experiment_arm for lead in leads}, expected
        )
        self.assertEqual(leads.routing_experiment_id, exp)
        self.env.flush_all()
        exp.invalidate_recordset(["lead_count"])
        self.assertEqual(exp.lead_count, 40)  # both groups, as the form counts
        # Routed again, a lead stays in its group.
        again = leads[:20]
        again.action_route()
        self.assertEqual(
            {lead.id: lead.routing_experiment_arm for lead in again},
            {lead.id: expected[lead.id] for lead in again},
        )

    def test_split_is_recorded_in_the_log_with_a_sentence(self):
        exp = self.experiment(variant_share=50)
        exp.action_start()
        leads = self.create_leads(30)
        for lead in leads:
            log = self.last_log(lead)
            self.assertEqual(
                log.details["experiment"],
                {"id": exp.id, "arm": lead.routing_experiment_arm},
            )
            self.assertIn(f"group of the experiment “{exp.name}”", lead.routing_summary)
        self.assertEqual(
            set(leads.mapped("routing_experiment_arm")), {"control", "variant"}
        )

    def test_both_arms_obey_caps_pools_and_availability(self):
        self.sales.write({"routing_max_open_leads": 4})
        self.erin.routing_available = False
        exp = self.experiment(
            variant_share=50,
            variant_user_ids=[(6, 0, (self.carol | self.dave | self.erin).ids)],
        )
        exp.action_start()
        leads = self.create_leads(40)
        for user in self.sales:
            self.assertLessEqual(
                len(leads.filtered(lambda x, u=user: x.user_id == u)), 4
            )
        self.assertFalse(leads.filtered(lambda x: x.user_id == self.erin))
        for lead in leads.filtered("user_id"):
            if lead.routing_experiment_arm == "variant":
                self.assertIn(lead.user_id, self.carol | self.dave)
            else:
                self.assertIn(lead.user_id, self.sales - self.erin)

    def test_a_stopped_experiment_no_longer_splits(self):
        exp = self.experiment()
        exp.action_start()
        exp.action_stop()
        lead = self.create_leads(1)
        self.assertFalse(lead.routing_experiment_id)
        self.assertEqual(exp.state, "stopped")
        self.assertTrue(exp.date_end)

    def test_one_running_experiment_per_rule(self):
        self.experiment().action_start()
        second = self.experiment(name="Another", variant_strategy="weighted")
        with self.assertRaisesRegex(ValidationError, "already has a running"):
            second.action_start()

    def test_a_variant_identical_to_the_rule_cannot_start(self):
        exp = self.experiment(variant_strategy="round_robin")
        with self.assertRaisesRegex(UserError, "routes exactly like the rule"):
            exp.action_start()

    def test_bad_share_is_refused_naming_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Leads in the Variant"):
            self.experiment(variant_share=100)

    # ------------------------------------------------------------------ results
    def outcomes(self, exp, arm, won, lost, open_=0):
        """Leads of ``exp``'s ``arm``: ``won`` won, ``lost`` lost, ``open_`` open."""
        Lead = self.env["crm.lead"].sudo()
        vals = {
            "routing_rule_id": self.rule.id,
            "routing_experiment_id": exp.id,
            "routing_experiment_arm": arm,
            "routing_state": "assigned",
            "user_id": self.alice.id,
            "expected_revenue": 1000,
        }
        leads = Lead.create(
            [{"name": f"{arm} {i}", **vals} for i in range(won + lost + open_)]
        )
        leads[:won].write({"probability": 100})
        leads[won : won + lost].write({"probability": 0, "active": False})
        return leads

    def started(self, **vals):
        vals.setdefault("metric", "conversion")
        vals.setdefault("min_effect", 20.0)
        exp = self.experiment(**vals)
        exp.action_start()
        return exp

    def test_verdict_on_a_clear_winner(self):
        exp = self.started()
        self.outcomes(exp, "control", won=25, lost=75)
        self.outcomes(exp, "variant", won=50, lost=50)
        exp.invalidate_recordset()
        self.assertFalse(exp.interim)
        self.assertEqual(exp.winner, "variant")
        self.assertTrue(
            exp.verdict.startswith("The variant converts better: +25 points, 95% CI +"),
            exp.verdict,
        )
        self.assertIn("p &lt; 0.001", exp.results_html)

    def test_verdict_no_detectable_difference(self):
        exp = self.started()
        self.outcomes(exp, "control", won=25, lost=75)
        self.outcomes(exp, "variant", won=26, lost=74)
        self.assertFalse(exp.winner)
        self.assertTrue(exp.verdict.startswith("No detectable difference"), exp.verdict)

    def test_verdict_with_too_little_data_is_interim(self):
        exp = self.started()
        self.outcomes(exp, "control", won=2, lost=8, open_=5)
        self.outcomes(exp, "variant", won=8, lost=2)
        needed = exp.sample_size
        self.assertGreater(needed, 10)
        self.assertTrue(exp.interim)
        self.assertFalse(exp.winner)
        self.assertEqual(
            exp.verdict,
            f"Interim results: {2 * needed - 20:,} more closed leads are needed "
            "before a winner can be declared.",
        )
        self.assertEqual(exp.min_effect_unit, "percentage points")
        with self.assertRaisesRegex(UserError, "No winner to adopt"):
            exp.action_adopt()

    def test_adopt_the_winner_changes_the_rule_and_logs_it(self):
        exp = self.started(
            variant_strategy="weighted",
            variant_fairness_floor=40,
            variant_user_ids=[(6, 0, (self.alice | self.bob).ids)],
        )
        self.outcomes(exp, "control", won=25, lost=75)
        self.outcomes(exp, "variant", won=50, lost=50)
        exp.action_adopt()
        self.assertEqual(exp.state, "adopted")
        self.assertEqual(self.rule.strategy, "weighted")
        self.assertEqual(self.rule.fairness_floor, 40)
        self.assertEqual(self.rule.user_ids, self.alice | self.bob)
        note = exp.message_ids.filtered(
            lambda m: "Adopted the variant" in (m.body or "")
        )
        self.assertTrue(note)
        # Ended: new leads follow the rule, now weighted, without a split.
        lead = self.create_leads(1)
        self.assertFalse(lead.routing_experiment_id)
        self.assertEqual(lead.routing_strategy, "weighted")

    def test_results_cost_the_same_queries_whatever_the_size(self):
        exp = self.started()

        def queries():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.assertTrue(exp.verdict)
            return self.cr.sql_log_count - before

        self.outcomes(exp, "control", won=2, lost=2)
        self.outcomes(exp, "variant", won=2, lost=2)
        queries()  # warms Odoo's caches (languages, currency formats)
        small = queries()
        self.outcomes(exp, "control", won=40, lost=40)
        self.outcomes(exp, "variant", won=40, lost=40)
        self.assertEqual(queries(), small)
        # The experiment, its rule, company, currency and user, and the two
        # grouped queries (its leads by group, the control's baseline).
        self.assertLessEqual(small, 8)
