# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a manager and a salesperson met on screen, as behaviour: leads taken
for a missed deadline stay taken, to-dos follow the lead, Route now says what
it writes, new rules wait to be activated, explanations name everyone,
figures add up, and people read routing in their own language."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import (
    RoutingCase,
    SweepMixin,
    backdate,
    sales_manager,
    salesperson,
    working_hours,
)

T0 = datetime(2026, 11, 24, 10, 0)
LATE = T0 + timedelta(minutes=45)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTakenLeadsStayTaken(SweepMixin, RoutingCase):
    """A lead taken from someone who let it go cold never comes back to them
    by routing, until a manager gives it back by hand."""

    def setUp(self):
        super().setUp()
        self.rule = self.make_rule(
            user_ids=[(6, 0, (self.alice | self.bob).ids)],
            sla_minutes=30,
            fallback="queue",
            notify_assignee=True,
        )
        self.manager = sales_manager(self.env, "routing_fu_manager")
        self.team.user_id = self.manager

    def taken_from_alice(self):
        """A lead routed to Alice, then taken from her (she let it go cold)."""
        lead = self.create_at(T0)
        self.assertEqual(lead.user_id, self.alice)
        self.sweep(LATE)
        return lead

    def test_the_queue_does_not_hand_the_lead_back_to_who_let_it_go_cold(self):
        lead = self.create_at(T0)
        self.assertEqual(lead.user_id, self.alice)
        self.bob.routing_available = False
        self.sweep(LATE)
        self.assertEqual(lead.routing_state, "queued")
        with freeze_time(LATE + timedelta(seconds=1)):
            self.env["crm.routing.sweeper"]._drain_queue()
        self.assertEqual(lead.routing_state, "queued", "not back to Alice")
        self.assertFalse(lead.user_id)
        self.assertIn("Alice: already had this lead", lead.routing_summary)
        self.bob.routing_available = True
        with freeze_time(LATE + timedelta(minutes=1)):
            self.env["crm.routing.sweeper"]._drain_queue()
        self.assertEqual(lead.user_id, self.bob)

    def test_route_now_leaves_out_who_let_it_go_cold(self):
        lead = self.taken_from_alice()
        self.assertEqual(lead.user_id, self.bob)
        for _round in range(3):
            lead.with_user(self.manager).action_route()
            self.assertEqual(lead.user_id, self.bob)

    def test_when_everyone_already_had_it_it_is_escalated(self):
        lead = self.taken_from_alice()
        self.assertEqual(lead.user_id, self.bob)
        self.sweep(LATE + timedelta(minutes=45))
        self.assertEqual(lead.routing_state, "escalated")
        self.assertIn(
            "everyone in its pool who could take it already had it",
            lead.routing_summary,
        )
        self.assertTrue(
            self.env["mail.activity"].search(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "=", lead.id),
                    ("user_id", "=", self.manager.id),
                ]
            )
        )

    def test_a_manager_giving_it_back_by_hand_lifts_the_exclusion(self):
        lead = self.taken_from_alice()
        lead.with_user(self.manager).user_id = self.alice
        manual = lead.routing_log_ids.filtered(lambda log: log.event == "manual")
        self.assertEqual(manual.previous_user_id, self.bob)
        self.assertIn("Given to Alice by hand", manual.with_env(self.env).reason)
        self.bob.routing_available = False
        lead.with_user(self.manager).action_route()
        self.assertEqual(lead.user_id, self.alice)

    def test_the_previous_owner_s_to_do_goes_with_the_lead(self):
        lead = self.create_at(T0)
        Activity = self.env["mail.activity"]
        domain = [("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)]
        self.assertEqual(Activity.search(domain).user_id, self.alice)
        self.sweep(LATE)
        todos = Activity.search(domain)
        self.assertEqual(len(todos), 1)
        self.assertEqual(todos.user_id, self.bob)
        lead.with_user(self.manager).action_route()
        self.assertEqual(len(Activity.search(domain)), 1, "never duplicated")


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingRouteNowTellsTheTruth(RoutingCase):
    def setUp(self):
        super().setUp()
        self.rule = self.make_rule(
            user_ids=[(6, 0, (self.alice | self.bob).ids)],
            sla_minutes=10,
            fallback="queue",
        )
        self.manager = sales_manager(self.env, "routing_fu_router")

    def test_the_dry_run_counts_every_change_it_will_write(self):
        with freeze_time(T0):
            leads = self.create_leads(4)
        leads[:2].write({"user_id": self.carol.id})
        leads[2:].write({"user_id": False})
        self.alice.routing_available = False
        self.bob.routing_available = False
        wizard = self.env["crm.routing.reroute"].create(
            {"lead_ids": [(6, 0, leads.ids)]}
        )
        self.assertIn(
            "2 leads lose their salesperson and wait in the queue.", wizard.summary
        )
        self.assertEqual(wizard.change_count, 2)
        self.bob.routing_available = True
        wizard = self.env["crm.routing.reroute"].create(
            {"lead_ids": [(6, 0, leads[0].ids + leads[2].ids)]}
        )
        self.assertIn(
            "1 of the 2 selected leads already has a salesperson.", wizard.summary
        )
        self.assertIn("1 lead gets another salesperson.", wizard.summary)
        self.assertNotIn("1 leads", wizard.summary)

    def test_a_lead_that_keeps_its_salesperson_keeps_its_deadline(self):
        with freeze_time(T0):
            lead = self.create_leads(1)
        deadline = lead.routing_deadline
        self.rule.user_ids = self.alice
        with freeze_time(T0 + timedelta(minutes=11)):
            lead.with_user(self.manager).action_route()
            self.assertEqual(lead.user_id, self.alice)
            self.assertEqual(lead.routing_deadline, deadline)
            self.assertTrue(lead.routing_time_left.startswith("Overdue by"))


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingRulesWaitForTheirManager(RoutingCase):
    def test_a_rule_made_on_screen_does_not_route_until_activated(self):
        action = self.env.ref("crm_lead_routing.crm_routing_rule_action")
        context = safe_eval(action.context)
        self.make_rule("Everything else", sequence=100)
        with Form(self.env["crm.routing.rule"].with_context(**context)) as form:
            form.name = "Half made"
            form.user_ids.add(self.carol)
        rule = form.record
        rule.sequence = 1
        self.assertFalse(rule.active)
        lead = self.create_leads(1)
        self.assertNotEqual(lead.routing_rule_id, rule)
        with self.assertRaisesRegex(UserError, "has no filter, so it would take every"):
            rule.action_activate()
        rule.lead_domain = "[('expected_revenue', '>', 5000)]"
        rule.action_activate()
        self.assertTrue(rule.active)
        lead = self.create_leads(1, expected_revenue=9000)
        self.assertEqual((lead.routing_rule_id, lead.user_id), (rule, self.carol))

    def test_a_filter_that_can_match_no_lead_says_so(self):
        self.make_rule("Everything else", sequence=1)
        rule = self.make_rule(
            "Impossible",
            sequence=2,
            lead_domain="[('expected_revenue', '>', 100000), ('expected_revenue', '<', 10)]",
        )
        self.assertIn("This filter can match no lead", rule.shadow_warning)
        self.assertIn("“Expected Revenue”", rule.shadow_warning)
        self.assertNotIn("comes first", rule.shadow_warning)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingExplanationsAndFigures(RoutingCase):
    def setUp(self):
        super().setUp()
        self.manager = sales_manager(self.env, "routing_fu_reader")

    def test_test_a_lead_names_who_a_rule_found_not_eligible_and_why(self):
        first = self.make_rule("VIP", sequence=1, user_ids=[(6, 0, self.alice.ids)])
        self.make_rule("Everyone", sequence=2)
        self.alice.routing_available = False
        preview = (
            self.env["crm.routing.preview"]
            .with_user(self.manager)
            .create({"rule_id": first.id, "expected_revenue": 100})
        )
        self.assertIn(
            "“VIP”: nobody eligible (Alice: not accepting new leads), tried the next",
            preview.explanation,
        )

    def test_replay_rows_follow_the_rules_and_add_up(self):
        early = self.make_rule(
            "Big", sequence=1, lead_domain="[('expected_revenue', '>=', 1000)]",
            user_ids=[(6, 0, self.alice.ids)],
        )  # fmt: skip
        late = self.make_rule("All", sequence=2, fallback="queue")
        self.company.routing_auto_assign = False
        leads = self.create_leads(3, expected_revenue=5000) | self.create_leads(2)
        sim = (
            self.env["crm.routing.simulation"]
            .with_user(self.manager)
            .create(
                {
                    "lead_domain": repr([("id", "in", leads.ids)]),
                    "rule_ids": [(6, 0, (late | early).ids)],
                }
            )
        )
        self.assertEqual(sim.period_lead_count, 5)
        sim.action_run()
        self.assertEqual(sim.lead_count, sim.period_lead_count)
        html = sim.summary_html
        self.assertLess(html.index(">Big<"), html.index(">All<"), "rule order")
        # "All" matched 5: 3 taken by "Big", 2 assigned.
        self.assertIn("<td>All</td><td>5</td><td>3</td><td>2</td>", html)

    def test_the_experiment_plans_before_it_is_saved_and_warns_when_too_long(self):
        rule = self.make_rule()
        leads = self.create_leads(40)
        leads[:10].action_set_won()
        leads[10:30].action_set_lost()
        with Form(self.env["crm.routing.experiment"].with_user(self.manager)) as form:
            form.name = "Weighted?"
            form.rule_id = rule
            form.variant_strategy = "weighted"
            form.min_effect = 45
            # The plan shows while the form is filled in, before any save.
            self.assertIn("%", form.baseline)
            self.assertGreater(form.sample_size, 0)
            self.assertTrue(form.date_planned_end)
        exp = form.record
        self.assertFalse(exp.plan_warning, "a large effect is found soon")
        exp.min_effect = 1
        self.assertGreater(
            exp.date_planned_end, fields.Date.today() + timedelta(days=183)
        )
        self.assertIn(
            "To finish sooner, choose a larger smallest effect", exp.plan_warning
        )

    def test_activities_per_day_need_a_week_of_history(self):
        self.make_rule()
        leads = self.create_leads(5)
        for lead in leads:
            lead.activity_schedule(
                "mail.mail_activity_data_todo", user_id=lead.user_id.id
            ).action_feedback("done")
        self.env["crm.routing.scorer"]._recompute()
        card = self.env["crm.routing.scorecard"].search(
            [("user_id", "=", self.alice.id)]
        )
        self.assertEqual(card.activity_display, "Not enough history yet")

    def test_people_routing_cannot_choose_are_not_ranked(self):
        self.make_rule()
        outsider = salesperson(self.env, "routing_fu_outsider")
        self.env["crm.routing.scorer"]._recompute()
        self.assertEqual(outsider.routing_tier, "unranked")
        self.assertNotEqual(self.alice.routing_tier, "unranked")

    def test_a_wait_entirely_outside_working_hours_says_so(self):
        working_hours(self.env, self.alice)
        self.make_rule(user_ids=[(6, 0, self.alice.ids)])
        sunday = datetime(2026, 11, 22, 10, 0)
        with freeze_time(sunday):
            lead = self.create_leads(1)
        # The test transaction's clock does not move: date the creation.
        backdate(lead, sunday)
        with freeze_time(sunday + timedelta(minutes=18)):
            lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertEqual(
            lead.routing_first_contact_wait,
            "18 min on the clock, all of it outside their working hours",
        )

    def test_a_contact_within_seconds_is_not_outside_working_hours(self):
        self.make_rule(user_ids=[(6, 0, self.alice.ids)])  # no calendar: always on
        monday = datetime(2026, 11, 23, 10, 0)
        with freeze_time(monday):
            lead = self.create_leads(1)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s", [monday, lead.id]
        )
        self.env.invalidate_all()
        with freeze_time(monday + timedelta(seconds=20)):
            lead.with_user(self.alice).action_routing_mark_contacted()
        self.assertEqual(
            lead.routing_first_contact_wait,
            "20 s on the clock, 20 s of working time",
        )

    def test_a_salesperson_reaching_a_manager_screen_reads_a_sentence(self):
        rule = self.make_rule()
        sim = self.env["crm.routing.simulation"].create(
            {"rule_ids": [(6, 0, rule.ids)]}
        )
        for record in (sim, self.env["crm.routing.fairness"]):
            with (
                self.subTest(record._name),
                self.assertRaisesRegex(AccessError, "is for sales managers"),
            ):
                record.with_user(self.alice).check_access("read")
