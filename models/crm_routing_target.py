# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Targets for an incentive programme: SMART goals on the scorecard's metrics.

Specific: one metric of the scorecard (the codes of ``METRIC_TABLE``) for one
salesperson or one sales team. Measurable: ``current_value`` is gathered by
the scorer's own code (``crm.routing.scorer._metric_samples``) over the
target's period, so a target and the scorecard never disagree. Achievable:
the form suggests a value from history (``routing.targets.suggest``) and says
how it was chosen. Time-bound: a period, days in the owner's time zone, both
included. Reviewed: a nightly snapshot per running target draws its progress
over the period, and a target that ends keeps its final figures.

Why not Odoo's gamification goals: see the README (a goal is one user's,
computed by a count or sum of records or by Python code run once per goal;
it has no team goal, no median or rate, no history of its progress, and its
visibility is the challenge's, not the company's score-sharing setting).
"""

from datetime import date, datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from ..routing import targets as target_maths
from ..routing.messages import _lt
from ..routing.scoring import METRIC_TABLE
from ..routing.scoring import metric as metric_entry
from .crm_routing_scorer import Slot

STATES = [("draft", "Draft"), ("running", "Running"), ("done", "Done")]
# A metric in a few words, for column titles.
SHORT_LABELS = {
    "conversion": _lt("Conversion"),
    "speed": _lt("First contact"),
    "revenue": _lt("Won revenue"),
    "activity": _lt("Activities per day"),
    "satisfaction": _lt("Satisfaction"),
}
# Keys of the suggestion's history slots: the owner's weeks are negative.
WEEK_KEY = -1


def quarter_bounds(day):
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = date(
        first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1
    )
    return first, following - timedelta(days=1)


class CrmRoutingTarget(models.Model):
    _name = "crm.routing.target"
    _description = "Sales Target"
    _inherit = ["mail.thread"]
    _order = "date_to desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["user_id", "team_id"]

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('share', '=', False)]",
        help="The salesperson the target is for; leave empty for a sales team's target.",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        help="The sales team the target is for: its members' leads and "
        "activities together. Leave empty for a salesperson's target.",
    )
    metric = fields.Selection(
        [(metric.name, metric.label) for metric in METRIC_TABLE],
        required=True,
        default="conversion",
        tracking=True,
        help="One metric of the scorecard, measured over the period exactly as "
        "the scorecard measures it.",
    )
    target_value = fields.Float(
        string="Target",
        tracking=True,
        help="The value to reach over the period: at least this much, or at "
        "most this much for the time to first contact.",
    )
    date_from = fields.Date(
        string="From",
        required=True,
        tracking=True,
        default=lambda self: quarter_bounds(fields.Date.context_today(self))[0],
    )
    date_to = fields.Date(
        string="To",
        required=True,
        tracking=True,
        default=lambda self: quarter_bounds(fields.Date.context_today(self))[1],
    )
    state = fields.Selection(
        STATES, required=True, default="draft", readonly=True, tracking=True
    )
    lower_is_better = fields.Boolean(compute="_compute_lower_is_better")
    current_value = fields.Float(
        string="Current",
        compute="_compute_current",
        help="The metric over the period so far, as the scorecard computes it "
        "(its final value once the period is over).",
    )
    has_value = fields.Boolean(compute="_compute_current")
    cases = fields.Integer(
        compute="_compute_current",
        help="What the figure rests on: closed leads for conversion and won "
        "revenue, contacted leads for the time to first contact, assigned "
        "leads or done activities for activities.",
    )
    progress = fields.Float(
        string="Progress (%)",
        compute="_compute_current",
        help="How much of the target is reached: current / target, or target "
        "/ current for the time to first contact (above 100 when beaten).",
    )
    on_track = fields.Boolean(
        compute="_compute_current",
        help="For won revenue: at least the target's share of the period gone "
        "by. For the other metrics: the target is already reached.",
    )
    current_display = fields.Char(string="Now", compute="_compute_current")
    target_display = fields.Char(string="Target Value", compute="_compute_current")
    final_value = fields.Float(readonly=True, copy=False)
    final_has_value = fields.Boolean(readonly=True, copy=False)
    final_cases = fields.Integer(readonly=True, copy=False)
    suggested_value = fields.Float(compute="_compute_suggestion")
    suggested_display = fields.Char(string="Suggested", compute="_compute_suggestion")
    suggestion_note = fields.Text(
        string="How the Suggestion Was Chosen", compute="_compute_suggestion"
    )
    snapshot_ids = fields.One2many(
        "crm.routing.target.snapshot", "target_id", string="Progress History"
    )
    snapshot_count = fields.Integer(compute="_compute_snapshot_count")

    # ------------------------------------------------------------------ checks
    @api.constrains("user_id", "team_id")
    def _check_owner(self):
        for target in self:
            if not target.user_id and not target.team_id:
                raise ValidationError(
                    _(
                        "A target is for a salesperson or for a sales team: "
                        "choose one in Salesperson or in Sales Team."
                    )
                )
            if target.user_id and target.team_id:
                raise ValidationError(
                    _(
                        "A target is for a salesperson or for a sales team, not "
                        "both: empty Salesperson (%(user)s) or Sales Team (%(team)s).",
                        user=target.user_id.name,
                        team=target.team_id.name,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for target in self:
            if target.date_from > target.date_to:
                raise ValidationError(target._period_error())

    def _period_error(self):
        return _(
            "The period ends (To: %(end)s) before it starts (From: %(start)s): "
            "choose a From date on or before the To date.",
            start=format_date(self.env, self.date_from),
            end=format_date(self.env, self.date_to),
        )

    @api.constrains("metric", "target_value")
    def _check_target_value(self):
        for target in self:
            low, high = target_maths.BOUNDS.get(target.metric, (0.0, None))
            if target.target_value < low or (
                high is not None and target.target_value > high
            ):
                raise ValidationError(
                    _(
                        "Target: %(metric)s takes a value from %(low)s to %(high)s "
                        "(got %(value)s).",
                        metric=target._metric_label(),
                        low=low,
                        high=high,
                        value=target.target_value,
                    )
                    if high is not None
                    else _(
                        "Target: %(metric)s cannot be negative (got %(value)s).",
                        metric=target._metric_label(),
                        value=target.target_value,
                    )
                )

    @api.constrains("user_id", "team_id", "metric", "date_from", "date_to")
    def _check_overlap(self):
        """One target per person (or team) and metric at a time: the
        leaderboard shows one figure per person and period."""
        for target in self:
            other = self.sudo().search(
                [
                    ("id", "!=", target.id),
                    ("company_id", "=", target.company_id.id),
                    ("metric", "=", target.metric),
                    ("user_id", "=", target.user_id.id),
                    ("team_id", "=", target.team_id.id),
                    ("date_from", "<=", target.date_to),
                    ("date_to", ">=", target.date_from),
                ],
                limit=1,
            )
            if other:
                raise ValidationError(
                    _(
                        "%(owner)s already has a target on %(metric)s from "
                        "%(start)s to %(end)s; change its period or this one's.",
                        owner=target._owner_name(),
                        metric=target._metric_label(),
                        start=format_date(self.env, other.date_from),
                        end=format_date(self.env, other.date_to),
                    )
                )

    # ---------------------------------------------------------------- display
    @api.depends("user_id", "team_id", "metric", "date_from", "date_to")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for target in self:
            if not target.metric or not (target.user_id or target.team_id):
                target.display_name = _("New target")
                continue
            target.display_name = _(
                "%(owner)s: %(metric)s, %(start)s to %(end)s",
                owner=target._owner_name(),
                metric=target._short_label(),
                start=format_date(self.env, target.date_from),
                end=format_date(self.env, target.date_to),
            )

    def _owner_name(self):
        return (self.user_id or self.team_id).sudo().name or ""

    def _metric_label(self):
        return dict(self._fields["metric"]._description_selection(self.env)).get(
            self.metric, ""
        )

    def _short_label(self):
        if not self.metric:
            return ""
        return self.env["crm.routing.explainer"]._translator()(
            SHORT_LABELS[self.metric]
        )

    @api.depends("metric")
    def _compute_lower_is_better(self):
        for target in self:
            target.lower_is_better = bool(
                target.metric and metric_entry(target.metric).lower_is_better
            )

    def _compute_snapshot_count(self):
        counts = dict(
            self.env["crm.routing.target.snapshot"]._read_group(
                [("target_id", "in", self.ids)], ["target_id"], ["__count"]
            )
        )
        for target in self:
            target.snapshot_count = counts.get(target, 0)

    # ---------------------------------------------------------------- measure
    def _zone(self):
        """The owner's time zone: the salesperson's, the team leader's, else
        the reader's."""
        name = (
            self.user_id.sudo().tz
            or self.team_id.sudo().user_id.tz
            or self.env.user.tz
            or "UTC"
        )
        try:
            return pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            return pytz.UTC

    def _bounds(self):
        """The period as naive UTC: the first day's midnight and the midnight
        after the last day, in the owner's time zone."""
        zone = self._zone()

        def midnight(day):
            local = zone.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.UTC).replace(tzinfo=None)

        return midnight(self.date_from), midnight(self.date_to + timedelta(days=1))

    def _members(self):
        """Whose leads count: the salesperson, or the team's active members."""
        if self.user_id:
            return self.user_id
        return self.team_id.sudo().member_ids

    def _measure(self, now):
        """Each target's metric over its period up to ``now`` (4 queries for
        all of them): ``{target: MetricSample}``; a target whose period has
        not started is absent."""
        slots, keys = [], {}
        for key, target in enumerate(self, start=1):
            if not target.metric or not target.date_from or not target.date_to:
                continue
            since, end = target._bounds()
            if since > now:
                continue
            until = min(now, end - timedelta(microseconds=1))
            keys[key] = target
            slots += [Slot(user.id, key, since, until) for user in target._members()]
        samples = self.env["crm.routing.scorer"]._metric_samples(slots)
        return {
            target: samples[key][target.metric]
            for key, target in keys.items()
            if key in samples
        }

    def _elapsed(self, now):
        since, end = self._bounds()
        if end <= since:
            return 1.0
        return min(max((now - since) / (end - since), 0.0), 1.0)

    @api.depends(
        "user_id",
        "team_id",
        "metric",
        "target_value",
        "date_from",
        "date_to",
        "state",
        "final_value",
    )
    @api.depends_context("lang")
    def _compute_current(self):
        now = fields.Datetime.now()
        live = self.filtered(
            lambda t: t.state != "done" and (t.user_id or t.team_id) and t.metric
        )
        samples = live._measure(now)
        Scorecard = self.env["crm.routing.scorecard"]
        for target in self:
            if target.state == "done":
                value = target.final_value if target.final_has_value else None
                cases = target.final_cases
            else:
                sample = samples.get(target)
                value = sample.value if sample else None
                cases = sample.n if sample else 0
            metric = target.metric
            target.update(
                {
                    "current_value": value or 0.0,
                    "has_value": value is not None,
                    "cases": cases,
                    "progress": target_maths.progress(
                        metric, value, target.target_value
                    )
                    if metric
                    else 0.0,
                    "on_track": bool(metric)
                    and target_maths.on_track(
                        metric,
                        value,
                        target.target_value,
                        target._elapsed(now) if target.date_from else 0.0,
                    ),
                    "current_display": Scorecard._format_metric(metric, value)
                    if metric and value is not None
                    else _("No data yet"),
                    "target_display": Scorecard._format_metric(
                        metric, target.target_value
                    )
                    if metric
                    else "",
                }
            )

    # ------------------------------------------------------------- suggestion
    def _comparable(self):
        """The group the owner is compared with, as ``{key: users}``: the
        salespeople scored with the same group as the owner (their company,
        or their team when ranked within teams); for a team, the company's
        sales teams with members."""
        self.ensure_one()
        company = self.company_id
        if self.team_id:
            teams = (
                self.env["crm.team"]
                .sudo()
                .search([("company_id", "in", [company.id, False])])
            )
            return {team.id: team.member_ids for team in teams if team.member_ids}
        Scorer = self.env["crm.routing.scorer"]
        people = Scorer._salespeople().filtered(lambda u: u.company_id == company)
        people |= self.user_id.sudo()
        profiles = Scorer._profiles(people)
        mine = profiles.get(self.user_id.id, {})
        return {
            uid: self.env["res.users"].browse(uid)
            for uid, profile in profiles.items()
            if profile["company_id"] == company.id
            and (
                not company.routing_score_by_team
                or profile["team_id"] == mine.get("team_id")
            )
        }

    def _history_slots(self, now):
        """The owner's last 12 weeks (one slot per week and member, keys
        -1 to -12, oldest first) and the group's 12 weeks (one slot per
        member of the group, keyed by person or team)."""
        weeks = target_maths.HISTORY_WEEKS
        start = now - timedelta(weeks=weeks)
        tick = timedelta(microseconds=1)
        slots = []
        for week in range(weeks):
            since = start + timedelta(weeks=week)
            until = since + timedelta(weeks=1) - tick
            key = WEEK_KEY - (weeks - 1 - week)
            slots += [Slot(user.id, key, since, until) for user in self._members()]
        group = self._comparable()
        for key, users in group.items():
            slots += [Slot(user.id, key, start, now) for user in users]
        return slots, group

    @api.depends("user_id", "team_id", "metric", "date_from", "date_to", "company_id")
    @api.depends_context("lang")
    def _compute_suggestion(self):
        now = fields.Datetime.now()
        for target in self:
            target.suggested_value = 0.0
            target.suggested_display = False
            target.suggestion_note = False
            if target.state == "done" or not (target.user_id or target.team_id):
                continue
            if not target.metric or not target.date_from or not target.date_to:
                continue
            if target.date_from > target.date_to:
                continue
            suggestion = target._suggest(now)
            target.suggested_value = suggestion.value or 0.0
            if suggestion.value is not None:
                target.suggested_display = self.env[
                    "crm.routing.scorecard"
                ]._format_metric(target.metric, suggestion.value)
            target.suggestion_note = target._explain_suggestion(suggestion)

    def _suggest(self, now):
        self.ensure_one()
        slots, group = self._history_slots(now)
        samples = self.env["crm.routing.scorer"]._metric_samples(slots)
        metric = self.metric
        weeks = target_maths.HISTORY_WEEKS
        weekly = []
        if metric != "satisfaction":  # a figure a manager enters, no history
            for week in range(weeks):
                sample = samples.get(WEEK_KEY - (weeks - 1 - week), {}).get(metric)
                weekly.append((sample.value, sample.n) if sample else (None, 0))
        group_values = [samples[key][metric].value for key in group if key in samples]
        since, end = self._bounds()
        middle = since + (end - since) / 2
        return target_maths.suggest(
            metric,
            weekly,
            group_values,
            (self.date_to - self.date_from).days + 1,
            (middle - now) / timedelta(weeks=1),
        )

    def _explain_suggestion(self, suggestion):
        """How the suggestion was chosen, in a sentence or two."""
        fmt = self.env["crm.routing.scorecard"]._format_metric
        metric = self.metric
        owner = self._owner_name()
        weeks = target_maths.HISTORY_WEEKS
        value = fmt(metric, suggestion.value) if suggestion.value is not None else ""
        if suggestion.method in ("trend", "capped", "average"):
            level = fmt(metric, suggestion.level)
            slope = fmt(metric, abs(suggestion.slope)).strip()
            if metric in target_maths.ACCUMULATING:
                level = _("%(value)s a week", value=level)
            if suggestion.method == "trend":
                return _(
                    "From the own trend of %(owner)s over the last %(weeks)s weeks "
                    "(%(with_data)s with data): %(level)s at the end, improving by "
                    "%(slope)s a week; continued to the middle of the period, that "
                    "gives %(value)s.",
                    owner=owner,
                    weeks=weeks,
                    with_data=suggestion.weeks,
                    level=level,
                    slope=slope,
                    value=value,
                )
            if suggestion.method == "capped":
                return _(
                    "From the own trend of %(owner)s over the last %(weeks)s weeks "
                    "(%(with_data)s with data): %(level)s at the end, improving by "
                    "%(slope)s a week. Continued to the middle of the period it "
                    "would go past %(rule)s, so the suggestion stops there, or at "
                    "the level already reached if that is better: %(value)s.",
                    owner=owner,
                    weeks=weeks,
                    with_data=suggestion.weeks,
                    level=level,
                    slope=slope,
                    rule=self._best_fifth(suggestion.group_size),
                    value=value,
                )
            return _(
                "The trend of %(owner)s over the last %(weeks)s weeks goes the wrong "
                "way (by %(slope)s a week): the suggestion is the average of those "
                "weeks, %(value)s over the period, a level already reached.",
                owner=owner,
                weeks=weeks,
                slope=slope,
                value=value,
            )
        if suggestion.method == "group":
            return _(
                "Too little history of %(owner)s for a trend (%(with_data)s of "
                "%(weeks)s weeks with data): %(value)s is %(rule)s.",
                owner=owner,
                with_data=suggestion.weeks,
                weeks=weeks,
                value=value,
                rule=self._best_fifth(suggestion.group_size),
            )
        return _(
            "No history to suggest from: neither %(owner)s nor comparable colleagues "
            "have figures for this metric over the last %(weeks)s weeks. Set the "
            "target from your own judgement.",
            owner=owner,
            weeks=weeks,
        )

    def _best_fifth(self, size):
        """ "the 80th percentile of 5 comparable salespeople over ..."."""
        weeks = target_maths.HISTORY_WEEKS
        if self.team_id:
            group = _("%(count)s sales teams", count=size)
        else:
            group = _("%(count)s comparable salespeople", count=size)
        if metric_entry(self.metric).lower_is_better:
            return _(
                "the 20th percentile of %(group)s over the last %(weeks)s "
                "weeks (faster than four in five of them)",
                group=group,
                weeks=weeks,
            )
        return _(
            "the 80th percentile of %(group)s over the last %(weeks)s "
            "weeks (what the best fifth of them achieve)",
            group=group,
            weeks=weeks,
        )

    @api.onchange("user_id", "team_id", "metric", "date_from", "date_to")
    def _onchange_suggestion(self):
        """While a target is prepared, Target follows the suggestion for who,
        what and when (another metric is another unit): the manager takes it
        or types their own value last."""
        if self.date_from and self.date_to and self.date_from > self.date_to:
            return {
                "warning": {
                    "title": _("Check the period"),
                    "message": self._period_error(),
                }
            }
        if self.state == "draft" and self.suggested_value:
            self.target_value = self.suggested_value
        return None

    # ----------------------------------------------------------------- states
    def action_use_suggestion(self):
        for target in self:
            if target.state == "done":
                continue
            if not target.suggested_value:
                raise UserError(target.suggestion_note or _("No suggestion."))
            target.target_value = target.suggested_value
        return True

    def action_start(self):
        """Draft to running; a period already over closes at once."""
        for target in self:
            if target.state != "draft":
                continue
            if target.target_value <= 0:
                raise UserError(
                    _(
                        "%(target)s: set the Target value before starting it (the "
                        "suggestion is %(value)s).",
                        target=target.display_name,
                        value=target.suggested_value,
                    )
                )
        starting = self.filtered(lambda t: t.state == "draft")
        starting.state = "running"
        today = fields.Date.context_today(self)
        started = starting.filtered(lambda t: t.date_from <= today)
        started._snapshot()
        started.filtered(lambda t: t.date_to < today)._close()
        return True

    def action_draft(self):
        for target in self:
            if target.state == "done":
                raise UserError(
                    _(
                        "%(target)s is done: its final figures are kept as they "
                        "were at the end of its period.",
                        target=target.display_name,
                    )
                )
        self.state = "draft"
        return True

    def action_view_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lead_routing.crm_routing_target_snapshot_action"
        )
        action["domain"] = [("target_id", "=", self.id)]
        action["context"] = {"default_target_id": self.id}
        action["display_name"] = self.display_name
        return action

    # ------------------------------------------------------------ snapshots
    def _snapshot(self):
        """Today's figures of each target (its last day's once it is over),
        one row per target and day: a rerun the same day updates it."""
        if not self:
            return
        # Measured now, not as an earlier read of this transaction left them.
        self.invalidate_recordset(["current_value", "has_value", "cases", "progress"])
        Snapshot = self.env["crm.routing.target.snapshot"].sudo()
        today = fields.Date.context_today(self)
        existing = {
            (snap.target_id.id, snap.date): snap
            for snap in Snapshot.search([("target_id", "in", self.ids)])
        }
        new = []
        for target in self:
            day = min(today, target.date_to)
            values = {
                "value": target.current_value,
                "has_value": target.has_value,
                "target_value": target.target_value,
                "progress": target.progress,
            }
            if (target.id, day) in existing:
                existing[(target.id, day)].write(values)
            else:
                new.append({"target_id": target.id, "date": day, **values})
        Snapshot.create(new)

    def _close(self):
        """A target whose period is over keeps its final figures."""
        self.invalidate_recordset(["current_value", "has_value", "cases"])
        for target in self:
            target.write(
                {
                    "final_value": target.current_value,
                    "final_has_value": target.has_value,
                    "final_cases": target.cases,
                    "state": "done",
                }
            )

    @api.model
    def _cron_snapshot(self):
        """Nightly: a snapshot of every running target whose period has
        started, then the ones whose period is over are closed."""
        today = fields.Date.context_today(self)
        running = self.sudo().search(
            [("state", "=", "running"), ("date_from", "<=", today)]
        )
        running._snapshot()
        running.filtered(lambda t: t.date_to < today)._close()
        return len(running)

    # ------------------------------------------------------------ leaderboard
    @api.model
    def _leaderboard_columns(self):
        """The running targets the leaderboard shows, one column each: a
        salesperson's targets of the same metric and period share a column
        (each person's own figure), a team's target has its own (its figure
        on each member's row). ``[(title, targets)]``, ending soonest first."""
        running = self.search(
            [
                ("state", "=", "running"),
                ("company_id", "in", self.env.companies.ids),
            ],
            order="date_to, date_from, id",
        )
        columns = {}
        for target in running:
            key = (target.team_id.id, target.metric, target.date_from, target.date_to)
            columns.setdefault(key, self.browse())
            columns[key] |= target
        result = []
        for (team_id, _metric, _start, end), group in columns.items():
            title = _(
                "%(metric)s by %(date)s",
                metric=group[0]._short_label(),
                date=format_date(self.env, end),
            )
            if team_id:
                title = _("%(team)s: %(title)s", team=group.team_id.name, title=title)
            # Read together: their figures are measured in one batch.
            result.append((title, group.with_prefetch(running._prefetch_ids)))
        return result
