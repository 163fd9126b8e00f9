# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import RoutingCase

ASSIGNED = "You have been assigned"


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingFollowers(RoutingCase):
    """With mail features on, owners follow their leads as Odoo would have it.

    Routing subscribes the new owners of a whole batch at once instead of once
    per owner (see ``crm.routing.writer._subscribe``); these tests run without
    ``tracking_disable`` so that Odoo's mail machinery is live.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.Lead = cls.env["crm.lead"].with_user(cls.integration)
        cls.call = cls.env.ref("mail.mail_activity_data_call")

    def rule(self, users, **vals):
        return self.make_rule(
            user_ids=[(6, 0, users.ids)],
            sla_minutes=30,
            max_reassignments=5,
            notify_assignee=True,
            activity_type_id=self.call.id,
            **vals,
        )

    def followers(self, lead, user):
        return self.env["mail.followers"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "=", lead.id),
                ("partner_id", "=", user.partner_id.id),
            ]
        )

    def assigned_messages(self, leads, user):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("message_type", "=", "user_notification"),
                ("subject", "like", ASSIGNED),
                ("partner_ids", "in", user.partner_id.ids),
            ]
        )

    def test_new_owner_follows_the_lead_and_is_told_once(self):
        self.rule(self.alice | self.bob)
        leads = self.create_leads(4)
        self.assertEqual(leads.user_id, self.alice | self.bob)
        for lead in leads:
            followers = self.followers(lead, lead.user_id)
            self.assertEqual(len(followers), 1, "one follower line, not two")
            self.assertIn(
                self.env.ref("mail.mt_comment"),
                followers.subtype_ids,
                "the owner follows the lead's discussions",
            )
            self.assertEqual(len(self.assigned_messages(lead, lead.user_id)), 1)
            self.assertEqual(len(lead.activity_ids), 1)
            self.assertEqual(lead.activity_ids.user_id, lead.user_id)

    def test_without_mail_tracking_only_activity_assignees_follow(self):
        """With ``tracking_disable`` (imports, scripts) Odoo subscribes nobody
        but the assignee of an activity; routing does the same, in bulk."""
        quiet = self.Lead.with_context(tracking_disable=True)
        self.rule(self.alice | self.bob)
        leads = quiet.create([{"name": f"Quiet {i}"} for i in range(4)]).sudo()
        self.assertEqual(leads.user_id, self.alice | self.bob)
        for lead in leads:
            self.assertEqual(len(self.followers(lead, lead.user_id)), 1)
            self.assertEqual(lead.activity_ids.user_id, lead.user_id)
        self.assertFalse(self.assigned_messages(leads, self.alice | self.bob))
        self.Rule.search([]).notify_assignee = False
        silent = quiet.create([{"name": "No activity"}]).sudo()
        self.assertTrue(silent.user_id)
        self.assertFalse(silent.activity_ids)
        self.assertFalse(self.followers(silent, silent.user_id))

    def test_subscribing_someone_new_still_happens_when_followers_are_known(self):
        """Only subscriptions of people already following are skipped."""
        self.company.routing_auto_assign = False
        lead = self.create_leads(1)
        lead.message_subscribe(partner_ids=self.alice.partner_id.ids)
        lead.mapped("message_partner_ids")  # followers known, as routing leaves them
        lead.message_subscribe(partner_ids=(self.alice | self.bob).partner_id.ids)
        self.assertEqual(len(self.followers(lead, self.bob)), 1)
        self.assertEqual(len(self.followers(lead, self.alice)), 1)

    def test_routing_subscribes_through_the_follower_model(self):
        """Another addon overriding ``mail.followers.create`` sees routing's
        subscriptions: they go through the ORM, not around it."""
        self.rule(self.alice | self.bob)
        seen = []
        Followers = type(self.env["mail.followers"])
        create = Followers.create

        def spy(records, vals_list):
            seen.extend(
                (vals["res_id"], vals["partner_id"])
                for vals in vals_list
                if vals.get("res_model") == "crm.lead"
            )
            return create(records, vals_list)

        with patch.object(Followers, "create", spy):
            leads = self.create_leads(2)
        owners = {(lead.id, lead.user_id.partner_id.id) for lead in leads}
        self.assertEqual(len(owners), 2)
        self.assertLessEqual(owners, set(seen))

    def test_a_salesperson_given_by_hand_is_subscribed_as_odoo_does(self):
        """Routing's bulk subscription only replaces its own assignments'."""
        self.company.routing_auto_assign = False
        lead = self.create_leads(1)
        lead.user_id = self.carol
        self.assertEqual(len(self.followers(lead, self.carol)), 1)
        self.assertEqual(len(self.assigned_messages(lead, self.carol)), 1)

    def test_owner_who_already_follows_is_not_subscribed_twice(self):
        self.rule(self.alice)
        self.company.routing_auto_assign = False
        lead = self.create_leads(1)
        lead.message_subscribe(partner_ids=self.alice.partner_id.ids)
        lead.action_route()
        self.assertEqual(lead.user_id, self.alice)
        self.assertEqual(len(self.followers(lead, self.alice)), 1)

    def test_salesperson_routing_to_themself_gets_no_assignment_message(self):
        """Odoo tells people only of leads somebody else gave them."""
        self.rule(self.alice)
        self.company.routing_auto_assign = False
        lead = self.create_leads(1)
        manager = new_test_user(
            self.env, "routing_followers_mgr", groups="sales_team.group_sale_manager"
        )
        self.rule(manager, name="Manager's own", sequence=1)
        lead.with_user(manager).action_route()
        self.assertEqual(lead.user_id, manager)
        self.assertEqual(len(self.followers(lead, manager)), 1)
        self.assertFalse(self.assigned_messages(lead, manager))

    def test_reassigned_lead_is_followed_by_its_new_owner_without_mail(self):
        """The sweep's own note tells the new owner; no second "assigned" mail."""
        self.rule(self.alice | self.bob)
        t0 = datetime(2026, 1, 13, 10, 0)
        with freeze_time(t0):
            lead = self.create_leads(1)
        self.assertEqual(lead.user_id, self.alice)
        with freeze_time(t0 + timedelta(minutes=31)):
            self.env["crm.routing.sweeper"]._sweep_overdue()
        self.assertEqual(lead.user_id, self.bob)
        self.assertEqual(len(self.followers(lead, self.bob)), 1)
        self.assertFalse(self.assigned_messages(lead, self.bob))
        self.assertEqual(lead.routing_reassign_count, 1)

    def sweep_queries(self, users, count=12):
        """Queries to sweep ``count`` overdue leads shared among ``users``."""
        self.Rule.search([]).active = False
        self.rule(users)
        t0 = datetime(2026, 1, 13, 10, 0)
        with freeze_time(t0):
            leads = self.create_leads(count)
        done, queries = self.sweep_and_count(t0 + timedelta(minutes=31))
        self.assertEqual(done, count)
        self.assertEqual(leads.user_id, users, "every salesperson got leads")
        for lead in leads:
            self.assertEqual(len(self.followers(lead, lead.user_id)), 1)
        return queries

    def test_sweep_query_count_does_not_grow_with_salespeople(self):
        """Followers, activities and notes of a batch cost the same for 2 or 5."""
        self.sweep_queries(self.sales)  # warms the ormcaches
        few = self.sweep_queries(self.alice | self.bob)
        many = self.sweep_queries(self.sales)
        self.assertEqual(few, many, f"2 people: {few} queries, 5 people: {many}")
