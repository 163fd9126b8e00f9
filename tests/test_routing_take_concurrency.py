# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTakeConcurrency(CommittedCase):
    """Two salespeople clicking Take My Next Lead at the same moment never
    get the same lead.

    Uses real, committed cursors (not the test transaction), as two browser
    requests do, so it cleans up after itself. Ann's request takes a lead
    and keeps its transaction open; Ben's request runs meanwhile.
    """

    PREFIX = "pulltake"

    def setUp(self):
        super().setUp()
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            users = self.create_salespeople(
                env, "Taker", self.PREFIX, ("Ann", "Ben", "Cid")
            )
            self.users = dict(zip(("ann", "ben", "cid"), users.ids, strict=True))
            rule = self.create_rule(
                env,
                "Pulled",
                self.PREFIX,
                delivery="pull",
                strategy="round_robin",
                user_ids=[(6, 0, users.ids)],
            )
            self.rule = rule.id
            company = env.company
            auto_assign = company.routing_auto_assign
            company.routing_auto_assign = True
            leads = env["crm.lead"].create(
                [{"name": f"{self.PREFIX} {i}"} for i in range(2)]
            )
            company.routing_auto_assign = auto_assign
            self.assertEqual(leads.mapped("routing_state"), ["queued", "queued"])
            # The first one arrived first.
            env.flush_all()
            now = fields.Datetime.now()
            for i, lead in enumerate(leads):
                cr.execute(
                    "UPDATE crm_lead SET create_date = %s WHERE id = %s",
                    (now - timedelta(minutes=10 - i), lead.id),
                )
            self.leads = leads.ids
            cr.commit()  # pylint: disable=invalid-commit
        self.clean_up_after(self.rule, list(self.users.values()), self.leads)

    def take(self, who, outcome, taken=None, hold=None):
        """``who`` clicks Take My Next Lead in a request of their own; with
        ``hold``, the request stays open (uncommitted) until it is set."""
        try:
            with self.cursor() as cr:
                uid = self.users[who]
                env = api.Environment(cr, uid, {"tracking_disable": True})
                action = env["res.users"].browse(uid).action_routing_take_next()
                if taken:
                    taken.set()
                if hold:
                    hold.wait(20)
                cr.commit()  # pylint: disable=invalid-commit
                params = action["params"]
                outcome.append(
                    params["next"]["res_id"] if "next" in params else params["message"]
                )
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome.append(error)
            if taken:
                taken.set()

    def owners(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].browse(self.leads)
            return [(lead.user_id.id, lead.routing_state) for lead in leads]

    def test_two_salespeople_taking_at_once_get_different_leads(self):
        ann, ben = [], []
        with self.held_open(self.take, "ann", ann, what="Ann's take"):
            self.assertEqual(ann, [], "Ann's request is still open")
            # Ann's lead is not committed yet: Ben still gets the other one.
            self.without_waiting(self.take, "ben", ben, what="Ben's take")
        self.assertEqual(ann, [self.leads[0]], "the oldest one")
        self.assertEqual(ben, [self.leads[1]], "never Ann's")
        self.assertEqual(
            self.owners(),
            [(self.users["ann"], "assigned"), (self.users["ben"], "assigned")],
        )
        # Nothing is left for the third one.
        cid = []
        self.take("cid", cid)
        self.assertEqual(cid, ["No lead is waiting in the queues you take from."])

    def test_the_last_lead_goes_to_one_of_two_and_the_other_hears_so(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].browse(self.leads[1]).action_archive()
            cr.commit()  # pylint: disable=invalid-commit
        ann, ben = [], []
        with self.held_open(self.take, "ann", ann, what="Ann's take"):
            self.without_waiting(self.take, "ben", ben, what="Ben's take")
        self.assertEqual(ann, [self.leads[0]])
        self.assertEqual(ben, ["No lead is waiting in the queues you take from."])
        self.assertEqual(self.owners()[0], (self.users["ann"], "assigned"))
