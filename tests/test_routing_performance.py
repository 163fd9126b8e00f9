# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged, warmup

from .common import RoutingCase, create_salespeople, working_hours

# Tuesday 13 January 2026, 10:00 in Brussels: everyone is on shift.
TUESDAY_1000 = datetime(2026, 1, 13, 9, 0)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingQueryCount(RoutingCase):
    """Routing one lead costs a fixed number of queries, whatever the setup."""

    def routing_queries(self):
        """Queries one create() costs with routing, minus without it."""
        self.env.flush_all()
        costs = []
        for switch in (False, True):
            self.company.routing_auto_assign = switch
            for _warm_then_measure in range(2):  # ormcaches warm on the first
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                lead = self.Lead.create(
                    {
                        "name": "Measured",
                        "email_from": "m@acme.example",
                        "team_id": self.team.id,
                    }
                )
                self.env.flush_all()
            costs.append(self.cr.sql_log_count - before)
            self.assertEqual(
                lead.sudo().routing_state, "assigned" if switch else "none"
            )
        return costs[1] - costs[0]

    def grow(self, users, rules, hours=False):
        # In one create: the cost measured is routing's, not the set-up's.
        extra = create_salespeople(self.env, "Routing Extra", "extra", range(users))
        self.Rule.search([]).user_ids = [(4, uid) for uid in extra.ids]
        if hours:
            working_hours(self.env, extra)
        # Same team as the lead: a team change would add crm's own stage and
        # probability recompute (5 queries) whoever routes the lead.
        self.env["crm.team.member"].create(
            [{"crm_team_id": self.team.id, "user_id": uid} for uid in extra.ids]
        )
        for i in range(rules):
            self.make_rule(
                name=f"Never {i}",
                sequence=i,
                lead_domain=f"[('expected_revenue', '>', {10**9 + i})]",
                user_ids=[(6, 0, extra.ids)],
            )

    def test_query_count_independent_of_team_and_rule_count(self):
        self.make_rule(name="Catch all", sequence=100, strategy="weighted")
        self.make_rule(
            name="Big",
            sequence=1,
            lead_domain="[('expected_revenue', '>', 1000000000)]",
        )
        small = self.routing_queries()
        self.grow(users=45, rules=18)
        large = self.routing_queries()
        self.assertEqual(
            small, large, "routing cost must not grow with people or rules"
        )
        # Two of them are the savepoint that isolates routing faults.
        self.assertLessEqual(small, 15)

    def test_query_count_with_working_hours_deadline_and_activity(self):
        """The full set-up of the demo: shifts, time off, an SLA, an activity."""
        calendar, resources = working_hours(self.env, self.sales)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": calendar.id,
                "resource_id": resources[0].id,
                "date_from": datetime(2026, 1, 12),
                "date_to": datetime(2026, 1, 14),
            }
        )
        self.make_rule(
            strategy="weighted",
            respect_working_hours=True,
            sla_minutes=30,
            notify_assignee=True,
            activity_type_id=self.env.ref("mail.mail_activity_data_call").id,
        )
        with freeze_time(TUESDAY_1000):
            small = self.routing_queries()
            self.grow(users=45, rules=18, hours=True)
            large = self.routing_queries()
        self.assertEqual(
            small, large, "routing cost must not grow with people or rules"
        )
        # At most 15 for routing itself, working hours and time off included
        # (so with notify_assignee off; routing's lock is one of them); 3 make
        # the assignee a follower through Odoo's follower model, so that other
        # modules' overrides of it run (which followers exist, the insert of
        # the follower and of its subtypes), 1 loads the followers so that
        # mail.activity need not check them again; 5 are Odoo's own
        # mail.activity create (model, insert, assignee read, its computed
        # fields, the bus notification).
        self.assertLessEqual(small, 24)

    @warmup
    def test_query_count_single_lead(self):
        self.make_rule(name="Catch all", strategy="round_robin")
        # Routing reads the rules again only after they change (see
        # crm.routing.rule.book): once for the first lead after a change.
        self.Lead.create({"name": "First", "email_from": "f@acme.example"})
        with self.assertQueryCount(__system__=24, routing_integration=24):
            self.Lead.create({"name": "Counted", "email_from": "c@acme.example"})
