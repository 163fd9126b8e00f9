# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Capacity: leads coming in against people on shift, hour by hour.

CRM > Reporting > Capacity (sales managers). For each hour of the week
(Monday 00:00 to Sunday 23:00, in the manager's time zone) over the last N
complete weeks: the leads that came in (per week on average, per channel if
asked), the salespeople on shift (working hours and time off as routing
reads them, ``crm.routing.facts._work_schedules``), leads per person on shift,
the median minutes to first contact and the share of deadlines missed; then
next week's forecast from the same hours: leads expected against people
scheduled, naming the hours that need more people to keep the first-contact
deadline.

The lead figures are read from Routing Analysis itself (``crm.routing.report``,
one grouped query, its record rules applied), so the two always agree for the
same leads: the same leads (routed ones), the same minutes (on the clock, from
creation), the same deadlines (each counted once, against who had it). The
arithmetic (hours of the week, shifts, load, forecast) is ``routing.capacity``.

The form's figures follow its fields as they change; *Heat Map* writes one
line per hour (and channel) for the pivot, graph and list.
"""

from dataclasses import dataclass, field

import pytz
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date, get_lang

from ..routing import capacity

SPLITS = [
    ("none", "All channels together"),
    ("source", "By source"),
    ("medium", "By medium"),
]
CHANNEL_FIELDS = {"source": "source_id", "medium": "medium_id"}
# Hours a summary names at most; the list has them all.
NAMED_HOURS = 10


def one_decimal(value):
    """A figure as the summary writes it (no string literal in a ``_()``
    call: Odoo's exporter would not see the sentence)."""
    return f"{value:.1f}"


@dataclass
class Figures:
    """Everything the form and the lines show, computed once."""

    since: object
    until: object
    next_since: object
    next_until: object
    tz: str
    weeks: int
    leads: int = 0
    # hour of the week -> {channel id or False: (leads, contacted, median,
    # deadlines, missed)}
    cells: dict = field(default_factory=dict)
    people: list = field(default_factory=list)  # 168 floats
    scheduled: list = field(default_factory=list)  # 168 floats, next week
    per_person: float | None = None
    per_person_from_history: bool = True
    forecast: list = field(default_factory=list)  # routing.capacity.Forecast


class CrmRoutingCapacity(models.TransientModel):
    _name = "crm.routing.capacity"
    _inherit = ["crm.routing.managers.only"]
    _description = "Routing Capacity"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    weeks = fields.Integer(
        required=True,
        default=capacity.DEFAULT_WEEKS,
        help="How many complete weeks (Monday to Sunday) before this one to read.",
    )
    split = fields.Selection(SPLITS, string="Channels", required=True, default="none")
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        help="Only this team's leads, against its members. Empty: every lead "
        "routing handled and everyone routing may choose.",
    )
    per_person = fields.Float(
        string="Leads per Salesperson per Hour",
        help="How many leads one salesperson can take in an hour and still make "
        "the first contact in time. 0: from history (the busiest hour in "
        "which at most 10% of deadlines were missed).",
    )
    line_ids = fields.One2many(
        "crm.routing.capacity.line", "capacity_id", string="Hours", readonly=True
    )
    lead_count = fields.Integer(string="Leads", compute="_compute_figures")
    leads_per_week = fields.Float(
        string="Leads per Week", compute="_compute_figures", digits=(16, 1)
    )
    load_used = fields.Float(
        string="Leads a Salesperson Takes per Hour",
        compute="_compute_figures",
        digits=(16, 1),
    )
    summary = fields.Html(compute="_compute_figures", sanitize=False)
    uncovered_count = fields.Integer(
        string="Hours With Leads and Nobody on Shift", compute="_compute_figures"
    )
    short_count = fields.Integer(
        string="Hours Short of People Next Week", compute="_compute_figures"
    )

    @api.depends_context("lang")
    def _compute_display_name(self):
        """The breadcrumb of the heat map reads "Capacity", not a record id."""
        for report in self:
            report.display_name = _("Capacity")

    @api.constrains("weeks", "per_person")
    def _check_numbers(self):
        for report in self:
            if not 1 <= report.weeks <= 52:
                raise ValidationError(
                    _(
                        "Weeks: choose from 1 to 52 weeks (got %(weeks)s).",
                        weeks=report.weeks,
                    )
                )
            if report.per_person < 0:
                raise ValidationError(
                    _(
                        "Leads per Salesperson per Hour cannot be negative; use 0 "
                        "to take it from history."
                    )
                )

    # ----------------------------------------------------------------- figures
    def _tz(self):
        name = self.env.context.get("tz") or self.env.user.tz or "UTC"
        return name if name in pytz.all_timezones_set else "UTC"

    def _people(self):
        """Whom routing hands leads to: the team's members, or everyone an
        active rule may choose in the company."""
        if self.team_id:
            return self.team_id.sudo().member_ids
        users = self.env["crm.routing.scorer"]._salespeople()
        return users.filtered(lambda u: u.company_id == self.company_id)

    def _lead_cells(self, figures):
        """Routing Analysis grouped by hour of the week (and channel): leads,
        contacted leads, median minutes, deadlines counted, deadlines missed."""
        # The view reads leads and the routing log: what this transaction
        # changed in them must be in the database first.
        self.env.flush_all()
        Report = self.env["crm.routing.report"].with_context(tz=figures.tz)
        domain = [
            ("create_date", ">=", figures.since),
            ("create_date", "<", figures.until),
            ("company_id", "in", [self.company_id.id, False]),
        ]
        if self.team_id:
            domain.append(("team_id", "=", self.team_id.id))
        groupby = ["create_date:day_of_week", "create_date:hour_number"]
        channel = CHANNEL_FIELDS.get(self.split)
        if channel:
            groupby.append(channel)
        rows = Report._read_group(
            domain,
            groupby,
            [
                "lead_count:sum",
                "first_contact_minutes:count",
                "first_contact_median:avg",
                "deadline_met_rate:count",
                "deadline_met_rate:avg",
            ],
        )
        # The grouping counts days from the reader's first day of the week,
        # as Odoo's day_of_week does: back to Monday = 0.
        first_day = int(get_lang(Report.env, Report.env.context.get("tz")).week_start)
        cells = {}
        for row in rows:
            day, hour = row[0], row[1]
            chan = row[2].id if channel else False
            leads, contacted, median, deadlines, met = row[len(groupby) :]
            bucket = ((day + first_day - 1) % 7) * 24 + hour
            missed = round(deadlines * (100.0 - met) / 100.0) if deadlines else 0
            cells.setdefault(bucket, {})[chan] = (
                leads or 0,
                contacted,
                median,
                deadlines,
                missed,
            )
        return cells

    def _figures(self):
        self.ensure_one()
        tz = self._tz()
        now = fields.Datetime.now()
        weeks = max(self.weeks or capacity.DEFAULT_WEEKS, 1)
        since, until = capacity.weeks_before(now, tz, weeks)
        next_since, next_until = capacity.next_week(now, tz)
        figures = Figures(since, until, next_since, next_until, tz, weeks)
        figures.cells = self._lead_cells(figures)
        figures.leads = sum(
            cell[0] for cells in figures.cells.values() for cell in cells.values()
        )
        users = self._people()
        schedules = self.env["crm.routing.facts"]._work_schedules(
            users, since, until=next_until
        )
        figures.people = capacity.people_on_shift(schedules.values(), since, until, tz)
        figures.scheduled = capacity.people_on_shift(
            schedules.values(), next_since, next_until, tz
        )
        expected = [0.0] * capacity.HOURS_PER_WEEK
        hours = []
        for bucket in range(capacity.HOURS_PER_WEEK):
            cells = figures.cells.get(bucket, {}).values()
            expected[bucket] = sum(cell[0] for cell in cells) / weeks
            hours.append(
                capacity.HourFigures(
                    bucket,
                    expected[bucket],
                    figures.people[bucket],
                    sum(cell[3] for cell in cells),
                    sum(cell[4] for cell in cells),
                )
            )
        if self.per_person > 0:
            figures.per_person = self.per_person
            figures.per_person_from_history = False
        else:
            figures.per_person = capacity.comfortable_load(hours)
        figures.forecast = capacity.forecast(
            expected, figures.scheduled, figures.per_person
        )
        return figures

    @api.depends("weeks", "split", "team_id", "per_person", "company_id")
    @api.depends_context("tz", "lang")
    def _compute_figures(self):
        for report in self:
            if not 1 <= report.weeks <= 52:
                report.update(
                    {
                        "lead_count": 0,
                        "leads_per_week": 0.0,
                        "load_used": 0.0,
                        "uncovered_count": 0,
                        "short_count": 0,
                        "summary": Markup("<p>%s</p>")
                        % _("Weeks: choose from 1 to 52 weeks."),
                    }
                )
                continue
            figures = report._figures()
            uncovered = report._uncovered(figures)
            short = capacity.shortest_hours(figures.forecast, capacity.HOURS_PER_WEEK)
            report.update(
                {
                    "lead_count": figures.leads,
                    "leads_per_week": figures.leads / figures.weeks,
                    "load_used": figures.per_person or 0.0,
                    "uncovered_count": len(uncovered),
                    "short_count": len(short),
                    "summary": report._summary(figures, uncovered, short),
                }
            )

    @staticmethod
    def _uncovered(figures):
        """Hours leads came in with nobody on shift, busiest first."""
        hours = []
        for bucket, cells in figures.cells.items():
            leads = sum(cell[0] for cell in cells.values())
            if leads and figures.people[bucket] <= 0:
                hours.append((bucket, leads / figures.weeks))
        return sorted(hours, key=lambda item: (-item[1], item[0]))

    # ----------------------------------------------------------------- words
    def _hour_name(self, bucket):
        """ "Monday 09:00", in the reader's language."""
        day, hour = capacity.weekday_and_hour(bucket)
        days = dict(
            self.env["crm.routing.capacity.line"]
            ._fields["weekday"]
            ._description_selection(self.env)
        )
        clock = f"{hour:02d}:00"
        return _("%(day)s %(hour)s", day=days[str(day)], hour=clock)

    def _day(self, moment, tz, end=False):
        """The local date of a naive UTC moment (the day before, for an end)."""
        local = pytz.UTC.localize(moment).astimezone(pytz.timezone(tz))
        day = local.date()
        if end:
            day = fields.Date.subtract(day, days=1)
        return format_date(self.env, day)

    def _summary(self, figures, uncovered, short):
        paragraphs = [
            _(
                "Leads created from %(start)s to %(end)s (%(weeks)s weeks), hours in "
                "your time zone (%(tz)s): %(leads)s leads, %(per_week)s a week.",
                start=self._day(figures.since, figures.tz),
                end=self._day(figures.until, figures.tz, end=True),
                weeks=figures.weeks,
                tz=figures.tz,
                leads=figures.leads,
                per_week=one_decimal(figures.leads / figures.weeks),
            )
        ]
        if not figures.per_person_from_history:
            paragraphs.append(
                _(
                    "One salesperson takes %(load)s leads an hour and keeps the "
                    "first-contact deadline (your figure).",
                    load=one_decimal(figures.per_person),
                )
            )
        elif figures.per_person:
            paragraphs.append(
                _(
                    "One salesperson took up to %(load)s leads an hour and kept the "
                    "first-contact deadline (the busiest hour with at most 10%% of "
                    "its deadlines missed).",
                    load=one_decimal(figures.per_person),
                )
            )
        else:
            paragraphs.append(
                _(
                    "Too little history to tell how many leads an hour one "
                    "salesperson can take: set Leads per Salesperson per Hour. "
                    "Until then only hours with leads and nobody scheduled are "
                    "named."
                )
            )
        if uncovered:
            hours = [
                _(
                    "%(hour)s (%(leads)s a week)",
                    hour=self._hour_name(bucket),
                    leads=one_decimal(leads),
                )
                for bucket, leads in uncovered[:NAMED_HOURS]
            ]
            paragraphs.append(
                _(
                    "Hours with leads and nobody on shift: %(hours)s.",
                    hours=self._join(hours),
                )
            )
        else:
            paragraphs.append(_("Someone was on shift in every hour leads came in."))
        week = _(
            "%(start)s to %(end)s",
            start=self._day(figures.next_since, figures.tz),
            end=self._day(figures.next_until, figures.tz, end=True),
        )
        if short:
            hours = [
                _(
                    "%(hour)s: %(expected)s leads expected, %(scheduled)s "
                    "scheduled, %(needed)s needed",
                    hour=self._hour_name(row.bucket),
                    expected=one_decimal(row.expected),
                    scheduled=one_decimal(row.scheduled),
                    needed=row.needed if row.needed is not None else 1,
                )
                for row in short[:NAMED_HOURS]
            ]
            paragraphs.append(
                _(
                    "Next week (%(week)s), more people are needed to keep the "
                    "first-contact deadline: %(hours)s.",
                    week=week,
                    hours=self._join(hours),
                )
            )
        else:
            paragraphs.append(
                _(
                    "Next week (%(week)s), the people scheduled can take the leads "
                    "expected in every hour.",
                    week=week,
                )
            )
        return Markup("").join(Markup("<p>%s</p>") % text for text in paragraphs)

    def _join(self, items):
        text = items[0] if items else ""
        for item in items[1:]:
            text = _("%(items)s; %(item)s", items=text, item=item)
        return text

    # ------------------------------------------------------------------ lines
    def _write_lines(self):
        """One line per hour of the week (and channel), replacing the last."""
        self.ensure_one()
        self.line_ids.unlink()
        figures = self._figures()
        channel = CHANNEL_FIELDS.get(self.split)
        values = []
        for bucket in range(capacity.HOURS_PER_WEEK):
            cells = figures.cells.get(bucket) or {False: (0, 0, None, 0, 0)}
            weight = 1.0 / len(cells)
            people = figures.people[bucket]
            plan = figures.forecast[bucket]
            day, hour = capacity.weekday_and_hour(bucket)
            for chan, (leads, contacted, median, deadlines, missed) in cells.items():
                per_week = leads / figures.weeks
                line = {
                    "capacity_id": self.id,
                    "hour_of_week": bucket,
                    "weekday": str(day),
                    "hour": f"{hour:02d}",
                    "name": self._hour_name(bucket),
                    "weight": weight,
                    "lead_count": leads,
                    "leads_per_week": per_week,
                    "contacted_count": contacted,
                    "first_contact_median": median or 0.0,
                    "deadline_count": deadlines,
                    "missed_count": missed,
                    "missed_rate": 100.0 * missed / deadlines if deadlines else 0.0,
                    "people_on_shift": people,
                    "leads_per_person": per_week / people if people else 0.0,
                    "uncovered": bool(leads) and people <= 0,
                    "expected_leads": per_week,
                    "scheduled_people": plan.scheduled,
                    "needed_people": plan.needed or 0,
                    "short_by": plan.short_by,
                    "more_needed": plan.short_by > 0,
                }
                if channel:
                    line[channel] = chan
                values.append(line)
        return self.env["crm.routing.capacity.line"].create(values)

    def _lines_action(self, view_type):
        self._write_lines()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lead_routing.crm_routing_capacity_line_action"
        )
        modes = action["view_mode"].split(",")
        action["view_mode"] = ",".join(
            [view_type] + [m for m in modes if m != view_type]
        )
        action["views"] = [(False, mode) for mode in action["view_mode"].split(",")]
        action["domain"] = [("capacity_id", "=", self.id)]
        action["context"] = {"capacity_id": self.id}
        return action

    def action_view_heatmap(self):
        return self._lines_action("pivot")

    def action_view_graph(self):
        return self._lines_action("graph")

    def action_view_list(self):
        return self._lines_action("list")
