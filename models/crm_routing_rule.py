# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import re
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..routing import domains, explain, fairness, strategies
from ..routing.facts import Candidate
from ..routing.messages import _lt
from .crm_lead import ROUTING_WRITES
from .res_company import MAX_SLA_MINUTES
from .routing_scope import open_lead_domain, rule_people_sql, rule_pool, rule_pool_sql

# Reassignments before a lead is escalated: more is a typo.
MAX_REASSIGNMENTS = 100
# The period of the fairness figures on the rule form.
FAIRNESS_DAYS = 30
# What makes a rule's pool: changing it may leave someone selling nowhere.
POOL_FIELDS = {"user_ids", "team_id", "strategy", "fixed_user_id", "active"}
DELIVERIES = [
    ("push", "Push: assign at once"),
    ("pull", "Pull: salespeople take them"),
]
FALLBACKS = [
    ("next_rule", "Try the next rule"),
    ("queue", "Queue until someone is available"),
    ("least_loaded", "Least-loaded pool member (ignore availability)"),
]


# What a filter may not contain (``routing.domains.FilterError``), in words.
NOT_LITERAL = {
    "call": _lt("a function call"),
    "attribute": _lt("an attribute of something"),
    "lambda": _lt("a function"),
    "comprehension": _lt("a generated list"),
    "operation": _lt("a calculation or a comparison"),
    "other": _lt("something that is not a plain value"),
}


def parse_lead_domain(domain_text):
    """A stored filter as a domain list (empty text = match all).

    A filter is data: its text is read as literals, never evaluated
    (``routing.domains.parse``), so nothing a manager saves can run code
    when routing, a list or a count reads it later, under whatever rights.
    Raises ``routing.domains.FilterError`` for anything else.
    """
    return domains.parse(domain_text)


def filter_error_text(env, exc, stored=False):
    """Why a filter cannot be used, as a phrase in the reader's language;
    ``stored``: of a filter that worked when it was saved."""
    if isinstance(exc, domains.FilterError):
        code, params = exc.code, exc.params
        if code == "syntax":
            return env._("it is not a complete filter (check its brackets and quotes)")
        if code == "too_long":
            return env._(
                "it is longer than %(limit)s characters", limit=params.get("limit")
            )
        if code == "not_a_list":
            return env._("it is not a list of conditions")
        if code == "bad_term":
            return env._(
                "its element number %(term)s is not a condition of the form "
                "(field, operator, value)",
                term=params.get("term"),
            )
        if params.get("what") == "name":
            thing = env._("the name “%(name)s”", name=params.get("name"))
        else:
            thing = env._(NOT_LITERAL.get(params.get("what"), NOT_LITERAL["other"]))
        return env._(
            "it contains %(thing)s, and a filter holds only fields, operators and "
            "plain values (text, numbers, True, False, lists of them)",
            thing=thing,
        )
    text = str(exc)
    match = re.search(r"Invalid field (?:crm\.lead\.)?['\"]?([\w.]+)", text)
    if match:
        field = match.group(1).split(".")[-1]
        if stored:
            return env._("the field “%(field)s” no longer exists on leads", field=field)
        return env._("the field “%(field)s” does not exist on leads", field=field)
    return text.splitlines()[0] if text else exc.__class__.__name__


def check_lead_domain(env, domain_text, field):
    """Raise a ValidationError naming ``field`` when the domain is not usable.

    Checked at save time so that a typo never surfaces later as a traceback in
    the middle of lead creation. The filter is read as data, then searched
    with the rights of whoever saves it.
    """
    try:
        domain = parse_lead_domain(domain_text)
        env["crm.lead"].with_context(active_test=False)._search(domain)
    except Exception as exc:  # noqa: BLE001 - any failure means "unusable"
        raise ValidationError(
            env._(
                "The filter in “%(field)s” cannot be used: %(problem)s. Build it "
                "with the domain editor.",
                field=field._description_string(env),
                problem=filter_error_text(env, exc),
            )
        ) from exc


class CrmRoutingRule(models.Model):
    """An ordered routing rule: a filter on leads and a strategy to pick a person.

    Rules are tried by ``sequence``; the first whose filter matches decides. When
    it finds nobody eligible its ``fallback`` says what happens next. The
    rotation memory (whose turn it is) lives in ``crm.routing.rotation``, so a
    round robin continues where it left off across batches and restarts.
    """

    _name = "crm.routing.rule"
    _inherit = ["mail.thread", "crm.routing.input.mixin"]
    _description = "Lead Routing Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        check_company=True,
        tracking=True,
        help="Also set on routed leads. When the pool is empty, the team's "
        "active members are the pool.",
    )
    lead_domain = fields.Char(
        string="Applies to",
        default="[]",
        tracking=True,
        help="Leads matching this filter are routed by this rule.",
    )
    strategy = fields.Selection(
        strategies.choices(), required=True, default=strategies.DEFAULT, tracking=True
    )
    # What the strategy reads of the rule (``routing.strategies``): the form
    # shows the fairness floor and the designated salesperson only then.
    strategy_uses_fairness_floor = fields.Boolean(compute="_compute_strategy_uses")
    strategy_uses_designated_user = fields.Boolean(compute="_compute_strategy_uses")
    user_ids = fields.Many2many(
        "res.users",
        "crm_routing_rule_user_rel",
        "rule_id",
        "user_id",
        string="Pool",
        domain="[('share', '=', False)]",
        tracking=True,
        help="Salespeople this rule may choose. Empty: the team's members.",
    )
    fixed_user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain="[('share', '=', False)]",
        tracking=True,
    )
    required_skill_ids = fields.Many2many(
        "crm.routing.skill",
        string="Required Skills",
        check_company=True,
        tracking=True,
    )
    respect_working_hours = fields.Boolean(
        default=True,
        tracking=True,
        help="Only choose people who are at work now (working hours, time off), "
        "and count the first-contact deadline in their working time.",
    )
    sla_minutes = fields.Integer(
        string="First Contact Within (min)",
        tracking=True,
        default=lambda self: self.env.company.routing_default_sla_minutes,
        help="Deadline for the first contact. 0: no deadline. New rules start "
        "with the company's default (CRM settings, Lead Routing).",
    )
    sla_off_hours = fields.Selection(
        [
            ("wait", "Wait for the assignee's next working hours"),
            ("reassign", "Reassign to someone on shift"),
        ],
        string="When Deadline Falls Off Hours",
        default="wait",
        tracking=True,
        required=True,
    )
    max_reassignments = fields.Integer(
        default=2,
        tracking=True,
        help="After this many reassignments without contact, escalate the lead to "
        "the team leader instead.",
    )
    manager_id = fields.Many2one(
        "res.users",
        string="Escalate To",
        domain="[('share', '=', False)]",
        tracking=True,
        help="Who gets escalated leads. Empty: the sales team's leader.",
    )
    fallback = fields.Selection(
        FALLBACKS, required=True, default="next_rule", tracking=True
    )
    fairness_floor = fields.Float(
        string="Fairness Floor (%)",
        default=30.0,
        tracking=True,
        help="Performance-weighted only: this share of the leads is spread evenly "
        "so everyone keeps learning; the rest follows the scores.",
    )
    delivery = fields.Selection(
        DELIVERIES,
        required=True,
        default="push",
        tracking=True,
        help="Push: the rule gives each lead to someone of its pool at once. "
        "Pull: its leads wait in its queue until someone of its pool takes the "
        "next one (Take My Next Lead), in the company's order of work.",
    )
    pull_timeout_minutes = fields.Integer(
        string="Assign If Not Taken Within (min)",
        tracking=True,
        help="Pull only: a lead nobody took within this many minutes of working "
        "time (while someone of the pool is at work) is given out by the "
        "rule's strategy. 0: it waits until someone takes it.",
    )
    end_of_shift_minutes = fields.Integer(
        string="No New Lead in the Last (min)",
        tracking=True,
        help="Nobody gets a lead of this rule in the last minutes of their "
        "shift: it goes to someone whose shift continues, or waits for the "
        "next shift. 0: no such limit. Needs Respect Working Hours.",
    )
    priority_sla_minutes = fields.Integer(
        string="Priority Channels Within (min)",
        tracking=True,
        help="A shorter first-contact deadline for leads from the priority "
        "sources and mediums of the CRM settings. 0: the rule's own deadline.",
    )
    notify_assignee = fields.Boolean(
        string="Schedule an Activity",
        default=True,
        help="Give the assignee a to-do 'New lead: contact it before <deadline>'.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        ),
    )
    shadowed_by_id = fields.Many2one(
        "crm.routing.rule",
        string="Taken Earlier By",
        compute="_compute_shadowed_by",
        help="An earlier active rule whose filter takes every lead this rule's "
        "filter matches.",
    )
    shadow_warning = fields.Char(string="Warning", compute="_compute_shadowed_by")
    skill_warning = fields.Char(
        compute="_compute_skill_warning",
        help="Skills that leads of this rule need and that nobody in its pool "
        "who accepts new leads has: those leads wait in the queue.",
    )
    filter_problem = fields.Char(
        compute="_compute_filter_problem",
        help="Why this rule's filter no longer works on leads (a field an "
        "uninstalled module provided...): routing skips the rule until it is fixed.",
    )
    matching_lead_count = fields.Integer(
        compute="_compute_matching_lead_count", string="Matching Open Leads"
    )
    log_count = fields.Integer(compute="_compute_log_count")
    experiment_ids = fields.One2many("crm.routing.experiment", "rule_id")
    experiment_count = fields.Integer(compute="_compute_experiment_count")
    fairness_html = fields.Html(
        string="Fairness (last 30 days)",
        compute="_compute_fairness_html",
        sanitize=True,
        help="Each salesperson's share of the leads this rule routed in the last "
        "30 days against their target share, the largest gap, and the Gini "
        "coefficient (0: perfectly even, near 1: one person gets everything).",
    )

    def _compute_experiment_count(self):
        counts = dict(
            self.env["crm.routing.experiment"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.experiment_count = counts.get(rule, 0)

    @api.depends_context("lang", "uid")
    def _compute_fairness_html(self):
        """Fairness of the last 30 days, from one grouped query."""
        since = fields.Datetime.now() - timedelta(days=FAIRNESS_DAYS)
        counts = self._fairness_counts(since)
        pools = self._routing_pools() if self.ids else {}
        empty = _("No lead routed by this rule in the last 30 days.")
        for rule in self:
            rule.fairness_html = rule._fairness_table(
                rule._fairness_summary(counts.get(rule.id, {}), pools.get(rule.id, ())),
                empty,
            )

    def _fairness_counts(self, since, until=None):
        """``{rule id: {user id: leads}}``: the leads these rules gave each
        salesperson from ``since`` (until ``until``), in one grouped query."""
        counts = defaultdict(dict)
        if not self.ids:
            return counts
        domain = [
            ("routing_rule_id", "in", self.ids),
            ("routing_assigned_at", ">=", since),
            ("user_id", "!=", False),
        ]
        if until:
            domain.append(("routing_assigned_at", "<", until))
        for rule, user, count in (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(domain, ["routing_rule_id", "user_id"], ["__count"])
        ):
            counts[rule.id][user.id] = count
        return counts

    def _fairness_summary(self, counts, pool):
        """Each salesperson's share against their target, the largest gap and
        the Gini coefficient (``routing.fairness.summary``), with their names;
        None when the rule gave nobody a lead.

        Targets: what the rule's strategy aims for (``Strategy.targets``: the
        performance-weighted shares with the fairness floor, an equal share
        of the pool). Everyone of the pool counts, those who got nothing too."""
        self.ensure_one()
        if not counts:
            return None
        users = self.env["res.users"].sudo().with_context(active_test=False)
        eligible = users.browse(pool).filtered("active")
        targets = None
        if eligible:
            strategy = strategies.get(self.strategy)
            people = [
                Candidate(
                    id=u.id,
                    score=(u.routing_score or 0.0) if strategy.uses_scores else 0.0,
                )
                for u in eligible
            ]
            targets = strategy.targets(self, people)
        summary = fairness.summary(counts, targets)
        summary["names"] = {
            u.id: u.name for u in users.browse([r[0] for r in summary["rows"]])
        }
        return summary

    def _fairness_table(self, summary, empty):
        """The fairness summary as a table: who, leads, share, target, gap;
        the sentence ``empty`` when there is no summary.

        Target shares may follow the scores (``Strategy.uses_scores``), so a
        reader who may not see colleagues' scores gets the leads and shares
        only."""
        explainer = self.env["crm.routing.explainer"]
        if not summary:
            return explainer._render_table(
                "crm_lead_routing.routing_fairness_table", summary=False, empty=empty
            )
        names = summary["names"]
        tr = explainer._translator()
        hidden = explainer._hides_scores()

        def pct(value):
            return explainer._percent(value * 100)

        rows = []
        for uid, count, share, target, gap in summary["rows"]:
            cells = [names.get(uid, ""), count, pct(share)]
            if not hidden:
                cells += [pct(target), explain.difference(gap, "conversion", tr)]
            rows.append(cells)
        if hidden:
            caption = _(
                "Gini coefficient %(gini)s.",
                gini=self.env["crm.routing.explainer"]._number(summary["gini"], 2),
            )
        else:
            gap = summary["largest_gap"]
            caption = _(
                "Gini coefficient %(gini)s; largest gap: %(user)s, %(gap)s from "
                "their target share.",
                gini=self.env["crm.routing.explainer"]._number(summary["gini"], 2),
                user=names.get(gap[0], ""),
                gap=explain.difference(gap[4], "conversion", tr),
            )
        return explainer._render_table(
            "crm_lead_routing.routing_fairness_table",
            summary=True,
            rows=rows,
            caption=caption,
            show_targets=not hidden,
            empty=empty,
        )

    def init(self):
        res = super().init()
        # Routing keeps what it reads of this table (and of those it
        # depends on) until a change moves their version.
        self.env["crm.routing.rule.book"]._install_version_triggers()
        return res

    def write(self, vals):
        """A rule whose pool changes may leave someone selling nowhere (see
        ``res.users._routing_release_leads``); a rule that starts or stops
        pulling restarts the clocks of the leads waiting in its queue."""
        people = self._routing_people() if POOL_FIELDS.intersection(vals) else None
        result = super().write(vals)
        if {"delivery", "pull_timeout_minutes", "active"}.intersection(vals):
            self._routing_restart_pull_clocks()
        if people:
            people._routing_release_leads()
        return result

    def unlink(self):
        people = self._routing_people()
        result = super().unlink()
        people._routing_release_leads()
        return result

    def _routing_people(self):
        """The people these rules name (their pools, their salesperson)."""
        rules = self.sudo().with_context(active_test=False)
        return rules.user_ids | rules.fixed_user_id

    def _routing_restart_pull_clocks(self):
        """Leads waiting in the queue of a rule that pulls with a timeout and
        have no clock yet start one now (on the clock: who of the pool works
        when is routing's to read); under a rule that no longer pulls, or
        pulls without a timeout, they have none."""
        now = fields.Datetime.now()
        Lead = self.env["crm.lead"].sudo().with_context(**{ROUTING_WRITES: True})
        waiting = Lead.search(
            [("routing_rule_id", "in", self.ids), ("routing_state", "=", "queued")]
        )
        for rule in self:
            leads = waiting.filtered(
                lambda lead, rule=rule: lead.routing_rule_id == rule
            )
            if rule.active and rule.delivery == "pull" and rule.pull_timeout_minutes:
                leads.filtered(lambda lead: not lead.routing_pull_deadline).write(
                    {
                        "routing_pull_deadline": now
                        + timedelta(minutes=rule.pull_timeout_minutes)
                    }
                )
            else:
                leads.filtered("routing_pull_deadline").write(
                    {"routing_pull_deadline": False}
                )

    def action_activate(self):
        """Start routing by the rule: a manager's deliberate step, so a rule
        half made and left when the page saved it never takes leads. A rule
        whose filter takes every lead asks for a filter, unless it is meant
        as the catch-all (the last rule)."""
        for rule in self:
            rule._check_lead_domain()
            if domains.is_empty(rule.lead_domain) and rule._rules_after():
                raise UserError(
                    _(
                        "“%(rule)s” has no filter, so it would take every lead "
                        "before %(later)s: choose the leads it applies to in "
                        "“%(field)s”, or move it to the end of the list to make it "
                        "the catch-all.",
                        rule=rule.name,
                        later=", ".join(f"“{r.name}”" for r in rule._rules_after()[:3]),
                        field=rule._fields["lead_domain"]._description_string(self.env),
                    )
                )
        self.active = True
        return True

    def action_deactivate(self):
        self.active = False
        return True

    def _rules_after(self):
        """The company's active rules tried after this one."""
        self.ensure_one()
        return self.search(
            [
                ("active", "=", True),
                ("id", "!=", self.id),
                ("company_id", "in", [self.company_id.id, False]),
                "|",
                ("sequence", ">", self.sequence),
                "&",
                ("sequence", "=", self.sequence),
                ("id", ">", self.id),
            ],
            order="sequence, id",
        )

    def action_open_fairness(self):
        """Fairness over a period the manager chooses (CRM > Reporting)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lead_routing.crm_routing_fairness_action"
        )
        action["context"] = {"default_rule_id": self.id}
        return action

    def action_view_experiments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lead_routing.crm_routing_experiment_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"default_rule_id": self.id}
        return action

    @api.depends("lead_domain", "company_id")
    def _compute_matching_lead_count(self):
        Lead = self.env["crm.lead"]
        for rule in self:
            try:
                domain = parse_lead_domain(rule.lead_domain)
                rule.matching_lead_count = Lead.search_count(
                    domain + open_lead_domain()
                )
            except Exception:  # noqa: BLE001 - an invalid draft domain counts 0
                rule.matching_lead_count = 0

    @api.depends("lead_domain", "sequence", "active", "company_id")
    def _compute_shadowed_by(self):
        """Name the earlier rule that leaves this one only its leftovers.

        Rules are tried in order: when an earlier active rule of the same
        company (or of all companies) matches every lead this rule matches,
        this rule only gets a lead that rule finds nobody for.
        """
        active = self.search([("active", "=", True)], order="sequence, id")
        parsed = {}
        for rule in active | self:
            try:
                parsed[rule.id] = parse_lead_domain(rule.lead_domain)
            except Exception:  # noqa: BLE001 - a broken filter covers nothing
                parsed[rule.id] = None
        for rule in self:
            earlier = [
                (other, parsed[other.id])
                for other in active
                if other != rule
                and parsed[other.id] is not None
                and (other.sequence, other.id)
                < (rule.sequence, rule._origin.id or float("inf"))
                and (not other.company_id or other.company_id == rule.company_id)
            ]
            mine = parsed.get(rule.id)
            impossible = domains.unsatisfiable(mine) if mine else None
            cover = (
                domains.first_covering(mine, earlier)
                if rule.active and mine is not None and not impossible
                else None
            )
            rule.shadowed_by_id = cover
            if impossible:
                field = self.env["crm.lead"]._fields.get(impossible.split(".")[0])
                rule.shadow_warning = _(
                    "This filter can match no lead: its conditions on “%(field)s” "
                    "contradict each other. Fix the filter in “%(applies)s”.",
                    field=field._description_string(self.env) if field else impossible,
                    applies=self._fields["lead_domain"]._description_string(self.env),
                )
                continue
            rule.shadow_warning = (
                _(
                    "“%(rule)s” comes first and takes every lead this rule's filter "
                    "matches: this rule only gets the leads “%(rule)s” finds nobody "
                    "for. Move this rule up or narrow the earlier filter.",
                    rule=cover.name,
                )
                if cover
                else False
            )

    @api.depends("strategy")
    def _compute_strategy_uses(self):
        for rule in self:
            strategy = strategies.get(rule.strategy or strategies.DEFAULT)
            rule.strategy_uses_fairness_floor = strategy.uses_fairness_floor
            rule.strategy_uses_designated_user = strategy.uses_designated_user

    @api.depends("required_skill_ids", "user_ids", "team_id", "strategy", "active")
    def _compute_skill_warning(self):
        """Name the skills a lead of this rule may need that nobody in the
        pool who takes leads has (required by the rule, or by a skill's own
        filter): such leads can only wait."""
        Skill = self.env["crm.routing.skill"]
        filtered = Skill.search([]).filtered(
            lambda skill: not domains.is_empty(skill.lead_domain)
        )
        pools = self.filtered("id")._pools_and_skills() if self.filtered("id") else {}
        users = self.env["res.users"].sudo().with_context(active_test=False)
        for rule in self:
            pool_ids = rule_pool(rule, pools.get(rule._origin.id, ((), (), None))[0])
            people = users.browse(pool_ids).filtered(
                lambda u: u.active and not u.share and u.routing_available
            )
            needed = rule.required_skill_ids.filtered("active") | filtered.filtered(
                lambda skill, rule=rule: not skill.company_id
                or skill.company_id == rule.company_id
                or not rule.company_id
            )
            had = set(people.sudo().routing_skill_ids.skill_id.ids)
            missing = needed.filtered(lambda skill, had=had: skill.id not in had)
            if rule.active and people and missing:
                rule.skill_warning = _(
                    "Nobody in this rule's pool who accepts new leads has %(skills)s: "
                    "leads that need it wait in the queue. Give the skill to someone "
                    "in the pool, or add someone who has it.",
                    skills=", ".join(f"“{name}”" for name in missing.mapped("name")),
                )
            else:
                rule.skill_warning = False

    @api.depends("lead_domain")
    def _compute_filter_problem(self):
        """Say on the rule what routing says in the log when it skips it.

        Saving checks the filter, but a filter can break afterwards: a module
        providing one of its fields is uninstalled, or it is changed in the
        database. Routing then skips the rule (``crm.routing.facts``) and the
        manager needs to see why on the rule itself.
        """
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for rule in self:
            try:
                Lead._search(parse_lead_domain(rule.lead_domain))
            except Exception as exc:  # noqa: BLE001 - any failure is the problem
                rule.filter_problem = _(
                    "Routing skips this rule: %(problem)s. Fix its filter in "
                    "“%(field)s”.",
                    problem=self._filter_problem(exc),
                    field=self._fields["lead_domain"]._description_string(self.env),
                )
            else:
                rule.filter_problem = False

    def _compute_log_count(self):
        counts = dict(
            self.env["crm.routing.log"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.log_count = counts.get(rule, 0)

    @api.constrains("lead_domain")
    def _check_lead_domain(self):
        for rule in self:
            check_lead_domain(self.env, rule.lead_domain, self._fields["lead_domain"])

    @api.constrains("strategy", "fixed_user_id", "active")
    def _check_fixed_user(self):
        for rule in self:
            if (
                rule.active
                and rule.strategy_uses_designated_user
                and not rule.fixed_user_id
            ):
                raise ValidationError(
                    _(
                        "Rule “%(rule)s” uses the strategy “Specific salesperson”: "
                        "choose the Salesperson.",
                        rule=rule.name,
                    )
                )

    @api.constrains("strategy", "user_ids", "team_id", "active")
    def _check_has_people(self):
        """A rule that routes needs people; a rule not routing yet may be
        saved half made (see ``action_activate``)."""
        for rule in self:
            if not rule.active:
                continue
            if not rule.strategy_uses_designated_user and not (
                rule.user_ids or rule.team_id
            ):
                raise ValidationError(
                    _(
                        "Rule “%(rule)s” has nobody to give leads to: choose the "
                        "salespeople in “%(pool)s” or a “%(team)s” whose members "
                        "take the leads.",
                        rule=rule.name,
                        pool=self._fields["user_ids"]._description_string(self.env),
                        team=self._fields["team_id"]._description_string(self.env),
                    )
                )

    @api.constrains("user_ids", "fixed_user_id", "manager_id")
    def _check_internal_users(self):
        for rule in self:
            people = rule.user_ids | rule.fixed_user_id | rule.manager_id
            external = people.filtered("share")
            if external:
                raise ValidationError(
                    _(
                        "Rule “%(rule)s”: %(names)s cannot receive leads because "
                        "they are not internal users. Remove them from the pool.",
                        rule=rule.name,
                        names=", ".join(external.mapped("name")),
                    )
                )

    @api.constrains(
        "fairness_floor",
        "sla_minutes",
        "max_reassignments",
        "pull_timeout_minutes",
        "end_of_shift_minutes",
        "priority_sla_minutes",
    )
    def _check_numbers(self):
        for rule in self:
            for name in (
                "pull_timeout_minutes",
                "end_of_shift_minutes",
                "priority_sla_minutes",
            ):
                if not 0 <= rule[name] <= MAX_SLA_MINUTES:
                    raise ValidationError(
                        _(
                            "Rule “%(rule)s”: “%(field)s” is between 0 (none) and "
                            "%(max)s minutes (30 days), not %(value)s.",
                            rule=rule.name,
                            field=self._fields[name]._description_string(self.env),
                            max=MAX_SLA_MINUTES,
                            value=rule[name],
                        )
                    )
            if (
                rule.priority_sla_minutes
                and rule.sla_minutes
                and rule.priority_sla_minutes > rule.sla_minutes
            ):
                raise ValidationError(
                    _(
                        "Rule “%(rule)s”: “%(field)s” is meant to be shorter than "
                        "“%(sla)s” (%(value)s min); make it shorter or 0.",
                        rule=rule.name,
                        field=self._fields["priority_sla_minutes"]._description_string(
                            self.env
                        ),
                        sla=self._fields["sla_minutes"]._description_string(self.env),
                        value=rule.sla_minutes,
                    )
                )
            if not 0 <= rule.fairness_floor <= 100:
                raise ValidationError(
                    _(
                        "Rule “%(rule)s”: the Fairness Floor is a percentage "
                        "between 0 and 100 (got %(value)s).",
                        rule=rule.name,
                        value=rule.fairness_floor,
                    )
                )
            if rule.sla_minutes < 0:
                raise ValidationError(
                    _(
                        "Rule “%(rule)s”: First Contact Within cannot be negative; "
                        "use 0 for no deadline.",
                        rule=rule.name,
                    )
                )
            if rule.sla_minutes > MAX_SLA_MINUTES:
                raise ValidationError(
                    _(
                        "Rule “%(rule)s”: First Contact Within is at most %(max)s "
                        "minutes (30 days); use 0 for no deadline.",
                        rule=rule.name,
                        max=MAX_SLA_MINUTES,
                    )
                )
            if not 0 <= rule.max_reassignments <= MAX_REASSIGNMENTS:
                raise ValidationError(
                    _(
                        "Rule “%(rule)s”: Max Reassignments is a number between 0 "
                        "and %(max)s.",
                        rule=rule.name,
                        max=MAX_REASSIGNMENTS,
                    )
                )

    def _pools_and_skills(self):
        """Each rule's candidates and required skills, in one query.

        The people are the rule's own list, else its team's active members
        (``routing_scope.rule_people_sql``; whom its strategy chooses among
        them: ``_routing_pools``), in a stable order (by id). Archived people
        stay in it so the log can say why they were skipped; archived skills
        are not required.

        The same query reads each rule's running experiment (a rule has at
        most one), so routing costs no query more whether experiments run
        or not.

        :return: {rule id: (tuple of user ids, frozenset of skill ids,
            running experiment as a dict or None)}
        """
        if not self:
            return {}
        for model in (
            "crm.routing.rule",
            "crm.team.member",
            "crm.routing.skill",
            "crm.routing.experiment",
        ):
            self.env[model].flush_model()
        skills = self._fields["required_skill_ids"]
        self.env.cr.execute(
            SQL(
                """
                SELECT r.id,
                       ARRAY(SELECT DISTINCT q.user_id FROM (%(people)s) q
                              WHERE q.rule_id = r.id ORDER BY q.user_id),
                       ARRAY(SELECT k.id FROM %(rel)s q
                               JOIN crm_routing_skill k ON k.id = q.%(skill)s
                              WHERE q.%(rule)s = r.id AND k.active),
                       (SELECT json_build_object(
                                   'id', e.id,
                                   'share', e.variant_share,
                                   'strategy', e.variant_strategy,
                                   'fairness_floor', e.variant_fairness_floor,
                                   'pool', ARRAY(
                                       SELECT v.user_id
                                         FROM crm_routing_experiment_user_rel v
                                        WHERE v.experiment_id = e.id
                                        ORDER BY v.user_id))
                          FROM crm_routing_experiment e
                         WHERE e.rule_id = r.id AND e.state = 'running'
                         ORDER BY e.id LIMIT 1)
                  FROM crm_routing_rule r
                 WHERE r.id = ANY(%(ids)s)
                """,
                people=rule_people_sql(),
                rel=SQL.identifier(skills.relation),
                skill=SQL.identifier(skills.column2),
                rule=SQL.identifier(skills.column1),
                ids=self.ids,
            )
        )
        return {
            rule_id: (tuple(people), frozenset(skill_ids), experiment)
            for rule_id, people, skill_ids, experiment in self.env.cr.fetchall()
        }

    def _routing_pools(self, pools=None):
        """``{rule id: user ids}``: whom each rule's strategy may choose (see
        ``routing_scope``); ``pools``: what ``_pools_and_skills`` returned,
        when the caller has it."""
        pools = self._pools_and_skills() if pools is None else pools
        return {
            rule.id: rule_pool(rule, pools.get(rule.id, ((), (), None))[0])
            for rule in self
        }

    @api.model
    def _filter_problem(self, exc):
        """Why a filter no longer works on leads, in words a manager reads."""
        return filter_error_text(self.env, exc, stored=True)

    @api.model
    def _routing_candidate_ids(self):
        """Everyone an active rule of any company may choose (one query).

        The pools of ``routing_scope.rule_pool_sql``: a rule's own list, else
        its team's active members; the designated salesperson of a strategy
        that uses one. Archived and portal users are left out.
        """
        for model in ("crm.routing.rule", "crm.team.member", "res.users"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT u.id FROM res_users u
                 WHERE u.active AND NOT u.share AND u.id IN (
                       SELECT q.user_id FROM (%s) q
                         JOIN crm_routing_rule r ON r.id = q.rule_id
                        WHERE r.active)
                 ORDER BY u.id
                """,
                rule_pool_sql(),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def action_view_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lead_routing.crm_routing_log_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action

    def action_view_matching_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_all_leads")
        action["domain"] = parse_lead_domain(self.lead_domain) + open_lead_domain()
        action["context"] = {"active_test": True}
        return action
