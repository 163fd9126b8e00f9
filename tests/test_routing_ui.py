# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Screens on data that shows what they are for, in a real browser.

Server-side view validation does not catch what only the web client evaluates
(an action's domain or context, a widget's options): a manager would meet those
as an "Oops!" dialog. Every screen the addon adds is opened by each role in
test_routing_tours; these walks open some of them again on data that fills
them, and fail on any console error.
"""

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import ScreenWalkCase

ANALYSIS_ACTION = "crm_lead_routing.crm_routing_report_action"


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingAnalysisScreens(ScreenWalkCase):
    """Routing Analysis and the experiments, on data that shows something:
    a running experiment, a lead lost after a missed deadline. (Every view
    of these screens also opens in each role's walk, test_routing_tours.)"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "routing_ui_manager", groups="sales_team.group_sale_manager"
        )
        cls.salesperson = new_test_user(
            cls.env, "routing_ui_salesperson", groups="sales_team.group_sale_salesman"
        )
        rule = cls.env["crm.routing.rule"].create(
            {"name": "Screen rule", "user_ids": [(6, 0, cls.salesperson.ids)]}
        )
        cls.experiment = cls.env["crm.routing.experiment"].create(
            {"name": "Screen test", "rule_id": rule.id, "variant_strategy": "weighted"}
        )
        cls.experiment.action_start()
        cls.env["crm.lead"].create(
            {"name": "Screen lead", "user_id": cls.salesperson.id,
             "routing_state": "assigned", "routing_rule_id": rule.id}
        )  # fmt: skip
        # A lead the salesperson lost to the manager after missing its
        # deadline: their analysis shows it as an earlier owner's row.
        lost = cls.env["crm.lead"].create(
            {"name": "Lost lead", "user_id": cls.manager.id,
             "routing_state": "assigned", "routing_rule_id": rule.id,
             "routing_reassign_count": 1}
        )  # fmt: skip
        cls.env["crm.routing.log"]._append(
            [{"lead_id": lost.id, "company_id": lost.company_id.id,
              "rule_id": rule.id, "user_id": cls.manager.id,
              "previous_user_id": cls.salesperson.id, "event": "reassign",
              "details": {}}]
        )  # fmt: skip
        cls.rule = rule

    def test_a_salesperson_sees_the_deadline_they_missed_in_the_analysis_list(self):
        # Their own lead, and the one they lost: two rows, the second an
        # earlier owner's row, whose lead they can no longer open.
        self.walk(
            self.salesperson,
            self.screen(
                ANALYSIS_ACTION,
                "list",
                title="Routing Analysis",
                expect=[
                    ".o_data_row td[name=assignment]:contains('deadline missed')",
                    ".o_data_row td[name=assignment]:contains('Current salesperson')",
                    ".o_list_view:not(:has(.o_data_row:nth-child(3)))",
                ],
            ),
        )

    def test_a_manager_reads_experiment_results_and_fairness(self):
        """The running experiment's results; the rule's fairness, then over
        another period in the fairness wizard."""
        self.env["crm.lead"].search([("name", "=", "Screen lead")]).write(
            {"routing_assigned_at": fields.Datetime.now()}
        )
        self.walk(
            self.manager,
            self.screen(
                "crm_lead_routing.crm_routing_experiment_action",
                "form",
                self.experiment.id,
                title="Screen test",
                expect=["div[name=results_html]"],
            )
            + self.screen(
                "crm_lead_routing.crm_routing_rule_action",
                "form",
                self.rule.id,
                title="Screen rule",
                expect=[".o_form_view div[name=fairness_html] table"],
            )
            + [
                {"trigger": "button[name=action_open_fairness]", "run": "click"},
                {"trigger": ".modal div[name=rule_id] input"},
                {"trigger": ".modal div[name=fairness_html] table"},
                {"trigger": ".modal div[name=gini]"},
                {"trigger": ".modal div[name=largest_gap_user_id]"},
            ],
        )
        menu = self.env.ref("crm_lead_routing.crm_routing_fairness_menu")
        self.assertIn(menu.id, menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, menu.with_user(self.salesperson)._visible_menu_ids())
