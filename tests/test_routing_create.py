# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.addons.crm_lead_routing.routing import engine
from odoo.tests import Form, tagged

from .common import RoutingCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingOnCreate(RoutingCase):
    """Which new leads are routed, by channel, and that routing never loses one."""

    def setUp(self):
        super().setUp()
        self.rule = self.make_rule()

    def test_api_lead_without_salesperson_is_routed(self):
        lead = self.create_leads(1)
        self.assertEqual(lead.user_id, self.alice)
        self.assertEqual(lead.routing_state, "assigned")
        self.assertTrue(lead.routing_assigned_at)
        self.assertEqual(lead.routing_rule_id, self.rule)

    def test_salesperson_creating_a_lead_for_themself_keeps_it(self):
        with Form(self.env["crm.lead"].with_user(self.carol)) as form:
            form.name = "My own lead"
        lead = form.save()
        self.assertEqual(lead.user_id, self.carol)
        self.assertEqual(lead.routing_state, "none")
        self.assertFalse(lead.routing_log_ids)

    def test_explicit_salesperson_from_the_api_is_kept(self):
        lead = self.create_leads(1, user_id=self.dave.id)
        self.assertEqual(lead.user_id, self.dave)
        self.assertEqual(lead.routing_state, "none")

    def test_imported_leads_are_routed(self):
        result = (
            self.env["crm.lead"]
            .with_user(self.integration)
            .load(
                ["name", "email_from"],
                [["Imported 1", "a@x.example"], ["Imported 2", "b@y.example"]],
            )
        )
        leads = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(len(leads), 2, result["messages"])
        self.assertEqual(leads.mapped("user_id"), self.alice | self.bob)

    def test_email_gateway_leads_are_routed(self):
        lead = self.env["crm.lead"].message_new(
            {
                "subject": "Need a quote",
                "email_from": "Buyer <buyer@prospect.example>",
                "to": "sales@company.example",
                "body": "<p>Hello</p>",
            },
            custom_values={"team_id": self.team.id},
        )
        self.assertIn(lead.user_id, self.sales)
        self.assertEqual(lead.routing_state, "assigned")

    def test_nothing_is_routed_when_the_company_switch_is_off(self):
        self.company.routing_auto_assign = False
        lead = self.create_leads(1)
        self.assertEqual(lead.routing_state, "none")
        self.assertEqual(lead.user_id, self.integration)

    def test_won_leads_are_not_routed(self):
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lead = self.create_leads(1, stage_id=won.id)
        self.assertEqual(lead.routing_state, "none")

    @freeze_time("2026-11-23 10:00:00")
    def test_deadline_and_activity_for_the_assignee(self):
        self.rule.write({"sla_minutes": 30, "notify_assignee": True})
        lead = self.create_leads(1)
        now = fields.Datetime.now()
        self.assertEqual(lead.routing_assigned_at, now)
        self.assertEqual(lead.routing_deadline, now + timedelta(minutes=30))
        activity = lead.activity_ids
        self.assertEqual(activity.user_id, self.alice)
        self.assertIn("contact it before", activity.summary)

    def test_a_routing_fault_keeps_the_lead_and_routes_the_others(self):
        real = engine.route_batch

        def flaky(leads, *args, **kwargs):
            if any(lead.expected_revenue == 666 for lead in leads):
                raise RuntimeError("simulated engine fault")
            return real(leads, *args, **kwargs)

        with (
            patch.object(engine, "route_batch", side_effect=flaky),
            self.assertLogs(
                "odoo.addons.crm_lead_routing.models.crm_routing_dispatcher",
                level="ERROR",
            ) as logs,
        ):
            leads = self.Lead.create(
                [
                    {"name": "ok 1"},
                    {"name": "faulty", "expected_revenue": 666},
                    {"name": "ok 2"},
                ]
            ).sudo()
        ok1, faulty, ok2 = leads
        self.assertTrue(faulty.exists())
        self.assertFalse(faulty.user_id)
        self.assertEqual(faulty.routing_state, "unroutable")
        self.assertEqual(self.last_log(faulty).event, "unroutable")
        self.assertIn("simulated engine fault", "\n".join(logs.output))
        self.assertEqual((ok1 | ok2).mapped("routing_state"), ["assigned", "assigned"])

    def test_route_now_assigns_queued_leads_and_reports(self):
        self.rule.fallback = "queue"
        self.sales.routing_available = False
        lead = self.create_leads(1)
        self.assertEqual(lead.routing_state, "queued")
        self.erin.routing_available = True
        manager = self.env["res.users"].browse(self.env.ref("base.user_admin").id)
        action = lead.with_user(manager).action_route()
        self.assertEqual(lead.user_id, self.erin)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("1 assigned", action["params"]["message"])
        self.assertEqual(
            lead.routing_log_ids.sorted("id").mapped("event"), ["queue", "assign"]
        )
