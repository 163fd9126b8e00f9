from odoo.tests import new_test_user, tagged, warmup

from .common import RoutingCase


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
                self.Lead.create(
                    {
                        "name": "Measured",
                        "email_from": "m@acme.example",
                        "team_id": self.team.id,
                    }
                )
                self.env.flush_all()
            costs.append(self.cr.sql_log_count - before)
        return costs[1] - costs[0]

    def grow(self, users, rules):
        extra = self.env["res.users"]
        for i in range(users):
            extra |= new_test_user(
                self.env, f"routing_extra_{i}", groups="sales_team.group_sale_salesman"
            )
        self.Rule.search([]).user_ids = [(4, uid) for uid in extra.ids]
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
            name="Big", sequence=1, lead_domain="[('expected_revenue', '>', 10**9)]"
        )
        small = self.routing_queries()
        self.grow(users=45, rules=18)
        large = self.routing_queries()
        self.assertEqual(
            small, large, "routing cost must not grow with people or rules"
        )
        # Two of them are the savepoint that isolates routing faults.
        self.assertLessEqual(small, 15)

    @warmup
    def test_query_count_single_lead(self):
        self.make_rule(name="Catch all", strategy="round_robin")
        with self.assertQueryCount(__system__=40, routing_integration=40):
            self.Lead.create({"name": "Counted", "email_from": "c@acme.example"})
