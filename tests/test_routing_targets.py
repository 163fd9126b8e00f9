# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import RoutingCase, sales_manager

# A Friday, midnight UTC: a target from 22 August to today covers exactly the
# scorecard's 90-day window ending now (everyone here works in UTC).
NOW = "2026-11-20 00:00:00"
WINDOW_START = "2026-08-22"


class TargetCase(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "routing_auto_assign": False,
                "routing_score_window_days": 90,
            }
        )
        cls.company._routing_set_weights(
            {
                "conversion": 30,
                "speed": 20,
                "revenue": 20,
                "activity": 20,
                "satisfaction": 10,
            }
        )
        cls.make_rule()  # the five are whom routing hands leads to
        # Salespeople who have worked here all year: the activity rate needs a
        # week of working days of history (the tests freeze time before now).
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE res_users SET create_date = '2026-01-01' WHERE id = ANY(%s)",
            [cls.sales.ids],
        )
        cls.env.invalidate_all()
        cls.Target = cls.env["crm.routing.target"]
        cls.Target.search([]).unlink()  # the demo's would add columns and rows
        cls.manager = sales_manager(
            cls.env, "routing_target_manager", name="Tara Manager", tz="UTC"
        )

    def activity_done(self, user, lead, at):
        self.env["mail.message"].create(
            {
                "model": "crm.lead",
                "res_id": lead.id,
                "author_id": user.partner_id.id,
                "message_type": "notification",
                "subtype_id": self.env.ref("mail.mt_activities").id,
                "mail_activity_type_id": self.env.ref(
                    "mail.mail_activity_data_call"
                ).id,
                "body": "Call done",
                "date": at,
            }
        )

    def target(self, **vals):
        vals.setdefault("user_id", self.alice.id)
        vals.setdefault("metric", "conversion")
        vals.setdefault("target_value", 50.0)
        vals.setdefault("date_from", "2026-10-01")
        vals.setdefault("date_to", "2026-12-31")
        return self.Target.with_user(self.manager).create(vals).sudo()


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTargets(TargetCase):
    @freeze_time(NOW)
    def test_a_target_reads_what_the_scorecard_reads_over_the_same_window(self):
        """Measurable: the five metrics of a target over the scorecard's own
        window are the scorecard's raw values, to the last digit."""
        self.closed_leads(self.alice, won=7, lost=5, revenue=1500.0, minutes=12)
        leads = self.closed_leads(
            self.alice, won=1, lost=2, minutes=45, at=datetime(2026, 9, 1)
        )
        self.closed_leads(self.alice, lost=3, at=datetime(2026, 6, 1))  # before both
        for k in range(4):
            self.activity_done(self.alice, leads[0], datetime(2026, 10, 5 + k, 10))
        self.closed_leads(self.bob, won=2, lost=2, minutes=300)
        self.alice.sudo().routing_satisfaction = 4.2
        self.env["crm.routing.scorer"]._recompute()
        card = self.alice.sudo().routing_score_details
        for metric in ("conversion", "speed", "revenue", "activity", "satisfaction"):
            with self.subTest(metric=metric):
                target = self.target(
                    metric=metric,
                    target_value=1.0,
                    date_from=WINDOW_START,
                    date_to="2026-11-30",
                )
                self.assertTrue(target.has_value)
                self.assertAlmostEqual(
                    target.current_value, card[metric]["raw"], places=6
                )
                self.assertEqual(target.cases, card[metric]["n"])
        self.assertAlmostEqual(card["conversion"]["raw"], 100 * 8 / 15)

    @freeze_time(NOW)
    def test_only_the_period_counts(self):
        self.closed_leads(self.alice, won=4, at=datetime(2026, 11, 2, 9))
        self.closed_leads(self.alice, lost=4, at=datetime(2026, 9, 2, 9))
        target = self.target(date_from="2026-11-01", date_to="2026-11-30")
        self.assertEqual(target.current_value, 100.0)
        self.assertEqual(target.cases, 4)
        self.assertEqual(target.progress, 200.0)  # 100 % against a 50 % target
        self.assertEqual(target.current_display, "100.0 %")
        later = self.target(
            metric="revenue", date_from="2026-12-01", date_to="2026-12-31"
        )
        self.assertFalse(later.has_value)
        self.assertEqual(later.current_display, "No data yet")
        self.assertEqual(later.progress, 0.0)

    @freeze_time(NOW)
    def test_a_team_target_pools_its_members_leads(self):
        self.closed_leads(self.alice, won=3, lost=1, minutes=10)
        self.closed_leads(self.bob, won=1, lost=3, minutes=30)
        self.closed_leads(self.carol, won=0, lost=4, minutes=50)
        other = self.env["crm.team"].create({"name": "Outbound"})
        self.env["crm.team.member"].create(
            {"crm_team_id": other.id, "user_id": self.dave.id}
        )
        self.closed_leads(self.dave, won=4, minutes=5)
        team = self.target(user_id=False, team_id=self.team.id, metric="conversion")
        self.assertAlmostEqual(team.current_value, 100 * 4 / 12)  # pooled, not averaged
        self.assertEqual(team.cases, 12)
        speed = self.target(
            user_id=False, team_id=self.team.id, metric="speed", target_value=20
        )
        self.assertEqual(speed.current_value, 30.0)  # the median of the pooled leads
        self.assertAlmostEqual(speed.progress, 100 * 20 / 30)

    @freeze_time(NOW)
    def test_faster_first_contact_is_progress(self):
        self.closed_leads(self.alice, won=2, minutes=30, at=datetime(2026, 11, 3, 9))
        target = self.target(metric="speed", target_value=15)
        self.assertTrue(target.lower_is_better)
        self.assertEqual(target.current_display, "30 min")
        self.assertEqual(target.target_display, "15 min")
        self.assertEqual(target.progress, 50.0)
        self.assertFalse(target.on_track)

    @freeze_time(NOW)
    def test_revenue_is_on_track_when_the_period_gone_by_is_earned(self):
        # 1 October to 30 December: 90 days, 50 gone at the frozen moment.
        self.closed_leads(self.alice, won=2, revenue=3000.0, at=datetime(2026, 10, 10))
        target = self.target(metric="revenue", target_value=10000, date_to="2026-12-29")
        self.assertAlmostEqual(target.progress, 60.0)
        self.assertTrue(target.on_track)  # 60 % earned, 55.6 % of the period gone
        target.target_value = 12000
        self.assertFalse(target.on_track)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTargetSuggestion(TargetCase):
    def weekly(self, user, rates, minutes=20):
        """One week of history per rate (of 10 closed leads), oldest first,
        ending last week."""
        now = fields.Datetime.now()
        for back, rate in enumerate(reversed(rates), start=1):
            won = round(rate / 10)
            self.closed_leads(
                user,
                won=won,
                lost=10 - won,
                minutes=minutes,
                at=now - timedelta(weeks=back) + timedelta(days=3),
            )

    @freeze_time(NOW)
    def test_a_rising_salesperson_is_offered_their_own_trend(self):
        self.weekly(self.alice, [10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40, 50])
        with Form(self.Target.with_user(self.manager)) as form:
            form.user_id = self.alice
            form.metric = "conversion"
            form.date_from = fields.Date.to_date("2026-12-01")
            form.date_to = fields.Date.to_date("2026-12-31")
            self.assertIn("own trend of Alice", form.suggestion_note)
            self.assertIn("improving", form.suggestion_note)
            # Past her colleagues' best fifth (she alone has figures, 30 %
            # over the 12 weeks): she is asked to hold the level she reached.
            self.assertIn("would go past the 80th percentile", form.suggestion_note)
            self.assertGreater(form.suggested_value, 45.0)
            self.assertLessEqual(form.suggested_value, 55.0)
            self.assertEqual(form.target_value, form.suggested_value)  # taken
            form.target_value = 45.0  # the manager sets another
        target = form.record
        self.assertEqual(target.target_value, 45.0)
        self.assertEqual(target.state, "draft")
        target.with_user(self.manager).action_use_suggestion()
        self.assertEqual(target.target_value, target.suggested_value)

    @freeze_time(NOW)
    def test_a_falling_salesperson_is_asked_for_their_average_back(self):
        self.weekly(self.alice, [60, 60, 50, 50, 50, 40, 40, 40, 30, 30, 30, 20])
        target = self.target(target_value=1.0)
        self.assertIn("goes the wrong way", target.suggestion_note)
        self.assertAlmostEqual(target.suggested_value, 41.7)

    @freeze_time(NOW)
    def test_a_newcomer_is_offered_the_groups_80th_percentile(self):
        for user, rate in zip(
            self.alice | self.bob | self.carol | self.dave,
            (20, 30, 40, 50),
            strict=True,
        ):
            self.weekly(user, [rate] * 8)
        target = self.target(user_id=self.erin.id, target_value=1.0)
        self.assertIn(
            "80th percentile of 4 comparable salespeople", target.suggestion_note
        )
        # Alice 20, Bob 30, Carol 40, Dave 50 and Erin without figures.
        self.assertAlmostEqual(target.suggested_value, 44.0)
        speed = self.target(user_id=self.erin.id, metric="speed", target_value=1.0)
        self.assertIn("20th percentile", speed.suggestion_note)

    @freeze_time(NOW)
    def test_nothing_to_go_by_is_said(self):
        target = self.target(metric="activity", target_value=1.0)
        self.assertFalse(target.suggested_display)
        self.assertIn("No history to suggest from", target.suggestion_note)
        with self.assertRaises(UserError):
            target.with_user(self.manager).action_use_suggestion()


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTargetRules(TargetCase):
    def test_bad_input_is_refused_naming_the_field(self):
        cases = [
            ({"date_from": "2026-12-31", "date_to": "2026-10-01"}, "To"),
            ({"user_id": False}, "Salesperson or in Sales Team"),
            ({"team_id": self.team.id}, "not both"),
            ({"target_value": 120.0}, "from 0.0 to 100.0"),
            ({"metric": "revenue", "target_value": -5}, "cannot be negative"),
        ]
        for vals, words in cases:
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as caught:
                with self.env.cr.savepoint():
                    self.target(**vals)
            self.assertIn(words, str(caught.exception))

    def test_one_target_per_person_and_metric_at_a_time(self):
        self.target()
        with (
            self.assertRaisesRegex(ValidationError, "Alice already has a target"),
            self.env.cr.savepoint(),
        ):
            self.target(date_from="2026-12-01", date_to="2027-01-31")
        self.target(metric="speed", target_value=15)  # another metric: fine
        self.target(date_from="2027-01-01", date_to="2027-03-31")  # later: fine

    def test_starting_needs_a_value_and_a_salesperson_cannot(self):
        target = self.target(target_value=0.0)
        with self.assertRaisesRegex(UserError, "set the Target value"):
            target.with_user(self.manager).action_start()
        target.target_value = 30.0
        with self.assertRaises(AccessError):
            target.with_user(self.alice).write({"target_value": 10.0})
        target.with_user(self.manager).action_start()
        self.assertEqual(target.state, "running")

    def test_salespeople_see_their_own_started_targets_and_colleagues_when_shared(self):
        self.company.routing_score_share = False
        mine = self.target()
        mine.with_user(self.manager).action_start()
        bobs = self.target(user_id=self.bob.id)
        bobs.with_user(self.manager).action_start()
        team = self.target(
            user_id=False, team_id=self.team.id, metric="revenue", target_value=9000
        )
        team.with_user(self.manager).action_start()
        draft = self.target(metric="speed", target_value=15)
        seen = self.Target.with_user(self.alice).search([])
        self.assertEqual(seen, mine | team)
        self.assertNotIn(draft, seen)
        self.assertEqual(
            self.alice.with_user(self.alice).routing_target_ids, mine | team
        )
        self.company.routing_score_share = True
        self.env.invalidate_all()
        self.assertEqual(
            self.Target.with_user(self.alice).search([]), mine | bobs | team
        )
        self.assertEqual(
            self.Target.with_user(self.manager).search([]), mine | bobs | team | draft
        )

    def test_other_companies_targets_are_hidden(self):
        other = self.env["res.company"].create({"name": "Elsewhere"})
        target = self.target()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_routing_target SET company_id = %s WHERE id = %s",
            [other.id, target.id],
        )
        self.env.invalidate_all()
        self.assertFalse(self.Target.with_user(self.manager).search([]))


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTargetReview(TargetCase):
    def test_a_target_is_recorded_nightly_and_keeps_its_final_figures(self):
        with freeze_time("2026-11-02 08:00:00"):
            self.closed_leads(self.alice, won=1, lost=1, at=datetime(2026, 11, 2, 7))
            target = self.target(date_from="2026-11-01", date_to="2026-11-03")
            target.with_user(self.manager).action_start()
        with freeze_time("2026-11-03 02:30:00"):
            self.closed_leads(self.alice, won=2, at=datetime(2026, 11, 3, 1))
            self.Target._cron_snapshot()
        with freeze_time("2026-11-04 02:30:00"):
            self.Target._cron_snapshot()
        self.assertEqual(target.state, "done")
        self.assertEqual(
            [
                (str(s.date), round(s.value, 1), round(s.progress))
                for s in target.snapshot_ids.sorted("date")
            ],
            [("2026-11-02", 50.0, 100), ("2026-11-03", 75.0, 150)],
        )
        # What is recorded later does not change how it went.
        self.closed_leads(self.alice, lost=6, at=datetime(2026, 11, 2, 12))
        self.env.invalidate_all()
        self.assertEqual(target.current_value, 75.0)
        self.assertEqual(target.cases, 4)
        with self.assertRaisesRegex(UserError, "is done"):
            target.with_user(self.manager).action_draft()
        action = target.with_user(self.manager).action_view_history()
        self.assertEqual(action["res_model"], "crm.routing.target.snapshot")
        self.assertEqual(action["domain"], [("target_id", "=", target.id)])

    def test_a_period_already_over_closes_when_started(self):
        with freeze_time("2026-11-20 10:00:00"):
            self.closed_leads(self.alice, won=3, lost=1, at=datetime(2026, 10, 10))
            target = self.target(date_from="2026-10-01", date_to="2026-10-31")
            target.with_user(self.manager).action_start()
        self.assertEqual(target.state, "done")
        self.assertEqual(target.final_value, 75.0)
        self.assertEqual(target.snapshot_ids.date, fields.Date.to_date("2026-10-31"))


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingTargetLeaderboard(TargetCase):
    def leaderboard_arch(self, user):
        Scorecard = self.env["crm.routing.scorecard"].with_user(user)
        arch = Scorecard.get_views([(False, "list")])["views"]["list"]["arch"]
        return etree.fromstring(arch)

    @freeze_time(NOW)
    def test_each_running_target_gets_a_column(self):
        self.closed_leads(self.alice, won=3, lost=1, at=datetime(2026, 11, 2))
        self.closed_leads(self.bob, won=1, lost=3, at=datetime(2026, 11, 2))
        self.env["crm.routing.scorer"]._recompute()
        before = [
            f.get("string") for f in self.leaderboard_arch(self.manager).iter("field")
        ]
        self.assertNotIn("Conversion by 12/31/2026", before)
        for user in self.alice | self.bob:
            self.target(user_id=user.id, target_value=50).action_start()
        self.target(
            user_id=False, team_id=self.team.id, metric="revenue", target_value=8000
        ).action_start()
        self.target(user_id=self.carol.id, metric="speed", target_value=15)  # a draft
        columns = {
            f.get("string"): f.get("name")
            for f in self.leaderboard_arch(self.manager).iter("field")
            if f.get("name", "").startswith("target_progress_")
        }
        self.assertEqual(
            sorted(columns),
            ["Conversion by 12/31/2026", "Inbound: Won revenue by 12/31/2026"],
        )
        cards = (
            self.env["crm.routing.scorecard"]
            .with_user(self.manager)
            .search([("user_id", "in", self.sales.ids)])
        )
        by_user = {card.user_id: card for card in cards}
        conversion = columns["Conversion by 12/31/2026"]
        revenue = columns["Inbound: Won revenue by 12/31/2026"]
        self.assertEqual(by_user[self.alice][conversion], 150.0)  # 75 % of 50 %
        self.assertEqual(by_user[self.bob][conversion], 50.0)
        self.assertEqual(by_user[self.carol][conversion], -1.0)  # shown empty
        self.assertAlmostEqual(by_user[self.carol][revenue], 100 * 4000 / 8000)

    @freeze_time(NOW)
    def test_the_leaderboard_reads_all_targets_in_a_fixed_number_of_queries(self):
        self.env["crm.routing.scorer"]._recompute()
        for user in self.sales:
            self.target(user_id=user.id, target_value=40).action_start()
            self.target(user_id=user.id, metric="speed", target_value=20).action_start()
        team = {"user_id": False, "team_id": self.team.id}
        self.target(**team, metric="revenue", target_value=9000).action_start()
        Scorecard = self.env["crm.routing.scorecard"].with_user(self.manager)
        names = [f"target_progress_{slot}" for slot in range(1, 7)]

        def queries():
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            rows = Scorecard.search_read([("user_id", "in", self.sales.ids)], names)
            self.assertEqual(len(rows), 5)
            return self.cr.sql_log_count - before

        queries()  # caches that outlive the transaction's (rules, languages)
        fewer_targets = queries()
        for user in self.sales:
            self.target(
                user_id=user.id, metric="revenue", target_value=900
            ).action_start()
        self.target(**team, target_value=30).action_start()
        self.assertEqual(queries(), fewer_targets)
        self.assertLessEqual(fewer_targets, 30)
