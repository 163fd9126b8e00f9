# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every screen the addon adds opens in a real browser without a client error.

Server-side view validation does not catch what only the web client evaluates
(an action's domain or context, a widget's options): a manager would meet those
as an "Oops!" dialog. These tests load each screen in headless Chromium and
fail on any console error.
"""

import json

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import WAIT_FOR_VIEW, safe_domain


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingScreens(HttpCase):
    def open_screen(self, path, target, click=None):
        code = WAIT_FOR_VIEW % {
            "target": json.dumps(target),
            "click": json.dumps(click),
        }
        self.browser_js(path, code, login="admin", timeout=60)

    def test_every_view_of_every_routing_action_opens(self):
        actions = self.env["ir.actions.act_window"].search(
            [
                (
                    "id",
                    "in",
                    self.env["ir.model.data"]
                    .search(
                        [
                            ("module", "=", "crm_lead_routing"),
                            ("model", "=", "ir.actions.act_window"),
                        ]
                    )
                    .mapped("res_id"),
                )
            ]
        )
        self.assertGreaterEqual(len(actions), 6)
        for action in actions:
            xmlid = action.get_external_id()[action.id]
            for view_type in action.view_mode.split(","):
                with self.subTest(action=xmlid, view_type=view_type):
                    path = f"/odoo/action-{xmlid}"
                    if view_type == "form":
                        record = self.env[action.res_model].search(
                            safe_domain(action.domain), limit=1
                        )
                        if not record:
                            continue
                        path = f"{path}/{record.id}"
                    else:
                        path = f"{path}?view_type={view_type}"
                    self.open_screen(path, f".o_{view_type}_view")

    def test_lead_routing_tab_and_settings_open(self):
        lead = self.env["crm.lead"].search([("routing_log_ids", "!=", False)], limit=1)
        lead = lead or self.env["crm.lead"].create({"name": "Screen check"})
        self.open_screen(
            f"/odoo/action-crm.crm_lead_all_leads/{lead.id}",
            "div[name=routing_state]",
            click="a[name=routing]",
        )
        # The settings, down to the scorecard's weights: one line per metric.
        self.open_screen(
            "/odoo/action-crm.crm_config_settings_action",
            "div[name=routing_weight_ids] .o_data_row:nth-child(5) td[name=weight]",
        )


# Steps run one after the other: click ``click`` (when given) once ``wait``
# shows. Fails on an error dialog, on any console error, or after 30 seconds.
STEPS = """
const steps = %(steps)s, started = Date.now();
let index = 0, clicked = false;
const timer = setInterval(() => {
    if (document.querySelector('.o_error_dialog')) {
        clearInterval(timer);
        console.error('the web client showed an error dialog');
        return;
    }
    if (Date.now() - started > 30000) {
        clearInterval(timer);
        console.error('step ' + index + ' did not happen: ' + steps[index].wait);
        return;
    }
    const step = steps[index];
    const found = document.querySelector(step.wait);
    if (!found) {
        return;
    }
    if (step.click) {
        const target = document.querySelector(step.click);
        if (!target) {
            return;
        }
        target.click();
    }
    index += 1;
    if (index === steps.length) {
        clearInterval(timer);
        console.log('test successful');
    }
}, 150);
"""


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingSimulationScreens(HttpCase):
    def test_sales_manager_runs_a_replay_and_tests_a_lead(self):
        manager = new_test_user(
            self.env,
            "routing_tour_manager",
            groups="sales_team.group_sale_manager",
        )
        rule = self.env["crm.routing.rule"].create(
            {"name": "Tour rule", "user_ids": [(6, 0, manager.ids)]}
        )
        self.env["crm.lead"].create([{"name": f"Tour lead {i}"} for i in range(3)])
        sim = (
            self.env["crm.routing.simulation"]
            .with_user(manager)
            .create({"name": "Tour replay", "rule_ids": [(6, 0, rule.ids)]})
        )
        steps = [
            {"wait": ".o_form_view", "click": "button[name=action_run]"},
            {"wait": "button[name=action_apply_rules]"},
            {"wait": ".o_field_widget[name=summary_html] table"},
            {
                "wait": "button[name=action_view_lines]",
                "click": "button[name=action_view_lines]",
            },
            {"wait": ".o_list_view .o_data_row", "click": ".o_switch_view.o_graph"},
            {"wait": ".o_graph_view canvas", "click": ".o_switch_view.o_pivot"},
            {"wait": ".o_pivot_view table"},
        ]
        self.browser_js(
            f"/odoo/action-crm_lead_routing.crm_routing_simulation_action/{sim.id}",
            STEPS % {"steps": json.dumps(steps)},
            login=manager.login,
            timeout=90,
        )
        self.assertEqual(sim.state, "done")
        test_a_lead = self.env.ref("crm_lead_routing.crm_routing_preview_action")
        preview = [
            {"wait": ".o_list_view", "click": f"button[name='{test_a_lead.id}']"},
            {"wait": ".modal .o_field_widget[name=result_state]"},
            {"wait": ".modal .o_field_widget[name=candidates_html] table"},
        ]
        self.browser_js(
            "/odoo/action-crm_lead_routing.crm_routing_rule_action",
            STEPS % {"steps": json.dumps(preview)},
            login=manager.login,
            timeout=90,
        )


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingAnalysisScreens(HttpCase):
    """Routing Analysis and the experiments, as each role that can open them."""

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

    def open_as(self, login, path, target):
        code = WAIT_FOR_VIEW % {"target": json.dumps(target), "click": "null"}
        self.browser_js(path, code, login=login, timeout=60)

    def test_routing_analysis_opens_for_managers_and_salespeople(self):
        for login in (self.manager.login, self.salesperson.login):
            for view_type in ("pivot", "graph", "list"):
                with self.subTest(login=login, view_type=view_type):
                    self.open_as(
                        login,
                        "/odoo/action-crm_lead_routing.crm_routing_report_action"
                        f"?view_type={view_type}",
                        f".o_{view_type}_view",
                    )

    def test_a_salesperson_sees_the_deadline_they_missed_in_the_analysis_list(self):
        # Their own lead, and the one they lost: two rows, the second an
        # earlier owner's row, whose lead they can no longer open.
        self.open_as(
            self.salesperson.login,
            "/odoo/action-crm_lead_routing.crm_routing_report_action?view_type=list",
            ".o_list_view .o_data_row:nth-child(2) td[name=assignment]",
        )

    def test_managers_open_experiments_and_the_rule_fairness(self):
        self.open_as(
            self.manager.login,
            "/odoo/action-crm_lead_routing.crm_routing_experiment_action"
            f"/{self.experiment.id}",
            "div[name=results_html]",
        )
        self.open_as(
            self.manager.login,
            f"/odoo/action-crm_lead_routing.crm_routing_rule_action/{self.rule.id}",
            "div[name=fairness_html]",
        )

    def test_a_manager_checks_fairness_over_another_period(self):
        self.env["crm.lead"].search([("name", "=", "Screen lead")]).write(
            {"routing_assigned_at": fields.Datetime.now()}
        )
        steps = [
            {
                "wait": ".o_form_view div[name=fairness_html] table",
                "click": "button[name=action_open_fairness]",
            },
            {"wait": ".modal div[name=rule_id] input"},
            {"wait": ".modal div[name=fairness_html] table"},
            {"wait": ".modal div[name=gini]"},
            {"wait": ".modal div[name=largest_gap_user_id]"},
        ]
        self.browser_js(
            f"/odoo/action-crm_lead_routing.crm_routing_rule_action/{self.rule.id}",
            STEPS % {"steps": json.dumps(steps)},
            login=self.manager.login,
            timeout=90,
        )
        menu = self.env.ref("crm_lead_routing.crm_routing_fairness_menu")
        self.assertIn(menu.id, menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, menu.with_user(self.salesperson)._visible_menu_ids())
