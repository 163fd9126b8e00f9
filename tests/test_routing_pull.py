# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pull rules and Take My Next Lead, the order of work, priority channels,
the end of a shift, leads waiting for follow-up, people who leave, and the
history of a rule."""

from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import RoutingCase, working_hours

# Tuesday 13 January 2026 (UTC)
TUESDAY_1000 = datetime(2026, 1, 13, 10, 0)
TUESDAY_1650 = datetime(2026, 1, 13, 16, 50)


class PullCase(RoutingCase):
    """Alice and Bob take the leads of a pull rule; Carol is in no pool."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule(
            name="Web enquiries",
            delivery="pull",
            user_ids=[(6, 0, (cls.alice | cls.bob).ids)],
            sla_minutes=30,
        )

    def arrive(self, *names, at=TUESDAY_1000, **vals):
        """Leads created a minute apart before ``at``, in this order (their
        creation date too: the database stamps it with its own clock)."""
        leads = self.env["crm.lead"]
        for i, name in enumerate(names):
            created = at - timedelta(minutes=len(names) - i)
            with freeze_time(created):
                lead = self.Lead.create({"name": name, **vals})
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE crm_lead SET create_date = %s WHERE id = %s",
                (created, lead.id),
            )
            lead.invalidate_recordset(["create_date"])
            leads |= lead
        return leads.sudo()

    def take(self, user, at=TUESDAY_1000):
        with freeze_time(at):
            return (
                self.env["res.users"].with_user(user).browse(user.id)
            ).action_routing_take_next()

    def taken(self, action):
        """The lead a Take My Next Lead opened (its notification's next step)."""
        self.assertEqual(action["params"]["type"], "success", action["params"])
        return self.env["crm.lead"].browse(action["params"]["next"]["res_id"])

    def nothing(self, action):
        self.assertEqual(action["params"]["type"], "warning")
        self.assertNotIn("next", action["params"])
        return action["params"]["message"]


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingPull(PullCase):
    def test_a_new_lead_of_a_pull_rule_waits_in_its_queue(self):
        lead = self.arrive("Website: price request")
        self.assertEqual(lead.routing_state, "queued")
        self.assertEqual(lead.routing_rule_id, self.rule)
        self.assertFalse(lead.user_id)
        self.assertFalse(lead.routing_pull_deadline, "no timeout: it waits")
        self.assertEqual(
            lead.routing_summary,
            "Waiting in the queue of the rule “Web enquiries” for someone of its "
            "pool to take it with Take My Next Lead.",
        )

    def test_take_my_next_lead_gives_the_oldest_lead_and_opens_it(self):
        first, second = self.arrive("First", "Second")
        lead = self.taken(self.take(self.bob))
        self.assertEqual(lead, first)
        self.assertEqual(lead.user_id, self.bob)
        self.assertEqual(lead.routing_state, "assigned")
        self.assertEqual(lead.routing_deadline, TUESDAY_1000 + timedelta(minutes=30))
        log = self.last_log(lead)
        self.assertEqual((log.event, log.user_id), ("take", self.bob))
        self.assertEqual(
            log.reason,
            "Taken by Bob from the queue of the rule “Web enquiries”: next in the "
            "queue for them (oldest first); it had waited 2 min.",
        )
        self.assertEqual(log.display_name, "First: Taken from the queue to Bob")
        self.assertEqual(self.taken(self.take(self.alice)), second)
        self.assertIn("No lead is waiting", self.nothing(self.take(self.alice)))

    def test_the_order_of_work_is_the_company_s(self):
        orders = {"oldest": "Old", "newest": "New", "revenue": "Rich"}
        for order, expected in orders.items():
            with self.subTest(order=order):
                self.company.routing_queue_order = order
                leads = self.arrive("Old", "Rich", "New")
                leads[1].sudo().expected_revenue = 9000
                lead = self.taken(self.take(self.alice))
                self.assertEqual(lead.name, expected)
                leads.write({"active": False})

    def test_priority_channels_come_first_and_say_so(self):
        paid = self.env["utm.source"].create({"name": "Paid search"})
        self.company.routing_priority_source_ids = paid
        self.company.routing_queue_order = "newest"
        old_paid = self.arrive("Paid, yesterday", source_id=paid.id)
        self.arrive("Organic, now")
        lead = self.taken(self.take(self.alice))
        self.assertEqual(lead, old_paid)
        self.assertIn(
            "(priority channels first, then newest first)", self.last_log(lead).reason
        )

    def test_a_taken_priority_lead_gets_the_rule_s_shorter_deadline(self):
        ads = self.env["utm.medium"].create({"name": "Paid ads"})
        self.company.routing_priority_medium_ids = ads
        self.rule.priority_sla_minutes = 5
        lead = self.arrive("From an ad", medium_id=ads.id)
        self.taken(self.take(self.alice))
        self.assertEqual(lead.routing_deadline, TUESDAY_1000 + timedelta(minutes=5))

    def test_take_passes_over_what_the_taker_may_not_take(self):
        french = self.Skill.create({"name": "French", "category": "language"})
        self.bob.routing_skill_ids = [(0, 0, {"skill_id": french.id, "level": 3})]
        self.rule.required_skill_ids = french
        first, second = self.arrive("Bonjour", "Salut")
        message = self.nothing(self.take(self.alice))
        self.assertEqual(
            message,
            "None of the 2 leads waiting in the queues you take from is yours to "
            "take now: lacks “French”.",
        )
        self.assertFalse((first | second).user_id, "nothing written")
        self.assertEqual(self.taken(self.take(self.bob)), first)

    def test_take_applies_caps_availability_and_the_people_it_was_taken_from(self):
        lead = self.arrive("Capped")
        self.alice.routing_max_open_leads = 1
        self.Lead.create({"name": "Already hers", "user_id": self.alice.id})
        self.assertIn(
            "has reached their maximum of open leads (1)",
            self.nothing(self.take(self.alice)),
        )
        self.bob.routing_available = False
        self.assertIn("not accepting new leads", self.nothing(self.take(self.bob)))
        self.assertFalse(lead.user_id)

    def test_someone_in_no_pool_has_no_queue(self):
        self.arrive("Waiting")
        self.assertIn("no routing rule's pool", self.nothing(self.take(self.carol)))

    def test_a_lead_of_another_company_is_never_taken(self):
        other = self.env["res.company"].create(
            {"name": "Other Co", "routing_auto_assign": True}
        )
        self.alice.company_ids |= other
        self.rule.company_id = False
        lead = (
            self.env["crm.lead"]
            .with_company(other)
            .create({"name": "Elsewhere", "company_id": other.id, "user_id": False})
        )
        self.assertEqual(lead.routing_state, "queued")
        self.assertEqual(lead.routing_rule_id, self.rule)
        self.assertIn("No lead is waiting", self.nothing(self.take(self.alice)))

    def test_the_drain_leaves_pull_leads_to_be_taken(self):
        lead = self.arrive("Waiting")
        with freeze_time(TUESDAY_1000 + timedelta(hours=5)):
            self.assertEqual(self.env["crm.routing.sweeper"]._drain_queue(), 0)
        self.assertEqual(lead.routing_state, "queued")
        self.assertEqual(lead.routing_log_ids.mapped("event"), ["queue"])

    def test_a_lead_nobody_took_is_assigned_after_the_timeout_in_working_time(self):
        working_hours(self.env, self.alice | self.bob, 9.0, 17.0, tz="UTC")
        self.rule.write({"pull_timeout_minutes": 30, "respect_working_hours": True})
        lead = self.arrive("Late enquiry", at=TUESDAY_1650)
        # Created at 16:49: 11 minutes today, 19 tomorrow morning.
        self.assertEqual(lead.routing_pull_deadline, datetime(2026, 1, 14, 9, 19))
        self.assertIn("within 30 min of working time", lead.routing_summary)
        sweeper = self.env["crm.routing.sweeper"]
        with freeze_time(datetime(2026, 1, 14, 9, 15)):
            self.assertEqual(sweeper._drain_queue(), 0)
        self.assertEqual(lead.routing_state, "queued")
        with freeze_time(datetime(2026, 1, 14, 9, 20)):
            self.assertEqual(sweeper._drain_queue(), 1)
        self.assertEqual(lead.user_id, self.alice)
        reason = self.last_log(lead).reason
        self.assertTrue(reason.startswith("Assigned to Alice by the rule"), reason)
        self.assertIn(
            "Nobody took it from the queue within 30 min of working time, so the "
            "rule handed it out.",
            reason,
        )

    def test_a_rule_that_starts_pulling_starts_the_clocks_of_its_queue(self):
        self.rule.delivery = "push"
        self.alice.routing_available = self.bob.routing_available = False
        self.rule.fallback = "queue"
        lead = self.arrive("Queued by push")
        self.assertEqual(lead.routing_state, "queued")
        with freeze_time(TUESDAY_1000):
            self.rule.write({"delivery": "pull", "pull_timeout_minutes": 20})
        self.assertEqual(
            lead.routing_pull_deadline, TUESDAY_1000 + timedelta(minutes=20)
        )

    def test_a_push_rule_s_queue_can_be_taken_from_too(self):
        self.rule.write({"delivery": "push", "fallback": "queue"})
        self.alice.routing_available = False
        self.bob.routing_max_open_leads = 1
        self.Lead.create({"name": "Bob's own", "user_id": self.bob.id})
        lead = self.arrive("Nobody free")
        self.assertEqual(lead.routing_state, "queued")
        self.alice.routing_available = True
        self.assertEqual(self.taken(self.take(self.alice)), lead)

    def test_the_queue_drain_hands_out_priority_channels_first_too(self):
        """At the start of a shift the queue follows the same order of work."""
        paid = self.env["utm.source"].create({"name": "Paid search"})
        self.company.routing_priority_source_ids = paid
        self.rule.write({"delivery": "push", "fallback": "queue"})
        self.alice.routing_available = self.bob.routing_available = False
        organic, ad = self.arrive("Organic, overnight", "Paid, overnight")
        ad.sudo().source_id = paid
        self.assertEqual((organic | ad).mapped("routing_state"), ["queued"] * 2)
        # One lead's room when the shift starts: the paid one gets it.
        self.alice.write({"routing_available": True, "routing_max_open_leads": 1})
        with freeze_time(TUESDAY_1000 + timedelta(hours=1)):
            self.assertEqual(self.env["crm.routing.sweeper"]._drain_queue(), 1)
        self.assertEqual(ad.user_id, self.alice)
        self.assertEqual(organic.routing_state, "queued")

    def test_a_pushed_priority_lead_gets_the_shorter_deadline_and_its_sweep_says_so(
        self,
    ):
        ads = self.env["utm.medium"].create({"name": "Paid ads"})
        self.company.routing_priority_medium_ids = ads
        self.rule.write({"delivery": "push", "priority_sla_minutes": 5})
        with freeze_time(TUESDAY_1000):
            hot = self.Lead.create({"name": "From an ad", "medium_id": ads.id}).sudo()
            cold = self.Lead.create({"name": "From a search"}).sudo()
        self.assertEqual(hot.routing_deadline, TUESDAY_1000 + timedelta(minutes=5))
        self.assertEqual(cold.routing_deadline, TUESDAY_1000 + timedelta(minutes=30))
        owner = hot.user_id
        with freeze_time(TUESDAY_1000 + timedelta(minutes=6)):
            self.env["crm.routing.sweeper"]._sweep_overdue()
        self.assertNotEqual(hot.user_id, owner)
        self.assertIn("within 5 min", self.last_log(hot).reason)
        self.assertEqual(cold.routing_state, "assigned")


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTakeIsNoChoice(PullCase):
    """Nobody takes a lead that is not next for them, through the API either."""

    def test_a_salesperson_cannot_give_a_queued_lead_to_themself(self):
        first, second = self.arrive("First", "Second")
        for user_id in (self.alice.id, self.bob.id):
            with self.assertRaisesRegex(AccessError, "Take My Next Lead"):
                second.with_user(self.alice).write({"user_id": user_id})
        self.assertFalse(second.user_id)

    def test_nobody_takes_for_someone_else(self):
        self.arrive("Waiting")
        as_alice = self.env["res.users"].with_user(self.alice)
        with self.assertRaisesRegex(AccessError, "to nobody else"):
            as_alice.browse(self.bob.id).action_routing_take_next()
        portal = new_test_user(self.env, "pull_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["res.users"].with_user(portal).browse(
                portal.id
            ).action_routing_take_next()

    def test_nobody_takes_the_leads_of_a_company_they_do_not_work_for(self):
        other = self.env["res.company"].create(
            {"name": "Other Co", "routing_auto_assign": True}
        )
        self.rule.company_id = False
        self.env["crm.lead"].with_company(other).create(
            {"name": "Elsewhere", "company_id": other.id, "user_id": False}
        )
        # The pipeline's button, with another company in the request's context.
        as_alice = (
            self.env["crm.lead"]
            .with_user(self.alice)
            .with_context(allowed_company_ids=[other.id])
        )
        with self.assertRaises(AccessError):
            as_alice.action_routing_take_next()
        # Even from a superuser environment, the taker's companies decide.
        sudo_alice = self.env["res.users"].with_company(other).sudo()
        with self.assertRaisesRegex(AccessError, "does not work for Other Co"):
            sudo_alice.with_user(self.alice).sudo().browse(
                self.alice.id
            ).action_routing_take_next()

    def test_the_button_sits_in_the_pipeline_next_to_the_other_buttons(self):
        views = (
            ("crm.crm_case_kanban_view_leads", "kanban"),
            ("crm.crm_case_tree_view_oppor", "list"),
            ("crm.crm_case_tree_view_leads", "list"),
        )
        for xmlid, view_type in views:
            with self.subTest(view=xmlid):
                arch = (
                    self.env["crm.lead"]
                    .with_user(self.alice)
                    .get_views([(self.env.ref(xmlid).id, view_type)])["views"][
                        view_type
                    ]["arch"]
                )
                headers = etree.fromstring(arch).xpath("./header")
                self.assertEqual(len(headers), 1, "the web client shows the last one")
                names = headers[0].xpath("button/@name")
                self.assertIn("action_routing_take_next", names)
                if xmlid == "crm.crm_case_tree_view_oppor":
                    self.assertGreater(len(names), 1, "the Email button stays")

    def test_the_pipeline_button_ignores_the_leads_clicked_on(self):
        first, second = self.arrive("First", "Second")
        action = second.with_user(self.alice).action_routing_take_next()
        self.assertEqual(self.taken(action), first)

    def test_the_pull_fields_are_routing_s(self):
        lead = self.arrive("Waiting")
        with self.assertRaisesRegex(AccessError, "Assigned If Not Taken By"):
            lead.with_user(self.alice).write(
                {"routing_pull_deadline": datetime(2030, 1, 1)}
            )

    def test_a_manager_may_still_hand_a_queued_lead_out(self):
        manager = new_test_user(
            self.env, "pull_manager", groups="sales_team.group_sale_manager"
        )
        lead = self.arrive("Waiting")
        lead.with_user(manager).write({"user_id": self.carol.id})
        self.assertEqual(lead.user_id, self.carol)
        self.assertEqual(lead.routing_state, "assigned")

    def test_bad_numbers_are_refused_naming_the_field(self):
        for vals, field in (
            ({"pull_timeout_minutes": -1}, "Assign If Not Taken Within"),
            ({"end_of_shift_minutes": 10**6}, "No New Lead in the Last"),
            ({"priority_sla_minutes": 45}, "Priority Channels Within"),
        ):
            with (
                self.subTest(field=field),
                self.assertRaisesRegex(ValidationError, field),
            ):
                self.make_rule(name="Odd", sla_minutes=30, **vals)
        with self.assertRaisesRegex(ValidationError, "Max Leads Waiting for Follow-up"):
            self.carol.routing_max_stale_leads = -3
        with self.assertRaisesRegex(ValidationError, "Follow-up Within"):
            self.env["res.company"].create({"name": "Odd", "routing_stale_days": 0})


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingEndOfShift(RoutingCase):
    """Nobody gets a lead in their last minutes of work."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        working_hours(cls.env, cls.alice, 9.0, 17.0, tz="UTC")
        working_hours(cls.env, cls.bob, 9.0, 21.0, tz="UTC")
        cls.rule = cls.make_rule(
            user_ids=[(6, 0, (cls.alice | cls.bob).ids)],
            respect_working_hours=True,
            end_of_shift_minutes=15,
            fallback="queue",
        )

    def test_a_lead_goes_to_someone_whose_shift_continues(self):
        with freeze_time(TUESDAY_1650):
            leads = self.create_leads(2)
        self.assertEqual(leads.user_id, self.bob)
        self.assertIn(
            "Alice: at the end of their shift (10 min left)",
            self.last_log(leads[0]).reason,
        )

    def test_at_the_end_of_everyone_s_shift_the_lead_waits_for_the_next_one(self):
        self.rule.user_ids = self.alice
        with freeze_time(TUESDAY_1650):
            lead = self.create_leads(1)
        self.assertEqual(lead.routing_state, "queued")
        with freeze_time(datetime(2026, 1, 14, 9, 0)):
            self.assertEqual(self.env["crm.routing.sweeper"]._drain_queue(), 1)
        self.assertEqual(lead.user_id, self.alice)

    def test_earlier_in_the_shift_nothing_changes(self):
        with freeze_time(TUESDAY_1000):
            leads = self.create_leads(2)
        self.assertEqual(leads.user_id, self.alice | self.bob)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingStaleLeads(RoutingCase):
    """Nobody sits on a pile of leads nobody followed up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.routing_stale_days = 7
        cls.rule = cls.make_rule(user_ids=[(6, 0, (cls.alice | cls.bob).ids)])
        cls.alice.routing_max_stale_leads = 2

    def pile(self, user, count, days=10):
        """``count`` open leads of ``user``, untouched for ``days`` days."""
        at = datetime.now() - timedelta(days=days)
        leads = self.env["crm.lead"].create(
            [{"name": f"{user.name} old {i}", "user_id": user.id} for i in range(count)]
        )
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE crm_lead SET create_date = %s, date_last_stage_update = %s
                WHERE id = ANY(%s)""",
            (at, at, leads.ids),
        )
        leads.invalidate_recordset()
        return leads

    def test_someone_over_the_limit_gets_no_new_lead_and_the_log_says_why(self):
        self.pile(self.alice, 3)
        self.assertEqual(self.alice.routing_stale_lead_count, 3)
        leads = self.create_leads(2)
        self.assertEqual(leads.user_id, self.bob)
        self.assertIn(
            "Alice: 3 leads waiting for follow-up", self.last_log(leads[0]).reason
        )

    def test_following_up_one_lead_lets_leads_come_again(self):
        pile = self.pile(self.alice, 3)
        pile[0].with_user(self.alice).message_post(
            body="Called, no answer", message_type="comment"
        )
        self.assertEqual(self.alice.routing_stale_lead_count, 2)
        leads = self.create_leads(2)
        self.assertIn(self.alice, leads.user_id)

    def test_an_activity_or_a_stage_change_is_a_follow_up_too(self):
        pile = self.pile(self.alice, 3)
        pile[0].activity_schedule("mail.mail_activity_data_call", user_id=self.alice.id)
        stages = self.env["crm.stage"].search([], limit=2)
        pile[1].stage_id = stages[-1]
        self.assertEqual(self.alice.routing_stale_lead_count, 1)

    def test_recent_won_and_lost_leads_do_not_count(self):
        self.pile(self.alice, 2, days=3)
        closed = self.pile(self.alice, 4)
        closed[:2].action_set_won()
        closed[2:].action_set_lost()
        self.assertEqual(self.alice.routing_stale_lead_count, 0)
        self.assertIn(self.alice, self.create_leads(2).user_id)

    def test_a_salesperson_sees_and_opens_their_own_pile(self):
        pile = self.pile(self.alice, 3)
        me = self.env["res.users"].with_user(self.alice).browse(self.alice.id)
        self.assertEqual(me.routing_stale_lead_count, 3)
        action = me.action_routing_view_stale_leads()
        found = self.env["crm.lead"].with_user(self.alice).search(action["domain"])
        self.assertEqual(found, pile)
        # a colleague's count is not theirs to read
        self.assertEqual(me.browse(self.bob.id).routing_stale_lead_count, 0)
        with self.assertRaises(AccessError):
            me.browse(self.bob.id).action_routing_view_stale_leads()

    def test_counting_costs_the_same_with_a_long_history(self):
        """The count reads someone's open leads, never their history."""

        def queries():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            lead = self.Lead.create({"name": "Counted"})
            self.env.flush_all()
            self.assertEqual(lead.sudo().user_id, self.bob)
            return self.cr.sql_log_count - before

        self.pile(self.alice, 3)
        queries()  # warm the ORM caches
        few = queries()
        self.pile(self.alice, 60)
        history = self.pile(self.alice, 200, days=400)
        history.action_set_lost()
        many = queries()
        self.assertEqual(few, many)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingLeavers(RoutingCase):
    """Someone who leaves gives the leads they never contacted back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule(
            user_ids=[(6, 0, (cls.alice | cls.bob).ids)], sla_minutes=60
        )
        cls.manager = new_test_user(
            cls.env, "leaver_manager", groups="sales_team.group_sale_manager"
        )

    def setUp(self):
        super().setUp()
        self.leads = self.create_leads(4)
        self.mine = self.leads.filtered(lambda lead: lead.user_id == self.alice)
        self.assertEqual(len(self.mine), 2)
        self.mine[0].with_user(self.alice).action_routing_mark_contacted()
        self.contacted, self.untouched = self.mine

    def left_behind(self):
        Users = self.env["res.users"].with_user(self.manager)
        return Users.search(
            [("routing_left_behind", "=", True), ("active", "in", [True, False])]
        )

    def test_an_archived_salesperson_s_untouched_leads_are_routed_again(self):
        self.alice.active = False
        self.assertEqual(self.untouched.user_id, self.bob)
        self.assertEqual(self.contacted.user_id, self.alice, "contacted: stays")
        log = self.last_log(self.untouched)
        self.assertEqual(log.event, "reassign")
        self.assertTrue(
            log.reason.startswith(
                "Alice was archived and had not contacted it yet. Reassigned to Bob"
            ),
            log.reason,
        )
        self.assertIn(self.alice, self.left_behind())
        self.assertNotIn(self.bob, self.left_behind())
        action = self.alice.with_user(self.manager).action_routing_view_open_leads()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), self.contacted)

    def test_leaving_every_team_and_pool_is_leaving(self):
        self.rule.user_ids = self.bob | self.carol
        self.assertEqual(self.untouched.user_id, self.alice, "still in a team")
        self.env["crm.team.member"].search([("user_id", "=", self.alice.id)]).unlink()
        self.assertNotEqual(self.untouched.user_id, self.alice)
        self.assertIn(
            "is no longer in any sales team or routing rule pool",
            (self.last_log(self.untouched).reason),
        )
        self.assertEqual(self.contacted.user_id, self.alice)

    def test_moving_to_another_team_is_not_leaving(self):
        self.rule.user_ids = self.bob | self.carol
        other = self.env["crm.team"].create({"name": "Outbound"})
        self.env["crm.team.member"].create(
            {"crm_team_id": other.id, "user_id": self.alice.id}
        )
        self.assertEqual(self.untouched.user_id, self.alice)

    def test_a_manager_can_turn_it_off(self):
        self.company.routing_release_leavers = False
        self.alice.active = False
        self.assertEqual(self.untouched.user_id, self.alice)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingRuleHistory(RoutingCase):
    """A rule's changes stay in its chatter: who, when, old and new."""

    def test_changes_to_filter_strategy_pool_deadline_and_fallback_are_tracked(self):
        manager = new_test_user(
            self.env, "history_manager", groups="sales_team.group_sale_manager"
        )
        rule = self.make_rule(name="Tracked", user_ids=[(6, 0, self.alice.ids)])
        # A record's changes are tracked once its creation is committed.
        self.cr.flush()
        rule.with_user(manager).with_context(tracking_disable=False).write(
            {
                "lead_domain": "[('expected_revenue', '>', 1000)]",
                "strategy": "load_balanced",
                "user_ids": [(6, 0, (self.alice | self.bob).ids)],
                "sla_minutes": 15,
                "fallback": "queue",
                "delivery": "pull",
            }
        )
        self.env.flush_all()
        self.cr.flush()  # tracking values are written when the cursor flushes
        message = rule.message_ids[:1]
        self.assertEqual(message.author_id, manager.partner_id)
        changes = {
            value.field_id.name: (value.old_value_char, value.new_value_char)
            for value in message.sudo().tracking_value_ids
        }
        self.assertEqual(
            changes["lead_domain"], ("[]", "[('expected_revenue', '>', 1000)]")
        )
        self.assertEqual(changes["strategy"][1], "Load-balanced")
        self.assertEqual(changes["user_ids"], ("Alice", "Alice, Bob"))
        self.assertEqual(changes["fallback"][1], "Queue until someone is available")
        self.assertEqual(changes["delivery"][1], "Pull: salespeople take them")
        self.assertIn("sla_minutes", changes)
