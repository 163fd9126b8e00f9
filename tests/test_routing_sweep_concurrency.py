import threading
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingSweepConcurrency(BaseCase):
    """Two sweeps at once never reassign the same lead twice (SKIP LOCKED).

    Uses real, committed cursors (not the test transaction), so it cleans up
    after itself.
    """

    PREFIX = "sweepconc"

    def setUp(self):
        super().setUp()
        self.db = db_connect(get_db_name())
        # Got here, where the test runner already holds the registries' lock:
        # the worker threads bind their cursors to it instead of asking again.
        self.registry = Registry(get_db_name())
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            group = env.ref("sales_team.group_sale_salesman")
            users = env["res.users"].create(
                [
                    {
                        "name": f"Sweeper {name}",
                        "login": f"routing_{self.PREFIX}_{name}",
                        "groups_id": [(6, 0, group.ids)],
                    }
                    for name in ("ann", "ben", "cid")
                ]
            )
            self.users = users.ids
            rule = env["crm.routing.rule"].create(
                {
                    "name": "Sweep concurrency",
                    "sequence": -1000,
                    "strategy": "round_robin",
                    "user_ids": [(6, 0, users.ids)],
                    "fallback": "queue",
                    "sla_minutes": 30,
                    "max_reassignments": 5,
                    "notify_assignee": False,
                    "respect_working_hours": False,
                    "lead_domain": f"[('name', '=like', '{self.PREFIX}%')]",
                }
            )
            self.rule = rule.id
            past = fields.Datetime.now() - timedelta(hours=1)
            env.company.routing_auto_assign = False  # leads set up as routed
            leads = env["crm.lead"].create(
                [
                    {
                        "name": f"{self.PREFIX} {i}",
                        "user_id": users[0].id,
                        "routing_rule_id": rule.id,
                        "routing_state": "assigned",
                        "routing_assigned_at": past - timedelta(minutes=30),
                        "routing_deadline": past,
                    }
                    for i in range(4)
                ]
            )
            self.leads = leads.ids
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self.cleanup)

    def cursor(self):
        """A real cursor (its own transaction) usable from any thread."""
        cr = self.db.cursor()
        cr.transaction = api.Transaction(self.registry)
        return cr

    def cleanup(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).browse(self.leads).unlink()
            env["crm.routing.rule"].browse(self.rule).unlink()
            env["res.users"].browse(self.users).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def sweep(self, outcome, swept=None, hold=None):
        """Sweep in a transaction of its own; optionally hold it open."""
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            done = env["crm.routing.sweeper"]._sweep_overdue()
            if swept:
                swept.set()
            if hold:
                hold.wait(20)
            cr.commit()  # pylint: disable=invalid-commit
            outcome.append(done)

    def test_a_second_sweep_skips_the_leads_the_first_one_holds(self):
        swept, hold = threading.Event(), threading.Event()
        first, second = [], []
        t1 = threading.Thread(target=self.sweep, args=(first, swept, hold))
        t1.start()
        try:
            self.assertTrue(swept.wait(30), "the first sweep did not finish")
            # t1 holds the row locks of every lead it reassigned
            t2 = threading.Thread(target=self.sweep, args=(second,))
            t2.start()
            t2.join(30)
            self.assertFalse(t2.is_alive(), "the second sweep waited for the locks")
        finally:
            hold.set()
            t1.join(30)
        self.assertGreaterEqual(first[0], 4)
        self.assertEqual(second, [0], "the locked leads were skipped, not redone")

        # and once the first sweep committed, nothing is overdue any more
        third = []
        self.sweep(third)
        self.assertEqual(third, [0])

        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for lead in env["crm.lead"].browse(self.leads):
                reassigns = lead.routing_log_ids.filtered(
                    lambda log: log.event == "reassign"
                )
                self.assertEqual(len(reassigns), 1, lead.name)
                self.assertEqual(lead.routing_reassign_count, 1)
                self.assertNotEqual(lead.user_id.id, self.users[0])
                self.assertGreater(lead.routing_deadline, fields.Datetime.now())
