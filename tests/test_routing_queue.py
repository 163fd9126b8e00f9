# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RoutingCase, working_hours

# Tuesday 13 January 2026 (UTC calendar): shift from 09:00 to 19:00
BEFORE_SHIFT = datetime(2026, 1, 13, 7, 0)
SHIFT_START = datetime(2026, 1, 13, 9, 5)
REVENUES = [100, 600, 300, 500, 200, 400]


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingQueue(RoutingCase):
    """Queued leads go out at the start of a shift, in order, spread and capped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pair = cls.alice | cls.bob
        working_hours(cls.env, cls.pair, tz="UTC")
        cls.pair.write({"routing_max_open_leads": 2})
        cls.rule = cls.make_rule(
            user_ids=[(6, 0, cls.pair.ids)],
            respect_working_hours=True,
            fallback="queue",
            sla_minutes=30,
        )

    def setUp(self):
        super().setUp()
        with freeze_time(BEFORE_SHIFT):
            self.leads = self.Lead.create(
                [
                    {"name": f"Queued {i}", "expected_revenue": revenue}
                    for i, revenue in enumerate(REVENUES)
                ]
            ).sudo()
        self.assertEqual(set(self.leads.mapped("routing_state")), {"queued"})
        # One transaction, one create_date: make them arrive a minute apart.
        self.env.flush_all()
        for i, lead in enumerate(self.leads):
            self.env.cr.execute(
                "UPDATE crm_lead SET create_date = %s WHERE id = %s",
                (BEFORE_SHIFT - timedelta(hours=1) + timedelta(minutes=i), lead.id),
            )
        self.leads.invalidate_recordset(["create_date"])

    def drain(self, at=SHIFT_START, **kwargs):
        with freeze_time(at):
            return self.env["crm.routing.sweeper"]._drain_queue(**kwargs)

    def check_drain(self, order, expected_indexes, **kwargs):
        self.company.routing_queue_order = order
        self.assertEqual(self.drain(**kwargs), 4)
        expected = self.leads.browse([self.leads[i].id for i in expected_indexes])
        assigned = self.leads.filtered("user_id")
        self.assertEqual(assigned, expected, f"{order}: wrong leads assigned")
        self.assertEqual(set(assigned.mapped("routing_state")), {"assigned"})
        self.assertEqual(
            set((self.leads - assigned).mapped("routing_state")), {"queued"}
        )
        # spread 2/2 in queue order, never dumped on the first person
        names = [lead.user_id.name for lead in expected]
        self.assertEqual(sorted(names), ["Alice", "Alice", "Bob", "Bob"])
        self.assertNotEqual(names[:2], [names[0]] * 2, "alternates in queue order")
        for lead in assigned:
            self.assertEqual(lead.routing_deadline, SHIFT_START + timedelta(minutes=30))
        return assigned

    def test_oldest_first(self):
        self.check_drain("oldest", [0, 1, 2, 3])

    def test_newest_first(self):
        self.check_drain("newest", [5, 4, 3, 2])

    def test_highest_revenue_first(self):
        self.check_drain("revenue", [1, 3, 5, 2])

    def test_caps_and_order_hold_across_batches(self):
        self.check_drain("oldest", [0, 1, 2, 3], batch_size=2)

    def test_requeue_is_silent(self):
        self.company.routing_queue_order = "oldest"
        self.drain()
        still = self.leads.filtered(lambda lead: lead.routing_state == "queued")
        self.assertEqual(len(still), 2)
        for _run in range(3):
            self.assertEqual(self.drain(SHIFT_START + timedelta(minutes=5)), 0)
        for lead in still:
            self.assertEqual(lead.routing_log_ids.mapped("event"), ["queue"])

    def test_nobody_on_shift_changes_nothing(self):
        logs_before = self.env["crm.routing.log"].search_count([])
        self.assertEqual(self.drain(BEFORE_SHIFT + timedelta(minutes=5)), 0)
        self.assertEqual(self.env["crm.routing.log"].search_count([]), logs_before)
        self.assertEqual(set(self.leads.mapped("routing_state")), {"queued"})

    def test_lost_and_won_queued_leads_stay_out(self):
        self.leads[0].action_set_lost()
        self.leads[1].action_set_won()
        self.company.routing_queue_order = "oldest"
        self.assertEqual(self.drain(), 4)
        self.assertFalse((self.leads[0] | self.leads[1]).user_id)
        self.assertEqual(self.leads[2:].filtered("user_id"), self.leads[2:])

    def test_cron_entry_point(self):
        with freeze_time(SHIFT_START):
            self.assertEqual(self.env["crm.routing.sweeper"]._drain_queue(), 4)
