# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.mail.tools.discuss import Store
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import RoutingCase, create_salespeople, sales_manager

NOW = "2026-11-20 10:00:00"


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingScores(RoutingCase):
    """Scores computed from crafted CRM histories, ranked within the team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "routing_auto_assign": False,
                "routing_score_by_team": True,
                "routing_score_min_closed": 10,
            }
        )
        cls.make_rule()  # the five are whom routing hands leads to: they are ranked
        cls.Scorer = cls.env["crm.routing.scorer"]

    def set_weights(self, **weights):
        values = dict.fromkeys(
            ("conversion", "speed", "revenue", "activity", "satisfaction"), 0
        )
        values.update(weights)
        self.company._routing_set_weights(values)

    def history(self, user, won=0, lost=0, revenue=1000.0, minutes=None, days_ago=10):
        """``won`` + ``lost`` closed leads assigned to ``user`` ``days_ago`` days ago."""
        assigned = fields.Datetime.now() - timedelta(days=days_ago)
        return self.closed_leads(user, won, lost, revenue, minutes, assigned)

    def scores(self):
        self.Scorer._recompute()
        return {u: u.routing_score for u in self.sales}

    @freeze_time(NOW)
    def test_better_conversion_gives_a_higher_score(self):
        self.set_weights(conversion=100)
        self.history(self.alice, won=9, lost=3)
        self.history(self.bob, won=3, lost=9)
        for user in self.carol | self.dave | self.erin:
            self.history(user, won=6, lost=6)
        score = self.scores()
        self.assertGreater(score[self.alice], score[self.carol])
        self.assertGreater(score[self.carol], score[self.bob])
        self.assertEqual(self.alice.routing_tier, "top")
        self.assertEqual(self.bob.routing_tier, "bottom")
        self.assertAlmostEqual(self.alice.routing_conversion_rate, 75.0)
        self.assertEqual(self.alice.routing_closed_count, 12)

    @freeze_time(NOW)
    def test_slower_first_contact_gives_a_lower_score(self):
        self.set_weights(speed=100)
        self.history(self.alice, won=6, lost=6, minutes=4)
        self.history(self.bob, won=6, lost=6, minutes=240)
        for user in self.carol | self.dave | self.erin:
            self.history(user, won=6, lost=6, minutes=30)
        score = self.scores()
        self.assertGreater(score[self.alice], score[self.carol])
        self.assertGreater(score[self.carol], score[self.bob])
        self.assertAlmostEqual(self.bob.routing_speed_minutes, 240.0)

    @freeze_time(NOW)
    def test_owner_message_counts_as_first_contact_for_older_leads(self):
        """Leads assigned before the addon: the owner's first message is the touch."""
        self.set_weights(speed=100)
        lead = self.history(self.alice, won=1)
        lead.routing_assigned_at = False
        lead.date_open = fields.Datetime.now() - timedelta(days=3)
        with freeze_time(fields.Datetime.now() - timedelta(days=3, minutes=-45)):
            lead.with_user(self.alice).message_post(
                body="Called", message_type="comment"
            )
        self.Scorer._recompute()
        self.assertAlmostEqual(self.alice.routing_speed_minutes, 45.0, delta=0.1)

    @freeze_time(NOW)
    def test_newcomer_with_two_leads_lands_near_the_median(self):
        self.set_weights(conversion=60, speed=40)
        for rate, user in enumerate(self.alice | self.bob | self.carol | self.dave):
            self.history(user, won=3 + 2 * rate, lost=9 - 2 * rate, minutes=20 + rate)
        self.history(self.erin, lost=2, minutes=300)
        self.Scorer._recompute()
        self.assertTrue(35 <= self.erin.routing_score <= 65, self.erin.routing_score)
        self.assertEqual(self.erin.routing_tier, "middle")
        details = self.erin.routing_score_details
        self.assertEqual(details["conversion"]["n"], 2)
        self.assertIn("percentile", details["speed"])

    @freeze_time(NOW)
    def test_salesperson_without_history_gets_the_median(self):
        self.history(self.alice, won=10, lost=2, minutes=5)
        self.history(self.bob, won=2, lost=10, minutes=500)
        self.Scorer._recompute()
        self.assertEqual(self.erin.routing_score, 50.0)
        self.assertEqual(self.erin.routing_tier, "middle")
        self.assertIn("Percentile", self.erin.routing_score_breakdown)

    @freeze_time(NOW)
    def test_weights_change_the_ranking(self):
        self.history(self.alice, won=10, lost=2, minutes=300)  # converts, slowly
        self.history(self.bob, won=2, lost=10, minutes=3)  # fast, converts little
        self.set_weights(conversion=100)
        self.Scorer._recompute()
        self.assertGreater(self.alice.routing_score, self.bob.routing_score)
        self.set_weights(speed=100)
        self.Scorer._recompute()
        self.assertGreater(self.bob.routing_score, self.alice.routing_score)

    @freeze_time(NOW)
    def test_leads_outside_the_window_do_not_count(self):
        self.set_weights(conversion=100)
        self.history(self.alice, lost=12, days_ago=200)
        self.history(self.alice, won=12)
        self.company.routing_score_window_days = 90
        self.Scorer._recompute()
        self.assertEqual(self.alice.routing_conversion_rate, 100.0)
        self.assertEqual(self.alice.routing_closed_count, 12)

    @freeze_time(NOW)
    def test_backfill_draws_past_weeks_from_history_until_then(self):
        """Week by week, only what was assigned by then counts."""
        self.set_weights(conversion=100)
        self.history(self.alice, won=12, days_ago=40)  # counts from 5 weeks back
        self.history(self.bob, won=12, days_ago=3)  # only in the last week
        for user in self.carol | self.dave | self.erin:
            self.history(user, won=6, lost=6, days_ago=60)
        self.alice.routing_score = 0.0  # the current score is recomputed last
        self.Scorer._backfill_history(weeks=6)
        Snapshot = self.env["crm.routing.score.snapshot"]
        six_weeks_ago = Snapshot.search(
            [("user_id", "=", self.alice.id), ("date", "=", "2026-10-09")]
        )
        five_weeks_ago = Snapshot.search(
            [("user_id", "=", self.alice.id), ("date", "=", "2026-10-16")]
        )
        self.assertEqual(six_weeks_ago.score, 50.0)  # nothing assigned yet
        self.assertGreater(five_weeks_ago.score, 50.0)
        bob = Snapshot.search([("user_id", "=", self.bob.id)])
        self.assertEqual(len(bob), 7)  # six past weeks and today
        self.assertEqual(
            bob.filtered(lambda s: str(s.date) == "2026-11-13").score, 50.0
        )
        self.assertGreater(self.bob.routing_score, 50.0)
        self.assertEqual(str(self.alice.routing_score_date), NOW)

    def test_snapshot_is_written_once_per_day(self):
        Snapshot = self.env["crm.routing.score.snapshot"]
        with freeze_time("2026-11-20 02:00:00"):
            self.env["crm.routing.scorer"]._recompute()
            self.history(self.alice, won=5)
            self.env["crm.routing.scorer"]._recompute()
        with freeze_time("2026-11-21 02:00:00"):
            self.env["crm.routing.scorer"]._recompute()
        snapshots = Snapshot.search([("user_id", "=", self.alice.id)])
        self.assertEqual(
            sorted(str(d) for d in snapshots.mapped("date")),
            ["2026-11-20", "2026-11-21"],
        )
        first = snapshots.filtered(lambda s: str(s.date) == "2026-11-20")
        self.assertEqual(first.score, self.alice.routing_score)
        self.assertEqual(first.team_id, self.team)

    def test_manager_recomputes_from_the_leaderboard(self):
        manager = sales_manager(self.env, "routing_manager")
        action = (
            self.env["res.users"].with_user(manager).action_routing_recompute_scores()
        )
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self.alice.sudo().routing_score_date)

    def test_only_people_routing_hands_leads_to_are_ranked(self):
        """The administrator sits in Odoo's default sales team but is in no
        routing rule: not on the leaderboard, nor in anyone's percentiles."""
        admin = self.env.ref("base.user_admin")
        self.Scorer._recompute()
        Scorecard = self.env["crm.routing.scorecard"]
        ranked = Scorecard.search([("ranked", "=", True)]).user_id
        self.assertEqual(ranked & (self.sales | admin), self.sales)
        self.env["crm.routing.rule"].search([]).user_ids -= self.erin
        self.Scorer._recompute()
        self.assertNotIn(self.erin, Scorecard.search([("ranked", "=", True)]).user_id)

    def test_leaderboard_shows_durations_a_person_reads(self):
        self.set_weights(speed=100)
        self.history(self.alice, won=1, lost=1, minutes=22)
        self.history(self.bob, won=1, lost=1, minutes=7 * 24 * 60)
        self.Scorer._recompute()
        cards = self.env["crm.routing.scorecard"].search([])
        by_user = {card.user_id: card.speed_display for card in cards}
        self.assertEqual(by_user[self.alice], "22 min")
        self.assertEqual(by_user[self.bob], "7 days")

    def test_salesperson_cannot_recompute(self):
        with self.assertRaises(AccessError):
            self.env["res.users"].with_user(
                self.alice
            ).action_routing_recompute_scores()


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingScoreVisibility(RoutingCase):
    """Own scorecard always; colleagues' only for managers or when shared.

    Hidden scores read empty instead of raising: Odoo's own screens load
    colleagues' user records (followers, avatars, mentions) and must not fail.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = sales_manager(cls.env, "routing_score_manager")
        cls.make_rule()
        cls.env["crm.routing.scorer"]._recompute()

    def test_salesperson_reads_own_score(self):
        me = self.alice.with_user(self.alice)
        row = me.read(["routing_score", "routing_score_breakdown"])[0]
        self.assertEqual(row["routing_score"], self.alice.routing_score)
        self.assertIn("Percentile", row["routing_score_breakdown"])

    def test_salesperson_does_not_see_colleagues_scores(self):
        self.assertTrue(self.bob.routing_score)
        row = self.bob.with_user(self.alice).read(
            ["name", "routing_score", "routing_tier", "routing_score_details"]
        )[0]
        self.assertEqual(row["name"], "Bob")
        self.assertEqual(row["routing_score"], 0.0)
        self.assertFalse(row["routing_tier"])
        self.assertFalse(row["routing_score_details"])
        self.assertIn(
            "Only sales managers",
            self.bob.with_user(self.alice).routing_score_breakdown,
        )
        cards = self.env["crm.routing.scorecard"].with_user(self.alice).search([])
        self.assertEqual(cards.user_id, self.alice)

    def test_sharing_opens_colleagues_scores(self):
        self.company.routing_score_share = True
        row = self.bob.with_user(self.alice).read(["routing_score"])[0]
        self.assertEqual(row["routing_score"], self.bob.routing_score)
        snapshots = (
            self.env["crm.routing.score.snapshot"].with_user(self.alice).search([])
        )
        self.assertIn(self.bob, snapshots.user_id)

    def test_salesperson_sees_only_own_snapshots(self):
        snapshots = (
            self.env["crm.routing.score.snapshot"].with_user(self.alice).search([])
        )
        self.assertEqual(snapshots.user_id, self.alice)

    def test_manager_reads_everyones_scores(self):
        rows = self.sales.with_user(self.manager).read(
            ["routing_score", "routing_tier"]
        )
        self.assertEqual(
            [row["routing_score"] for row in rows], self.sales.mapped("routing_score")
        )
        self.assertTrue(all(row["routing_tier"] for row in rows))

    def test_salesperson_uses_the_chatter_of_a_lead_colleagues_follow(self):
        """The first release raised an Access Error here: the chatter loads the
        followers' users, and their scores came with them."""
        lead = self.env["crm.lead"].create(
            {"name": "Followed", "user_id": self.alice.id}
        )
        lead.message_subscribe(partner_ids=(self.bob | self.manager).partner_id.ids)
        as_alice = lead.with_user(self.alice)
        self.env.invalidate_all()  # a request starts with cold caches
        data = Store(
            as_alice,
            as_thread=True,
            request_list=[
                "activities",
                "attachments",
                "followers",
                "suggestedRecipients",
            ],
        ).get_result()
        followers = {row["partner_id"] for row in data["mail.followers"]}
        self.assertIn(self.bob.partner_id.id, followers)
        as_alice.message_post(body="Called them", message_type="comment")
        self.assertEqual(lead.message_ids[0].author_id, self.alice.partner_id)

    def test_satisfaction_is_kept_on_the_scorecard_for_managers(self):
        self.bob.with_user(self.manager).routing_satisfaction = 4.5
        card = self.env["crm.routing.scorecard"].search([("user_id", "=", self.bob.id)])
        self.assertEqual(card.satisfaction, 4.5)
        self.assertEqual(self.bob.with_user(self.alice).routing_satisfaction, 0.0)
        with self.assertRaises(AccessError):
            self.bob.with_user(self.alice).routing_satisfaction = 1


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingScoreSettings(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_rule()

    def settings(self, **weights):
        """The settings screen, opened, with ``weights`` typed in its list."""
        settings = self.env["res.config.settings"].create({})
        for line in settings.routing_weight_ids:
            if line.metric in weights:
                line.weight = weights[line.metric]
        return settings

    def test_settings_show_one_line_per_metric_with_the_company_s_weight(self):
        self.company._routing_set_weights({"conversion": 55, "speed": 10})
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            [(line.metric, line.weight) for line in settings.routing_weight_ids],
            [
                ("conversion", 55),
                ("speed", 10),
                ("revenue", 20),
                ("activity", 15),
                ("satisfaction", 0),
            ],
        )

    def test_weights_not_adding_up_to_100_are_refused(self):
        settings = self.settings(conversion=50, speed=10)
        with (
            self.assertRaisesRegex(ValidationError, "they add up to 95"),
            self.cr.savepoint(),
        ):
            settings.execute()
        self.assertEqual(self.company._routing_score_weights()["conversion"], 40)

    def test_recompute_from_settings_applies_new_weights(self):
        settings = self.settings(conversion=100, speed=0, revenue=0, activity=0)
        action = settings.action_routing_recompute_scores()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.company._routing_score_weights()["conversion"], 100)
        self.assertEqual(self.alice.routing_score_details["speed"]["weight"], 0)
        self.assertEqual(self.alice.routing_score_details["conversion"]["weight"], 100)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingScoreQueries(RoutingCase):
    """The recompute costs the same number of queries for 5 or 50 salespeople."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule()

    def add_salespeople(self, count):
        people = create_salespeople(self.env, "Scored seller", "scored", range(count))
        self.env["crm.lead"].create(
            [
                {"name": f"History {i}", "user_id": user.id, "probability": 10}
                for i, user in enumerate(people)
            ]
        )
        self.rule.user_ids |= people
        return people

    def recompute_queries(self):
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(10):
            self.env["crm.routing.scorer"]._recompute()

    def test_query_count_does_not_grow_with_salespeople(self):
        self.recompute_queries()  # the 5 salespeople of the test team (+ demo)
        self.add_salespeople(45)
        self.recompute_queries()
