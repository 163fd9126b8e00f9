import threading

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged

from .common import CommittedSweepCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingSweepConcurrency(CommittedSweepCase):
    """Two sweeps at once never reassign the same lead twice (SKIP LOCKED).

    Uses real, committed cursors (not the test transaction), so it cleans up
    after itself.
    """

    PREFIX = "sweepconc"
    LABEL = "Sweeper"

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
        self.assertEqual(first[0], self.LEAD_COUNT)
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
