# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.worktime import Attendance, WorkSchedule

WEEK = tuple(Attendance(d, 9, 19) for d in range(5))
BRUSSELS = WorkSchedule("Europe/Brussels", WEEK)


def test_evening_deadline_moves_to_next_morning():
    # Monday 18:55 Brussels (17:55 UTC) + 30 min -> Tuesday 09:25 (08:25 UTC)
    assert BRUSSELS.add_working_minutes(datetime(2026, 11, 23, 17, 55), 30) == datetime(
        2026, 11, 24, 8, 25
    )


def test_friday_evening_deadline_moves_to_monday():
    assert BRUSSELS.add_working_minutes(datetime(2026, 11, 27, 17, 55), 30) == datetime(
        2026, 11, 30, 8, 25
    )


def test_time_off_day_is_skipped():
    sched = WorkSchedule(
        "Europe/Brussels",
        WEEK,
        ((datetime(2026, 11, 23, 23), datetime(2026, 11, 24, 23)),),
    )
    assert sched.add_working_minutes(datetime(2026, 11, 23, 17, 55), 30) == datetime(
        2026, 11, 25, 8, 25
    )
    assert not sched.is_working(datetime(2026, 11, 24, 10))


def test_dst_change_uses_local_hours():
    # Summer: Brussels is UTC+2, so 09:00 local = 07:00 UTC
    assert BRUSSELS.next_working_start(datetime(2026, 7, 6, 0, 0)) == datetime(
        2026, 7, 6, 7
    )
    assert BRUSSELS.next_working_start(datetime(2026, 12, 7, 0, 0)) == datetime(
        2026, 12, 7, 8
    )


def test_is_working_inside_and_outside_hours():
    assert BRUSSELS.is_working(datetime(2026, 11, 23, 10))
    assert not BRUSSELS.is_working(datetime(2026, 11, 23, 19))
    assert not BRUSSELS.is_working(datetime(2026, 11, 28, 10))  # Saturday


def test_no_calendar_means_always_on():
    sched = WorkSchedule("UTC")
    assert sched.always_on and sched.is_working(datetime(2026, 11, 28, 3))
    assert sched.add_working_minutes(datetime(2026, 1, 1), 30) == datetime(
        2026, 1, 1, 0, 30
    )


def test_two_week_calendar_alternates():
    day = date(2026, 11, 23)
    week = int((day.toordinal() - 1) // 7 % 2)
    sched = WorkSchedule("UTC", (Attendance(0, 9, 17, week_type=week),))
    assert sched.is_working(datetime(2026, 11, 23, 10))
    assert not sched.is_working(datetime(2026, 11, 30, 10))


def test_no_working_time_raises():
    sched = WorkSchedule("UTC", (Attendance(0, 9, 17, date_to=date(2020, 1, 1)),))
    with pytest.raises(ValueError):
        sched.add_working_minutes(datetime(2026, 1, 1), 30)


def _working_by_walking(schedule, at):
    """The answer without the remembered interval: walk the calendar."""
    for begin, end in schedule.intervals(at):
        return begin <= at < end
    return False


@given(
    st.lists(
        st.datetimes(min_value=datetime(2026, 3, 20), max_value=datetime(2026, 4, 10)),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_remembered_working_interval_answers_as_the_calendar(moments, time_off):
    # Any order of questions (a replay goes forward, live routing jumps back
    # and forth), across a DST change and a day off.
    leaves = (
        ((datetime(2026, 3, 30, 22), datetime(2026, 3, 31, 22)),) if time_off else ()
    )
    schedule = WorkSchedule("Europe/Brussels", WEEK, leaves)
    for at in moments:
        assert schedule.is_working(at) == _working_by_walking(schedule, at)


@given(st.datetimes(min_value=datetime(2026, 3, 20), max_value=datetime(2026, 4, 10)))
def test_remembered_deadline_is_the_deadline(start):
    schedule = WorkSchedule("Europe/Brussels", WEEK)
    first = schedule.add_working_minutes(start, 30)
    assert schedule.add_working_minutes(start, 30) == first
    assert first >= start


def test_working_minutes_skip_the_night_and_the_weekend():
    # Friday 18:30 Brussels (17:30 UTC) to Monday 09:15 (08:15 UTC): 30 minutes
    # on Friday evening and 15 on Monday morning.
    friday, monday = datetime(2026, 11, 27, 17, 30), datetime(2026, 11, 30, 8, 15)
    assert BRUSSELS.working_minutes(friday, monday) == 45.0


def test_working_minutes_leave_out_time_off():
    day_off = ((datetime(2026, 11, 23, 23), datetime(2026, 11, 24, 23)),)
    sched = WorkSchedule("Europe/Brussels", WEEK, day_off)
    # Monday 18:00 Brussels to Wednesday 09:30: 60 minutes on Monday, Tuesday
    # off, 30 minutes on Wednesday.
    start, end = datetime(2026, 11, 23, 17), datetime(2026, 11, 25, 8, 30)
    assert sched.working_minutes(start, end) == 90.0


def test_working_minutes_without_hours_are_wall_clock_minutes():
    start = datetime(2026, 11, 28, 3)
    assert WorkSchedule("UTC").working_minutes(start, datetime(2026, 11, 28, 5)) == 120
    assert BRUSSELS.working_minutes(start, start) == 0.0
    assert BRUSSELS.working_minutes(start, datetime(2026, 11, 27)) == 0.0


def test_overlapping_attendances_count_once():
    sched = WorkSchedule("UTC", (Attendance(0, 9, 12), Attendance(0, 11, 13)))
    monday = datetime(2026, 11, 23)
    assert sched.working_minutes(monday, monday.replace(hour=23)) == 240.0
    # and the deadline too: 3 working hours from 9:00 end at 12:00, not at
    # 11:30 (the hour 11-12 of both lines counted twice)
    assert sched.add_working_minutes(monday.replace(hour=9), 180) == monday.replace(
        hour=12
    )
    assert sched.add_working_minutes(monday.replace(hour=9), 240) == monday.replace(
        hour=13
    )


@given(
    st.datetimes(min_value=datetime(2026, 3, 20), max_value=datetime(2026, 4, 10)),
    st.integers(min_value=1, max_value=3000),
    st.booleans(),
)
def test_working_minutes_undo_the_deadline(start, minutes, time_off):
    # Across a DST change: the working minutes from a moment to the deadline
    # it gives are the minutes it was given, and never more than the clock.
    leaves = (
        ((datetime(2026, 3, 30, 22), datetime(2026, 3, 31, 22)),) if time_off else ()
    )
    schedule = WorkSchedule("Europe/Brussels", WEEK, leaves)
    deadline = schedule.add_working_minutes(start, minutes)
    assert schedule.working_minutes(start, deadline) == pytest.approx(minutes)
    assert minutes <= (deadline - start).total_seconds() / 60 + 1e-9


def test_an_end_of_day_a_few_seconds_before_midnight_is_midnight():
    # 23.995 h rounds to 24:00: the next day's midnight, not an invalid 24:00.
    sched = WorkSchedule("UTC", (Attendance(0, 23.5, 23.995),))
    assert sched.working_minutes(datetime(2026, 11, 23), datetime(2026, 11, 24)) == 30
