# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Faults under load, the cases that run inside the test suite.

The load test (``./dev loadtest``) kills a worker and cuts the database
connections of a real multi-worker server; here: a rule broken in the
database, the database failing in the middle of routing, and the deadline
sweep interrupted in the middle of a batch.
"""

import threading
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from ..models.crm_routing_facts import CrmRoutingFacts
from ..models.crm_routing_sweeper import CrmRoutingSweeper
from .common import CommittedSweepCase, RoutingCase

FACTS_LOGGER = "odoo.addons.crm_lead_routing.models.crm_routing_facts"


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingFaults(RoutingCase):
    def break_filter(self, rule, domain="[('x_gone_priority', '=', 'high')]"):
        """What uninstalling the module of a field does to a saved filter
        (the constraint checks only at save time)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_routing_rule SET lead_domain = %s WHERE id = %s",
            [domain, rule.id],
        )
        rule.invalidate_recordset()

    def test_a_rule_whose_filter_broke_is_skipped_and_the_next_rule_routes(self):
        broken = self.make_rule(
            "Priority leads",
            sequence=1,
            user_ids=[(6, 0, self.alice.ids)],
            lead_domain="[('name', '=like', 'Lead%')]",
        )
        self.make_rule("Everyone", sequence=2, user_ids=[(6, 0, self.bob.ids)])
        self.break_filter(broken)
        with self.assertLogs(FACTS_LOGGER, "WARNING") as logged:
            leads = self.create_leads(3)
        self.assertIn("Priority leads", logged.output[0])
        self.assertEqual(leads.mapped("routing_state"), ["assigned"] * 3)
        self.assertEqual(leads.user_id, self.bob)
        reason = self.last_log(leads[0]).reason
        self.assertIn(
            "“Priority leads” skipped: its filter no longer works on leads (the "
            "field “x_gone_priority” no longer exists on leads)",
            reason,
        )
        self.assertNotIn("internal error", reason)

    def test_the_rule_says_what_is_wrong_with_its_filter(self):
        broken = self.make_rule("Priority leads", lead_domain="[('name', '!=', False)]")
        fine = self.make_rule("Everyone", sequence=20)
        self.assertFalse(broken.filter_problem)
        self.break_filter(broken)
        self.assertEqual(
            broken.filter_problem,
            "Routing skips this rule: the field “x_gone_priority” no longer exists "
            "on leads. Fix its filter in “Applies to”.",
        )
        self.assertFalse(fine.filter_problem)
        views = self.Rule.get_views([(False, "list"), (False, "form")])["views"]
        self.assertIn('name="filter_problem"', views["list"]["arch"])
        self.assertIn('name="filter_problem"', views["form"]["arch"])
        # Fixed through the screen, the problem is gone.
        broken.lead_domain = "[('expected_revenue', '>', 0)]"
        self.assertFalse(broken.filter_problem)

    def test_a_database_failure_during_routing_fails_the_create_as_a_whole(self):
        self.make_rule()
        cut = psycopg2.OperationalError(
            "terminating connection due to administrator command"
        )
        with (
            patch.object(CrmRoutingFacts, "_read_counters", side_effect=cut),
            self.assertRaises(psycopg2.OperationalError),
            self.env.cr.savepoint(),
        ):
            self.Lead.create([{"name": "Cut off"}])
        self.assertFalse(self.Lead.sudo().search([("name", "=", "Cut off")]))

    def test_a_fault_of_one_lead_still_keeps_it_unroutable(self):
        """Only the database's own failures go up: a bug still leaves the
        lead created, unroutable, and explained (the design kept)."""
        self.make_rule()
        with (
            patch.object(
                CrmRoutingFacts, "_read_counters", side_effect=ValueError("bug")
            ),
            self.assertLogs(
                "odoo.addons.crm_lead_routing.models.crm_routing_dispatcher", "ERROR"
            ),
        ):
            lead = self.create_leads(1)
        self.assertEqual(lead.routing_state, "unroutable")
        self.assertEqual(self.last_log(lead).event, "unroutable")


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingSweepInterrupted(CommittedSweepCase):
    """The deadline cron stopped in the middle of a batch: the batches it
    committed stay done, the next run finishes the job, no lead is reassigned
    twice. Real cursors that commit, as the cron's do (cleaned up after)."""

    PREFIX = "sweepcut"
    LABEL = "Cut"
    LEAD_COUNT = 6

    def cron_run(self, outcome, fail_on_batch=None):
        """A cron job's run in a thread of its own (so that it commits per
        batch, as in production), batches of 2; optionally failing in the
        middle of batch ``fail_on_batch``, after part of it was written."""
        original = CrmRoutingSweeper._sweep_batch
        calls = []

        def sweep_batch(sweeper, leads, now):
            calls.append(leads.ids)
            if len(calls) == fail_on_batch:
                original(sweeper, leads[:1], now)
                raise RuntimeError("worker killed in the middle of a batch")
            return original(sweeper, leads, now)

        def run():
            with self.cursor() as cr:
                env = api.Environment(
                    cr, SUPERUSER_ID, {"tracking_disable": True, "cron_id": 1}
                )
                try:
                    outcome.append(env["crm.routing.sweeper"]._sweep_overdue(2))
                    cr.commit()  # pylint: disable=invalid-commit
                except RuntimeError as exc:
                    cr.rollback()  # what Odoo's cron does with a failed job
                    outcome.append(exc)

        with patch.object(CrmRoutingSweeper, "_sweep_batch", sweep_batch):
            thread = threading.Thread(target=run)
            thread.start()
            thread.join(60)
        self.assertFalse(thread.is_alive(), "the sweep did not finish")

    def test_an_interrupted_sweep_is_finished_by_the_next_run_without_doubles(self):
        first, second = [], []
        self.cron_run(first, fail_on_batch=2)
        self.assertIsInstance(first[0], RuntimeError)
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            done = env["crm.lead"].browse(self.leads).filtered("routing_reassign_count")
            # The first batch was committed; the half-done second one was not.
            self.assertEqual(len(done), 2)
        self.cron_run(second)
        self.assertEqual(second, [4], "the next run took the four leads left")
        self.assertEachReassignedOnce()
