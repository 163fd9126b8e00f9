# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.addons.crm_lead_routing.routing.worktime import Attendance
from odoo.tests import tagged

from .common import RoutingCase

# Tuesday 13 January 2026, 09:00 UTC
NOW = datetime(2026, 1, 13, 9, 0)


def line(day, hour_from, hour_to, **vals):
    return (
        0,
        0,
        {
            "name": f"{day} {hour_from}-{hour_to}",
            "dayofweek": str(day),
            "hour_from": hour_from,
            "hour_to": hour_to,
            **vals,
        },
    )


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingWorkSchedules(RoutingCase):
    """What routing reads of a salesperson's working hours and time off.

    These facts come from ``resource`` in two SQL queries; the tests pin what
    they must keep of Odoo's calendars: working lines only, two-week rotas,
    dated lines, personal and company-wide time off, the right time zone.
    """

    def calendar(self, lines, **vals):
        return self.env["resource.calendar"].create(
            {"name": "Rota", "tz": "Asia/Tokyo", "attendance_ids": lines, **vals}
        )

    def resource(self, user, calendar, **vals):
        return self.env["resource.resource"].create(
            {"name": user.name, "user_id": user.id, "calendar_id": calendar.id, **vals}
        )

    def schedules(self, users):
        return self.env["crm.routing.facts"]._work_schedules(users, NOW)

    def test_working_lines_are_kept_breaks_and_sections_are_not(self):
        calendar = self.calendar(
            [
                line(0, 8.0, 12.0, day_period="morning"),
                line(0, 12.0, 13.0, day_period="lunch"),
                line(0, 13.0, 17.5, day_period="afternoon"),
                line(0, 0.0, 0.0, display_type="line_section"),
                line(
                    1, 9.0, 12.0, date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)
                ),
            ]
        )
        self.resource(self.alice, calendar)
        schedule = self.schedules(self.alice)[self.alice.id]
        self.assertEqual(
            schedule.attendances,
            (
                Attendance(0, 8.0, 12.0),
                Attendance(0, 13.0, 17.5),
                Attendance(
                    1, 9.0, 12.0, date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)
                ),
            ),
        )

    def test_two_week_rota_keeps_its_week_types(self):
        calendar = self.calendar(
            [line(0, 9.0, 17.0, week_type="0"), line(2, 9.0, 17.0, week_type="1")]
        )
        calendar.two_weeks_calendar = True
        self.resource(self.alice, calendar)
        schedule = self.schedules(self.alice)[self.alice.id]
        self.assertEqual(
            schedule.attendances,
            (
                Attendance(0, 9.0, 17.0, week_type=0),
                Attendance(2, 9.0, 17.0, week_type=1),
            ),
        )

    def test_week_types_are_ignored_outside_a_two_week_rota(self):
        calendar = self.calendar([line(0, 9.0, 17.0, week_type="1")])
        calendar.two_weeks_calendar = False
        self.resource(self.alice, calendar)
        schedule = self.schedules(self.alice)[self.alice.id]
        self.assertEqual(schedule.attendances, (Attendance(0, 9.0, 17.0),))

    def test_personal_and_company_time_off_near_now(self):
        calendar = self.calendar([line(day, 9.0, 17.0) for day in range(5)])
        alice = self.resource(self.alice, calendar)
        bob = self.resource(self.bob, calendar)
        Leave = self.env["resource.calendar.leaves"]
        own = (datetime(2026, 1, 14, 8, 0), datetime(2026, 1, 15, 17, 0))
        company = (datetime(2026, 1, 20, 0, 0), datetime(2026, 1, 21, 0, 0))
        Leave.create(
            [
                {
                    "name": "Alice away",
                    "calendar_id": calendar.id,
                    "resource_id": alice.id,
                    "date_from": own[0],
                    "date_to": own[1],
                },
                {
                    "name": "Bob away",
                    "calendar_id": calendar.id,
                    "resource_id": bob.id,
                    "date_from": own[0],
                    "date_to": own[1],
                },
                {
                    "name": "Company holiday",
                    "calendar_id": calendar.id,
                    "resource_id": False,
                    "date_from": company[0],
                    "date_to": company[1],
                },
                {
                    "name": "Long ago",
                    "calendar_id": calendar.id,
                    "resource_id": alice.id,
                    "date_from": datetime(2025, 6, 1),
                    "date_to": datetime(2025, 6, 2),
                },
                {
                    "name": "Far ahead",
                    "calendar_id": calendar.id,
                    "resource_id": alice.id,
                    "date_from": datetime(2026, 9, 1),
                    "date_to": datetime(2026, 9, 2),
                },
            ]
        )
        schedule = self.schedules(self.alice)[self.alice.id]
        self.assertEqual(schedule.leaves, (own, company))

    def test_time_zone_is_the_users_then_the_resources(self):
        calendar = self.calendar([line(0, 9.0, 17.0)])
        self.alice.tz = "Europe/Brussels"
        self.bob.tz = False
        self.resource(self.alice, calendar, tz="America/New_York")
        self.resource(self.bob, calendar, tz="America/New_York")
        schedules = self.schedules(self.alice | self.bob)
        self.assertEqual(schedules[self.alice.id].tz, "Europe/Brussels")
        self.assertEqual(schedules[self.bob.id].tz, "America/New_York")

    def test_without_resource_or_calendar_always_on(self):
        self.env["resource.resource"].create(
            {"name": "No calendar", "user_id": self.bob.id, "calendar_id": False}
        )
        schedules = self.schedules(self.alice | self.bob)
        self.assertTrue(schedules[self.alice.id].always_on)
        self.assertTrue(schedules[self.bob.id].always_on)
        self.assertEqual(schedules[self.alice.id].tz, "UTC")

    def test_archived_resource_is_ignored(self):
        calendar = self.calendar([line(0, 9.0, 17.0)])
        self.resource(self.alice, calendar, active=False)
        self.assertTrue(self.schedules(self.alice)[self.alice.id].always_on)
