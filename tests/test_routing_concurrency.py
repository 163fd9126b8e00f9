import threading
import time

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingConcurrency(BaseCase):
    """Two transactions routing at once never push a salesperson past a cap,
    and neither fails: the second waits for the first, then sees its lead.

    Uses real, committed cursors (not the test transaction), so it exercises
    routing's live counters for real, and cleans up after itself.
    """

    def setUp(self):
        super().setUp()
        self.db = db_connect(get_db_name())
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.company.routing_auto_assign = True
            self.user = (
                env["res.users"]
                .create(
                    {
                        "name": "Capped Carla",
                        "login": "routing_capped_carla",
                        "groups_id": [
                            (6, 0, env.ref("sales_team.group_sale_salesman").ids)
                        ],
                        "routing_max_open_leads": 1,
                    }
                )
                .id
            )
            self.rule = (
                env["crm.routing.rule"]
                .create(
                    {
                        "name": "Concurrency",
                        "sequence": -1000,
                        "strategy": "fixed_user",
                        "fixed_user_id": self.user,
                        "fallback": "queue",
                        "notify_assignee": False,
                        "respect_working_hours": False,
                        "lead_domain": "[('name', '=like', 'concurrent%')]",
                    }
                )
                .id
            )
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self.cleanup)

    def cleanup(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).search(
                [("name", "=like", "concurrent%")]
            ).unlink()
            env["crm.routing.rule"].browse(self.rule).unlink()
            env["res.users"].browse(self.user).unlink()
            env.company.routing_auto_assign = False
            cr.commit()  # pylint: disable=invalid-commit

    def create_lead(self, name, outcome, hold=None, routed=None):
        """Create a lead in its own transaction, retrying like Odoo's RPC does."""
        for attempt in range(5):
            with self.db.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    env["crm.lead"].create({"name": name})
                    if routed:
                        routed.set()
                    if hold:
                        hold.wait(10)
                    cr.commit()  # pylint: disable=invalid-commit
                    outcome.append(("ok", attempt))
                    return
                except pg_errors.SerializationFailure:
                    cr.rollback()
                    outcome.append(("retry", attempt))
        outcome.append(("gave up", 5))

    def wait_for_lock_waiter(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            with self.db.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cr.fetchone()[0]:
                    return
            time.sleep(0.05)
        self.fail("the second routing never waited for the first one's lock")

    def release_registry_lock(self):
        """Let worker threads build environments while this test runs.

        The test runner holds ``Registry._lock`` (a re-entrant lock) around the
        post-install tests; ``api.Environment`` in another thread needs it.
        """
        lock, depth = Registry._lock, 0
        while lock._is_owned():
            lock.release()
            depth += 1

        def reacquire():
            for _i in range(depth):
                lock.acquire()

        self.addCleanup(reacquire)

    def test_concurrent_creations_respect_the_open_lead_cap(self):
        self.release_registry_lock()
        hold, routed = threading.Event(), threading.Event()
        first, second = [], []
        t1 = threading.Thread(
            target=self.create_lead, args=("concurrent 1", first, hold, routed)
        )
        t1.start()
        self.assertTrue(routed.wait(20), "first creation did not finish routing")
        # t1 has routed to Carla and holds routing's lock; t2 must wait for it
        t2 = threading.Thread(target=self.create_lead, args=("concurrent 2", second))
        t2.start()
        self.wait_for_lock_waiter()
        hold.set()
        t1.join(20)
        t2.join(20)
        self.assertEqual(first, [("ok", 0)])
        self.assertEqual(second, [("ok", 0)], "no serialization failure, no retry")
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].search(
                [("name", "=like", "concurrent%")], order="name"
            )
            self.assertEqual(leads.mapped("routing_state"), ["assigned", "queued"])
            self.assertEqual(leads[0].user_id.id, self.user)
            self.assertFalse(leads[1].user_id)
