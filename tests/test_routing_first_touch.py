# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RoutingCase, sales_manager

T0 = datetime(2026, 1, 13, 10, 0)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingFirstTouch(RoutingCase):
    """What stops the first-contact clock, and what does not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = sales_manager(cls.env, name="Mona Manager")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Customer", "email": "buyer@prospect.example"}
        )
        cls.make_rule(sla_minutes=30, user_ids=[(6, 0, cls.alice.ids)])
        cls.won_stage = cls.env["crm.stage"].create(
            {"name": "Qualified", "sequence": 50}
        )

    def setUp(self):
        super().setUp()
        with freeze_time(T0):
            self.lead = self.create_leads(1)
        self.assertEqual(self.lead.user_id, self.alice)
        self.assertFalse(self.lead.routing_first_touch_at)

    def assertTouchedAt(self, when):
        self.lead.invalidate_recordset(["routing_first_touch_at"])
        self.assertEqual(self.lead.routing_first_touch_at, when)

    def schedule_activity(self, user):
        return self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": self.lead.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "user_id": user.id,
                "summary": "Call them",
            }
        )

    # ------------------------------------------------------------- activity
    def test_activity_done_by_the_assignee(self):
        activity = self.schedule_activity(self.alice)
        with freeze_time(T0 + timedelta(minutes=12)):
            activity.with_user(self.alice).action_feedback(feedback="Called")
        self.assertTouchedAt(T0 + timedelta(minutes=12))

    def test_activity_done_by_someone_else(self):
        activity = self.schedule_activity(self.alice)
        with freeze_time(T0 + timedelta(minutes=12)):
            activity.with_user(self.manager).action_done()
        self.assertTouchedAt(False)

    # ------------------------------------------------------------- messages
    def post(self, body, user=None, minutes=0, subtype="mt_note", **vals):
        """``user`` posts ``body`` on the lead ``minutes`` after its routing
        (no user: as the mail gateway does)."""
        lead = self.lead.with_user(user) if user else self.lead
        vals.setdefault("message_type", "comment")
        with freeze_time(T0 + timedelta(minutes=minutes)):
            lead.message_post(body=body, subtype_xmlid=f"mail.{subtype}", **vals)

    def test_message_by_the_assignee(self):
        self.post(
            "Hello, when can we talk?",
            self.alice,
            minutes=5,
            subtype="mt_comment",
            partner_ids=self.customer.ids,
        )
        self.assertTouchedAt(T0 + timedelta(minutes=5))

    def test_note_by_the_assignee_counts(self):
        self.post("Left a voicemail", self.alice, minutes=5)
        self.assertTouchedAt(T0 + timedelta(minutes=5))

    def test_notes_by_others_never_count(self):
        for user in (self.manager, self.env.user):
            self.post("Alice, please call them", user, minutes=5)
        self.assertTouchedAt(False)

    def test_incoming_email_from_the_customer_does_not_count(self):
        self.post(
            "Any news?",
            message_type="email",
            author_id=self.customer.id,
            subtype="mt_comment",
        )
        self.assertTouchedAt(False)

    def test_email_from_the_assignee_counts(self):
        self.post(
            "Reply sent from Alice's mailbox",
            minutes=7,
            message_type="email",
            author_id=self.alice.partner_id.id,
            subtype="mt_comment",
        )
        self.assertTouchedAt(T0 + timedelta(minutes=7))

    # ------------------------------------------------------------- stage
    def test_stage_change_by_the_assignee(self):
        with freeze_time(T0 + timedelta(minutes=20)):
            self.lead.with_user(self.alice).stage_id = self.won_stage
        self.assertTouchedAt(T0 + timedelta(minutes=20))

    def test_stage_change_by_someone_else(self):
        self.lead.with_user(self.manager).stage_id = self.won_stage
        self.assertTouchedAt(False)

    def test_other_writes_by_the_assignee_do_not_count(self):
        self.lead.with_user(self.alice).write({"description": "Looks promising"})
        self.assertTouchedAt(False)

    # ------------------------------------------------------------- button
    def test_button_by_the_assignee(self):
        with freeze_time(T0 + timedelta(minutes=3)):
            self.lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertTouchedAt(T0 + timedelta(minutes=3))

    def test_button_by_a_manager(self):
        with freeze_time(T0 + timedelta(minutes=3)):
            self.lead.with_user(self.manager).action_routing_mark_contacted()
        self.assertTouchedAt(T0 + timedelta(minutes=3))

    def test_button_by_a_colleague_is_refused(self):
        with self.assertRaises(AccessError):
            self.lead.with_user(self.bob).action_routing_mark_contacted()
        self.assertTouchedAt(False)

    # ------------------------------------------------------------- rules
    def test_the_earliest_touch_is_kept(self):
        with freeze_time(T0 + timedelta(minutes=3)):
            self.lead.with_user(self.alice).message_post(
                body="Called", message_type="comment", subtype_xmlid="mail.mt_note"
            )
        with freeze_time(T0 + timedelta(minutes=40)):
            self.lead.with_user(self.alice).stage_id = self.won_stage
            self.lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertTouchedAt(T0 + timedelta(minutes=3))

    def test_escalated_lead_can_still_be_touched(self):
        self.lead.routing_state = "escalated"
        with freeze_time(T0 + timedelta(hours=2)):
            self.lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertTouchedAt(T0 + timedelta(hours=2))

    def test_unrouted_leads_have_no_clock(self):
        own = (
            self.env["crm.lead"]
            .with_user(self.alice)
            .create({"name": "Mine", "user_id": self.alice.id})
        )
        self.assertEqual(own.routing_state, "none")
        own.message_post(
            body="Hi", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(own.routing_first_touch_at)

    def test_first_touch_writes_no_log(self):
        self.lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertEqual(self.lead.routing_log_ids.mapped("event"), ["assign"])
