# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import get_db_name, tagged

from .common import CommittedCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingConcurrency(CommittedCase):
    """Two transactions routing at once never push a salesperson past a cap,
    and neither fails: the second waits for the first, then sees its lead.

    Uses real, committed cursors (not the test transaction), so it exercises
    routing's live counters for real, and cleans up after itself.
    """

    def setUp(self):
        super().setUp()
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.company.routing_auto_assign = True
            user = self.create_salespeople(
                env, "Capped", "capped", ("Carla",), routing_max_open_leads=1
            )
            self.user = user.id
            self.rule = self.create_rule(
                env,
                "Concurrency",
                "concurrent",
                strategy="fixed_user",
                fixed_user_id=self.user,
                fallback="queue",
            ).id
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self.stop_routing_new_leads)
        self.clean_up_after(self.rule, [self.user], prefix="concurrent")

    def stop_routing_new_leads(self):
        with self.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {}).company.routing_auto_assign = False
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
        """The second routing does not wait for the first transaction to
        commit: the first one's claim already counts against the cap."""
        self.release_registry_lock()
        hold, routed = threading.Event(), threading.Event()
        first, second = [], []
        t1 = threading.Thread(
            target=self.create_lead, args=("concurrent 1", first, hold, routed)
        )
        t1.start()
        self.assertTrue(routed.wait(20), "first creation did not finish routing")
        # t1 has routed to Carla and keeps its transaction open: t2 routes
        # and commits meanwhile, without waiting for it.
        t2 = threading.Thread(target=self.create_lead, args=("concurrent 2", second))
        t2.start()
        t2.join(20)
        self.assertEqual(second, [("ok", 0)], "no wait, no serialization failure")
        self.assertEqual(first, [], "the first transaction is still open")
        hold.set()
        t1.join(20)
        self.assertEqual(first, [("ok", 0)])
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].search(
                [("name", "=like", "concurrent%")], order="name"
            )
            self.assertEqual(leads.mapped("routing_state"), ["assigned", "queued"])
            self.assertEqual(leads[0].user_id.id, self.user)
            self.assertFalse(leads[1].user_id)

    def test_a_rolled_back_routing_no_longer_holds_the_cap(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lead = env["crm.lead"].create({"name": "concurrent gone"})
            self.assertEqual(lead.user_id.id, self.user)
            cr.rollback()
        outcome = []
        self.create_lead("concurrent kept", outcome)
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lead = env["crm.lead"].search([("name", "=", "concurrent kept")])
            self.assertEqual(lead.user_id.id, self.user, "the cap was free again")


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingCapsOnCommittedCursors(CommittedCase):
    """Caps and round robin on real, committed transactions, as an automated
    action, an import or an integration creates leads: several creates in one
    transaction (savepoints in between), one per request, and two
    transactions at once. The test registry's shortcut (routing's counters
    read through the test's own cursor) would hide what these check."""

    def setUp(self):
        super().setUp()
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env.company.routing_auto_assign = True
            users = self.create_salespeople(
                env, "Capped", "capped", routing_max_daily_leads=2
            )
            self.users = users.ids
            self.rule = self.create_rule(
                env,
                "Capped rotation",
                "capped",
                strategy="round_robin",
                user_ids=[(6, 0, users.ids)],
                fallback="queue",
                sla_minutes=0,
            ).id
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self.stop_routing_new_leads)
        self.clean_up_after(self.rule, self.users, prefix="capped")

    stop_routing_new_leads = TestRoutingConcurrency.stop_routing_new_leads
    release_registry_lock = TestRoutingConcurrency.release_registry_lock

    def outcome(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].search([("name", "=like", "capped%")], order="id")
            return [lead.user_id.id or None for lead in leads]

    def assertCapsHeld(self, owners, created=9):
        self.assertEqual(len(owners), created)
        for uid in self.users:
            self.assertEqual(owners.count(uid), 2, "each reached the cap of 2")
        self.assertEqual(owners.count(None), created - 6, "the rest is queued")

    def test_nine_creates_in_one_transaction_spread_and_stop_at_the_caps(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            for i in range(9):
                with cr.savepoint():
                    env["crm.lead"].create({"name": f"capped {i}"})
                env.flush_all()
            cr.commit()  # pylint: disable=invalid-commit
        owners = self.outcome()
        self.assertCapsHeld(owners)
        self.assertEqual(len(set(owners[:3])), 3, "round robin: three people first")

    def test_nine_requests_spread_and_stop_at_the_caps(self):
        for i in range(9):
            with self.db.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                env["crm.lead"].create({"name": f"capped {i}"})
                cr.commit()  # pylint: disable=invalid-commit
        owners = self.outcome()
        self.assertCapsHeld(owners)
        self.assertEqual(len(set(owners[:3])), 3, "round robin: three people first")
        with self.db.cursor() as cr:
            cr.execute(
                """SELECT count(*) FROM crm_routing_claim c
                     JOIN crm_lead l ON l.id = c.lead_id
                    WHERE l.name LIKE 'capped%%'"""
            )
            self.assertLessEqual(
                cr.fetchone()[0],
                1,
                "each routing forgets the claims of the requests that ended "
                "(only the last request's may remain)",
            )

    def test_two_transactions_at_once_share_the_caps(self):
        self.release_registry_lock()
        turns = [threading.Event() for _i in range(10)]
        errors = []

        def create(offset):
            try:
                with self.db.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                    for i in range(offset, 10, 2):
                        if i:
                            turns[i - 1].wait(20)
                        env["crm.lead"].create({"name": f"capped {i}"})
                        turns[i].set()
                    turns[9].wait(20)
                    cr.commit()  # pylint: disable=invalid-commit
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=create, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        owners = self.outcome()
        self.assertCapsHeld(owners, created=10)

    def test_the_log_keeps_the_order_of_the_decisions_not_of_the_writes(self):
        """The log lines are written after routing's short critical section,
        so a routing that decided first may write its line last; the line's
        id is drawn as it decides, and the log read by id replays the
        counters in the order routing saw them (as the load test does)."""
        self.release_registry_lock()
        Log = Registry(get_db_name())["crm.routing.log"]
        append = Log._append
        decided, written = threading.Event(), threading.Event()
        errors = []

        def slow_append(log, entries):
            if threading.current_thread().name == "first":
                decided.set()
                written.wait(20)
            return append(log, entries)

        def create(name):
            try:
                with self.db.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                    env["crm.lead"].create({"name": name})
                    cr.commit()  # pylint: disable=invalid-commit
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        with patch.object(Log, "_append", slow_append):
            first = threading.Thread(
                target=create, args=("capped first",), name="first"
            )
            first.start()
            self.assertTrue(decided.wait(20), "the first routing decided")
            create("capped second")
            written.set()
            first.join(60)
        self.assertEqual(errors, [])
        with self.db.cursor() as cr:
            cr.execute(
                """SELECT l.name, g.id FROM crm_routing_log g
                     JOIN crm_lead l ON l.id = g.lead_id
                    WHERE l.name LIKE 'capped%%' ORDER BY g.id"""
            )
            self.assertEqual(
                [name for name, _id in cr.fetchall()],
                ["capped first", "capped second"],
                "the first decision's line comes first, though written last",
            )
