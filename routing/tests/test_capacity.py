# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Capacity: hours of the week, people on shift, the forecast."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import capacity
from routing.capacity import HourFigures
from routing.worktime import Attendance, WorkSchedule

NINE_TO_FIVE = tuple(Attendance(d, 9, 17) for d in range(5))


def bucket(weekday, hour):
    return weekday * 24 + hour


def test_hour_of_week_counts_from_monday_midnight():
    assert capacity.hour_of_week(datetime(2026, 11, 23, 0, 10)) == 0  # a Monday
    assert capacity.hour_of_week(datetime(2026, 11, 24, 9, 0)) == bucket(1, 9)
    assert capacity.hour_of_week(datetime(2026, 11, 29, 23, 59)) == 167
    assert capacity.weekday_and_hour(bucket(4, 13)) == (4, 13)


def test_the_last_complete_weeks_and_next_week_in_the_readers_time_zone():
    # Wednesday 2 December 2026, 03:00 UTC = 11:00 in Shanghai.
    now = datetime(2026, 12, 2, 3, 0)
    start, end = capacity.weeks_before(now, "Asia/Shanghai", 8)
    assert end == datetime(2026, 11, 29, 16, 0)  # Monday 30 Nov, 00:00 +08
    assert start == datetime(2026, 10, 4, 16, 0)  # eight weeks earlier
    assert capacity.next_week(now, "Asia/Shanghai") == (
        datetime(2026, 12, 6, 16, 0),
        datetime(2026, 12, 13, 16, 0),
    )


def test_weeks_across_a_dst_change_start_at_local_midnight():
    # Brussels leaves summer time on 25 October 2026.
    start, end = capacity.weeks_before(datetime(2026, 11, 4, 12), "Europe/Brussels", 2)
    assert start == datetime(2026, 10, 18, 22, 0)  # Monday 19 Oct 00:00 +02
    assert end == datetime(2026, 11, 1, 23, 0)  # Monday 2 Nov 00:00 +01


def test_split_by_hour_follows_local_hours_and_half_hour_offsets():
    # 03:45 to 05:15 UTC in Kolkata (+05:30) is 09:15 to 10:45 local, a Monday.
    pieces = list(
        capacity.split_by_hour(
            datetime(2026, 11, 23, 3, 45), datetime(2026, 11, 23, 5, 15), "Asia/Kolkata"
        )
    )
    assert pieces == [(bucket(0, 9), 0.75), (bucket(0, 10), 0.75)]


def test_shift_hours_of_a_nine_to_five_week_with_a_day_off():
    schedule = WorkSchedule(
        "Europe/Brussels",
        NINE_TO_FIVE,
        ((datetime(2026, 11, 24, 8), datetime(2026, 11, 24, 16)),),  # Tuesday off
    )
    start, end = datetime(2026, 11, 22, 23), datetime(2026, 11, 29, 23)
    hours = capacity.shift_hours(schedule, start, end, "Europe/Brussels")
    assert hours[bucket(0, 9)] == 1.0 and hours[bucket(0, 16)] == 1.0
    assert hours[bucket(0, 17)] == 0.0 and hours[bucket(0, 8)] == 0.0
    assert hours[bucket(1, 10)] == 0.0  # the day off
    assert sum(hours) == pytest.approx(32.0)
    # Read from Shanghai (+8), the same hours are 16:00 to 24:00.
    far = capacity.shift_hours(schedule, start, end, "Asia/Shanghai")
    assert far[bucket(0, 16)] == 1.0 and far[bucket(0, 9)] == 0.0
    assert sum(far) == pytest.approx(32.0)


def test_someone_without_working_hours_is_always_on_shift():
    hours = capacity.shift_hours(
        WorkSchedule("UTC"), datetime(2026, 11, 23), datetime(2026, 12, 7), "UTC"
    )
    assert hours == [2.0] * 168


def test_people_on_shift_are_averaged_over_the_weeks():
    half_day = WorkSchedule("UTC", (Attendance(0, 9, 9.5),))
    full = WorkSchedule("UTC", (Attendance(0, 9, 10, date_to=date(2026, 11, 29)),))
    people = capacity.people_on_shift(
        [half_day, full], datetime(2026, 11, 23), datetime(2026, 12, 7), "UTC"
    )
    # Week 1: half an hour + a full hour; week 2: half an hour only.
    assert people[bucket(0, 9)] == pytest.approx((1.5 + 0.5) / 2)
    assert sum(people) == pytest.approx(1.0)


def test_comfortable_load_is_the_busiest_hour_that_kept_the_deadline():
    hours = [
        HourFigures(1, leads=4, people=2, deadlines=10, missed=0),  # 2 a person
        HourFigures(2, leads=9, people=3, deadlines=10, missed=1),  # 3, 10 % missed
        HourFigures(3, leads=8, people=2, deadlines=10, missed=5),  # 4, too many missed
        HourFigures(4, leads=2, people=2, deadlines=4, missed=0),  # 1
        HourFigures(5, leads=3, people=0, deadlines=3, missed=3),  # nobody on shift
    ]
    assert capacity.comfortable_load(hours) == 3.0
    assert capacity.comfortable_load(hours[:2]) is None  # too little history


def test_forecast_names_the_hours_short_of_people():
    expected = [0.0] * 168
    scheduled = [0.0] * 168
    expected[bucket(0, 9)], scheduled[bucket(0, 9)] = 7.0, 2.0  # needs 3
    expected[bucket(0, 10)], scheduled[bucket(0, 10)] = 4.0, 2.0  # needs 2: fine
    expected[bucket(2, 3)] = 1.0  # a lead at night, nobody on: needs 1
    expected[bucket(6, 3)] = 0.25  # one lead in four weeks: nobody needed
    rows = capacity.forecast(expected, scheduled, per_person=3.0)
    assert rows[bucket(0, 9)].needed == 3 and rows[bucket(0, 9)].short_by == 1.0
    assert rows[bucket(0, 10)].short_by == 0.0
    assert rows[bucket(6, 3)].needed == 0
    short = capacity.shortest_hours(rows)
    assert [row.bucket for row in short] == [bucket(0, 9), bucket(2, 3)]


def test_without_a_load_figure_only_empty_hours_are_short():
    expected, scheduled = [2.0] * 168, [1.0] * 168
    scheduled[5] = 0.0
    rows = capacity.forecast(expected, scheduled, per_person=None)
    assert [row.bucket for row in capacity.shortest_hours(rows, limit=200)] == [5]
    assert rows[5].needed is None


@given(
    st.integers(0, 6),
    st.floats(0, 23.5),
    st.floats(0.25, 8),
    st.sampled_from(["UTC", "Europe/Brussels", "Asia/Kolkata", "America/New_York"]),
)
def test_shift_hours_add_up_to_the_hours_worked(day, start, length, tz):
    schedule = WorkSchedule(tz, (Attendance(day, start, min(start + length, 24.0)),))
    begin, end = datetime(2026, 3, 2), datetime(2026, 4, 27)  # 8 weeks, DST inside
    hours = capacity.shift_hours(schedule, begin, end, tz)
    assert sum(hours) == pytest.approx(schedule.working_minutes(begin, end) / 60)
    assert all(h >= 0 for h in hours)
