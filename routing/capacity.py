# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Capacity by hour of the week: leads coming in against people on shift.

Pure Python (no ``odoo`` import). Hours of the week are numbered 0 (Monday
00:00-01:00) to 167 (Sunday 23:00-24:00) in the reader's time zone. Inputs
and outputs are naive UTC datetimes, as Odoo stores them.

* :func:`weeks_before` / :func:`next_week`: the last N complete weeks (Monday
  to Sunday in the reader's time zone) and the coming week.
* :func:`shift_hours`: for one salesperson's :class:`~routing.worktime.WorkSchedule`
  (working hours and time off, as routing sees them), the hours worked in each
  hour of the week over a period. Summed over people and divided by the
  weeks, it is the number of people on shift in that hour (2.5: two people
  the whole hour and a third half of it, or every other week).
* :func:`comfortable_load` and :func:`forecast`: how many leads an hour one
  person has taken while keeping the first-contact deadline, and per hour of
  next week the leads expected, the people scheduled and the people needed.
"""

from dataclasses import dataclass
from datetime import UTC as _UTC
from datetime import datetime, time, timedelta
from math import ceil
from zoneinfo import ZoneInfo

HOURS_PER_WEEK = 168
DEFAULT_WEEKS = 8
# Hours with fewer expected leads than this (one every two weeks) need nobody.
MIN_EXPECTED_LEADS = 0.5
# An hour "kept the deadline" when at most this share of its deadlines was missed.
KEPT_MISSED_SHARE = 10.0
# Hours that kept the deadline needed before their load is trusted.
MIN_KEPT_HOURS = 3
UTC = ZoneInfo("UTC")


def zone(tz):
    try:
        return ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        return UTC


def hour_of_week(local):
    """0 for Monday 00:00-01:00 to 167 for Sunday 23:00-24:00."""
    return local.weekday() * 24 + local.hour


def weekday_and_hour(bucket):
    return divmod(bucket, 24)


def _utc(local):
    return local.astimezone(_UTC).replace(tzinfo=None)


def _monday_midnight(day, tz):
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, time.min, tzinfo=tz)


def weeks_before(now_utc, tz, weeks):
    """``(start, end)``: the ``weeks`` complete weeks before the current one,
    from a Monday 00:00 to the current week's Monday 00:00 in ``tz``."""
    tz = zone(tz)
    today = now_utc.replace(tzinfo=_UTC).astimezone(tz).date()
    end = _monday_midnight(today, tz)
    start = _monday_midnight(end.date() - timedelta(weeks=weeks), tz)
    return _utc(start), _utc(end)


def next_week(now_utc, tz):
    """``(start, end)``: next Monday 00:00 to the Monday after, in ``tz``."""
    tz = zone(tz)
    today = now_utc.replace(tzinfo=_UTC).astimezone(tz).date()
    start = _monday_midnight(today + timedelta(weeks=1), tz)
    end = _monday_midnight(start.date() + timedelta(weeks=1), tz)
    return _utc(start), _utc(end)


def split_by_hour(begin_utc, end_utc, tz):
    """Yield ``(hour of the week, hours)`` for the parts of ``[begin, end)``
    in each local hour of ``tz``. DST and half-hour offsets included: the
    local hour's start is found in local time, the next one an hour later."""
    tz = zone(tz)
    cursor = begin_utc
    while cursor < end_utc:
        local = cursor.replace(tzinfo=_UTC).astimezone(tz)
        floor = local.replace(minute=0, second=0, microsecond=0)
        boundary = _utc(floor) + timedelta(hours=1)
        stop = min(boundary, end_utc)
        yield hour_of_week(local), (stop - cursor).total_seconds() / 3600.0
        cursor = stop


def shift_hours(schedule, start_utc, end_utc, tz):
    """Hours worked in each hour of the week over ``[start, end)``: a list of
    168 floats. Someone without working hours is on shift all the time, as
    routing treats them."""
    totals = [0.0] * HOURS_PER_WEEK
    if schedule is None or schedule.always_on:
        spans = [(start_utc, end_utc)]
    else:
        spans = []
        for begin, end in schedule.intervals(start_utc):
            if begin >= end_utc:
                break
            spans.append((max(begin, start_utc), min(end, end_utc)))
    for begin, end in spans:
        for bucket, hours in split_by_hour(begin, end, tz):
            totals[bucket] += hours
    return totals


def people_on_shift(schedules, start_utc, end_utc, tz):
    """People on shift in each hour of the week over ``[start, end)``, per
    week on average (168 floats): the hours worked, summed over people, over
    the number of weeks."""
    weeks = max((end_utc - start_utc).total_seconds() / (7 * 86400.0), 1e-9)
    totals = [0.0] * HOURS_PER_WEEK
    for schedule in schedules:
        for bucket, hours in enumerate(shift_hours(schedule, start_utc, end_utc, tz)):
            totals[bucket] += hours
    return [round(hours / weeks, 4) for hours in totals]


@dataclass(frozen=True)
class HourFigures:
    """One hour of the week over the history: leads per week on average,
    people on shift per week on average, deadlines counted and missed."""

    bucket: int
    leads: float
    people: float
    deadlines: int = 0
    missed: int = 0

    @property
    def load(self):
        """Leads per person on shift; None with nobody on shift."""
        return self.leads / self.people if self.people > 0 else None

    @property
    def missed_share(self):
        return 100.0 * self.missed / self.deadlines if self.deadlines else None


def comfortable_load(hours):
    """The most leads an hour one person took while the deadline was kept.

    Among the hours with people on shift and deadlines counted, those where
    at most ``KEPT_MISSED_SHARE`` % were missed: the highest load seen. None
    when fewer than ``MIN_KEPT_HOURS`` hours qualify (not enough history).
    """
    kept = [
        hour.load
        for hour in hours
        if hour.load is not None
        and hour.missed_share is not None
        and hour.missed_share <= KEPT_MISSED_SHARE
    ]
    return max(kept) if len(kept) >= MIN_KEPT_HOURS else None


def people_needed(expected, per_person):
    """People an hour needs for ``expected`` leads when one person keeps the
    deadline with ``per_person`` leads an hour; None without that figure."""
    if expected < MIN_EXPECTED_LEADS:
        return 0
    if not per_person or per_person <= 0:
        return None
    return max(1, ceil(expected / per_person - 1e-9))


@dataclass(frozen=True)
class Forecast:
    bucket: int
    expected: float
    scheduled: float
    needed: int | None

    @property
    def short_by(self):
        """People missing in that hour (0 when enough are scheduled)."""
        if self.needed is None:
            return (
                1.0
                if self.expected >= MIN_EXPECTED_LEADS and not self.scheduled
                else 0.0
            )
        return max(0.0, self.needed - self.scheduled)


def forecast(expected, scheduled, per_person):
    """Per hour of next week: ``expected`` leads (168 floats, the history's
    average), ``scheduled`` people (168 floats) and the people needed."""
    return [
        Forecast(
            bucket,
            expected[bucket],
            scheduled[bucket],
            people_needed(expected[bucket], per_person),
        )
        for bucket in range(HOURS_PER_WEEK)
    ]


def shortest_hours(rows, limit=10):
    """The hours of next week most short of people, most short first, then
    the busiest; ties in the order of the week."""
    short = [row for row in rows if row.short_by > 0]
    short.sort(key=lambda row: (-row.short_by, -row.expected, row.bucket))
    return short[:limit]
