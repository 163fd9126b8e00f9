# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
HOURS = [(f"{hour:02d}", f"{hour:02d}:00") for hour in range(24)]
# Figures of the whole hour, repeated on each channel's line of that hour:
# averaged over hours, each line weighing 1 / (its hour's lines).
PER_HOUR_AVERAGE = ("people_on_shift", "scheduled_people", "needed_people")


class CrmRoutingCapacityLine(models.TransientModel):
    """One hour of the week (and channel) of a capacity report.

    Rows of the pivot (hours down, weekdays across), the graph and the list.
    Totals are exact whatever the grouping: leads add up; people on shift,
    scheduled and needed are averages over hours; leads per person is the
    leads over the people on shift of the same hours; deadlines missed is
    missed over counted. Split by channel, an hour has a line per channel
    and its hour figures are on each of them, weighed so they count once
    (see :meth:`_read_group_select`).
    """

    _name = "crm.routing.capacity.line"
    _description = "Routing Capacity by Hour"
    _order = "hour_of_week, id"

    capacity_id = fields.Many2one(
        "crm.routing.capacity", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(string="Hour of the Week", readonly=True)
    hour_of_week = fields.Integer(readonly=True)
    weekday = fields.Selection(WEEKDAYS, string="Day", readonly=True)
    hour = fields.Selection(HOURS, readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    weight = fields.Float(readonly=True, aggregator="sum")
    lead_count = fields.Integer(
        string="Leads", readonly=True, aggregator="sum", help="Over all the weeks read."
    )
    leads_per_week = fields.Float(
        string="Leads per Week", readonly=True, aggregator="sum"
    )
    contacted_count = fields.Integer(
        string="Contacted Leads", readonly=True, aggregator="sum"
    )
    first_contact_median = fields.Float(
        string="Median Minutes to First Contact",
        readonly=True,
        aggregator="avg",
        help="On the clock, from the lead's creation, as Routing Analysis counts "
        "them. Over several hours or channels: their medians weighed by the "
        "leads contacted.",
    )
    deadline_count = fields.Integer(string="Deadlines", readonly=True, aggregator="sum")
    missed_count = fields.Integer(
        string="Deadlines Missed", readonly=True, aggregator="sum"
    )
    missed_rate = fields.Float(
        string="Deadlines Missed (%)", readonly=True, aggregator="avg"
    )
    people_on_shift = fields.Float(
        string="Salespeople on Shift",
        readonly=True,
        aggregator="avg",
        help="Per week on average, from working hours and time off: 1.5 is one "
        "person every week and another every other week, or half of the hour.",
    )
    leads_per_person = fields.Float(
        string="Leads per Salesperson on Shift",
        readonly=True,
        aggregator="avg",
    )
    uncovered = fields.Boolean(
        string="Leads, Nobody on Shift",
        readonly=True,
        help="Leads came in during this hour and nobody was on shift.",
    )
    expected_leads = fields.Float(
        string="Leads Expected Next Week",
        readonly=True,
        aggregator="sum",
    )
    scheduled_people = fields.Float(
        string="Scheduled Next Week", readonly=True, aggregator="avg"
    )
    needed_people = fields.Float(
        string="Needed Next Week", readonly=True, aggregator="avg"
    )
    short_by = fields.Float(
        string="People Missing Next Week",
        readonly=True,
        aggregator="sum",
    )
    more_needed = fields.Boolean(string="More People Needed", readonly=True)

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """Totals that stay right over several lines: weighted averages of
        the hour figures, and ratios of sums."""
        fname = aggregate_spec.split(":")[0]

        def column(name):
            return self._field_to_sql(self._table, name, query)

        weight = column("weight")
        if fname in PER_HOUR_AVERAGE:
            return SQL(
                "SUM(%s * %s) / NULLIF(SUM(%s), 0)", weight, column(fname), weight
            )
        if fname == "short_by":
            return SQL("SUM(%s * %s)", weight, column(fname))
        if fname == "leads_per_person":
            return SQL(
                "SUM(%s) / NULLIF(SUM(%s * %s), 0)",
                column("leads_per_week"),
                weight,
                column("people_on_shift"),
            )
        if fname == "missed_rate":
            return SQL(
                "100.0 * SUM(%s) / NULLIF(SUM(%s), 0)",
                column("missed_count"),
                column("deadline_count"),
            )
        if fname == "first_contact_median":
            return SQL(
                "SUM(%s * %s) / NULLIF(SUM(%s), 0)",
                column("first_contact_median"),
                column("contacted_count"),
                column("contacted_count"),
            )
        return super()._read_group_select(aggregate_spec, query)
