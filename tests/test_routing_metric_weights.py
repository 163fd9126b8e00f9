# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Scoring weights: one row per company and metric, kept over the upgrade
from the company columns, changed only by the company's sales managers."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..routing import scoring
from .common import sales_manager, salesperson

DEFAULTS = {"conversion": 40, "speed": 25, "revenue": 20, "activity": 15}


class WeightCase(TransactionCase):
    """Two companies and their weight rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Weight = cls.env["crm.routing.metric.weight"]
        cls.company = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Rival Inc"})


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingMetricWeights(WeightCase):
    def rows(self, company):
        return {
            row.metric: row.weight
            for row in self.Weight.search([("company_id", "=", company.id)])
        }

    def test_every_company_weighs_every_metric_from_the_start(self):
        expected = dict(DEFAULTS, satisfaction=0)
        self.assertEqual(self.rows(self.company), expected)
        self.assertEqual(self.rows(self.company_b), expected)

    def test_a_missing_row_weighs_the_metric_s_default(self):
        self.company._routing_set_weights({"conversion": 30, "revenue": 30})
        self.Weight.search(
            [("company_id", "=", self.company.id), ("metric", "=", "revenue")]
        ).unlink()
        self.assertEqual(
            self.company._routing_score_weights(),
            {
                "conversion": 30,
                "speed": 25,
                "revenue": 20,
                "activity": 15,
                "satisfaction": 0,
            },
        )

    def test_a_new_metric_gets_a_row_in_every_company_without_a_new_field(self):
        scoring.register_metric(
            scoring.Metric("calls", "Calls per lead", default_weight=0)
        )
        self.addCleanup(scoring.unregister_metric, "calls")
        self.Weight._ensure_rows()
        self.assertEqual(self.rows(self.company_b)["calls"], 0)
        self.company._routing_set_weights({"calls": 10, "conversion": 30})
        self.assertEqual(self.company._routing_score_weights()["calls"], 10)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.routing_weight_ids.mapped("metric")[-1], "calls")
        self.assertNotIn("routing_weight_calls", self.company._fields)

    def test_the_upgrade_turns_company_columns_into_rows_with_the_same_values(self):
        # The columns of version 18.0.1.4.1, as an upgraded database still has
        # them (this transaction's DDL is rolled back with it).
        cr = self.env.cr
        for name in scoring.metrics():
            cr.execute(f"ALTER TABLE res_company ADD COLUMN routing_weight_{name} int4")  # noqa: S608
        cr.execute(
            """UPDATE res_company
                  SET routing_weight_conversion = 10, routing_weight_speed = 20,
                      routing_weight_revenue = 30, routing_weight_activity = 35,
                      routing_weight_satisfaction = 5
                WHERE id = %s""",
            [self.company.id],
        )
        # Company B had no value in one column: that metric keeps its default.
        cr.execute(
            """UPDATE res_company
                  SET routing_weight_conversion = 60, routing_weight_speed = 25,
                      routing_weight_revenue = 15, routing_weight_activity = NULL,
                      routing_weight_satisfaction = 0
                WHERE id = %s""",
            [self.company_b.id],
        )
        # Company B has no rows yet (as before the upgrade); the company's rows
        # were already made by the module's data on the same upgrade.
        self.Weight.search([("company_id", "=", self.company_b.id)]).unlink()
        self.Weight._migrate_from_company_columns()
        self.assertEqual(
            self.rows(self.company),
            {
                "conversion": 10,
                "speed": 20,
                "revenue": 30,
                "activity": 35,
                "satisfaction": 5,
            },
        )
        self.assertEqual(
            self.rows(self.company_b),
            {
                "conversion": 60,
                "speed": 25,
                "revenue": 15,
                "activity": 15,
                "satisfaction": 0,
            },
        )
        # Run again (an upgrade retried): the same rows, no duplicates.
        self.Weight._migrate_from_company_columns()
        self.assertEqual(
            self.Weight.search_count([("company_id", "=", self.company.id)]), 5
        )

    def test_the_upgrade_without_columns_gives_default_weights(self):
        self.Weight.search([("company_id", "=", self.company_b.id)]).unlink()
        self.Weight._migrate_from_company_columns()
        self.assertEqual(self.rows(self.company_b), dict(DEFAULTS, satisfaction=0))


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingMetricWeightAccess(WeightCase):
    """Salespeople read the weights (their score is made of them); only the
    company's sales managers change them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = salesperson(cls.env, "routing_weight_seller")
        cls.manager = sales_manager(cls.env, "routing_weight_manager")
        cls.manager_b = sales_manager(
            cls.env,
            "routing_weight_manager_b",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.conversion = cls.Weight.search(
            [("company_id", "=", cls.company.id), ("metric", "=", "conversion")]
        )

    def test_a_salesperson_reads_the_weights_but_cannot_change_them(self):
        company = self.company.with_user(self.seller)
        self.assertEqual(company._routing_score_weights()["conversion"], 40)
        self.assertEqual(self.conversion.with_user(self.seller).weight, 40)
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            self.conversion.with_user(self.seller).weight = 45
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            company._routing_set_weights({"conversion": 30, "revenue": 30})
        self.assertEqual(self.company._routing_score_weights()["conversion"], 40)

    def test_the_company_s_manager_changes_its_weights(self):
        self.company.with_user(self.manager)._routing_set_weights(
            {"conversion": 30, "revenue": 30}
        )
        self.assertEqual(self.company._routing_score_weights()["revenue"], 30)

    def test_another_company_s_manager_cannot_change_ours(self):
        self.assertFalse(
            self.Weight.with_user(self.manager_b).search(
                [("company_id", "=", self.company.id)]
            )
        )
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            self.conversion.with_user(self.manager_b).weight = 45
        self.assertEqual(self.conversion.weight, 40)
        # Their own company's weights are theirs to change.
        self.company_b.with_user(self.manager_b)._routing_set_weights(
            {"conversion": 30, "revenue": 30}
        )
        self.assertEqual(self.company_b._routing_score_weights()["conversion"], 30)
