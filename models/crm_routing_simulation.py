# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What-if replay: past leads through a set of rules, compared with reality.

A sales manager about to change rules replays the leads of a period through
the rules they want (active ones, drafts, archived ones) and sees, lead by
lead, who would have got it and who really did, with a summary per
salesperson and per rule and fairness figures. *Apply these rules* then makes
the simulated set the live one.

Live routing and the replay take the same decisions from the same facts:
facts come from ``crm.routing.facts._gather`` (with ``live=False``), decisions
from the pure engine (``routing.route_batch``, or ``routing.replay`` which
routes each lead at its own creation time through it). The writer is never
called: a replay writes its own lines and summary, nothing else.
"""

import logging
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..routing import engine, replay
from .crm_routing_dispatcher import EXPLAIN_LIMIT
from .crm_routing_rule import check_lead_domain, parse_lead_domain
from .routing_scope import is_open_lead

_logger = logging.getLogger(__name__)

AVAILABILITY = [
    ("now", "As now"),
    ("at_creation", "As at each lead's creation"),
]
STATES = [("draft", "Draft"), ("running", "Running"), ("done", "Done")]
# Past this many leads a replay runs in the background (``crm.routing.job``).
INLINE_LEADS = 5000
DEFAULT_DAYS = 30


class CrmRoutingSimulation(models.Model):
    _name = "crm.routing.simulation"
    _description = "Lead Routing What-if Replay"
    _inherit = ["mail.thread", "crm.routing.input.mixin", "crm.routing.managers.only"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, default=lambda self: self.env._("What-if replay"))
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    lead_domain = fields.Char(
        string="Leads",
        default="[]",
        help="Which past leads to replay (with the creation period below).",
    )
    date_from = fields.Date(
        string="Created From",
        required=True,
        default=lambda self: fields.Date.context_today(self)
        - timedelta(days=DEFAULT_DAYS),
    )
    date_to = fields.Date(
        string="Created Until",
        required=True,
        default=lambda self: fields.Date.context_today(self),
    )
    rule_ids = fields.Many2many(
        "crm.routing.rule",
        "crm_routing_simulation_rule_rel",
        "simulation_id",
        "rule_id",
        string="Rules",
        context={"active_test": False},
        check_company=True,
        default=lambda self: self.env["crm.routing.rule"].search(
            [("company_id", "in", [self.env.company.id, False])]
        ),
        help="The rules to replay with, in their order; archived rules are "
        "simulated as if they were active.",
    )
    availability = fields.Selection(
        AVAILABILITY,
        required=True,
        default="at_creation",
        help="As now: today's working hours, time off and loads. As at each "
        "lead's creation: working hours and time off at that moment, loads and "
        "rotations evolving through the replay.",
    )
    state = fields.Selection(STATES, required=True, default="draft", readonly=True)
    line_ids = fields.One2many(
        "crm.routing.simulation.line",
        "simulation_id",
        string="Replayed Leads",
        readonly=True,
    )
    lead_count = fields.Integer(string="Leads Replayed", readonly=True)
    job_id = fields.Many2one("crm.routing.job", string="Background Job", readonly=True)
    job_progress = fields.Float(related="job_id.progress", string="Progress (%)")
    assigned_count = fields.Integer(string="Assigned", readonly=True)
    queued_count = fields.Integer(string="Queued", readonly=True)
    unroutable_count = fields.Integer(string="Unroutable", readonly=True)
    changed_count = fields.Integer(
        string="Would Change Owner",
        readonly=True,
        help="Leads that would go to someone else than their salesperson today.",
    )
    fairness_gini = fields.Float(
        string="Gini Coefficient",
        digits=(16, 3),
        readonly=True,
        help="0: every eligible salesperson gets as many leads; towards 1: one "
        "person gets them all.",
    )
    fairness_gap = fields.Float(
        string="Largest Gap to Target (%)",
        digits=(16, 1),
        readonly=True,
        help="The largest difference, in percentage points, between a "
        "salesperson's share of the leads and the share the rules aim for.",
    )
    fairness_gap_user_id = fields.Many2one(
        "res.users", string="Furthest From Target", readonly=True
    )
    summary_data = fields.Json(
        readonly=True,
        help="The replay's figures per salesperson and per rule (ids and "
        "counts): the summary is written from them in the reader's language.",
    )
    summary_html = fields.Html(
        string="Summary", compute="_compute_summary_html", sanitize=True
    )
    legacy_summary_html = fields.Html(readonly=True, sanitize=True)
    period_lead_count = fields.Integer(
        string="Leads in the Period",
        compute="_compute_period_lead_count",
        help="The leads the replay will take: those of the filter created in the "
        "period, archived, lost and won leads included.",
    )

    # ------------------------------------------------------------------ checks
    @api.constrains("lead_domain")
    def _check_lead_domain(self):
        for sim in self:
            check_lead_domain(self.env, sim.lead_domain, self._fields["lead_domain"])

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for sim in self:
            if sim.date_from and sim.date_to and sim.date_to < sim.date_from:
                raise ValidationError(
                    _(
                        "“%(to)s” (%(date_to)s) is before “%(from)s” (%(date_from)s): "
                        "the period must end after it starts.",
                        to=self._fields["date_to"]._description_string(self.env),
                        date_to=sim.date_to,
                        date_from=sim.date_from,
                        **{
                            "from": self._fields["date_from"]._description_string(
                                self.env
                            )
                        },
                    )
                )

    @api.constrains("rule_ids")
    def _check_rules(self):
        for sim in self:
            if not sim.rule_ids:
                raise ValidationError(
                    _(
                        "Choose at least one rule in “%(field)s”: a replay "
                        "without rules would route nothing.",
                        field=self._fields["rule_ids"]._description_string(self.env),
                    )
                )

    # ------------------------------------------------------------------ run
    def action_run(self):
        """Replay the leads and store the outcome lead by lead, with its
        summary. Writes nothing but this simulation and its lines."""
        for sim in self:
            sim._check_lead_domain()
            sim._check_period()
            sim._check_rules()
            if len(self) == 1 and sim._leads_count() > INLINE_LEADS:
                return sim._run_in_background()
            sim._run()
        return True

    def _leads_count(self):
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min)
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search_count(
                [
                    *parse_lead_domain(self.lead_domain),
                    ("create_date", ">=", start),
                    ("create_date", "<", end),
                ]
            )
        )

    def _run_in_background(self):
        """A long replay runs as a job; its form shows the progress."""
        self.ensure_one()
        job = self.env["crm.routing.job"]._start_replay(self)
        self.write({"state": "running", "job_id": job.id})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("What-if replay"),
                "message": _(
                    "This replay runs in the background: its form shows how far "
                    "it got, and your Inbox tells you when it is done."
                ),
                "type": "info",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _leads(self):
        """The leads to replay, oldest first: only those the manager can read
        (record rules, allowed companies), won, lost and archived included."""
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min)
        domain = parse_lead_domain(self.lead_domain)
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(
                [*domain, ("create_date", ">=", start), ("create_date", "<", end)],
                order="create_date, id",
            )
        )

    def _run(self, job=None):
        """Replay now; ``job``: the background job to report progress to."""
        self.ensure_one()
        leads = self._leads()
        if job:
            job._set_progress(0, total=len(leads))
        Facts = self.env["crm.routing.facts"]
        all_leads, all_decisions, all_rules, candidates = [], [], {}, {}
        decided = {}
        for company, company_leads in leads.grouped(
            lambda lead: lead.company_id or self.company_id
        ).items():
            rules = self.rule_ids.filtered(
                lambda r, c=company: not r.company_id or r.company_id == c
            ).sorted(lambda r: (r.sequence, r.id))
            if not rules:
                for lead in company_leads:
                    decided[lead.id] = (lead, None)
                continue
            company_leads = company_leads.sudo()
            at_creation = self.availability == "at_creation"
            now = company_leads[0].create_date if at_creation else fields.Datetime.now()
            facts = Facts._gather(
                company,
                company_leads,
                event="assign",
                now=now,
                rules=rules,
                live=False,
                until=company_leads[-1].create_date if at_creation else None,
            )
            result = self._replay(facts, company_leads, now, at_creation, job)
            for lead, decision in zip(company_leads, result.decisions, strict=True):
                decided[lead.id] = (lead, decision)
            all_leads += facts.engine_leads
            all_decisions += result.decisions
            all_rules.update({rule.id: rule for rule in facts.engine_rules})
            candidates.update(facts.candidates)
        summary = replay.summarise(
            all_leads, all_decisions, list(all_rules.values()), candidates
        )
        self._store(leads, decided, summary)

    def _replay(self, facts, leads, now, at_creation, job=None):
        """The engine's decisions for ``leads``, as if each were new: nobody
        owns them yet, and the loads they add to their owners today are left
        out (the replay hands them out again)."""
        engine_leads = [
            replace(lead, user_id=None, state="none") for lead in facts.engine_leads
        ]
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        open_owned, today_owned = {}, {}
        for lead in leads:
            uid = lead.user_id.id
            if uid and is_open_lead(lead):
                open_owned[uid] = open_owned.get(uid, 0) + 1
            if (
                uid
                and lead.routing_assigned_at
                and lead.routing_assigned_at >= day_start
            ):
                today_owned[uid] = today_owned.get(uid, 0) + 1
        candidates = {
            uid: replace(
                cand,
                open_leads=max(0, cand.open_leads - open_owned.get(uid, 0)),
                leads_today=max(0, cand.leads_today - today_owned.get(uid, 0)),
            )
            for uid, cand in facts.candidates.items()
        }
        if not at_creation:
            return engine.route_batch(
                engine_leads,
                candidates,
                facts.engine_rules,
                facts.state,
                now=now,
                explain_limit=EXPLAIN_LIMIT,
                broken=facts.broken,
            )
        day_counts, last = self._history(candidates, leads)
        candidates = {
            uid: replace(cand, last_assigned=last.get(uid))
            for uid, cand in candidates.items()
        }

        def progress(done, total):
            _logger.info("What-if replay %s: %s of %s leads", self.id, done, total)
            if job:
                job._set_progress(done, total=total)

        # Rotation memory starts empty: what it was at the start of the period
        # is not kept (only its newest state is).
        return replay.replay(
            engine_leads,
            [lead.create_date for lead in leads],
            candidates,
            facts.engine_rules,
            {},
            day_counts=day_counts,
            explain_limit=EXPLAIN_LIMIT,
            broken=facts.broken,
            progress=progress,
        )

    def _history(self, candidates, leads):
        """What the replay cannot hand out itself, from the leads outside it,
        in one query: ``({(user id, day): leads assigned that day}, {user id:
        POSIX time of their last lead before the replay's first})``."""
        if not candidates:
            return {}, {}
        first, last = leads[0].create_date, leads[-1].create_date
        self.env["crm.lead"].flush_model(["user_id", "routing_assigned_at"])
        self.env.cr.execute(
            SQL(
                """
                SELECT user_id, routing_assigned_at::date,
                       count(*) FILTER (WHERE routing_assigned_at >= %(first_day)s),
                       max(routing_assigned_at) FILTER (
                           WHERE routing_assigned_at < %(first)s)
                  FROM crm_lead
                 WHERE user_id = ANY(%(users)s)
                   AND routing_assigned_at < %(until)s
                   AND NOT id = ANY(%(replayed)s)
                 GROUP BY user_id, routing_assigned_at::date
                """,
                first_day=first.replace(hour=0, minute=0, second=0, microsecond=0),
                first=first,
                until=last + timedelta(days=1),
                users=sorted(candidates),
                replayed=leads.ids,
            )
        )
        day_counts, before = {}, {}
        for uid, day, count, latest in self.env.cr.fetchall():
            if count:
                day_counts[uid, day] = count
            if latest and (uid not in before or latest > before[uid]):
                before[uid] = latest
        return day_counts, {
            uid: latest.replace(tzinfo=UTC).timestamp()
            for uid, latest in before.items()
        }

    @api.depends("lead_domain", "date_from", "date_to")
    def _compute_period_lead_count(self):
        for sim in self:
            try:
                sim.period_lead_count = (
                    sim._leads_count() if sim.date_from and sim.date_to else 0
                )
            except Exception:  # noqa: BLE001 - an unusable draft filter counts 0
                sim.period_lead_count = 0

    @api.depends("summary_data", "legacy_summary_html")
    @api.depends_context("lang")
    def _compute_summary_html(self):
        for sim in self:
            data = sim.summary_data
            sim.summary_html = (
                sim._summary_html(data) if data else sim.legacy_summary_html
            )

    def _store(self, leads, decided, summary):
        """Replace the lines and figures with the replay's."""
        ordered = [decided[lead.id] for lead in leads]
        lines = []
        for lead, decision in ordered:
            if decision is None:
                user_id, rule_id, state, details = False, False, "unroutable", None
            else:
                user_id, rule_id = decision.user_id or False, decision.rule_id or False
                state = (
                    "assigned"
                    if decision.user_id
                    else "queued"
                    if decision.event == "queue"
                    else "unroutable"
                )
                details = decision.to_json()
            lines.append(
                {
                    "lead_id": lead.id,
                    "lead_create_date": lead.create_date,
                    "rule_id": rule_id,
                    "user_id": user_id,
                    "actual_user_id": lead.user_id.id,
                    "state": state,
                    "details": details,
                }
            )
        self.line_ids.unlink()
        self.env["crm.routing.simulation.line"]._insert(self, lines)
        states = [line["state"] for line in lines]
        gap_user = self.env["res.users"].browse(summary.gap_user_id or [])
        self.write(
            {
                "state": "done",
                "lead_count": len(lines),
                "assigned_count": states.count("assigned"),
                "queued_count": states.count("queued"),
                "unroutable_count": states.count("unroutable"),
                "changed_count": sum(
                    1
                    for line in lines
                    if (line["user_id"] or False) != (line["actual_user_id"] or False)
                ),
                "fairness_gini": summary.gini,
                "fairness_gap": summary.largest_gap * 100.0,
                "fairness_gap_user_id": gap_user.id,
                "summary_data": {
                    "per_user": {str(k): v for k, v in summary.per_user.items()},
                    "targets": {str(k): v for k, v in summary.targets.items()},
                    "eligible": list(summary.eligible),
                    "per_rule": {str(k): v for k, v in summary.per_rule.items()},
                },
            }
        )

    def _summary_html(self, data):
        """Leads per salesperson (share and target) and per rule, in the
        rules' order, as tables written in the reader's language. The rule
        columns add up to Matched: each lead its filter matched was taken by
        an earlier rule, assigned, queued, unroutable, or passed on."""
        env = self.env
        explainer = env["crm.routing.explainer"]
        users = env["res.users"].with_context(active_test=False)
        rules = env["crm.routing.rule"].with_context(active_test=False)
        per_user = {int(k): v for k, v in data.get("per_user", {}).items()}
        targets = {int(k): v for k, v in data.get("targets", {}).items()}
        per_rule = {int(k): v for k, v in data.get("per_rule", {}).items()}
        total = sum(per_user.values())
        people = sorted(
            data.get("eligible") or (), key=lambda uid: (-per_user.get(uid, 0), uid)
        )
        names = {u.id: u.name for u in users.browse(people).exists()}
        people_rows = [
            (
                names.get(uid, ""),
                explainer._number(per_user.get(uid, 0)),
                explainer._percent(100.0 * per_user.get(uid, 0) / total)
                if total
                else "",
                explainer._percent(100.0 * targets[uid]) if uid in targets else "",
            )
            for uid in people
        ]
        keys = ("matched", "taken_earlier", "assigned", "queued", "unroutable",
                "fell_through")  # fmt: skip
        ordered = (
            rules.browse(sorted(per_rule)).exists().sorted(lambda r: (r.sequence, r.id))
        )
        rule_rows = [
            (
                rule.name,
                *(explainer._number(per_rule[rule.id].get(key, 0)) for key in keys),
            )
            for rule in ordered
        ]
        return explainer._render_table(
            "crm_lead_routing.routing_simulation_summary",
            people=people_rows,
            rules=rule_rows,
        )

    # ------------------------------------------------------------------ apply
    def action_apply_rules(self):
        """Make the simulated rules the live ones for this company: activate
        its rules that are archived, archive its other active rules, and say
        in the chatter who did it.

        Only the company's own rules change: a rule without company serves
        other companies too, so it is left as it is (the note says so).
        """
        self.ensure_one()
        self._check_rules()
        Rules = self.env["crm.routing.rule"]
        company = self.company_id
        own = self.rule_ids.filtered(lambda rule: rule.company_id == company)
        shared = self.rule_ids - own
        others = Rules.search(
            [("company_id", "=", company.id), ("id", "not in", self.rule_ids.ids)]
        )
        activated = own.filtered(lambda rule: not rule.active)
        activated.active = True
        others.active = False
        none = _("none")
        body = _(
            "%(user)s applied the rules of this simulation. Activated: "
            "%(activated)s. Archived: %(archived)s. Routing order: %(order)s.",
            user=self.env.user.name,
            activated=", ".join(activated.mapped("name")) or none,
            archived=", ".join(others.mapped("name")) or none,
            order=", ".join(
                self.rule_ids.sorted(lambda r: (r.sequence, r.id)).mapped("name")
            ),
        )
        if shared:
            body += " " + _(
                "Left as they are, since they serve every company: %(rules)s.",
                rules=", ".join(shared.mapped("name")),
            )
        # A log note needs no sender's email address (a manager may have none).
        self._message_log(body=body)
        return True

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lead_routing.crm_routing_simulation_line_action"
        )
        action["domain"] = [("simulation_id", "=", self.id)]
        action["context"] = {"default_simulation_id": self.id}
        return action
