# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import random
from datetime import date, datetime, time, timedelta

import pytz

from odoo.addons.crm_lead_routing.routing.worktime import Attendance
from odoo.tests import new_test_user, tagged

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

    def test_time_zone_is_the_resources_as_odoo_reads_calendars(self):
        # The user's own time zone is where they read; their working hours are
        # in the resource's (Odoo's _work_intervals_batch reads that one too).
        calendar = self.calendar([line(0, 9.0, 17.0)])
        self.alice.tz = "Europe/Brussels"
        self.bob.tz = False
        self.resource(self.alice, calendar, tz="America/New_York")
        self.resource(self.bob, calendar, tz="Asia/Kolkata")
        schedules = self.schedules(self.alice | self.bob)
        self.assertEqual(schedules[self.alice.id].tz, "America/New_York")
        self.assertEqual(schedules[self.bob.id].tz, "Asia/Kolkata")

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


# The seed of the random calendars: fixed, so a failure shows again on the next
# run (its message names the seed and the case to replay).
SEED = 20260113
CASES = 30
ZONES = (
    "UTC",
    "Europe/Brussels",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
)
# What is compared: the 10 days after "now" (inside the time off routing reads).
WINDOW = timedelta(days=10)


def _to_minute(moment):
    """Naive UTC, to the nearest minute (Odoo ends a day at 23:59:59.999999)."""
    moment = (
        moment.astimezone(pytz.utc).replace(tzinfo=None) if moment.tzinfo else moment
    )
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)


def _merged(spans):
    """Sorted spans, those that overlap or touch joined: the time at work."""
    out = []
    for begin, end in sorted(spans):
        if end <= begin:
            continue
        if out and begin <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((begin, end))
    return out


def _spans(spans, other, limit=4):
    """The first ``limit`` of ``spans`` that ``other`` lacks, short (UTC)."""
    missing = [s for s in spans if s not in other]
    shown = [f"{b:%m-%d %H:%M}..{e:%m-%d %H:%M}" for b, e in missing[:limit]]
    more = len(missing) - limit
    return ", ".join(shown) + (f" (+{more})" if more > 0 else "")


def _after_minutes(spans, start, minutes):
    """When ``minutes`` of the (merged) ``spans`` have passed from ``start``;
    None when the spans run out first."""
    left = timedelta(minutes=minutes)
    for begin, end in spans:
        begin = max(begin, start)
        if end <= begin:
            continue
        if end - begin >= left:
            return begin + left
        left -= end - begin
    return None


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingWorkScheduleMatchesOdoo(RoutingCase):
    """Routing reads calendars in one SQL query and does its own arithmetic
    (``routing.worktime``): on random calendars it must believe what Odoo's
    ``resource.calendar._work_intervals_batch`` says. Two-week rotas, lunch
    breaks, dated lines, lines of one resource, time zones of the user, the
    resource and the calendar, personal, company-wide, all-calendars and
    "other" time off, whole and partial days; "now" anywhere in 2026 (so the
    window crosses daylight-saving changes now and then)."""

    def _random_lines(self, rng, week_type=None):
        lines = []
        for day in range(7):
            if rng.random() < 0.3:
                continue  # a day off
            extra = {"week_type": week_type} if week_type is not None else {}
            start = rng.choice([0.0, 6.0, 7.5, 8.0, 8.25, 9.0, 10.0, 13.0])
            if rng.random() < 0.5:  # morning, lunch break, afternoon
                noon = start + rng.choice([3.0, 3.5, 4.0, 4.75])
                back = noon + rng.choice([0.5, 1.0])
                end = min(back + rng.choice([3.0, 4.0, 4.5]), 24.0)
                lines += [
                    line(day, start, noon, day_period="morning", **extra),
                    line(day, noon, back, day_period="lunch", **extra),
                    line(day, back, end, day_period="afternoon", **extra),
                ]
            else:
                end = min(start + rng.choice([4.0, 6.0, 8.0, 9.5, 16.0]), 24.0)
                lines.append(line(day, start, end, day_period="morning", **extra))
                if end < 20.0 and rng.random() < 0.15:  # an evening until midnight
                    lines.append(line(day, 20.0, 24.0, day_period="afternoon", **extra))
        return lines

    def _random_case(self, rng, index):
        now = datetime(2026, 1, 1) + timedelta(minutes=rng.randrange(350 * 24 * 60))
        two_weeks = rng.random() < 0.35
        if two_weeks:
            lines = []
            for week in ("0", "1"):
                lines.append(
                    line(0, 0.0, 0.0, display_type="line_section", week_type=week)
                )
                lines += self._random_lines(rng, week)
        else:
            lines = self._random_lines(rng)
        local_today = now.date()
        if rng.random() < 0.3:  # a line valid for a few days only
            lines.append(
                line(
                    local_today.weekday(),
                    rng.choice([5.0, 12.0, 18.0]),
                    rng.choice([19.0, 23.0]),
                    date_from=local_today - timedelta(days=rng.randrange(3)),
                    date_to=local_today + timedelta(days=rng.randrange(6)),
                    **({"week_type": rng.choice("01")} if two_weeks else {}),
                )
            )
        calendar = self.env["resource.calendar"].create(
            {
                "name": f"Random rota {index}",
                "tz": rng.choice(ZONES),
                "two_weeks_calendar": two_weeks,
                "attendance_ids": lines,
            }
        )
        user = new_test_user(
            self.env,
            f"rota_{index}",
            groups="sales_team.group_sale_salesman",
            tz=rng.choice(ZONES),
        )
        resource = self.env["resource.resource"].create(
            {
                "name": user.name,
                "user_id": user.id,
                "calendar_id": calendar.id,
                # the user's own time zone, or one that differs since
                "tz": rng.choice([user.tz, rng.choice(ZONES)]),
            }
        )
        other = self.env["resource.resource"].create(
            {"name": f"Other {index}", "calendar_id": calendar.id}
        )
        if rng.random() < 0.3:  # lines of one resource: theirs, and someone else's
            for who in (resource, other):
                day = rng.randrange(7)
                self.env["resource.calendar.attendance"].create(
                    {
                        "name": "Own line",
                        "calendar_id": calendar.id,
                        "resource_id": who.id,
                        "dayofweek": str(day),
                        "hour_from": 18.0,
                        "hour_to": 19.5,
                        "day_period": "afternoon",
                        **({"week_type": rng.choice("01")} if two_weeks else {}),
                    }
                )
        leaves = []
        for _n in range(rng.randrange(5)):
            kind = rng.choice(["personal", "company", "all calendars", "other type"])
            start = now + timedelta(minutes=rng.randrange(-24 * 60, 9 * 24 * 60))
            if rng.random() < 0.5:  # whole local days
                zone = pytz.timezone(resource.tz)
                day = pytz.utc.localize(start).astimezone(zone).date()
                begin = zone.localize(datetime.combine(day, time(0)))
                end = zone.localize(
                    datetime.combine(day + timedelta(days=rng.randrange(1, 4)), time(0))
                )
                begin, end = _to_minute(begin), _to_minute(end)
            else:  # part of a day
                begin = start.replace(second=0)
                end = begin + timedelta(minutes=rng.randrange(30, 10 * 60))
            leaves.append(
                {
                    "name": kind,
                    "date_from": begin,
                    "date_to": end,
                    "resource_id": resource.id
                    if kind in ("personal", "other type")
                    else False,
                    "calendar_id": False if kind == "all calendars" else calendar.id,
                    "time_type": "other" if kind == "other type" else "leave",
                }
            )
        self.env["resource.calendar.leaves"].create(leaves)
        return now, user, resource, calendar

    def _describe(self, index, now, user, resource, calendar):
        lines = [
            (a.dayofweek, a.hour_from, a.hour_to, a.day_period, a.week_type,
             a.date_from, a.date_to, a.resource_id.name, a.display_type)
            for a in calendar.attendance_ids
        ]  # fmt: skip
        leaves = self.env["resource.calendar.leaves"].search(
            [
                "|",
                ("resource_id", "=", resource.id),
                "&",
                ("resource_id", "=", False),
                ("calendar_id", "in", [calendar.id, False]),
            ]
        )
        return (
            f"seed {SEED}, case {index}: now {now} UTC, user tz {user.tz}, resource tz"
            f" {resource.tz}, calendar tz {calendar.tz}, two weeks"
            f" {calendar.two_weeks_calendar}, lines {lines}, time off "
            f"{[(lv.name, lv.date_from, lv.date_to, lv.calendar_id.name) for lv in leaves]}"
        )

    def test_routing_believes_what_odoo_calendars_say(self):
        failures = []
        for index in range(CASES):
            rng = random.Random(SEED * 1000 + index)
            now, user, resource, calendar = self._random_case(rng, index)
            until = now + WINDOW
            schedule = self.env["crm.routing.facts"]._work_schedules(
                user, now, until=until
            )[user.id]
            odoo = calendar._work_intervals_batch(
                pytz.utc.localize(now), pytz.utc.localize(until), resources=resource
            )[resource.id]
            expected = _merged((_to_minute(s), _to_minute(e)) for s, e, _m in odoo)
            believed = []
            for begin, end in schedule.intervals(now):
                if begin >= until:
                    break
                believed.append((begin, min(end, until)))
            believed = _merged(believed)
            problems = []
            if believed != expected:
                problems.append(
                    f"work intervals of routing only: {_spans(believed, expected)};"
                    f" of Odoo only: {_spans(expected, believed)}"
                )
            # Is the salesperson at work at T? At the edges of Odoo's intervals
            # and at random moments.
            moments = [now + timedelta(minutes=rng.randrange(WINDOW.days * 24 * 60))
                       for _n in range(20)]  # fmt: skip
            for begin, end in expected:
                moments += [begin, end - timedelta(minutes=1), end]
            for moment in sorted(set(moments)):
                odoo_says = any(b <= moment < e for b, e in expected)
                if moment < until and schedule.is_working(moment) != odoo_says:
                    problems.append(f"at work at {moment}: Odoo says {odoo_says}")
            # The first-contact deadline, counted in working time.
            for minutes in (1, 30, 90, 240, 600):
                odoo_deadline = _after_minutes(expected, now, minutes)
                if odoo_deadline is None or odoo_deadline >= until:
                    continue
                deadline = schedule.add_working_minutes(now, minutes)
                if deadline != odoo_deadline:
                    problems.append(
                        f"deadline after {minutes} working minutes: routing {deadline},"
                        f" Odoo {odoo_deadline}"
                    )
            if problems:
                failures.append(
                    self._describe(index, now, user, resource, calendar)
                    + "\n    "
                    + "\n    ".join(problems[:6])
                )
            # All-calendars time off of this case must not reach the next ones.
            self.env["resource.calendar.leaves"].search(
                [("calendar_id", "=", False), ("resource_id", "=", False)]
            ).unlink()
        self.assertFalse(failures, "\n".join(failures))
