# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import RoutingCase, backdate, sales_manager, working_hours

# A Wednesday. With two weeks, the history is Monday 9 to Sunday 22 November;
# next week is Monday 30 November to Sunday 6 December (all in UTC here).
NOW = "2026-11-25 12:00:00"
MONDAY = datetime(2026, 11, 16)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingCapacity(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("Web leads", sla_minutes=30)
        cls.manager = sales_manager(
            cls.env, "routing_capacity_manager", name="Cam Manager", tz="UTC"
        )
        # Alice, Bob, Dave and Erin work 9 to 17, Carol 13 to 21, Monday to Friday.
        working_hours(cls.env, cls.sales - cls.carol, 9.0, 17.0, "UTC")
        working_hours(cls.env, cls.carol, 13.0, 21.0, "UTC")
        cls.Capacity = cls.env["crm.routing.capacity"].with_user(cls.manager)
        cls.Report = cls.env["crm.routing.report"]
        cls.sources = cls.env["utm.source"].create([{"name": "Ads"}, {"name": "Fair"}])

    def lead_at(self, at, minutes=None, deadline=30, source=None, user=None):
        lead = self.env["crm.lead"].create(
            {
                "name": f"Lead of {at}",
                "user_id": (user or self.alice).id,
                "source_id": source and source.id,
            }
        )

        def later(minutes):
            return at + timedelta(minutes=minutes)

        backdate(
            lead,
            at,
            routing_rule_id=self.rule.id,
            routing_state="assigned",
            routing_assigned_at=at,
            routing_first_touch_at=None if minutes is None else later(minutes),
            routing_deadline=None if deadline is None else later(deadline),
        )
        return lead

    def time_off(self, user, start, end):
        resource = self.env["resource.resource"].search([("user_id", "=", user.id)])
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Time off",
                "resource_id": resource.id,
                "calendar_id": resource.calendar_id.id,
                "date_from": start,
                "date_to": end,
            }
        )

    def report(self, **vals):
        return self.Capacity.with_context(tz="UTC").create({"weeks": 2, **vals})

    def lines(self, report):
        report._write_lines()
        return {
            (line.name, line.source_id.name or ""): line for line in report.line_ids
        }

    @freeze_time(NOW)
    def test_figures_agree_with_routing_analysis_for_the_same_leads(self):
        for week in (MONDAY - timedelta(weeks=1), MONDAY):
            for minutes in (10, 20, 30, 100):  # Monday 09:xx, one deadline missed
                self.lead_at(week + timedelta(hours=9, minutes=minutes / 10), minutes)
            self.lead_at(week + timedelta(days=1, hours=14, minutes=5), None)  # missed
            self.lead_at(
                week + timedelta(days=1, hours=14, minutes=7), 5, deadline=None
            )
        self.lead_at(MONDAY - timedelta(weeks=3), 5)  # before the two weeks
        # A lead taken from Bob after he missed its deadline: his row counts.
        moved = self.lead_at(MONDAY + timedelta(hours=9, minutes=40), 50)
        self.env["crm.routing.log"].sudo().create(
            {"lead_id": moved.id, "event": "reassign", "rule_id": self.rule.id,
             "user_id": self.alice.id, "previous_user_id": self.bob.id,
             "company_id": self.company.id}
        )  # fmt: skip
        moved.sudo().routing_reassign_count = 1
        report = self.report()
        lines = self.lines(report)
        since = MONDAY - timedelta(weeks=1)
        checked = 0
        for line in report.line_ids.filtered("lead_count"):
            day, hour = int(line.weekday), int(line.hour)
            starts = [since + timedelta(weeks=w, days=day, hours=hour) for w in (0, 1)]
            domain = ["|"] + [
                term
                for start in starts
                for term in ("&", ("create_date", ">=", start),
                             ("create_date", "<", start + timedelta(hours=1)))
            ]  # fmt: skip
            row = self.Report.read_group(
                domain,
                ["lead_count:sum", "first_contact_median:avg", "deadline_met_rate:avg"],
                [],
            )[0]
            with self.subTest(hour=line.name):
                self.assertEqual(line.lead_count, row["lead_count"])
                self.assertAlmostEqual(
                    line.first_contact_median, row["first_contact_median"] or 0
                )
                met = row["deadline_met_rate"]
                self.assertAlmostEqual(
                    line.missed_rate, 0 if met is None else 100 - met
                )
                self.assertAlmostEqual(line.leads_per_week, row["lead_count"] / 2)
            checked += 1
        self.assertEqual(checked, 2)
        monday = lines[("Monday 09:00", "")]
        self.assertEqual(monday.lead_count, 9)
        self.assertEqual(monday.deadline_count, 10)  # Bob's missed deadline too
        self.assertEqual(monday.missed_count, 4)
        total = self.Report.read_group(
            [
                ("create_date", ">=", since),
                ("create_date", "<", MONDAY + timedelta(weeks=1)),
            ],
            ["lead_count:sum"],
            [],
        )[0]["lead_count"]
        self.assertEqual(report.lead_count, total)
        self.assertEqual(report.lead_count, 13)

    @freeze_time(NOW)
    def test_people_on_shift_come_from_working_hours_and_time_off(self):
        self.time_off(self.bob, MONDAY, MONDAY + timedelta(days=1))  # Monday 16 off
        lines = self.lines(self.report())
        # Monday 10:00: four people one week, three (Bob off) the other.
        self.assertEqual(lines[("Monday 10:00", "")].people_on_shift, 3.5)
        self.assertEqual(lines[("Monday 14:00", "")].people_on_shift, 4.5)  # and Carol
        self.assertEqual(lines[("Tuesday 20:00", "")].people_on_shift, 1.0)
        self.assertEqual(lines[("Saturday 10:00", "")].people_on_shift, 0.0)

    @freeze_time(NOW)
    def test_hours_with_leads_and_nobody_on_shift_stand_out(self):
        self.lead_at(MONDAY + timedelta(days=5, hours=10, minutes=30), 600)  # Saturday
        self.lead_at(MONDAY + timedelta(days=2, hours=10), 5)  # Wednesday, covered
        report = self.report()
        self.assertEqual(report.uncovered_count, 1)
        self.assertIn(
            "Hours with leads and nobody on shift: Saturday 10:00 (0.5 a week).",
            report.summary,
        )
        lines = self.lines(report)
        self.assertTrue(lines[("Saturday 10:00", "")].uncovered)
        self.assertFalse(lines[("Wednesday 10:00", "")].uncovered)
        self.assertEqual(report.line_ids.filtered("uncovered").name, "Saturday 10:00")

    @freeze_time(NOW)
    def test_the_forecast_names_the_hours_that_need_more_people(self):
        for week in (MONDAY - timedelta(weeks=1), MONDAY):
            for k in range(12):
                self.lead_at(week + timedelta(hours=9, minutes=k), 5)
            for day in (1, 2):  # quieter hours: 2 leads for 4 people
                for k in range(2):
                    self.lead_at(week + timedelta(days=day, hours=10, minutes=k), 5)
        # Next Monday Dave is off: three of the four morning people are on.
        self.time_off(self.dave, datetime(2026, 11, 30), datetime(2026, 12, 1))
        report = self.report(per_person=2.0)
        self.assertEqual(report.short_count, 1)
        self.assertIn(
            "more people are needed to keep the first-contact deadline: Monday 09:00: "
            "12.0 leads expected, 3.0 scheduled, 6 needed.",
            report.summary,
        )
        line = self.lines(report)[("Monday 09:00", "")]
        self.assertEqual(
            (line.scheduled_people, line.needed_people, line.short_by), (3.0, 6.0, 3.0)
        )
        self.assertTrue(line.more_needed)
        # Without a figure of their own, the load comes from history: the
        # hour kept its deadlines with 12 leads for 4 people, 3 an hour each.
        from_history = self.report()
        self.assertEqual(from_history.load_used, 3.0)
        self.assertIn("took up to 3.0 leads an hour", from_history.summary)

    @freeze_time(NOW)
    def test_split_by_channel_keeps_the_totals(self):
        ads, fair = self.sources
        for k in range(3):
            self.lead_at(MONDAY + timedelta(hours=10, minutes=k), 5, source=ads)
        self.lead_at(MONDAY + timedelta(hours=10, minutes=9), 5, source=fair)
        self.lead_at(MONDAY + timedelta(hours=11), 5, source=fair)
        together, split = self.report(), self.report(split="source")
        lines = self.lines(split)
        self.assertEqual(lines[("Monday 10:00", "Ads")].leads_per_week, 1.5)
        self.assertEqual(lines[("Monday 10:00", "Fair")].leads_per_week, 0.5)
        self.lines(together)
        measures = ["leads_per_week:sum", "people_on_shift:avg", "leads_per_person:avg",
                    "missed_rate:avg", "short_by:sum"]  # fmt: skip
        Line = self.env["crm.routing.capacity.line"].with_user(self.manager)
        for groupby in ([], ["weekday"], ["hour"]):
            with self.subTest(groupby=groupby):
                one = Line.read_group(
                    [("capacity_id", "=", together.id)], measures, groupby
                )
                two = Line.read_group(
                    [("capacity_id", "=", split.id)], measures, groupby
                )
                for a, b in zip(one, two, strict=True):
                    for name in (
                        "leads_per_week",
                        "people_on_shift",
                        "leads_per_person",
                    ):
                        self.assertAlmostEqual(a[name] or 0, b[name] or 0, msg=name)
        monday_ten = Line.read_group(
            [("capacity_id", "=", split.id), ("name", "=", "Monday 10:00")],
            ["leads_per_person:avg", "people_on_shift:avg"],
            [],
        )[0]
        self.assertEqual(monday_ten["people_on_shift"], 4.0)
        self.assertEqual(monday_ten["leads_per_person"], 0.5)

    @freeze_time(NOW)
    def test_the_heat_map_is_read_in_a_fixed_number_of_queries(self):
        def pivot(report):
            Line = self.env["crm.routing.capacity.line"].with_user(self.manager)
            measures = ["leads_per_week:sum", "people_on_shift:avg", "__count"]
            domain = [("capacity_id", "=", report.id)]
            Line.read_group(domain, measures, ["hour", "weekday"], lazy=False)
            self.env.invalidate_all()
            with self.assertQueryCount(4):
                for rows, cols in (([], []), (["hour"], []), ([], ["weekday"]),
                                   (["hour"], ["weekday"])):  # fmt: skip
                    Line.read_group(domain, measures, rows + cols, lazy=False)

        report = self.report()
        report.action_view_heatmap()
        pivot(report)
        for k in range(40):
            self.lead_at(MONDAY + timedelta(hours=k % 24, minutes=k), 5)
        report.action_view_heatmap()
        pivot(report)
        self.assertEqual(len(report.line_ids), 168)

    @freeze_time(NOW)
    def test_the_buttons_open_the_hours(self):
        report = self.report()
        action = report.action_view_heatmap()
        self.assertEqual(action["res_model"], "crm.routing.capacity.line")
        self.assertEqual(action["views"][0][1], "pivot")
        self.assertEqual(action["domain"], [("capacity_id", "=", report.id)])
        self.assertEqual(report.action_view_list()["views"][0][1], "list")
        self.assertEqual(len(report.line_ids), 168)  # replaced, not added

    def test_bad_input_and_access(self):
        with self.assertRaisesRegex(ValidationError, "Weeks"):
            self.report(weeks=0)
        with self.assertRaisesRegex(ValidationError, "Leads per Salesperson per Hour"):
            self.report(per_person=-1)
        with self.assertRaises(AccessError):
            self.env["crm.routing.capacity"].with_user(self.alice).create({})
        mine = self.report()
        other = sales_manager(self.env, "routing_capacity_other")
        self.assertFalse(
            self.env["crm.routing.capacity"]
            .with_user(other)
            .search([("id", "=", mine.id)])
        )
