# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.addons.crm_lead_routing.models.crm_routing_dispatcher import (
    CrmRoutingDispatcher,
)
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RoutingCase, SweepMixin, sales_manager, working_hours

# Tuesday 13 January 2026, 18:55 in Brussels (UTC+1 in winter)
TUESDAY_1855 = datetime(2026, 1, 13, 17, 55)
FRIDAY_1855 = datetime(2026, 1, 16, 17, 55)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingSla(SweepMixin, RoutingCase):
    """First-contact deadlines in business time, reassignment and escalation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = sales_manager(
            cls.env, name="Mona Manager", email="mona@example.com"
        )
        cls.team.user_id = cls.manager

    # ------------------------------------------------------------- deadlines
    def business_rule(self, **vals):
        vals.setdefault("user_ids", [(6, 0, self.alice.ids)])
        return self.make_rule(
            respect_working_hours=True, sla_minutes=30, fallback="queue", **vals
        )

    def test_deadline_runs_over_the_evening_in_business_time(self):
        working_hours(self.env, self.alice)
        self.business_rule()
        lead = self.create_at(TUESDAY_1855)
        self.assertEqual(lead.user_id, self.alice)
        # 5 minutes before closing time, 25 the next morning: 09:25 Brussels
        self.assertEqual(lead.routing_deadline, datetime(2026, 1, 14, 8, 25))

    def test_deadline_runs_over_the_weekend(self):
        working_hours(self.env, self.alice)
        self.business_rule()
        lead = self.create_at(FRIDAY_1855)
        self.assertEqual(lead.routing_deadline, datetime(2026, 1, 19, 8, 25))

    def deadline_with_wednesday_off(self, whose):
        """The deadline of a lead routed on Tuesday at 18:55 when Wednesday
        is off: Alice's time off (``whose='resource'``) or a holiday on her
        calendar (``whose='calendar'``)."""
        calendar, resources = working_hours(self.env, self.alice)
        off = resources if whose == "resource" else calendar
        self.env["resource.calendar.leaves"].create(
            {
                "name": f"Wednesday off ({whose})",
                f"{whose}_id": off.id,
                "date_from": datetime(2026, 1, 13, 23, 0),
                "date_to": datetime(2026, 1, 14, 23, 0),
            }
        )
        self.business_rule()
        return self.create_at(TUESDAY_1855).routing_deadline

    def test_deadline_skips_time_off(self):
        self.assertEqual(
            self.deadline_with_wednesday_off("resource"), datetime(2026, 1, 15, 8, 25)
        )

    def test_company_holiday_on_the_calendar_counts_too(self):
        self.assertEqual(
            self.deadline_with_wednesday_off("calendar"), datetime(2026, 1, 15, 8, 25)
        )

    def test_off_hours_reassign_keeps_a_wall_clock_deadline(self):
        """The assignee leaves before the deadline: someone on shift gets it."""
        working_hours(self.env, self.alice)
        # Bob has no working hours: treated as always at work.
        self.business_rule(
            user_ids=[(6, 0, (self.alice | self.bob).ids)],
            sla_off_hours="reassign",
        )
        lead = self.create_at(TUESDAY_1855)
        self.assertEqual(lead.user_id, self.alice)
        self.assertEqual(lead.routing_deadline, TUESDAY_1855 + timedelta(minutes=30))
        self.sweep(TUESDAY_1855 + timedelta(minutes=31))
        self.assertEqual(lead.user_id, self.bob)
        self.assertEqual(lead.routing_reassign_count, 1)
        self.assertIn(
            "Bob has no working hours, so they count as always at work.",
            self.last_log(lead).reason,
        )

    def test_off_hours_reassign_changes_nothing_within_the_shift(self):
        working_hours(self.env, self.alice)
        self.business_rule(sla_off_hours="reassign")
        with freeze_time("2026-01-13 10:00:00"):
            lead = self.create_leads(1)
        # well within the shift: the business and the wall-clock deadline agree
        self.assertEqual(lead.routing_deadline, datetime(2026, 1, 13, 10, 30))

    # ------------------------------------------------------------- reassign
    def sla_rule(self, **vals):
        vals.setdefault("user_ids", [(6, 0, (self.alice | self.bob | self.carol).ids)])
        vals.setdefault("max_reassignments", 5)
        vals.setdefault("fallback", "queue")
        return self.make_rule(sla_minutes=30, **vals)

    def test_overdue_lead_goes_to_someone_new_never_back(self):
        self.sla_rule()
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        self.assertEqual(lead.user_id, self.alice)
        self.assertEqual(self.sweep(t0 + timedelta(minutes=29)), 0, "not overdue yet")
        self.assertEqual(lead.user_id, self.alice)

        self.assertEqual(self.sweep(t0 + timedelta(minutes=31)), 1)
        self.assertEqual(lead.user_id, self.bob)
        self.assertEqual(lead.routing_state, "assigned")
        self.assertEqual(lead.routing_reassign_count, 1)
        self.assertEqual(lead.routing_deadline, t0 + timedelta(minutes=61))
        log = self.last_log(lead)
        self.assertEqual(log.event, "reassign")
        self.assertEqual(log.previous_user_id, self.alice)
        self.assertEqual(log.user_id, self.bob)
        self.assertTrue(
            log.reason.startswith(
                "Nobody contacted it within 30 min. Reassigned to Bob by the rule"
            ),
            log.reason,
        )

        self.sweep(t0 + timedelta(minutes=62))
        self.assertEqual(lead.user_id, self.carol)
        self.assertEqual(lead.routing_reassign_count, 2)
        # Alice is free, but she already had it: nobody left who may take it,
        # so it is escalated as the rule says instead of queueing for ever.
        self.sweep(t0 + timedelta(minutes=93))
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.routing_state, "escalated")
        self.assertEqual(
            self.logs(lead).mapped("event"),
            ["assign", "reassign", "reassign", "queue", "escalate"],
        )
        self.assertEqual(
            self.logs(lead, "reassign").user_id, self.bob | self.carol, "never Alice"
        )

    def test_reassignment_notifies_former_and_new_owner(self):
        self.sla_rule()
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        self.sweep(t0 + timedelta(minutes=31))
        note = lead.message_ids.filtered(lambda m: "Reassigned from" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertEqual(note.partner_ids, (self.alice | self.bob).partner_id)
        self.assertEqual(note.author_id, self.env.ref("base.partner_root"))
        self.assertIn("Nobody contacted it within 30 min.", note.body)

    def test_new_owner_gets_an_activity_with_the_new_deadline(self):
        self.sla_rule(notify_assignee=True)
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        self.sweep(t0 + timedelta(minutes=31))
        self.assertIn(self.bob, lead.activity_ids.user_id)

    def test_demo_routing_plans_the_activity_for_the_restarted_deadline(self):
        # The demo routes as on a weekday 14:30 UTC, then restarts each clock
        # from now: the activity says the deadline the lead shows.
        self.sla_rule(notify_assignee=True)
        (self.alice | self.bob | self.carol).tz = "Europe/Brussels"
        self.company.routing_auto_assign = False
        lead = self.create_leads(1)
        self.company.routing_auto_assign = True
        now = datetime(2026, 1, 15, 9, 0)  # a Thursday morning
        with freeze_time(now):
            self.env["crm.routing.dispatcher"]._route_demo(lead.ids)
        self.assertEqual(lead.routing_deadline, now + timedelta(minutes=30))
        activity = lead.activity_ids.filtered(lambda a: a.user_id == lead.user_id)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, now.date())
        self.assertIn("2026-01-15 10:30 CET", activity.summary)

    def test_touched_lead_is_left_alone(self):
        self.sla_rule()
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        with freeze_time(t0 + timedelta(minutes=10)):
            lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertEqual(self.sweep(t0 + timedelta(hours=2)), 0)
        self.assertEqual(lead.user_id, self.alice)

    def test_rule_without_deadline_never_reassigns(self):
        self.make_rule(sla_minutes=0)
        lead = self.create_at(datetime(2026, 1, 13, 10, 0))
        self.assertFalse(lead.routing_deadline)
        self.assertEqual(self.sweep(datetime(2026, 2, 1)), 0)

    # ------------------------------------------------------------- escalate
    def test_escalates_to_the_team_leader_after_max_reassignments(self):
        self.sla_rule(max_reassignments=1, team_id=self.team.id)
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        self.sweep(t0 + timedelta(minutes=31))
        self.assertEqual(lead.user_id, self.bob)
        self.sweep(t0 + timedelta(minutes=62))
        self.assertEqual(lead.routing_state, "escalated")
        self.assertEqual(lead.user_id, self.bob, "escalation keeps the owner")
        self.assertEqual(lead.routing_reassign_count, 1)
        activity = lead.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(len(activity), 1)
        self.assertIn("Escalated", activity.summary)
        log = self.last_log(lead)
        self.assertEqual(log.event, "escalate")
        self.assertIn(
            "Escalated to Mona Manager after 1 reassignments without a first contact.",
            log.reason,
        )
        self.assertEqual(log.details["user_id"], self.manager.id)
        note = lead.message_ids.filtered(lambda m: "Escalated" in (m.body or ""))
        self.assertEqual(note.partner_ids, (self.manager | self.bob).partner_id)
        # escalated leads are not swept again
        self.assertEqual(self.sweep(t0 + timedelta(hours=5)), 0)

    def test_escalates_to_the_rule_manager_first(self):
        boss = sales_manager(self.env, "routing_boss", name="Boss")
        self.sla_rule(max_reassignments=0, manager_id=boss.id)
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0, team_id=self.team.id)
        self.sweep(t0 + timedelta(minutes=31))
        self.assertEqual(lead.routing_state, "escalated")
        self.assertEqual(lead.activity_ids.user_id, boss)

    def test_escalation_without_anybody_to_escalate_to(self):
        self.team.user_id = False
        self.sla_rule(max_reassignments=0)
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        self.sweep(t0 + timedelta(minutes=31))
        self.assertEqual(lead.routing_state, "escalated")
        self.assertFalse(lead.activity_ids)
        self.assertIn(
            "Nobody to escalate it to after 0 reassignments without a first contact",
            self.last_log(lead).reason,
        )

    # ------------------------------------------------------------- faults
    def test_won_and_lost_leads_are_not_touched(self):
        self.sla_rule()
        t0 = datetime(2026, 1, 13, 10, 0)
        won, lost = self.create_at(t0, count=2)
        won.action_set_won()
        lost.action_set_lost()
        self.assertEqual(self.sweep(t0 + timedelta(hours=1)), 0)
        self.assertEqual(won.user_id, self.alice)
        self.assertEqual(lost.user_id, self.bob)
        self.assertEqual(self.logs(won).mapped("event"), ["assign"])
        self.assertEqual(self.logs(lost).mapped("event"), ["assign"])

    def test_archived_assignee(self):
        # Routing the leads of people who leave at once is off: the sweep
        # still takes them when their deadline passes.
        self.company.routing_release_leavers = False
        self.sla_rule()
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        self.alice.active = False
        self.sweep(t0 + timedelta(minutes=31))
        self.assertEqual(lead.user_id, self.bob)
        self.assertIn("Alice is archived.", self.last_log(lead).reason)
        note = lead.message_ids.filtered(lambda m: "Reassigned from" in (m.body or ""))
        self.assertEqual(note.partner_ids, self.bob.partner_id, "archived: no notice")

    def test_deleted_assignee(self):
        self.sla_rule()
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        # What deleting the user leaves behind: the lead without salesperson.
        lead.with_context(mail_notrack=True).user_id = False
        self.sweep(t0 + timedelta(minutes=31))
        self.assertEqual(lead.user_id, self.bob, "Alice had it: never back to her")
        self.assertIn("Its salesperson was deleted.", self.last_log(lead).reason)

    def test_archived_rule_routes_by_the_current_rules(self):
        old = self.sla_rule(max_reassignments=0)
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        old.active = False
        new = self.sla_rule(name="New rule", user_ids=[(6, 0, self.dave.ids)])
        self.sweep(t0 + timedelta(minutes=31))
        self.assertEqual(lead.routing_state, "assigned", "no escalation by a dead rule")
        self.assertEqual(lead.user_id, self.dave)
        self.assertEqual(lead.routing_rule_id, new)
        self.assertIn(
            "routing rule was archived or deleted", self.last_log(lead).reason
        )

    def test_deleted_rule_routes_by_the_current_rules(self):
        old = self.sla_rule(max_reassignments=0)
        t0 = datetime(2026, 1, 13, 10, 0)
        lead = self.create_at(t0)
        new = self.sla_rule(name="New rule", user_ids=[(6, 0, self.dave.ids)])
        old.unlink()
        self.assertFalse(lead.routing_rule_id)
        self.sweep(t0 + timedelta(minutes=31))
        self.assertEqual(lead.user_id, self.dave)
        self.assertEqual(lead.routing_rule_id, new)
        self.assertTrue(
            self.last_log(lead).reason.startswith(
                "Nobody contacted it before its deadline."
            )
        )

    def test_a_faulty_lead_does_not_stop_the_sweep(self):
        self.sla_rule()
        t0 = datetime(2026, 1, 13, 10, 0)
        leads = self.create_at(t0, count=3)
        faulty = leads[1]
        route_batch = CrmRoutingDispatcher._route_batch

        def flaky(dispatcher, batch, *args, **kwargs):
            if faulty in batch:
                raise ValueError("boom")
            return route_batch(dispatcher, batch, *args, **kwargs)

        with (
            patch.object(CrmRoutingDispatcher, "_route_batch", flaky),
            mute_logger("odoo.addons.crm_lead_routing.models.crm_routing_dispatcher"),
        ):
            self.assertEqual(self.sweep(t0 + timedelta(minutes=31)), 3)
        self.assertEqual(faulty.routing_state, "unroutable")
        self.assertEqual(self.last_log(faulty).event, "unroutable")
        self.assertIn(
            "Routing failed with an internal error", self.last_log(faulty).reason
        )
        for lead in leads - faulty:
            self.assertEqual(lead.routing_state, "assigned")
            self.assertEqual(self.last_log(lead).event, "reassign")

    def test_sweeps_in_batches(self):
        self.sla_rule(user_ids=[(6, 0, self.sales.ids)])
        t0 = datetime(2026, 1, 13, 10, 0)
        leads = self.create_at(t0, count=5)
        with freeze_time(t0 + timedelta(minutes=31)):
            done = self.env["crm.routing.sweeper"]._sweep_overdue(batch_size=2)
        self.assertEqual(done, 5)
        self.assertEqual(set(leads.mapped("routing_reassign_count")), {1})
        for lead in leads:
            self.assertEqual(len(self.logs(lead, "reassign")), 1)

    def sweep_queries(self, count):
        """Queries to sweep ``count`` overdue leads shared by the same five people."""
        t0 = datetime(2026, 1, 13, 10, 0)
        leads = self.create_at(t0, count=count)
        done, queries = self.sweep_and_count(t0 + timedelta(minutes=31))
        self.assertEqual(done, count)
        # The same people in both runs: this test is about the leads; the
        # salespeople are test_routing_followers' concern.
        self.assertEqual(leads.user_id, self.sales)
        return queries

    def test_sweep_query_count_does_not_grow_with_leads(self):
        """A batch costs queries per salesperson involved, not per lead."""
        self.sla_rule(user_ids=[(6, 0, self.sales.ids)], notify_assignee=True)
        self.sweep_queries(10)  # warms the ormcaches
        few = self.sweep_queries(10)
        many = self.sweep_queries(40)
        self.assertEqual(few, many, f"10 leads: {few} queries, 40 leads: {many}")

    # ------------------------------------------------------------- settings
    def test_settings_set_the_check_interval(self):
        cron = self.env.ref("crm_lead_routing.ir_cron_routing_sla")
        settings = self.env["res.config.settings"].create({"routing_sla_interval": 3})
        settings.execute()
        self.assertEqual(cron.interval_number, 3)
        self.assertEqual(cron.interval_type, "minutes")
