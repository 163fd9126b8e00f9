# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every routing screen, clicked through in Chromium as each role that can
open it: a salesperson who sees their own documents, one who sees all, and a
sales manager; on a routed lead that colleagues follow, in a company where
some of them also work for a second company; with score sharing off and on.

A tour fails on an error dialog or a console error; ``./dev test`` also fails
on any WARNING or ERROR the server logs while they run.
"""

import json
import logging
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import WAIT_FOR_VIEW, safe_domain

_logger = logging.getLogger(__name__)
PIPELINE = "/odoo/action-crm.crm_lead_action_pipeline"


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.company.write({"routing_auto_assign": True, "routing_score_share": False})
        cls.branch = env["res.company"].create({"name": "Tour Branch"})
        env["crm.team"].search([]).write({"assignment_domain": False})

        def person(login, name, group, both=False):
            user = new_test_user(
                env,
                login,
                name=name,
                email=f"{login}@example.com",
                groups=f"{group},base.group_partner_manager",
                tz="UTC",
            )
            if both:
                user.company_ids |= cls.branch
            return user

        cls.own = person("tour_own", "Olga Own", "sales_team.group_sale_salesman")
        cls.all = person(
            "tour_all",
            "Ahmed All",
            "sales_team.group_sale_salesman_all_leads",
            both=True,
        )
        cls.manager = person(
            "tour_manager", "Mei Manager", "sales_team.group_sale_manager", both=True
        )
        cls.team = env["crm.team"].create({"name": "Tour Inbound"})
        env["crm.team.member"].create(
            [{"crm_team_id": cls.team.id, "user_id": u.id} for u in cls.own | cls.all]
        )
        env["crm.routing.rule"].search([]).active = False
        cls.rule = env["crm.routing.rule"].create(
            {
                "name": "Tour inbound",
                "strategy": "round_robin",
                "team_id": cls.team.id,
                "user_ids": [(6, 0, cls.own.ids)],
                "sla_minutes": 30,
                "respect_working_hours": False,
            }
        )
        # Twelve weeks of Olga's history: her trend, the group's percentile.
        for week in range(1, 13):
            at = fields.Datetime.now() - timedelta(weeks=week, days=-2)
            past = env["crm.lead"].create(
                [
                    {
                        "name": f"Tour past deal {week}.{i}",
                        "user_id": cls.own.id,
                        "expected_revenue": 1000,
                        "routing_assigned_at": at,
                        "routing_first_touch_at": at + timedelta(minutes=20),
                    }
                    for i in range(4)
                ]
            )
            past[: 1 + week % 3].action_set_won()
            past[1 + week % 3 :].action_set_lost()
        env["crm.routing.scorer"]._recompute()
        env["crm.routing.target"].search([]).unlink()  # the demo's
        cls.target = env["crm.routing.target"].create(
            {
                "user_id": cls.own.id,
                "metric": "conversion",
                "target_value": 40.0,
                "date_from": fields.Date.today() - timedelta(days=30),
                "date_to": fields.Date.today() + timedelta(days=60),
            }
        )
        cls.target.action_start()
        cls.lead = env["crm.lead"].create(
            {"name": "Tour: website enquiry", "type": "opportunity"}
        )
        assert cls.lead.user_id == cls.own, "the tour lead was not routed to Olga"
        # Colleagues follow it: the manager and a salesperson of two companies.
        cls.lead.message_subscribe(partner_ids=(cls.manager | cls.all).partner_id.ids)

    # ---------------------------------------------------------------- helpers
    def open_screen(self, login, path, target, click=None):
        code = WAIT_FOR_VIEW % {
            "target": json.dumps(target),
            "click": json.dumps(click),
        }
        try:
            self.browser_js(path, code, login=login, timeout=60)
        except AssertionError as exc:
            raise AssertionError(f"As {login}, {path} failed: {exc}") from None

    def open_every_routing_screen(self, user):
        """Each view of each action behind a routing menu the user sees, and
        the pipeline's kanban and list with the first-contact clock."""
        menus = self.env["ir.ui.menu"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", "crm_lead_routing"), ("model", "=", "ir.ui.menu")])
            .mapped("res_id")
        )
        visible = menus.with_user(user)._visible_menu_ids()
        actions = menus.filtered(lambda m: m.id in visible and m.action).mapped(
            "action"
        )
        opened = 0
        for action in actions:
            if action._name != "ir.actions.act_window":
                continue  # a server action (Take My Next Lead): its own tour
            xmlid = action.get_external_id()[action.id]
            for view_type in action.view_mode.split(","):
                path = f"/odoo/action-{xmlid}"
                if view_type == "form":
                    record = (
                        self.env[action.res_model]
                        .with_user(user)
                        .search(safe_domain(action.domain), limit=1)
                    )
                    if not record:
                        continue
                    path = f"{path}/{record.id}"
                else:
                    path = f"{path}?view_type={view_type}"
                with self.subTest(login=user.login, action=xmlid, view=view_type):
                    self.open_screen(user.login, path, f".o_{view_type}_view")
                    opened += 1
        for view_type in ("kanban", "list"):
            self.open_screen(
                user.login, f"{PIPELINE}?view_type={view_type}", f".o_{view_type}_view"
            )
        return opened

    def tour(self, user, path, name):
        self.start_tour(path, name, login=user.login, timeout=90)

    def lead_path(self, lead=None):
        return f"{PIPELINE}/{(lead or self.lead).id}"

    # ---------------------------------------------------------------- roles
    def test_salesperson_own_documents(self):
        for share in (False, True):
            self.company.routing_score_share = share
            with self.subTest(score_sharing=share):
                self.assertGreaterEqual(self.open_every_routing_screen(self.own), 1)
                self.tour(self.own, "/odoo", "crm_lead_routing_preferences")
        self.tour(self.own, "/odoo", "crm_lead_routing_my_targets")
        self.assertEqual(
            self.env["crm.routing.target"].with_user(self.own).search([]), self.target
        )
        self.tour(self.own, f"{PIPELINE}/new", "crm_lead_routing_create_lead")
        created = self.env["crm.lead"].search(
            [("name", "=", "Tour: warehouse scanners")]
        )
        self.assertEqual(created.user_id, self.own)
        self.assertEqual(created.routing_skip_reason, "creator")
        # Marked contacted first: a note by the assignee would stop the clock too.
        self.tour(self.own, self.lead_path(), "crm_lead_routing_mark_contacted")
        self.assertTrue(self.lead.routing_first_touch_at)
        self.tour(self.own, self.lead_path(), "crm_lead_routing_note_on_routed_lead")
        self.assertTrue(
            any(
                "demo on Friday" in body
                for body in self.lead.message_ids.mapped("body")
            )
        )

    def test_salesperson_takes_the_next_lead(self):
        """Take My Next Lead in the pipeline, then in the Sales menu."""
        pull = self.env["crm.routing.rule"].create(
            {
                "name": "Tour pull",
                "sequence": 1,
                "delivery": "pull",
                "user_ids": [(6, 0, self.own.ids)],
                "lead_domain": "[('name', '=like', 'Tour pull:%')]",
                "sla_minutes": 30,
                "respect_working_hours": False,
            }
        )
        leads = self.env["crm.lead"].create(
            [
                {"name": "Tour pull: newer enquiry", "type": "opportunity"},
                {"name": "Tour pull: oldest enquiry", "type": "opportunity"},
            ]
        )
        self.assertEqual(leads.mapped("routing_state"), ["queued", "queued"])
        self.assertEqual(leads.routing_rule_id, pull)
        self.env.flush_all()
        for lead, hours in zip(leads, (1, 2), strict=True):
            self.env.cr.execute(
                "UPDATE crm_lead SET create_date = %s WHERE id = %s",
                (fields.Datetime.now() - timedelta(hours=hours), lead.id),
            )
        leads.invalidate_recordset(["create_date"])
        self.tour(self.own, "/odoo", "crm_lead_routing_take_next")
        self.assertEqual(leads.user_id, self.own)
        self.assertEqual(
            [log.event for log in leads.routing_log_ids.sorted("id")],
            ["queue", "queue", "take", "take"],
        )

    def test_salesperson_all_documents(self):
        for share in (False, True):
            self.company.routing_score_share = share
            with self.subTest(score_sharing=share):
                self.open_every_routing_screen(self.all)
        # A colleague's lead: they read it and note on it, cannot stop its clock.
        self.tour(self.all, self.lead_path(), "crm_lead_routing_note_on_routed_lead")
        self.assertFalse(self.lead.with_user(self.all).routing_can_mark_contacted)
        self.assertFalse(self.lead.routing_first_touch_at)
        self.tour(self.all, f"{PIPELINE}/new", "crm_lead_routing_create_lead")

    def test_sales_manager(self):
        # CRM settings are the administrator's (Settings rights); test_routing_ui
        # opens them.
        self.assertGreaterEqual(self.open_every_routing_screen(self.manager), 8)
        self.tour(
            self.manager, self.lead_path(), "crm_lead_routing_note_on_routed_lead"
        )
        self.tour(self.manager, self.lead_path(), "crm_lead_routing_mark_contacted")
        self.assertTrue(self.lead.routing_first_touch_at)
        self.tour(self.manager, f"{PIPELINE}/new", "crm_lead_routing_create_lead")

    def test_sales_manager_plans_targets_and_capacity(self):
        targets = "/odoo/action-crm_lead_routing.crm_routing_target_action"
        self.tour(self.manager, targets, "crm_lead_routing_target_manager")
        new = self.env["crm.routing.target"].search([("user_id", "=", self.all.id)])
        self.assertEqual(new.state, "running")
        self.assertEqual(new.target_value, new.suggested_value)
        self.assertGreater(new.target_value, 0)
        self.tour(
            self.manager,
            "/odoo/action-crm_lead_routing.crm_routing_leaderboard_action",
            "crm_lead_routing_leaderboard_targets",
        )
        self.tour(
            self.manager,
            "/odoo/action-crm_lead_routing.crm_routing_capacity_action_open",
            "crm_lead_routing_capacity",
        )
        report = self.env["crm.routing.capacity"].search(
            [("create_uid", "=", self.manager.id)]
        )
        self.assertEqual(report.weeks, 4)
        self.assertEqual(len(report.line_ids), 168)

    def test_sales_manager_meets_last_week_s_screens_fixed(self):
        """Experiments > New, a rule left half made, Route now's confirmation."""
        self.tour(
            self.manager,
            "/odoo/action-crm_lead_routing.crm_routing_experiment_action",
            "crm_lead_routing_new_experiment",
        )
        experiment = self.env["crm.routing.experiment"].search(
            [("name", "=", "Does weighting help?")]
        )
        self.assertEqual(experiment.rule_id, self.rule)
        self.tour(
            self.manager,
            "/odoo/action-crm_lead_routing.crm_routing_rule_action",
            "crm_lead_routing_new_rule_waits",
        )
        half = (
            self.env["crm.routing.rule"]
            .with_context(active_test=False)
            .search([("name", "=", "Half-made rule")])
        )
        self.assertFalse(half.active)
        self.tour(
            self.manager,
            f"{PIPELINE}?view_type=list",
            "crm_lead_routing_route_now_story",
        )

    def test_a_salesperson_following_the_routing_rule_link_sees_no_manager_button(self):
        # A plain CSS selector (the page's querySelector knows no :contains):
        # the Test a Lead button is named after its action.
        preview = self.env.ref("crm_lead_routing.crm_routing_preview_action").id
        for user in (self.own, self.all):
            self.open_screen(
                user.login,
                f"/odoo/action-crm_lead_routing.crm_routing_rule_action/{self.rule.id}",
                f".o_form_view:not(:has(button[name='{preview}']))"
                " div[name=fairness_html]",
            )
