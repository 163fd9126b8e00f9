# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import RoutingCase, backdate, sales_manager, working_hours


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingAnalysis(RoutingCase):
    """Routing Analysis figures on a constructed history with known answers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("Web leads", sla_minutes=30)
        cls.other_rule = cls.make_rule("Partners", sequence=20)
        cls.Report = cls.env["crm.routing.report"]
        now = fields.Datetime.now().replace(microsecond=0)
        cls.created = now - timedelta(days=2)
        # (owner, minutes to first contact, deadline met?, reassignments, won?)
        history = [
            (cls.alice, 10, True, 0, True),
            (cls.alice, 20, True, 0, False),
            (cls.alice, 30, True, 0, None),
            (cls.alice, 40, False, 1, True),
            (cls.bob, 100, False, 0, False),
        ]
        cls.leads = cls.env["crm.lead"]
        for owner, minutes, met, reassigned, won in history:
            lead = cls.env["crm.lead"].create(
                {"name": f"History {minutes}", "user_id": owner.id,
                 "expected_revenue": 1000}
            )  # fmt: skip
            if won is True:
                lead.probability = 100
            elif won is False:
                lead.write({"probability": 0, "active": False})
            cls.leads |= lead
            touch = cls.created + timedelta(minutes=minutes)
            backdate(
                lead,
                cls.created,
                routing_rule_id=cls.rule.id,
                routing_state="assigned",
                routing_assigned_at=cls.created,
                routing_first_touch_at=touch,
                routing_deadline=touch + timedelta(minutes=5 if met else -5),
                routing_reassign_count=reassigned,
            )

    def figures(self, Report=None, fields_=None, domain=None):
        Report = self.Report if Report is None else Report
        groups = Report.read_group(
            domain or [("rule_id", "=", self.rule.id)],
            fields_ or [
                "first_contact_median:avg", "first_contact_p90:avg",
                "deadline_met_rate:avg", "conversion_rate:avg",
                "reassigned_rate:avg", "won_revenue:sum",
            ],
            ["rule_id"],
        )  # fmt: skip
        return groups[0] if groups else {}

    def test_medians_deadline_rate_and_conversion_by_rule(self):
        row = self.figures()
        self.assertEqual(row["rule_id_count"], 5)
        self.assertAlmostEqual(row["first_contact_median"], 30.0, places=3)
        # percentile_cont(0.9) of 10, 20, 30, 40, 100: 40 + 0.6 * 60 = 76.
        self.assertAlmostEqual(row["first_contact_p90"], 76.0, places=3)
        self.assertAlmostEqual(row["deadline_met_rate"], 60.0)
        # Won 2 of 4 closed (the open lead is left out).
        self.assertAlmostEqual(row["conversion_rate"], 50.0)
        self.assertAlmostEqual(row["reassigned_rate"], 20.0)
        self.assertEqual(row["won_revenue"], 2000)

    def test_the_default_pivot_is_one_line_per_rule_in_one_query_per_grouping(self):
        """The menu's pivot: rules down, the leads and four figures across, so the web
        client asks for two groupings (the total and the rules), each answered
        by one query however many leads there are, plus one for the names."""
        arch = etree.fromstring(
            self.Report.get_views([(False, "pivot")])["views"]["pivot"]["arch"]
        )
        layout = {"row": [], "col": [], "measure": []}
        for node in arch.iter("field"):
            layout[node.get("type")].append(node.get("name"))
        self.assertEqual(layout["row"], ["rule_id"])
        self.assertEqual(layout["col"], [])
        measures = [
            f"{name}:{self.Report._fields[name].aggregator}"
            for name in layout["measure"]
        ]
        self.assertEqual(
            measures,
            ["lead_count:sum", "first_contact_median:avg", "first_contact_p90:avg",
             "deadline_met_rate:avg", "conversion_rate:avg"],
        )  # fmt: skip
        domain = [("rule_id", "in", (self.rule | self.other_rule).ids)]

        def pivot():
            return [
                self.Report.read_group(
                    domain, [*measures, "__count"], groupby, lazy=False
                )
                for groupby in ([], ["rule_id"])
            ]

        self.env.invalidate_all()
        with self.assertQueryCount(3):  # the two groupings, the rules' names
            total, by_rule = pivot()
        self.assertEqual(total[0]["lead_count"], 5)
        self.assertEqual([row["rule_id"][0] for row in by_rule], self.rule.ids)
        self.assertAlmostEqual(by_rule[0]["first_contact_median"], 30.0, places=3)
        self.assertAlmostEqual(by_rule[0]["deadline_met_rate"], 60.0)

    def test_a_missed_deadline_counts_against_who_missed_it_not_who_got_the_lead(self):
        rule = self.make_rule(
            "Reassigning", sequence=1, sla_minutes=30,
            user_ids=[(6, 0, (self.carol | self.dave).ids)],
        )  # fmt: skip
        t0 = datetime(2026, 1, 13, 10, 0)
        with freeze_time(t0):
            lead = self.create_leads(name="Cold lead")
        first = lead.user_id
        with freeze_time(t0 + timedelta(minutes=31)):
            self.env["crm.routing.sweeper"]._sweep_overdue()
        second = lead.user_id
        self.assertEqual(first | second, self.carol | self.dave)
        with freeze_time(t0 + timedelta(minutes=40)):
            lead.with_user(second).action_routing_mark_contacted()
        self.env.flush_all()

        rows = self.Report.search([("rule_id", "=", rule.id)])
        self.assertEqual(
            sorted((r.assignment, r.user_id.name, r.deadline_state) for r in rows),
            [("current", second.name, "met"), ("earlier", first.name, "missed")],
        )
        self.assertEqual(rows.lead_id, lead)
        by_user = {
            g["user_id"][0]: g
            for g in self.Report.read_group(
                [("rule_id", "=", rule.id)],
                ["deadline_met_rate:avg", "lead_count:sum"],
                ["user_id"],
            )
        }
        self.assertEqual(by_user[first.id]["deadline_met_rate"], 0.0)
        self.assertEqual(by_user[first.id]["lead_count"], 0)
        self.assertEqual(by_user[second.id]["deadline_met_rate"], 100.0)
        self.assertEqual(by_user[second.id]["lead_count"], 1)
        figures = self.figures(
            fields_=["deadline_met_rate:avg", "lead_count:sum", "reassigned_rate:avg"],
            domain=[("rule_id", "=", rule.id)],
        )
        self.assertEqual(figures["deadline_met_rate"], 50.0, "two deadlines, one met")
        self.assertEqual(figures["lead_count"], 1)
        self.assertEqual(figures["reassigned_rate"], 100.0)
        # The earlier owner sees the deadline they missed, and nothing else.
        own = self.Report.with_user(first).search([("rule_id", "=", rule.id)])
        self.assertEqual(own.mapped("assignment"), ["earlier"])

    def test_percentiles_by_salesperson(self):
        groups = self.Report.read_group(
            [("rule_id", "=", self.rule.id)],
            ["first_contact_median:avg"],
            ["user_id"],
        )
        medians = {g["user_id"][0]: g["first_contact_median"] for g in groups}
        self.assertAlmostEqual(medians[self.alice.id], 25.0)
        self.assertAlmostEqual(medians[self.bob.id], 100.0)

    def test_a_salesperson_sees_only_their_own_rows(self):
        rows = self.Report.with_user(self.bob).search([])
        self.assertEqual(rows.mapped("user_id"), self.bob)
        self.assertEqual(
            self.figures(self.Report.with_user(self.bob))["rule_id_count"], 1
        )
        manager = sales_manager(self.env, "routing_manager_analysis")
        self.assertEqual(
            self.figures(self.Report.with_user(manager))["rule_id_count"], 5
        )

    def test_other_companies_rows_are_hidden(self):
        other = self.env["res.company"].create({"name": "Elsewhere"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET company_id = %s WHERE id = %s",
            [other.id, self.leads[0].id],
        )
        manager = sales_manager(self.env, "routing_manager_company")
        self.assertEqual(
            self.figures(self.Report.with_user(manager))["rule_id_count"], 4
        )

    def test_fairness_on_the_rule_form(self):
        self.leads.sudo().write(
            {"routing_assigned_at": datetime.now() - timedelta(days=1)}
        )
        html = str(self.rule.fairness_html)
        # Alice 4 leads, Bob 1, three others 0: Gini (2 * 1 + 4 * 4) / 25 = 0.72;
        # the largest gap is Alice's: 80% against a 20% target.
        self.assertIn("Gini coefficient 0.72", html)
        self.assertIn("largest gap: Alice, +60 points", html)
        self.assertIn("No lead routed", str(self.other_rule.fairness_html))

    # ------------------------------------------------------------ working time
    def contact_in_working_hours(self, created, contacted):
        """A lead Carol (Monday to Friday, 9:00-19:00 Brussels) contacts."""
        working_hours(self.env, self.carol)
        self.make_rule(
            "Carol's leads", sequence=1, sla_minutes=60,
            user_ids=[(6, 0, self.carol.ids)],
        )  # fmt: skip
        with freeze_time(created):
            lead = self.create_leads(name="Friday evening enquiry")
        self.assertEqual(lead.user_id, self.carol)
        self.env.flush_all()
        # The test transaction's clock does not move: date the creation.
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s", [created, lead.id]
        )
        self.env.invalidate_all()
        with freeze_time(contacted):
            lead.with_user(self.carol).action_routing_mark_contacted()
        self.env.flush_all()
        return lead

    def test_minutes_to_first_contact_on_the_clock_and_in_working_hours(self):
        # Friday 18:30 in Brussels (17:30 UTC), contacted on Monday at 9:15
        # (8:15 UTC): 2 days 14 h 45 min on the clock, 30 minutes on Friday
        # evening and 15 on Monday morning in Carol's working hours.
        lead = self.contact_in_working_hours(
            datetime(2026, 11, 27, 17, 30), datetime(2026, 11, 30, 8, 15)
        )
        self.assertEqual(lead.routing_first_touch_work_minutes, 45.0)
        self.assertEqual(
            lead.with_context(lang="en_US").routing_first_contact_wait,
            "2.6 days on the clock, 45 min of working time",
        )
        row = self.Report.search([("lead_id", "=", lead.id)])
        self.assertEqual(row.first_contact_minutes, 3765.0)
        self.assertEqual(row.first_contact_work_minutes, 45.0)
        figures = self.figures(
            fields_=["first_contact_work_median:avg", "first_contact_work_p90:avg",
                     "first_contact_median:avg"],
            domain=[("lead_id", "=", lead.id)],
        )  # fmt: skip
        self.assertEqual(figures["first_contact_work_median"], 45.0)
        self.assertEqual(figures["first_contact_work_p90"], 45.0)
        self.assertEqual(figures["first_contact_median"], 3765.0)

    def test_without_working_hours_the_working_minutes_are_the_clock(self):
        # The constructed history's salespeople have no calendar.
        lead = self.leads[0]
        lead.sudo().routing_first_touch_at = self.created + timedelta(minutes=12)
        self.env.flush_all()
        self.assertEqual(lead.routing_first_touch_work_minutes, 12.0)
        self.assertEqual(
            self.Report.search([("lead_id", "=", lead.id)]).first_contact_work_minutes,
            12.0,
        )

    def test_a_lead_not_contacted_yet_has_no_working_minutes(self):
        lead = self.create_leads(name="Still waiting")
        self.assertFalse(lead.routing_first_touch_at)
        self.assertEqual(lead.routing_first_touch_work_minutes, 0.0)
        self.assertFalse(lead.routing_first_contact_wait)
        row = self.Report.search([("lead_id", "=", lead.id)])
        self.assertEqual(row.routing_state, "assigned")
        self.assertFalse(row.first_contact_work_minutes)
        groups = self.Report.read_group(
            [("lead_id", "in", (lead | self.leads[0]).ids)],
            ["first_contact_work_median:avg"], [],
        )  # fmt: skip
        # Left out of the median, not counted as a zero-minute contact.
        self.assertEqual(groups[0]["first_contact_work_median"], 0.0)

    def test_a_salesperson_cannot_write_their_own_working_minutes(self):
        lead = self.leads[0].with_user(self.alice)
        with self.assertRaises(AccessError):
            lead.write({"routing_first_touch_work_minutes": 1.0})

    # ---------------------------------------------------------------- fairness
    def fairness(self, user=None, **vals):
        Fairness = self.env["crm.routing.fairness"]
        if user:
            Fairness = Fairness.with_user(user)
        return Fairness.create({"rule_id": self.rule.id, **vals})

    def test_fairness_over_a_chosen_period(self):
        today = fields.Date.context_today(self.rule)
        wizard = self.fairness()
        self.assertEqual(wizard.date_from, today - timedelta(days=30))
        self.assertEqual(wizard.date_to, today)
        # Alice 4 leads, Bob 1, Carol, Dave and Erin none: the rule form's
        # figures (Gini 0.72, Alice 60 points above her 20% target).
        self.assertEqual(wizard.lead_count, 5)
        self.assertAlmostEqual(wizard.gini, 0.72)
        self.assertEqual(wizard.largest_gap_user_id, self.alice)
        self.assertAlmostEqual(wizard.largest_gap, 60.0)
        html = str(wizard.fairness_html)
        self.assertIn("Gini coefficient 0.72", html)
        self.assertIn("<td>Erin</td><td>0</td><td>0.0 %</td><td>20.0 %</td>", html)

    def test_fairness_leaves_out_leads_routed_outside_the_period(self):
        routed = fields.Datetime.context_timestamp(self.rule, self.created).date()
        before = self.fairness(
            date_from=routed - timedelta(days=10), date_to=routed - timedelta(days=1)
        )
        self.assertEqual(before.lead_count, 0)
        self.assertEqual(before.gini, 0.0)
        self.assertFalse(before.largest_gap_user_id)
        self.assertIn("No lead routed by Web leads from", str(before.fairness_html))
        # The last day counts whole: the leads were routed during it.
        self.assertEqual(self.fairness(date_from=routed, date_to=routed).lead_count, 5)
        # Leads the sweep moves on keep counting once, for their current owner.
        self.leads[:2].sudo().write({"user_id": self.bob.id})
        moved = self.fairness(date_from=routed, date_to=routed)
        self.assertEqual(moved.lead_count, 5)
        self.assertIn("<td>Bob</td><td>3</td>", str(moved.fairness_html))

    def test_fairness_refuses_a_period_that_ends_before_it_starts(self):
        with self.assertRaisesRegex(ValidationError, "choose a From date on or before"):
            self.fairness(date_from="2026-11-10", date_to="2026-11-01")
        form = Form(self.env["crm.routing.fairness"])
        form.rule_id = self.rule
        form.date_from = "2026-10-01"
        form.date_to = "2026-11-01"
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as warned:
            form.date_from = "2026-11-10"
        self.assertIn("Check the period", warned.output[0])
        self.assertIn("choose a From date", str(form.fairness_html))
        self.assertEqual(form.lead_count, 0)

    def test_fairness_follows_the_form_as_the_manager_changes_it(self):
        manager = sales_manager(self.env, "routing_manager_fairness")
        action = self.rule.with_user(manager).action_open_fairness()
        self.assertEqual(action["res_model"], "crm.routing.fairness")
        self.assertEqual(action["target"], "new")
        form = Form(
            self.env["crm.routing.fairness"].with_user(manager)
            .with_context(**action["context"])
        )  # fmt: skip
        self.assertEqual(form.rule_id, self.rule)
        self.assertEqual(form.lead_count, 5)
        form.rule_id = self.other_rule
        self.assertEqual(form.lead_count, 0)
        self.assertIn("No lead routed by Partners", str(form.fairness_html))

    def test_only_sales_managers_compare_shares(self):
        with self.assertRaises(AccessError):
            self.fairness(user=self.alice)
        menu = self.env.ref("crm_lead_routing.crm_routing_fairness_menu")
        self.assertNotIn(menu.id, menu.with_user(self.alice)._visible_menu_ids())
