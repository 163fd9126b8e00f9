# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import SUPERUSER_ID, api
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
        first, second = [], []
        # The first sweep holds the row locks of every lead it reassigned.
        with self.held_open(self.sweep, first, what="the first sweep"):
            self.without_waiting(self.sweep, second, what="the second sweep")
        self.assertEqual(first[0], self.LEAD_COUNT)
        self.assertEqual(second, [0], "the locked leads were skipped, not redone")

        # and once the first sweep committed, nothing is overdue any more
        third = []
        self.sweep(third)
        self.assertEqual(third, [0])
        self.assertEachReassignedOnce()
