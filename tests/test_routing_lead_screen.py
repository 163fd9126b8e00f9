# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the lead screens offer around routing: the first-contact clock, Mark
as contacted, Route now on leads that have an owner, and routing fields that
only routing writes."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import RoutingCase

T0 = datetime(2026, 1, 13, 10, 0)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingLeadScreen(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "screen_manager",
            name="Mona Manager",
            groups="sales_team.group_sale_manager",
        )
        cls.rule = cls.make_rule(sla_minutes=30, user_ids=[(6, 0, cls.alice.ids)])

    def route_one(self):
        with freeze_time(T0):
            return self.create_leads(1)

    # ------------------------------------------------------- first-contact clock
    def test_time_left_counts_down_then_says_overdue(self):
        lead = self.route_one()
        with freeze_time(T0 + timedelta(minutes=5)):
            lead.invalidate_recordset(["routing_time_left"])
            self.assertEqual(lead.routing_time_left, "25 min left")
        with freeze_time(T0 + timedelta(minutes=95)):
            lead.invalidate_recordset(["routing_time_left"])
            self.assertEqual(lead.routing_time_left, "Overdue by 1 h 5 min")
        lead.with_user(self.alice).action_routing_mark_contacted()
        lead.invalidate_recordset(["routing_time_left"])
        self.assertFalse(lead.routing_time_left)

    def test_mark_as_contacted_is_offered_to_the_assignee_and_managers_only(self):
        lead = self.route_one()

        def offered(user):
            return lead.with_user(user).routing_can_mark_contacted

        self.assertTrue(offered(self.alice))
        self.assertTrue(offered(self.manager))
        self.assertFalse(offered(self.bob))
        with freeze_time(T0 + timedelta(minutes=3)):
            lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertEqual(lead.routing_first_touch_at, T0 + timedelta(minutes=3))
        lead.invalidate_recordset()
        self.assertFalse(offered(self.alice))
        self.assertFalse(offered(self.manager))

    def test_mark_as_contacted_from_the_list_reports_how_many(self):
        with freeze_time(T0):
            leads = self.create_leads(2)
        leads[0].with_user(self.alice).action_routing_mark_contacted()
        action = leads.with_user(self.manager).action_routing_mark_contacted()
        self.assertIn("1 of 2 leads marked as contacted", action["params"]["message"])
        self.assertTrue(all(leads.mapped("routing_first_touch_at")))

    def test_form_shows_the_button_and_the_clock(self):
        lead = self.route_one()
        arch = lead.with_user(self.alice).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="action_routing_mark_contacted"', arch)
        self.assertIn('name="routing_time_left"', arch)
        kanban = self.env["crm.lead"].get_views([(False, "kanban")])["views"]["kanban"][
            "arch"
        ]
        self.assertIn("routing_time_left", kanban)

    def test_a_log_line_is_titled_in_words(self):
        lead = self.route_one()
        log = lead.routing_log_ids[:1]
        self.assertEqual(log.display_name, "Lead 0: Assigned to Alice")

    # ------------------------------------------------------------- Route now
    def test_route_now_on_owned_leads_asks_first_and_counts_changes(self):
        self.rule.user_ids = self.alice | self.bob
        with freeze_time(T0):
            leads = self.create_leads(3)
        leads.write({"user_id": self.carol.id})
        action = leads.with_user(self.manager).action_route_confirm()
        self.assertEqual(action["res_model"], "crm.routing.reroute")
        wizard = self.env["crm.routing.reroute"].browse(action["res_id"])
        self.assertEqual(wizard.owned_count, 3)
        self.assertEqual(wizard.change_count, 3)
        self.assertIn("3 leads get another salesperson.", wizard.summary)
        # The dry run wrote nothing.
        self.assertEqual(leads.mapped("user_id"), self.carol)
        wizard.action_confirm()
        self.assertEqual(set(leads.mapped("user_id").ids), {self.alice.id, self.bob.id})

    def test_route_now_leaves_leads_past_the_first_stage_unless_confirmed(self):
        stages = self.env["crm.stage"].search(
            [("team_id", "in", (False,))], order="sequence"
        )
        later = stages.filtered(lambda s: s.sequence > stages[0].sequence)[:1]
        with freeze_time(T0):
            fresh, worked = self.create_leads(2)
        (fresh | worked).write({"user_id": self.carol.id, "team_id": False})
        worked.stage_id = later
        form = Form(
            self.env["crm.routing.reroute"].with_context(
                default_lead_ids=[(6, 0, (fresh | worked).ids)]
            )
        )
        self.assertIn("1 lead is past the first stage", form.summary)
        wizard = form.save()
        wizard.action_confirm()
        self.assertEqual(fresh.user_id, self.alice)
        self.assertEqual(worked.user_id, self.carol)
        wizard.include_advanced = True
        wizard.action_confirm()
        self.assertEqual(worked.user_id, self.alice)

    def test_route_now_with_only_advanced_leads_explains_itself(self):
        stages = self.env["crm.stage"].search(
            [("team_id", "in", (False,))], order="sequence"
        )
        lead = self.route_one()
        lead.write({"team_id": False, "stage_id": stages[-1].id})
        wizard = self.env["crm.routing.reroute"].create(
            {"lead_ids": [(6, 0, lead.ids)]}
        )
        with self.assertRaisesRegex(UserError, "past the first stage"):
            wizard.action_confirm()

    def test_route_now_on_unowned_leads_needs_no_confirmation(self):
        self.rule.fallback = "queue"
        self.sales.routing_available = False
        leads = self.create_leads(2)
        self.alice.routing_available = True
        action = leads.with_user(self.manager).action_route_confirm()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(leads.user_id, self.alice)

    # ------------------------------------------------- routing fields are routing's
    def test_salesperson_cannot_forge_the_routing_of_their_lead(self):
        lead = self.route_one().with_user(self.alice)
        for vals in (
            {"routing_first_touch_at": T0 - timedelta(days=1)},
            {"routing_reassign_count": 0},
            {"routing_state": "none"},
            {"routing_deadline": False},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(AccessError, "Only routing and sales managers"),
            ):
                lead.write(vals)
        self.assertFalse(lead.routing_first_touch_at)

    def test_api_client_cannot_create_a_lead_as_already_routed(self):
        Lead = self.env["crm.lead"].with_user(self.integration)
        with self.assertRaisesRegex(AccessError, "Routing State|Routing Rule"):
            Lead.create({"name": "Forged", "routing_state": "assigned"})
        with self.assertRaisesRegex(AccessError, "Only routing"):
            Lead.create({"name": "Forged", "routing_rule_id": self.rule.id})
        with self.assertRaisesRegex(AccessError, "Only routing"):
            Lead.with_context(default_routing_state="assigned").create(
                {"name": "Forged"}
            )

    def test_manager_may_correct_routing_fields(self):
        lead = self.route_one()
        lead.with_user(self.manager).write({"routing_reassign_count": 0})
        self.assertEqual(lead.routing_reassign_count, 0)

    def test_a_portal_or_archived_salesperson_is_refused_at_creation(self):
        portal = new_test_user(self.env, "screen_portal", groups="base.group_portal")
        gone = new_test_user(
            self.env, "screen_gone", groups="sales_team.group_sale_salesman"
        )
        gone.active = False
        for user in (portal, gone):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(ValidationError, "only active internal users"),
            ):
                self.Lead.create({"name": "Odd", "user_id": user.id})

    def test_hostile_text_is_stored_as_given_and_routed(self):
        lead = self.Lead.create(
            {
                "name": "x" * 5000 + "\x07\x1b end",
                "email_from": "not an email",
                "contact_name": "<script>alert(1)</script>",
            }
        ).sudo()
        self.assertEqual(lead.user_id, self.alice)
        self.assertEqual(lead.routing_state, "assigned")

    # ------------------------------------------------ leads staff create (setting)
    def test_staff_leads_setting_keeps_or_routes_the_creators_lead(self):
        Lead = self.env["crm.lead"].with_user(self.carol)
        self.company.routing_staff_leads = "keep"
        kept = Lead.create({"name": "Mine"}).sudo()
        self.assertEqual(kept.user_id, self.carol)
        self.assertEqual(kept.routing_skip_reason, "creator")
        self.assertIn("Kept by its creator, Carol", kept.routing_summary)
        self.company.routing_staff_leads = "route"
        routed = Lead.create({"name": "Routed"}).sudo()
        self.assertEqual(routed.user_id, self.alice)
        self.assertEqual(routed.routing_state, "assigned")
        # Carol was only Odoo's default: nobody had it before routing.
        self.assertFalse(routed.routing_log_ids.previous_user_id)

    def test_staff_leads_setting_applies_to_leads_created_in_the_form(self):
        """The form fills in the creator as salesperson: that is no choice."""
        self.company.routing_staff_leads = "keep"
        with Form(self.env["crm.lead"].with_user(self.carol)) as form:
            form.name = "From the pipeline"
        kept = form.record.sudo()
        self.assertEqual(kept.user_id, self.carol)
        self.assertIn("Kept by its creator, Carol, who sells in", kept.routing_summary)
        self.company.routing_staff_leads = "route"
        with Form(self.env["crm.lead"].with_user(self.carol)) as form:
            form.name = "Routed from the pipeline"
        # Carol sees only her own leads: the saved form still shows it once,
        # with who got it, instead of an access error.
        self.assertEqual(form.user_id, self.alice)
        routed = form.record.sudo()
        self.assertEqual(routed.routing_state, "assigned")
        self.assertEqual(routed.user_id, self.alice)
        self.assertFalse(routed.routing_log_ids.previous_user_id)
