# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from .common import RoutingCase

JOB_MODULE = "odoo.addons.crm_lead_routing.models.crm_routing_job"
SIMULATION_MODULE = "odoo.addons.crm_lead_routing.models.crm_routing_simulation"


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingBackgroundJobs(RoutingCase):
    """Route now on many leads, and long replays, run as background jobs that
    commit in batches and tell the manager when they are done."""

    def setUp(self):
        super().setUp()
        self.rule = self.make_rule()
        self.manager = new_test_user(
            self.env,
            "routing_job_manager",
            name="Jo Manager",
            groups="sales_team.group_sale_manager",
        )

    def inbox(self):
        return self.env["mail.notification"].search(
            [("res_partner_id", "=", self.manager.partner_id.id)]
        )

    def test_route_now_on_many_leads_runs_in_the_background(self):
        self.company.routing_auto_assign = False
        leads = self.create_leads(7)
        self.assertFalse(leads.filtered("routing_assigned_at"))
        with patch(f"{JOB_MODULE}.INLINE_LIMIT", 5):
            action = leads.with_user(self.manager).action_route()
        self.assertIn("being routed in the background", action["params"]["message"])
        self.assertFalse(leads.filtered("routing_assigned_at"), "nothing routed yet")
        job = self.env["crm.routing.job"].browse(action["job_id"])
        self.assertEqual((job.state, job.total, job.done), ("queued", 7, 0))
        before = self.inbox()
        self.env["crm.routing.job"]._run_pending()
        self.assertEqual(set(leads.mapped("routing_state")), {"assigned"})
        self.assertEqual((job.state, job.done, job.progress), ("done", 7, 100.0))
        self.assertEqual(job.result, "7 assigned, 0 queued, 0 unroutable.")
        message = (self.inbox() - before).mail_message_id
        self.assertIn("is done: 7 assigned", message.body)

    def test_route_now_on_a_few_leads_answers_at_once(self):
        leads = self.create_leads(3)
        action = leads.with_user(self.manager).action_route()
        self.assertNotIn("job_id", action)
        self.assertFalse(self.env["crm.routing.job"].search([]))

    def test_a_long_replay_runs_in_the_background_and_shows_its_progress(self):
        self.create_leads(4)
        simulation = (
            self.env["crm.routing.simulation"]
            .with_user(self.manager)
            .create({"rule_ids": [(6, 0, self.rule.ids)]})
        )
        promised = simulation.period_lead_count  # what the form says it replays
        self.assertGreaterEqual(promised, 4)  # the four above, and demo leads
        with patch(f"{SIMULATION_MODULE}.INLINE_LEADS", 2):
            action = simulation.action_run()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(simulation.state, "running")
        self.assertEqual(simulation.job_id.state, "queued")
        self.env["crm.routing.job"]._run_pending()
        simulation.invalidate_recordset()
        self.assertEqual(simulation.state, "done")
        self.assertEqual(simulation.lead_count, promised)
        self.assertEqual(simulation.job_id.state, "done")
        self.assertEqual(simulation.job_progress, 100.0)
        self.assertIn("leads replayed", self.inbox().mail_message_id[:1].body)
