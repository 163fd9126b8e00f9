# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import sales_manager, salesperson


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingConstraints(TransactionCase):
    """Bad input is refused at save time, with a message that names the fix."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = salesperson(cls.env, "dm_seller")
        cls.skill = cls.env["crm.routing.skill"].create(
            {"name": "Dutch", "category": "language"}
        )

    def rule(self, **vals):
        vals.setdefault("user_ids", [(6, 0, self.seller.ids)])
        return self.env["crm.routing.rule"].create({"name": "R", **vals})

    def test_rule_domain_that_does_not_parse(self):
        with self.assertRaisesRegex(ValidationError, "not a complete filter"):
            self.rule(lead_domain="[('name', '=',")

    def test_rule_domain_with_unknown_field(self):
        with self.assertRaisesRegex(
            ValidationError, "Applies to.*the field “no_such_field” does not exist"
        ):
            self.rule(lead_domain="[('no_such_field', '=', 1)]")

    def test_skill_domain_with_unknown_field(self):
        with self.assertRaisesRegex(ValidationError, "Leads that need it"):
            self.skill.lead_domain = "[('nope', '=', 1)]"

    def test_fixed_user_strategy_needs_a_user(self):
        with self.assertRaisesRegex(ValidationError, "choose the Salesperson"):
            self.rule(strategy="fixed_user")

    def test_fairness_floor_is_a_percentage(self):
        with self.assertRaisesRegex(ValidationError, "Fairness Floor"):
            self.rule(fairness_floor=120)

    def test_negative_deadline_and_reassignments(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.rule(sla_minutes=-5)
        with self.assertRaisesRegex(ValidationError, "Max Reassignments"):
            self.rule(max_reassignments=-1)

    def test_pool_user_must_be_internal(self):
        portal = new_test_user(self.env, "dm_portal", groups="base.group_portal")
        with self.assertRaisesRegex(ValidationError, "not internal users"):
            self.rule(user_ids=[(6, 0, portal.ids)])

    def test_negative_caps(self):
        with self.assertRaisesRegex(ValidationError, "caps cannot be negative"):
            self.seller.routing_max_open_leads = -1

    def test_skill_level_between_one_and_five(self):
        with self.assertRaisesRegex(ValidationError, "between 1 and 5"):
            self.env["crm.routing.user.skill"].create(
                {"user_id": self.seller.id, "skill_id": self.skill.id, "level": 6}
            )

    def test_duplicated_skill_line(self):
        vals = {"user_id": self.seller.id, "skill_id": self.skill.id, "level": 3}
        self.env["crm.routing.user.skill"].create(vals)
        with self.assertRaisesRegex(ValidationError, "already has the skill"):
            self.env["crm.routing.user.skill"].create(vals)

    @mute_logger("odoo.sql_db")
    def test_duplicated_skill_name_in_company(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["crm.routing.skill"].create({"name": "Dutch"})

    def test_score_weights_sum_to_100_and_window_is_positive(self):
        with self.assertRaisesRegex(ValidationError, "add up to"):
            self.env.company._routing_set_weights({"conversion": 90})
        with self.assertRaisesRegex(ValidationError, "number of days between 1"):
            self.env.company.routing_score_window_days = -3

    def test_satisfaction_between_zero_and_five(self):
        with self.assertRaisesRegex(ValidationError, "from 0 to 5"):
            self.seller.routing_satisfaction = 7


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingAccess(TransactionCase):
    """Who may read and change what, tested as real low-rights users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = salesperson(cls.env, "acc_seller")
        cls.other = salesperson(cls.env, "acc_other")
        cls.manager = sales_manager(cls.env, "acc_manager")
        cls.portal = new_test_user(cls.env, "acc_portal", groups="base.group_portal")
        cls.rule = cls.env["crm.routing.rule"].create(
            {"name": "Visible", "user_ids": [(6, 0, cls.seller.ids)]}
        )
        cls.skill = cls.env["crm.routing.skill"].create({"name": "Polish"})
        Lead = cls.env["crm.lead"].with_context(tracking_disable=True)
        cls.own_lead = Lead.create({"name": "own", "user_id": cls.seller.id})
        cls.other_lead = Lead.create({"name": "other", "user_id": cls.other.id})
        cls.logs = (
            cls.env["crm.routing.log"]
            .sudo()
            .create(
                [
                    {"lead_id": cls.own_lead.id, "event": "assign", "reason": "r"},
                    {"lead_id": cls.other_lead.id, "event": "assign", "reason": "r"},
                ]
            )
        )

    def test_salesperson_reads_but_cannot_change_rules_and_skills(self):
        self.assertEqual(self.rule.with_user(self.seller).name, "Visible")
        self.assertEqual(self.skill.with_user(self.seller).name, "Polish")
        with self.assertRaises(AccessError):
            self.rule.with_user(self.seller).name = "Hacked"
        with self.assertRaises(AccessError):
            self.env["crm.routing.skill"].with_user(self.seller).create({"name": "X"})
        with self.assertRaises(AccessError):
            self.rule.with_user(self.seller).unlink()

    def test_manager_edits_rules_and_everyones_profile(self):
        self.rule.with_user(self.manager).name = "Renamed"
        self.assertEqual(self.rule.name, "Renamed")
        self.seller.with_user(self.manager).write(
            {"routing_max_open_leads": 7, "routing_available": False}
        )
        self.assertEqual(self.seller.routing_max_open_leads, 7)
        self.assertFalse(self.seller.routing_available)

    def test_salesperson_toggles_own_availability_only(self):
        self.seller.with_user(self.seller).routing_available = False
        self.assertFalse(self.seller.routing_available)
        with self.assertRaises(AccessError):
            self.other.with_user(self.seller).routing_available = False
        with self.assertRaises(AccessError):
            self.seller.with_user(self.seller).routing_max_open_leads = 99

    def test_salesperson_sees_only_own_leads_logs(self):
        visible = self.env["crm.routing.log"].with_user(self.seller).search([])
        self.assertIn(self.logs[0], visible)
        self.assertNotIn(self.logs[1], visible)
        self.assertEqual(
            len(
                self.env["crm.routing.log"]
                .with_user(self.manager)
                .search([("id", "in", self.logs.ids)])
            ),
            2,
        )

    def test_nobody_but_the_superuser_changes_logs(self):
        for user in (self.seller, self.manager):
            with self.assertRaises(UserError):
                self.logs[0].with_user(user).write({"reason": "rewritten"})
            with self.assertRaises(UserError):
                self.logs[0].with_user(user).unlink()
        admin = self.env.ref("base.user_admin")
        with self.assertRaises(UserError):
            self.logs[0].with_user(admin).unlink()

    def test_portal_sees_nothing(self):
        for model in ("crm.routing.rule", "crm.routing.skill", "crm.routing.log"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.portal).search([])

    def test_other_company_records_are_invisible(self):
        other_co = self.env["res.company"].create({"name": "Elsewhere"})
        hidden = self.env["crm.routing.rule"].create(
            {
                "name": "Hidden",
                "company_id": other_co.id,
                "strategy": "fixed_user",
                "fixed_user_id": self.env.ref("base.user_admin").id,
            }
        )
        hidden_skill = self.env["crm.routing.skill"].create(
            {"name": "Hidden", "company_id": other_co.id}
        )
        rules = self.env["crm.routing.rule"].with_user(self.seller).search([])
        skills = self.env["crm.routing.skill"].with_user(self.seller).search([])
        self.assertNotIn(hidden, rules)
        self.assertNotIn(hidden_skill, skills)
        self.assertIn(self.rule, rules)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingViews(TransactionCase):
    """Every window action of the addon and the inherited forms load."""

    def test_every_action_opens_its_views(self):
        manager = sales_manager(self.env, "views_manager")
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "crm_lead_routing"),
                ("model", "=", "ir.actions.act_window"),
            ]
        )
        actions = self.env["ir.actions.act_window"].browse(data.mapped("res_id"))
        self.assertEqual(
            sorted(actions.mapped("name")),
            ["Background Jobs", "Capacity", "Capacity by Hour", "Leaderboard",
             "Replayed Leads", "Routing Analysis", "Routing Experiments",
             "Routing Fairness", "Routing Log", "Routing Rules", "Routing Skills",
             "Salespeople", "Score History", "Target Progress", "Targets",
             "Test a Lead", "What-if Replays"],
        )  # fmt: skip
        for action in actions:
            modes = [(False, mode) for mode in action.view_mode.split(",")]
            views = self.env[action.res_model].with_user(manager).get_views(modes)
            self.assertEqual(set(views["views"]), {m for _v, m in modes}, action.name)

    def test_inherited_forms_load_with_what_routing_adds(self):
        for model, mode, xmlid, xpaths in (
            ("crm.lead", "form", "crm.crm_lead_view_form",
             ["//page[@name='routing'][@string='Routing']",
              "//button[@name='action_routing_mark_contacted']",
              # the clock above the sheet and in the tab
              "//field[@name='routing_time_left']"]),
            ("crm.lead", "search", "crm.view_crm_case_leads_filter",
             ["//filter[@name='routing_queued'][@string='Queued']",
              "//filter[@name='routing_overdue'][@string='Overdue']"]),
            ("res.users", "form", "base.view_users_form",
             ["//page[@name='lead_routing'][@string='Lead Routing']"]),
            ("res.users", "form", "base.view_users_form_simple_modif",
             ["//page[@name='lead_routing'][@string='Lead Routing']",
              "//field[@name='routing_available']"]),
            ("res.config.settings", "form", "crm.res_config_settings_view_form",
             ["//block[@title='Lead Routing']",
              "//field[@name='routing_auto_assign']"]),
        ):  # fmt: skip
            view = self.env.ref(xmlid)
            arch = (
                self.env[model]
                .with_user(self.env.ref("base.user_admin"))
                .get_views([(view.id, mode)])["views"][mode]["arch"]
            )
            tree = etree.fromstring(arch)
            for xpath in xpaths:
                with self.subTest(view=xmlid, xpath=xpath):
                    expected = 2 if "routing_time_left" in xpath else 1
                    self.assertEqual(len(tree.xpath(xpath)), expected)

    def test_settings_persist(self):
        settings = self.env["res.config.settings"].create(
            {"routing_auto_assign": True, "routing_default_sla_minutes": 15}
        )
        settings.execute()
        self.assertTrue(self.env.company.routing_auto_assign)
        self.assertEqual(self.env.company.routing_default_sla_minutes, 15)

    def test_rule_form_round_trip(self):
        with Form(self.env["crm.routing.rule"]) as form:
            form.name = "Big deals"
            form.lead_domain = "[('expected_revenue', '>', 5000)]"
            form.strategy = "weighted"
            form.fairness_floor = 40
            form.team_id = self.env.ref("sales_team.team_sales_department")
        rule = form.save()
        self.assertEqual(rule.strategy, "weighted")
        self.assertEqual(rule.lead_domain, "[('expected_revenue', '>', 5000)]")
