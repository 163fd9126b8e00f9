# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import RoutingCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingCounters(RoutingCase):
    """Routing's counters (open leads, leads today, last assignment) are read
    through partial indexes, never by walking a person's whole history; they
    must still be exactly what a full count says, whatever happened to the
    leads."""

    def setUp(self):
        super().setUp()
        self.rule = self.make_rule()

    def counters(self):
        self.env.flush_all()
        now = fields.Datetime.now()
        facts = self.env["crm.routing.facts"]._gather(
            self.company, self.create_probe(), event="assign", now=now, live=False
        )
        return {
            uid: (cand.open_leads, cand.leads_today, cand.last_assigned)
            for uid, cand in facts.candidates.items()
        }  # noqa: C416

    def create_probe(self):
        return self.env["crm.lead"].new(
            {"name": "Probe", "company_id": self.company.id}
        )

    def full_count(self):
        Lead = self.env["crm.lead"].with_context(active_test=False)
        day = fields.Datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        expected = {}
        for user in self.sales:
            leads = Lead.search([("user_id", "=", user.id)])
            assigned = leads.filtered("routing_assigned_at")
            last = max(assigned.mapped("routing_assigned_at"), default=None)
            expected[user.id] = (
                len(
                    leads.filtered(lambda lead: lead.active and lead.probability < 100)
                ),
                len(assigned.filtered(lambda lead: lead.routing_assigned_at >= day)),
                last,
            )
        return expected

    def assertCountersExact(self):
        got = self.counters()
        expected = self.full_count()
        for uid, (open_, today, last) in expected.items():
            self.assertEqual(got[uid][:2], (open_, today), f"user {uid}")
            if last is None:
                self.assertIsNone(got[uid][2])
            else:
                # As facts hold it: the naive UTC datetime's timestamp().
                self.assertAlmostEqual(got[uid][2], last.timestamp(), delta=1)

    def test_counters_match_a_full_count_whatever_happens_to_the_leads(self):
        leads = self.create_leads(15)
        self.assertCountersExact()
        leads[0].user_id = self.bob  # reassigned by hand
        leads[1].write({"user_id": self.carol.id, "routing_assigned_at": False})
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        leads[2:4].write({"stage_id": won.id})  # won
        leads[4].action_set_lost()  # lost: archived
        leads[5].active = False  # archived
        leads[6].unlink()
        leads[7].probability = 100
        leads[8].write(
            {"routing_assigned_at": fields.Datetime.now() - timedelta(days=2)}
        )
        self.assertCountersExact()
        self.create_leads(4)
        self.assertCountersExact()

    def test_one_routing_costs_the_same_queries_with_a_long_history(self):
        """20,000 earlier leads of the same salespeople (1 in 50 open) change
        nothing in what one routing costs."""
        self.create_leads(2)
        quiet = self.routed_lead_queries()
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO crm_lead (name, type, user_id, company_id, active,
                                     probability, routing_state, routing_assigned_at,
                                     create_date, write_date, create_uid, write_uid)
               SELECT 'History ' || n, 'lead', u.uid, %s, n %% 50 <> 0,
                      CASE WHEN n %% 50 = 0 THEN 10 ELSE 100 END, 'assigned',
                      now() at time zone 'UTC' - (n || ' minutes')::interval,
                      now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
                 FROM generate_series(1, 4000) AS n,
                      unnest(%s::int[]) AS u(uid)""",
            [self.company.id, self.sales.ids],
        )
        self.env.cr.execute("ANALYZE crm_lead")
        self.assertEqual(self.routed_lead_queries(), quiet)
        self.assertCountersExact()

    def routed_lead_queries(self):
        """Queries one create costs with routing, minus without it (warm)."""
        costs = []
        for switch in (False, True):
            self.company.routing_auto_assign = switch
            for _warm_then_measure in range(2):
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                lead = self.create_leads(1)
                self.env.flush_all()
            costs.append(self.cr.sql_log_count - before)
            self.assertEqual(lead.routing_state, "assigned" if switch else "none")
        return costs[1] - costs[0]
