# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every routing screen, clicked through in Chromium as each role that can
open it: a salesperson who sees their own documents, one who sees all, a
sales manager and the administrator; on a routed lead that colleagues follow,
in a company where some of them also work for a second company; with score
sharing off, then the screens it changes with it on.

Each role walks all its screens in one page load (``ScreenWalkCase``): the
web client loads once, then opens screen after screen as its menus do. A walk
fails on an error dialog or a console error; ``./dev test`` also fails on any
WARNING or ERROR the server logs while they run.
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import ScreenWalkCase

PIPELINE_ACTION = "crm.crm_lead_action_pipeline"
RULE_ACTION = "crm_lead_routing.crm_routing_rule_action"
TARGET_ACTION = "crm_lead_routing.crm_routing_target_action"
LEADERBOARD_ACTION = "crm_lead_routing.crm_routing_leaderboard_action"
CAPACITY_ACTION = "crm_lead_routing.crm_routing_capacity_action_open"
EXPERIMENT_ACTION = "crm_lead_routing.crm_routing_experiment_action"
SIMULATION_ACTION = "crm_lead_routing.crm_routing_simulation_action"
SCORE_MODELS = (
    "crm.routing.score.snapshot",
    "crm.routing.scorecard",
    "crm.routing.target",
    "crm.routing.target.snapshot",
)
# The routing menus of each role, by the names of their actions.
SALESPERSON_MENUS = [
    "Routing Analysis",
    "Score History",
    "Targets",
    "Take My Next Lead",
]
MANAGER_MENUS = [
    *SALESPERSON_MENUS, "Background Jobs", "Capacity", "Leaderboard",
    "Routing Experiments", "Routing Fairness", "Routing Log", "Routing Rules",
    "Routing Skills", "Salespeople", "What-if Replays",
]  # fmt: skip


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTours(ScreenWalkCase):
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
    def role_screens(self, user):
        """Each view of each action behind a routing menu the user sees, the
        pipeline's kanban and list (with the lead's first-contact clock in
        Olga's, whose lead it is), and the rule a lead's Routing tab links
        to: without the manager's Test a Lead button for a salesperson."""
        clock = []
        if user == self.own:
            clock = [":contains('Tour: website enquiry'):contains('min left')"]
        return (
            self.action_screens(user, self.menu_actions(user))
            + self.screen(
                PIPELINE_ACTION,
                "kanban",
                title="Pipeline",
                expect=[f".o_kanban_record{c}" for c in clock],
            )
            + self.screen(
                PIPELINE_ACTION,
                "list",
                title="Pipeline",
                expect=[f".o_data_row{c}" for c in clock],
            )
            + self.rule_screen(user)
        )

    def rule_screen(self, user):
        expect = ["div[name=fairness_html]"]
        if not user.has_group("sales_team.group_sale_manager"):
            # A plain CSS selector: the button is named after its action.
            preview = self.env.ref("crm_lead_routing.crm_routing_preview_action").id
            expect = [f".o_form_view:not(:has(button[name='{preview}']))", *expect]
        return self.screen(
            RULE_ACTION, "form", self.rule.id, title="Tour inbound", expect=expect
        )

    def score_screens(self, user):
        """What score sharing changes for a salesperson: the score and target
        screens, the rule's fairness, the lead's Routing tab, their
        preferences; walked with sharing on (the role's full walk has it off)."""
        actions = [
            action
            for action in self.menu_actions(user)
            if getattr(action, "res_model", None) in SCORE_MODELS
        ]
        self.assertEqual(
            sorted(action.name for action in actions), ["Score History", "Targets"]
        )
        return (
            self.action_screens(user, actions)
            + self.rule_screen(user)
            + self.lead_screen()
            + self.tour_item("crm_lead_routing_preferences")
        )

    def lead_screen(self, lead=None, new=False):
        lead = lead or self.lead
        if new:
            return self.screen(PIPELINE_ACTION, "form", title="New")
        return self.screen(PIPELINE_ACTION, "form", lead.id, title=lead.name)

    def assert_menu_actions(self, user, names):
        """The routing menus ``user`` finds in the menu bar (every folder above
        them shown too), by the names of their actions."""
        menus = self.env["ir.ui.menu"].search([])
        visible = menus.with_user(user)._visible_menu_ids()
        shown = [
            menu.action.name
            for menu in menus
            if menu.action
            and menu.get_external_id()[menu.id].startswith("crm_lead_routing.")
            and all(
                int(ancestor) in visible
                for ancestor in menu.parent_path.split("/")[:-1]
            )
        ]
        self.assertEqual(sorted(shown), sorted(names))

    # ---------------------------------------------------------------- roles
    def test_salesperson_own_documents(self):
        """Olga: every screen, her preferences and targets, a lead she creates,
        the lead routed to her (marked contacted, then a note), Take My Next
        Lead; then the score screens again with score sharing on."""
        self.assert_menu_actions(self.own, SALESPERSON_MENUS)
        pull_leads = self.queue_two_pull_leads()
        self.walk(
            self.own,
            self.role_screens(self.own)
            + self.tour_item("crm_lead_routing_preferences")
            + self.tour_item("crm_lead_routing_my_targets")
            + self.lead_screen(new=True)
            + self.tour_item("crm_lead_routing_create_lead")
            # Marked contacted first: a note by the assignee would stop the clock too.
            + self.lead_screen()
            + self.tour_item("crm_lead_routing_mark_contacted")
            + self.lead_screen()
            + self.tour_item("crm_lead_routing_note_on_routed_lead")
            + self.tour_item("crm_lead_routing_take_next"),
        )
        self.assertEqual(
            self.env["crm.routing.target"].with_user(self.own).search([]), self.target
        )
        created = self.env["crm.lead"].search(
            [("name", "=", "Tour: warehouse scanners")]
        )
        self.assertEqual(created.user_id, self.own)
        self.assertEqual(created.routing_skip_reason, "creator")
        self.assertTrue(self.lead.routing_first_touch_at)
        self.assertEqual(
            self.lead.message_ids.filtered(
                lambda m: "demo on Friday" in (m.body or "")
            ).author_id,
            self.own.partner_id,
        )
        self.assertEqual(pull_leads.user_id, self.own)
        self.assertEqual(
            [log.event for log in pull_leads.routing_log_ids.sorted("id")],
            ["queue", "queue", "take", "take"],
        )
        self.company.routing_score_share = True
        self.walk(self.own, self.score_screens(self.own))

    def queue_two_pull_leads(self):
        """Two leads waiting in a pull rule's queue for Olga, the older one
        created an hour before the other."""
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
        return leads

    def test_salesperson_all_documents(self):
        """Ahmed, of two companies: every screen; a colleague's lead, which he
        reads and notes on but whose clock he cannot stop; a lead he creates;
        then the score screens with score sharing on."""
        self.assert_menu_actions(self.all, SALESPERSON_MENUS)
        self.walk(
            self.all,
            self.role_screens(self.all)
            + self.lead_screen()
            + self.tour_item("crm_lead_routing_note_on_routed_lead")
            + self.lead_screen(new=True)
            + self.tour_item("crm_lead_routing_create_lead"),
        )
        self.assertFalse(self.lead.with_user(self.all).routing_can_mark_contacted)
        self.assertFalse(self.lead.routing_first_touch_at)
        self.assertEqual(
            self.env["crm.lead"].search([("name", "=", "Tour: warehouse scanners")])
            .user_id,
            self.all,
        )  # fmt: skip
        self.company.routing_score_share = True
        self.walk(self.all, self.score_screens(self.all))

    def test_sales_manager(self):
        """Mei: every screen; a lead she follows (a note, then marked
        contacted); a lead she creates; targets, the leaderboard, capacity; a
        new experiment and a new rule; Route now's confirmation; a what-if
        replay and Test a Lead."""
        self.assert_menu_actions(self.manager, MANAGER_MENUS)
        self.env["crm.lead"].create([{"name": f"Tour lead {i}"} for i in range(3)])
        replay = (
            self.env["crm.routing.simulation"]
            .with_user(self.manager)
            .create({"name": "Tour replay", "rule_ids": [(6, 0, self.rule.ids)]})
        )
        test_a_lead = self.env.ref("crm_lead_routing.crm_routing_preview_action").id
        # CRM settings are the administrator's (Settings rights): see
        # test_administrator.
        self.walk(
            self.manager,
            # Targets first: the leaderboard's columns follow the running
            # targets, and the web client keeps a view it loaded once.
            self.screen(TARGET_ACTION, "list", title="Targets")
            + self.tour_item("crm_lead_routing_target_manager")
            + self.screen(LEADERBOARD_ACTION, "list", title="Leaderboard")
            + self.tour_item("crm_lead_routing_leaderboard_targets")
            + self.role_screens(self.manager)
            + self.lead_screen()
            + self.tour_item("crm_lead_routing_note_on_routed_lead")
            + self.lead_screen()
            + self.tour_item("crm_lead_routing_mark_contacted")
            + self.lead_screen(new=True)
            + self.tour_item("crm_lead_routing_create_lead")
            + self.screen(CAPACITY_ACTION, "form")
            + self.tour_item("crm_lead_routing_capacity")
            + self.screen(EXPERIMENT_ACTION, "list", title="Routing Experiments")
            + self.tour_item("crm_lead_routing_new_experiment")
            + self.screen(RULE_ACTION, "list", title="Routing Rules")
            + self.tour_item("crm_lead_routing_new_rule_waits")
            + self.screen(PIPELINE_ACTION, "list", title="Pipeline")
            + self.tour_item("crm_lead_routing_route_now_story")
            + self.screen(SIMULATION_ACTION, "form", replay.id, title="Tour replay")
            + [
                {"trigger": "button[name=action_run]", "run": "click"},
                {"trigger": "button[name=action_apply_rules]"},
                {"trigger": ".o_field_widget[name=summary_html] table"},
                {"trigger": "button[name=action_view_lines]", "run": "click"},
                {"trigger": ".o_list_view .o_data_row"},
                {"trigger": ".o_switch_view.o_graph", "run": "click"},
                {"trigger": ".o_graph_view canvas"},
                {"trigger": ".o_switch_view.o_pivot", "run": "click"},
                {"trigger": ".o_pivot_view table"},
            ]
            + self.screen(RULE_ACTION, "list", title="Routing Rules")
            + [
                {"trigger": f"button[name='{test_a_lead}']", "run": "click"},
                {"trigger": ".modal .o_field_widget[name=result_state]"},
                {"trigger": ".modal .o_field_widget[name=candidates_html] table"},
            ],
        )
        self.assertEqual(
            self.lead.message_ids.filtered(
                lambda m: "demo on Friday" in (m.body or "")
            ).author_id,
            self.manager.partner_id,
        )
        self.assertTrue(self.lead.routing_first_touch_at)
        # Mei sells in no team: the lead she created went to the rule's pool.
        created = self.env["crm.lead"].search(
            [("name", "=", "Tour: warehouse scanners")]
        )
        self.assertEqual(
            (created.user_id, created.routing_state), (self.own, "assigned")
        )
        new = self.env["crm.routing.target"].search([("user_id", "=", self.all.id)])
        self.assertEqual(new.state, "running")
        self.assertEqual(new.target_value, new.suggested_value)
        self.assertGreater(new.target_value, 0)
        report = self.env["crm.routing.capacity"].search(
            [("create_uid", "=", self.manager.id)]
        )
        self.assertEqual(report.weeks, 4)
        self.assertEqual(len(report.line_ids), 168)
        experiment = self.env["crm.routing.experiment"].search(
            [("name", "=", "Does weighting help?")]
        )
        self.assertEqual(experiment.rule_id, self.rule)
        self.assertEqual(experiment.state, "draft")
        half = (
            self.env["crm.routing.rule"]
            .with_context(active_test=False)
            .search([("name", "=", "Half-made rule")])
        )
        self.assertFalse(half.active)
        self.assertEqual(replay.state, "done")

    def test_administrator(self):
        """What only the administrator opens: the CRM settings' routing
        block, and the screens no menu leads to (reached from buttons; the
        sales manager's walk opens every screen behind a menu)."""
        admin = self.env.ref("base.user_admin")
        actions = self.env["ir.actions.act_window"].browse(
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "crm_lead_routing"),
                    ("model", "=", "ir.actions.act_window"),
                ]
            )
            .mapped("res_id")
        )
        behind_no_menu = actions - self.env["ir.actions.act_window"].union(
            *(a for a in self.menu_actions(self.manager) if a._name == actions._name)
        )
        self.assertEqual(
            sorted(behind_no_menu.mapped("name")),
            ["Capacity by Hour", "Replayed Leads", "Target Progress", "Test a Lead"],
        )
        self.walk(
            admin,
            self.action_screens(admin, behind_no_menu)
            + self.screen(
                "crm.crm_config_settings_action",
                expect=[
                    ".app_settings_block h2:contains('Lead Routing')",
                    "#routing_auto_assign",
                    # The scorecard's weights: one editable line per metric.
                    "#routing_scorecard td[name=metric]:contains('Median time to first contact')",
                    "div[name=routing_weight_ids] .o_data_row:nth-child(5) td[name=weight]",
                ],
            ),
        )
