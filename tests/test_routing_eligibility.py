# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RoutingCase


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingEligibility(RoutingCase):
    """Each reason that keeps a salesperson out, and what happens then."""

    def verdicts(self, lead):
        details = self.last_log(lead).details
        return {row["user_id"]: row["reason"] for row in details["candidates"]}

    def setUp(self):
        super().setUp()
        self.pair = self.alice | self.bob
        self.rule = self.make_rule(user_ids=[(6, 0, self.pair.ids)], fallback="queue")

    def assert_excluded(self, reason, expected_user=None):
        lead = self.create_leads(1)
        self.assertEqual(lead.user_id, expected_user or self.bob)
        self.assertEqual(self.verdicts(lead)[self.alice.id], reason)
        return lead

    def test_unavailable_salesperson_is_skipped(self):
        self.alice.routing_available = False
        self.assert_excluded("unavailable")

    def test_opted_out_team_member_is_skipped(self):
        self.env["crm.team.member"].search(
            [("user_id", "=", self.alice.id)]
        ).assignment_optout = True
        self.assert_excluded("opted_out")

    def test_archived_salesperson_is_skipped(self):
        self.alice.active = False
        self.assert_excluded("inactive")

    def test_salesperson_of_another_company_is_skipped(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.alice.write({"company_ids": [(4, other.id)], "company_id": other.id})
        self.alice.company_ids = [(3, self.company.id)]
        self.assert_excluded("wrong_company")

    def test_open_lead_cap_is_respected(self):
        self.alice.routing_max_open_leads = 1
        leads = self.create_leads(4)
        self.assertEqual(
            [lead.user_id.name for lead in leads], ["Alice", "Bob", "Bob", "Bob"]
        )
        self.assertEqual(self.verdicts(leads[-1])[self.alice.id], "open_cap")

    def test_daily_cap_counts_leads_given_today(self):
        self.alice.routing_max_daily_leads = 2
        leads = self.create_leads(5)
        self.assertEqual(
            len(leads.filtered(lambda lead: lead.user_id == self.alice)), 2
        )
        self.assertEqual(self.verdicts(leads[-1])[self.alice.id], "daily_cap")

    def test_missing_required_skill_is_skipped(self):
        german = self.Skill.create({"name": "German", "category": "language"})
        self.env["crm.routing.user.skill"].create(
            {"user_id": self.bob.id, "skill_id": german.id, "level": 3}
        )
        self.rule.required_skill_ids = german
        self.assert_excluded("missing_skill")

    def _office_hours(self, user, tz):
        calendar = self.env["resource.calendar"].create(
            {
                "name": f"Office {tz}",
                "tz": tz,
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"d{d}",
                            "dayofweek": str(d),
                            "hour_from": 9,
                            "hour_to": 17,
                        },
                    )
                    for d in range(5)
                ],
            }
        )
        user.tz = tz
        self.env["resource.resource"].create(
            {
                "name": user.name,
                "user_id": user.id,
                "calendar_id": calendar.id,
                "tz": tz,
            }
        )
        return calendar

    @freeze_time("2026-11-23 20:00:00")  # Monday 21:00 in Brussels
    def test_off_hours_salesperson_is_skipped(self):
        self._office_hours(self.alice, "Europe/Brussels")
        self.rule.respect_working_hours = True
        self.assert_excluded("off_hours")

    @freeze_time("2026-11-23 10:00:00")  # Monday 11:00 in Brussels
    def test_salesperson_at_work_is_eligible(self):
        self._office_hours(self.alice, "Europe/Brussels")
        self.rule.respect_working_hours = True
        lead = self.create_leads(1)
        self.assertEqual(lead.user_id, self.alice)

    @freeze_time("2026-11-23 10:00:00")
    def test_time_off_salesperson_is_skipped(self):
        calendar = self._office_hours(self.alice, "Europe/Brussels")
        resource = self.env["resource.resource"].search(
            [("user_id", "=", self.alice.id)]
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": calendar.id,
                "resource_id": resource.id,
                "date_from": datetime(2026, 11, 23, 0, 0),
                "date_to": datetime(2026, 11, 24, 0, 0),
            }
        )
        self.rule.respect_working_hours = True
        self.assert_excluded("off_hours")

    @freeze_time("2026-11-23 20:00:00")
    def test_working_hours_ignored_when_the_rule_says_so(self):
        self._office_hours(self.alice, "Europe/Brussels")
        self.rule.respect_working_hours = False
        self.assertEqual(self.create_leads(1).user_id, self.alice)

    # fallbacks -----------------------------------------------------------
    def test_queue_fallback_when_nobody_is_eligible(self):
        self.pair.routing_available = False
        lead = self.create_leads(1)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.routing_state, "queued")
        self.assertEqual(self.last_log(lead).event, "queue")

    def test_next_rule_fallback_tries_the_next_rule(self):
        self.rule.fallback = "next_rule"
        self.pair.routing_available = False
        self.make_rule(
            name="Backup",
            sequence=50,
            strategy="fixed_user",
            fixed_user_id=self.carol.id,
        )
        lead = self.create_leads(1)
        self.assertEqual(lead.user_id, self.carol)
        self.assertEqual(lead.routing_rule_id.name, "Backup")

    def test_least_loaded_fallback_ignores_availability(self):
        self.rule.fallback = "least_loaded"
        self.pair.routing_available = False
        lead = self.create_leads(1)
        self.assertIn(lead.user_id, self.pair)
        self.assertEqual(lead.routing_state, "assigned")
        self.assertEqual(
            self.last_log(lead).reason,
            f"Assigned to {lead.user_id.name} by the rule “Catch all”: nobody in "
            "its pool was available, so the one with the fewest open leads (0) got "
            "it anyway. Not eligible: Alice: not accepting new leads; Bob: not "
            "accepting new leads.",
        )

    def test_no_matching_rule_leaves_the_lead_unroutable(self):
        self.rule.lead_domain = "[('expected_revenue', '>', 1000000)]"
        lead = self.create_leads(1, expected_revenue=10)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.routing_state, "unroutable")
        self.assertEqual(self.last_log(lead).event, "unroutable")

    def test_every_decision_logs_a_reason_and_the_ranking(self):
        leads = self.create_leads(3)
        rotation = "by the rule “Catch all”: next in the round-robin rotation."
        self.assertEqual(
            [self.last_log(lead).reason for lead in leads],
            [
                f"Assigned to Alice {rotation} Also eligible: Bob (leads in this "
                "rotation: 0).",
                f"Assigned to Bob {rotation} Also eligible: Alice (leads in this "
                "rotation: 1).",
                f"Assigned to Alice {rotation} Also eligible: Bob (leads in this "
                "rotation: 1).",
            ],
        )
        for lead in leads:
            log = self.last_log(lead)
            self.assertEqual(log.details["candidates"][0]["user_id"], lead.user_id.id)
            self.assertEqual(log.rule_id, self.rule)

    def test_log_form_shows_the_ranking_with_names_and_verdicts(self):
        self.alice.routing_available = False
        lead = self.assert_excluded("unavailable")
        html = str(self.last_log(lead).details_html)
        self.assertIn(
            "<td>1</td><td>Bob</td><td>Chosen</td>"
            "<td>next in the round-robin rotation</td>",
            html,
        )
        self.assertIn(
            "<td></td><td>Alice</td><td>Not eligible</td>"
            "<td>not accepting new leads</td>",
            html,
        )

    def test_log_form_writes_a_name_with_markup_as_text(self):
        self.bob.name = "Bob <b>& Co</b>"
        self.alice.routing_available = False
        lead = self.assert_excluded("unavailable")
        html = str(self.last_log(lead).details_html)
        self.assertIn("<td>Bob &lt;b&gt;&amp; Co&lt;/b&gt;</td><td>Chosen</td>", html)
        self.assertNotIn("<b>", html)

    def test_another_addon_changes_the_ranking_table_with_an_xpath(self):
        """The table is a QWeb template: an addon inheriting it adds a column
        without touching Python, and the log form shows it."""
        self.env["ir.ui.view"].create(
            {
                "name": "crm_lead_routing candidates: checked by",
                "type": "qweb",
                "inherit_id": self.env.ref(
                    "crm_lead_routing.routing_candidate_table"
                ).id,
                "arch": """<data>
                    <xpath expr="//thead/tr/th[last()]" position="after">
                        <th>Checked by</th>
                    </xpath>
                    <xpath expr="//tbody/tr" position="inside">
                        <td>QA team</td>
                    </xpath>
                </data>""",
            }
        )
        self.alice.routing_available = False
        lead = self.assert_excluded("unavailable")
        html = str(self.last_log(lead).details_html)
        self.assertRegex(html, r"<th>Why</th>\s*<th>Checked by</th>")
        self.assertRegex(
            html,
            r"<td>1</td><td>Bob</td><td>Chosen</td>"
            r"<td>next in the round-robin rotation</td>\s*<td>QA team</td>",
        )
