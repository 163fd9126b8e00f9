# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Working time arithmetic: is someone at work now, and business-time deadlines.

Inputs are naive UTC datetimes (as Odoo stores them); attendances are read in
the schedule's own time zone, so DST shifts are handled by zoneinfo.
"""

import heapq
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
MAX_DAYS = 400


@dataclass(frozen=True, slots=True)
class Attendance:
    weekday: int
    hour_from: float
    hour_to: float
    week_type: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def applies(self, day):
        if day.weekday() != self.weekday:
            return False
        if self.date_from and day < self.date_from:
            return False
        if self.date_to and day > self.date_to:
            return False
        if self.week_type is not None:
            return int(math.floor((day.toordinal() - 1) / 7) % 2) == self.week_type
        return True


def _at(day, hours, tz):
    # To the minute; 23.995 (rounding to 24:00) is the next midnight too.
    minutes = round(min(max(hours, 0.0), 24.0) * 60)
    if minutes >= 24 * 60:
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    else:
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class WorkSchedule:
    tz: str
    attendances: tuple = ()
    leaves: tuple = ()

    @property
    def always_on(self):
        return not self.attendances

    def _zone(self):
        try:
            return ZoneInfo(self.tz or "UTC")
        except (KeyError, ValueError):
            return UTC

    def intervals(self, start_utc):
        """Yield (start, end) UTC work intervals from ``start_utc`` on, minus leaves."""
        zone = self._zone()
        local_day = start_utc.replace(tzinfo=UTC).astimezone(zone).date()
        leaves = sorted(self.leaves)
        for offset in range(-1, MAX_DAYS):
            day = local_day + timedelta(days=offset)
            spans = sorted(
                (_at(day, a.hour_from, zone), _at(day, a.hour_to, zone))
                for a in self.attendances
                if a.applies(day) and a.hour_to > a.hour_from
            )
            for begin, end in spans:
                begin = max(begin, start_utc)
                yield from _minus(begin, end, leaves)

    def is_working(self, at_utc):
        if self.always_on:
            return True
        # By identity, checked: hashing a schedule costs more than the check.
        cached = _SPANS.get(id(self))
        if cached is not None and cached[0] is self and cached[1] <= at_utc < cached[2]:
            return cached[3]
        span = (self, at_utc, at_utc + timedelta(days=MAX_DAYS), False)
        for begin, end in self.intervals(at_utc):
            # Until the end of this work interval, or the start of the next:
            # the same answer (a replay asks lead after lead, minutes apart).
            if begin <= at_utc:
                span = (self, at_utc, end, True)
            else:
                span = (self, at_utc, begin, False)
            break
        if len(_SPANS) > 10_000:
            _SPANS.clear()
        _SPANS[id(self)] = span
        return span[3]

    def next_working_start(self, at_utc):
        if self.always_on:
            return at_utc
        for begin, _end in self.intervals(at_utc):
            return begin
        return None

    def working_minutes(self, start_utc, end_utc):
        """Minutes of working time in ``[start_utc, end_utc)``: how long a lead
        waited counted in its salesperson's working hours (time off left out).

        Wall-clock minutes for a schedule without working hours; 0.0 when
        ``end_utc`` is not after ``start_utc``. Overlapping attendances count
        once. The inverse of :meth:`add_working_minutes`.
        """
        if end_utc <= start_utc:
            return 0.0
        if self.always_on:
            return (end_utc - start_utc).total_seconds() / 60.0
        total, cursor = timedelta(0), start_utc
        for begin, end in self.intervals(start_utc):
            if begin >= end_utc:
                break
            begin, end = max(begin, cursor), min(end, end_utc)
            if end > begin:
                total += end - begin
                cursor = end
        return total.total_seconds() / 60.0

    def add_working_minutes(self, start_utc, minutes):
        if self.always_on:
            return start_utc + timedelta(minutes=minutes)
        return _add_working_minutes(self, start_utc, minutes)

    def shift_end(self, at_utc):
        """When the stretch of work going on at ``at_utc`` ends (naive UTC):
        work intervals that follow each other without a break count as one.
        None when not at work then, or without working hours (never ends)."""
        if self.always_on:
            return None
        end = None
        for begin, stop in self.intervals(at_utc):
            if end is None:
                if begin > at_utc:
                    return None
                end = stop
            elif begin <= end:
                end = max(end, stop)
            else:
                break
        return end


@lru_cache(maxsize=4096)
def _add_working_minutes(schedule, start_utc, minutes):
    """Remembered: a batch gives each person many leads at the same moment
    with the same deadline, and a schedule is an immutable value."""
    return _after_minutes(schedule.intervals(start_utc), start_utc, minutes)


def _after_minutes(intervals, start_utc, minutes):
    """The moment ``minutes`` of the time covered by ``intervals`` (sorted by
    start) have passed since ``start_utc``. Overlapping intervals (a dated
    line over the usual hours, two people at work at once) count once, as
    Odoo's work intervals join them."""
    remaining = timedelta(minutes=minutes)
    cursor = start_utc
    for begin, end in intervals:
        begin = max(begin, cursor)
        if end <= begin:
            continue
        if end - begin >= remaining:
            return begin + remaining
        remaining -= end - begin
        cursor = end
    raise ValueError(f"no working time in the next {MAX_DAYS} days")


def add_working_minutes_any(schedules, start_utc, minutes):
    """When ``minutes`` of time during which at least one of ``schedules``
    is at work have passed since ``start_utc``: how long a queue waits for
    someone of a pool to be there. Wall-clock when one of them has no
    working hours (always at work) or there is none; raises ValueError when
    nobody works in the next :data:`MAX_DAYS` days."""
    schedules = list(schedules)
    if not schedules or any(s.always_on for s in schedules):
        return start_utc + timedelta(minutes=minutes)
    merged = heapq.merge(*(s.intervals(start_utc) for s in schedules))
    return _after_minutes(merged, start_utc, minutes)


# The last answer of ``is_working`` per schedule (by id): ``(schedule, from,
# until, working)``; holding the schedule keeps its id from being reused.
_SPANS = {}


def _minus(begin, end, leaves):
    """The parts of [begin, end) not covered by any leave."""
    if begin >= end:
        return []
    pieces = [(begin, end)]
    for l_start, l_end in leaves:
        if l_end <= begin or l_start >= end:
            continue
        nxt = []
        for p_start, p_end in pieces:
            if l_end <= p_start or l_start >= p_end:
                nxt.append((p_start, p_end))
                continue
            if p_start < l_start:
                nxt.append((p_start, l_start))
            if l_end < p_end:
                nxt.append((l_end, p_end))
        pieces = nxt
    return pieces
