# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from contextlib import contextmanager

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError

from ..routing import order, policy, strategies
from ..routing.worktime import WorkSchedule
from .client_actions import CLOSE, SOFT_RELOAD, notification
from .routing_scope import is_open_lead

ROUTING_STATES = [
    ("none", "Not routed"),
    ("assigned", "Assigned"),
    ("queued", "Queued"),
    ("unroutable", "Unroutable"),
    ("escalated", "Escalated"),
]
# Why a new lead was not routed (when routing was on for its company).
SKIP_REASONS = [
    ("creator", "Kept by its creator"),
    ("given", "Salesperson given at creation"),
]
# Per transaction (its id): new leads whose scoring waits for routing (see
# CrmLead._routing_scoring_postponed).
_SCORING_WAITS = {}
# The groups of a routing experiment.
EXPERIMENT_ARMS = [("control", "Control"), ("variant", "Variant")]
# States in which the first-contact clock runs.
TOUCH_STATES = ("assigned", "escalated")
# Set by routing and its actions (Mark as contacted, Route now) only: a
# salesperson who could write them would stop their own deadline clock, dodge
# escalation or fake a decision. Sales managers and the system may.
PROTECTED_FIELDS = (
    "routing_rule_id",
    "routing_state",
    "routing_skip_reason",
    "routing_assigned_at",
    "routing_deadline",
    "routing_first_touch_at",
    "routing_first_touch_work_minutes",
    "routing_reassign_count",
    "routing_log_ids",
    "routing_strategy",
    "routing_experiment_id",
    "routing_experiment_arm",
    "routing_pull_deadline",
)
# Context key of routing's own writes of a lead's salesperson (the writer,
# a failed routing): any other change of salesperson is made by hand.
ROUTING_WRITES = "crm_routing_writes"
# What the creator of a lead that routing gave to someone they cannot see
# gets back from saving it: the lead's own name and what routing did, never
# a record it points to (see ``web_save``).
ROUTED_AWAY_FIELDS = ("name", "display_name", "routing_summary", "routing_state")
# Values the creator typed, echoed back as sent (they are the caller's own).
ECHOED_TYPES = (
    "char", "text", "html", "selection", "integer", "float", "monetary",
    "boolean", "date", "datetime",
)  # fmt: skip


class CrmLead(models.Model):
    """What routing decided for a lead, and why; routing hooks on create."""

    _inherit = "crm.lead"

    routing_rule_id = fields.Many2one(
        "crm.routing.rule",
        ondelete="set null",
        index="btree_not_null",
        copy=False,
        tracking=True,
        readonly=True,
    )
    routing_state = fields.Selection(
        ROUTING_STATES,
        default="none",
        required=True,
        index=True,
        copy=False,
        tracking=True,
        readonly=True,
    )
    routing_skip_reason = fields.Selection(SKIP_REASONS, copy=False, readonly=True)
    routing_assigned_at = fields.Datetime("Routed At", copy=False, readonly=True)
    routing_deadline = fields.Datetime(
        "Contact Before", copy=False, index="btree_not_null", readonly=True
    )
    routing_first_touch_at = fields.Datetime("First Contact", copy=False, readonly=True)
    routing_first_touch_work_minutes = fields.Float(
        "Working Minutes to First Contact",
        compute="_compute_routing_first_touch_work_minutes",
        store=True,
        precompute=True,
        copy=False,
        readonly=True,
        help="How long the lead waited for its first contact, from its creation, "
        "counted in the working hours of the salesperson who contacted it (their "
        "nights, weekends and time off left out). Without working hours, the "
        "minutes on the clock.",
    )
    routing_first_contact_wait = fields.Char(
        string="Waited",
        compute="_compute_routing_first_contact_wait",
        help="How long the lead waited for its first contact from its creation: "
        "on the clock, and in the working hours of the salesperson who made it.",
    )
    routing_reassign_count = fields.Integer("Reassignments", copy=False, readonly=True)
    routing_log_ids = fields.One2many(
        "crm.routing.log", "lead_id", copy=False, readonly=True
    )
    routing_overdue = fields.Boolean(
        compute="_compute_routing_overdue", search="_search_routing_overdue"
    )
    routing_time_left = fields.Char(
        string="First Contact Due",
        compute="_compute_routing_time_left",
        help="Time left to contact the lead before routing hands it to someone "
        "else, or how long it is overdue.",
    )
    routing_can_mark_contacted = fields.Boolean(
        compute="_compute_routing_can_mark_contacted"
    )
    routing_summary = fields.Text(string="Routing", compute="_compute_routing_summary")
    routing_strategy = fields.Selection(
        strategies.choices(),
        string="Routed By",
        copy=False,
        readonly=True,
        help="How the salesperson was chosen at the latest routing (an "
        "experiment's variant may differ from its rule).",
    )
    routing_experiment_id = fields.Many2one(
        "crm.routing.experiment",
        ondelete="set null",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    routing_experiment_arm = fields.Selection(
        EXPERIMENT_ARMS, string="Experiment Group", copy=False, readonly=True
    )
    routing_pull_deadline = fields.Datetime(
        "Assigned If Not Taken By",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="Waiting in a pull rule's queue: when the rule gives it out by its "
        "strategy if nobody has taken it by then.",
    )

    @api.depends("routing_first_touch_at")
    def _compute_routing_first_touch_work_minutes(self):
        """Set once, when the first contact is recorded: the salesperson's
        working hours then, read for all the leads in two queries.

        Precomputed, so a new lead (no contact yet) costs no query and no
        update of its own."""
        touched = self.filtered("routing_first_touch_at")
        (self - touched).routing_first_touch_work_minutes = 0.0
        if not touched:
            return
        now = fields.Datetime.now()
        starts = {lead: lead.create_date or now for lead in touched}
        schedules = self.env["crm.routing.facts"]._work_schedules(
            touched.user_id,
            min(starts.values()),
            until=max(touched.mapped("routing_first_touch_at")),
        )
        always_on = WorkSchedule(tz="UTC")
        for lead in touched:
            schedule = schedules.get(lead.user_id.id, always_on)
            lead.routing_first_touch_work_minutes = schedule.working_minutes(
                starts[lead], lead.routing_first_touch_at
            )

    @api.depends("routing_first_touch_at", "routing_first_touch_work_minutes")
    @api.depends_context("lang")
    def _compute_routing_first_contact_wait(self):
        """ "2 days on the clock, 3 h 10 min of working time"."""
        duration = self.env["crm.routing.explainer"]._duration
        for lead in self:
            touch, created = lead.routing_first_touch_at, lead.create_date
            if not touch or not created or touch < created:
                lead.routing_first_contact_wait = False
                continue
            clock_minutes = (touch - created).total_seconds() / 60
            clock = duration(clock_minutes)
            working = lead.routing_first_touch_work_minutes
            # "All of it outside": not a contact made within seconds, in or
            # out of working hours alike.
            if working < 0.5 <= clock_minutes - working:
                lead.routing_first_contact_wait = _(
                    "%(clock)s on the clock, all of it outside their working hours",
                    clock=clock,
                )
                continue
            lead.routing_first_contact_wait = _(
                "%(clock)s on the clock, %(working)s of working time",
                clock=clock,
                working=duration(lead.routing_first_touch_work_minutes),
            )

    @api.depends("routing_deadline", "routing_first_touch_at", "routing_state")
    def _compute_routing_overdue(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.routing_overdue = bool(
                lead.routing_state == "assigned"
                and lead.routing_deadline
                and not lead.routing_first_touch_at
                and lead.routing_deadline < now
            )

    @api.depends("routing_deadline", "routing_first_touch_at", "routing_state")
    @api.depends_context("lang")
    def _compute_routing_time_left(self):
        """ "25 min left" or "overdue by 2 h" while the first contact is due."""
        now = fields.Datetime.now()
        Explainer = self.env["crm.routing.explainer"]
        for lead in self:
            if not lead._routing_waits_for_contact() or not lead.routing_deadline:
                lead.routing_time_left = False
                continue
            minutes = (lead.routing_deadline - now).total_seconds() / 60
            if minutes >= 0:
                lead.routing_time_left = _(
                    "%(duration)s left", duration=Explainer._duration(minutes)
                )
            else:
                lead.routing_time_left = _(
                    "Overdue by %(duration)s", duration=Explainer._duration(-minutes)
                )

    @api.depends("routing_state", "routing_first_touch_at", "user_id")
    @api.depends_context("uid")
    def _compute_routing_can_mark_contacted(self):
        manager = self.env.user.has_group("sales_team.group_sale_manager")
        for lead in self:
            lead.routing_can_mark_contacted = lead._routing_waits_for_contact() and (
                manager or self.env.user in lead._routing_contact_keepers()
            )

    def _routing_priority_channel(self):
        """Whether the lead comes from one of its company's priority sources
        or mediums (``routing.order.is_priority``)."""
        self.ensure_one()
        company = (self.company_id or self.env.company).sudo()
        return order.is_priority(
            self.source_id.id,
            self.medium_id.id,
            set(company.routing_priority_source_ids.ids),
            set(company.routing_priority_medium_ids.ids),
        )

    def _routing_sla_minutes(self):
        """The first-contact deadline its rule gives it, in minutes (0: none):
        the shorter one of a priority channel, if the rule sets one."""
        self.ensure_one()
        rule = self.sudo().routing_rule_id
        priority = bool(rule.priority_sla_minutes) and self._routing_priority_channel()
        return policy.sla_minutes_for(rule or None, priority)

    def _routing_waits_for_contact(self):
        self.ensure_one()
        return self.routing_state in TOUCH_STATES and not self.routing_first_touch_at

    def _routing_contact_keepers(self):
        """Besides sales managers, who may mark the lead contacted: its
        salesperson, the leader its rule escalates to, its team's leader."""
        self.ensure_one()
        lead = self.sudo()
        return lead.user_id | lead.routing_rule_id.manager_id | lead.team_id.user_id

    def _search_routing_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Unsupported search on Overdue."))
        domain = [
            ("routing_state", "=", "assigned"),
            ("routing_first_touch_at", "=", False),
            ("routing_deadline", "<", fields.Datetime.now()),
        ]
        positive = (operator == "=") == value
        return domain if positive else ["!", "&", "&", *domain]

    @api.depends("routing_state", "routing_skip_reason", "routing_log_ids")
    @api.depends_context("lang")
    def _compute_routing_summary(self):
        """What routing did with the lead, as a sentence: the latest decision's
        explanation, or why it was not routed."""
        routed = self.filtered(lambda lead: lead.routing_state != "none")
        latest = {}
        if routed:
            logs = (
                self.env["crm.routing.log"]
                .sudo()
                .search([("lead_id", "in", routed.ids)], order="id desc")
            )
            for log in logs:
                latest.setdefault(log.lead_id.id, log)
        for lead in self:
            log = latest.get(lead._origin.id)
            if log:
                lead.routing_summary = log.reason
            else:
                lead.routing_summary = lead._routing_not_routed_reason()

    def _routing_not_routed_reason(self):
        self.ensure_one()
        creator = self.sudo().create_uid
        if self.routing_skip_reason == "creator":
            places = creator._routing_selling_places()
            return _(
                "Kept by its creator, %(user)s, who sells in %(places)s. Use Route "
                "now to hand it out by the routing rules.",
                user=creator.name,
                places=", ".join(places),
            )
        if self.routing_skip_reason == "given":
            return _(
                "Not routed: its salesperson was chosen when it was created. Use "
                "Route now to hand it out by the routing rules."
            )
        if not (self.company_id or self.env.company).routing_auto_assign:
            return _(
                "Not routed: automatic routing is off for this company (CRM "
                "settings, Lead Routing)."
            )
        return _("Not routed yet.")

    # ------------------------------------------------------------------ create
    @api.model_create_multi
    def create(self, vals_list):
        """Route new leads when the company routes automatically.

        A lead created with a salesperson keeps them; one created with an
        explicitly empty salesperson is routed. Where Odoo would default the
        salesperson to the creator, see :meth:`_routing_keeps_creator`. A lead
        that is not routed remembers why (its Routing tab says it).
        """
        self._routing_check_protected(vals_list)
        to_route = self._routing_prepare_create(vals_list)
        leads = super().create(vals_list)
        chosen = leads.browse(
            [lead.id for lead, route in zip(leads, to_route, strict=True) if route]
        )
        with chosen._routing_scoring_postponed() as postponed:
            wanted = chosen.filtered(
                lambda lead: (
                    lead.active and not lead.stage_id.is_won
                    if lead.id in postponed
                    else is_open_lead(lead)
                )
            )
            if wanted:
                self.env["crm.routing.dispatcher"]._route(
                    wanted.with_context(crm_routing_scoring_postponed=bool(postponed)),
                    track=False,
                    new=True,
                )
        return leads

    @contextmanager
    def _routing_scoring_postponed(self):
        """Odoo scores a new lead (its predictive probability) from its sales
        team; routing gives it its team. Scored before routing, the lead
        would be scored twice: once without a team, which nothing keeps, and
        again with the team routing gives it, as a create naming the
        salesperson scores it once. So the scoring of the new leads
        (``probability`` and what is computed from it) waits for routing and
        runs once, after it, with the team it chose. Yields the ids of the
        leads whose scoring waits.

        Routing never reads a waiting score: a new lead is open unless it is
        archived or created in a won stage (its score is 100 then, below
        otherwise), and a rule or skill filter on a score has the leads
        scored first (``crm.routing.facts``).
        """
        env = self.env
        probability = self._fields["probability"]
        postponed = tuple(
            lead.id for lead in self if env.is_to_compute(probability, lead)
        )
        fields_ = self._routing_scoring_fields() if postponed else None
        if not fields_:
            yield frozenset()
            return
        for field in fields_:
            env.remove_to_compute(field, self.browse(postponed))
        key = id(env.transaction)
        waiting = _SCORING_WAITS.setdefault(key, set())
        waiting.update(postponed)
        try:
            yield frozenset(postponed)
        finally:
            # Unless routing had them scored already (with their new team).
            still = waiting.intersection(postponed)
            waiting.difference_update(postponed)
            if not waiting:
                _SCORING_WAITS.pop(key, None)
            self.browse(sorted(still))._routing_score_now(fields_)

    def _compute_probabilities(self):
        waiting = _SCORING_WAITS.get(id(self.env.transaction))
        if waiting:
            waiting.difference_update(self._ids)
        return super()._compute_probabilities()

    @tools.ormcache()
    def _routing_scoring_fields(self):
        """The stored fields computed with ``probability`` and from it; None
        when a field of another model is computed from it (its records would
        read a score that waits: the scoring does not wait then). Fixed for
        a registry: worked out once, not at every create."""
        registry = self.env.registry
        found, todo = set(), list(registry.field_computed[self._fields["probability"]])
        while todo:
            field = todo.pop()
            if field in found:
                continue
            found.add(field)
            for dependent in registry.get_dependent_fields(field):
                todo.extend(registry.field_computed.get(dependent, [dependent]))
        stored = [field for field in found if field.store and field.compute]
        if any(field.model_name != self._name for field in stored):
            return None
        return tuple(stored)

    def _routing_score_now(self, fields_=None):
        """Have the leads' scoring computed again (after it waited for
        routing, or before a filter reads it)."""
        for field in fields_ or self._routing_scoring_fields() or ():
            self.env.add_to_compute(field, self)

    def web_save(self, vals, specification, next_id=None):
        """A lead the creator just saved and routing gave to someone else
        (leads created by salespeople routed, see the company setting) is shown
        to them once as saved, with its Routing tab saying who got it, instead
        of an access error: a salesperson who sees only their own leads can
        no longer read it.

        What comes back then is fixed, whatever the caller asked for: the
        lead's name, what routing did and the new salesperson's name, and the
        values the caller sent; every other field reads empty, and no related
        record is read (the caller's specification could otherwise walk, as
        superuser, to other companies' leads or colleagues' scores).
        """
        if self or next_id:
            return super().web_save(vals, specification, next_id=next_id)
        lead = self.create(vals)
        try:
            lead.check_access("read")
        except AccessError:
            if lead.sudo().routing_state == "none":
                raise
            return [lead._routing_routed_away_values(vals, specification)]
        return lead.with_context(bin_size=True).web_read(specification)

    def _routing_routed_away_values(self, vals, specification):
        """``web_read``-shaped values of a lead its creator can no longer read
        (see :meth:`web_save`)."""
        self.ensure_one()
        lead = self.sudo()
        values = {"id": self.id}
        for name in specification:
            field = self._fields.get(name)
            if field is None or name == "id":
                continue
            if name in ROUTED_AWAY_FIELDS:
                values[name] = field.convert_to_read(lead[name], lead)
            elif name == "user_id":
                owner = lead.user_id
                if owner and specification[name].get("fields"):
                    values[name] = {"id": owner.id}
                    if "display_name" in specification[name]["fields"]:
                        values[name]["display_name"] = owner.name
                else:
                    values[name] = owner.id
            elif field.type in ("one2many", "many2many", "properties"):
                values[name] = []
            elif name in vals and field.type in ECHOED_TYPES:
                values[name] = vals[name]
            elif field.type in ("integer", "float", "monetary"):
                values[name] = 0
            else:
                values[name] = False
        return values

    @api.model
    def _routing_check_protected(self, vals_list):
        """Refuse routing fields written by anyone but routing or a manager.

        Checked on what the caller sent (values and ``default_`` context
        keys), before routing adds its own; readonly on screens is not enough
        for the external API.
        """
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        sent = {key for vals in vals_list for key in vals} | {
            key[len("default_") :]
            for key in self.env.context
            if key.startswith("default_routing_")
        }
        forged = sent.intersection(PROTECTED_FIELDS)
        if forged:
            raise AccessError(
                _(
                    "Only routing and sales managers set the routing of a lead "
                    "(%(fields)s). Use Mark as contacted to record a first contact.",
                    fields=", ".join(
                        self._fields[name]._description_string(self.env)
                        for name in sorted(forged)
                    ),
                )
            )

    @api.model
    def _routing_check_salesperson(self, vals_list):
        """A salesperson given at creation must be able to sell: an archived
        or portal user would hold the lead where nobody works on it."""
        user_ids = {vals.get("user_id") for vals in vals_list} - {None, False}
        if not user_ids:
            return
        users = self.env["res.users"].sudo().with_context(active_test=False)
        unfit = (
            users.browse(sorted(user_ids))
            .exists()
            .filtered(lambda user: not user.active or user.share)
        )
        if unfit:
            raise ValidationError(
                _(
                    "%(names)s cannot be the salesperson of a lead: only active "
                    "internal users can. Leave the Salesperson empty to let routing "
                    "choose.",
                    names=", ".join(unfit.mapped("name")),
                )
            )

    @api.model
    def _routing_prepare_create(self, vals_list):
        """Which of ``vals_list`` to route; the others get their reason."""
        company_ids = {vals.get("company_id") for vals in vals_list} - {None, False}
        routing_on = {
            company.id: company.routing_auto_assign
            for company in self.env["res.company"].sudo().browse(sorted(company_ids))
        }
        default_on = self.env.company.routing_auto_assign
        if any(routing_on.values()) or default_on:
            self._routing_check_salesperson(vals_list)
        context_user = self.env.context.get("default_user_id")
        keeps_creator = None  # asked once, only when needed
        decisions = []
        for vals in vals_list:
            if not routing_on.get(vals.get("company_id"), default_on):
                decisions.append(False)
                continue
            given = vals.get("user_id") if "user_id" in vals else context_user
            if given and given != self.env.uid:
                vals.setdefault("routing_skip_reason", "given")
                decisions.append(False)
                continue
            if "user_id" in vals and not given:
                decisions.append(True)  # explicitly empty: route it
                continue
            # No salesperson, or the creator (the default a form fills in).
            if keeps_creator is None:
                keeps_creator = self._routing_keeps_creator()
            if keeps_creator:
                vals.setdefault("routing_skip_reason", "creator")
            elif given:
                vals["user_id"] = False
            decisions.append(not keeps_creator)
        return decisions

    @api.model
    def _routing_keeps_creator(self):
        """Whether a lead created without a salesperson stays its creator's.

        Odoo defaults the salesperson to the creator. Somebody who sells (a
        member or leader of an active sales team, someone an active routing
        rule may choose) keeps it, unless the company routes staff-created
        leads too; the email gateway and website (superuser), imports, and
        integration users who sell nothing themselves are always routed.
        """
        if self.env.su or self.env.context.get("import_file"):
            return False
        if self.env.company.routing_staff_leads == "route":
            return False
        return bool(self.env.user._routing_selling_places(limit=1))

    # ------------------------------------------------------------------ actions
    def action_route(self):
        """Route the given leads now (managers' button and list action).

        The notification counts what was written: each lead as it stands
        once routing is done, not what the engine meant to do.
        """
        self._routing_check_manager()
        leads = self.filtered(is_open_lead)
        if len(leads) > self.env["crm.routing.job"]._inline_limit():
            return self.env["crm.routing.job"]._start_route(leads)
        self.env["crm.routing.dispatcher"]._route(leads)
        states = leads.sudo().mapped("routing_state")
        assigned = sum(1 for state in states if state in TOUCH_STATES)
        queued = states.count("queued")
        other = len(leads) - assigned - queued
        skipped = len(self) - len(leads)
        parts = [_("%(count)s assigned", count=assigned)]
        if queued:
            parts.append(_("%(count)s queued", count=queued))
        if other:
            parts.append(_("%(count)s unroutable", count=other))
        if skipped:
            parts.append(_("%(count)s skipped (won, lost or archived)", count=skipped))
        if len(self) == 1 and self.routing_log_ids[:1]:
            parts.append(self.routing_log_ids[:1].reason)
        return notification(
            _("Lead routing"),
            "; ".join(parts),
            "success" if assigned else "warning",
            CLOSE if len(self) > 1 else SOFT_RELOAD,
        )

    def _routing_check_manager(self):
        """Route now hands leads out by the rules: a sales manager's call."""
        if not (
            self.env.su or self.env.user.has_group("sales_team.group_sale_manager")
        ):
            raise AccessError(
                _(
                    "Only sales managers can route leads by hand. Ask one to use "
                    "Route now, or contact the lead yourself."
                )
            )

    def action_route_confirm(self):
        """Route now from the list: several leads that already have a
        salesperson are routed only after the manager confirms."""
        self._routing_check_manager()
        if len(self) > 1 and self.filtered("user_id"):
            wizard = self.env["crm.routing.reroute"].create(
                {"lead_ids": [(6, 0, self.ids)]}
            )
            return {
                "type": "ir.actions.act_window",
                "name": _("Route leads now"),
                "res_model": "crm.routing.reroute",
                "res_id": wizard.id,
                "view_mode": "form",
                "target": "new",
            }
        return self.action_route()

    def _routing_past_first_stage(self):
        """Leads whose stage comes after the first stage of their team's
        pipeline: someone is working on them."""
        past = self.browse()
        for team, leads in self.grouped("team_id").items():
            first = self._stage_find(team_id=team.id, domain=[("fold", "=", False)])
            past |= leads.filtered(
                lambda lead, first=first: lead.stage_id
                and first
                and lead.stage_id.sequence > first.sequence
            )
        return past

    # ------------------------------------------------------------------ first touch
    # The first contact stops the clock: the earliest of an activity done, a
    # message or email posted, or a stage change by the assignee, or the "Mark
    # as contacted" button. Only the field is written (no log line).

    def _routing_first_touch(self, user=None):
        """Record the first contact on the leads of ``self`` that ``user`` owns.

        ``user`` defaults to the current user; ``False`` skips the owner check
        (the button, used by a manager). Returns the leads whose clock stopped.
        """
        uid = self.env.uid if user is None else (user.id if user else None)
        leads = self.sudo().filtered(
            lambda lead: lead.routing_state in TOUCH_STATES
            and not lead.routing_first_touch_at
            and (uid is None or lead.user_id.id == uid)
        )
        if leads:
            leads.write({"routing_first_touch_at": fields.Datetime.now()})
        return leads

    def _routing_check_queue_order(self, vals):
        """Leads waiting in a routing queue are handed out in the company's
        order of work (Take My Next Lead, the queue): a salesperson who could
        give one to themself, or to a colleague, would pick. Sales managers
        and routing may."""
        if (
            "user_id" not in vals
            or not vals["user_id"]
            or self.env.su
            or self.env.context.get(ROUTING_WRITES)
            or self.env.user.has_group("sales_team.group_sale_manager")
        ):
            return
        queued = self.sudo().filtered(lambda lead: lead.routing_state == "queued")
        if queued:
            raise AccessError(
                _(
                    "“%(lead)s” waits in the routing queue, where leads are taken "
                    "in the company's order of work: use Take My Next Lead to get "
                    "the next lead that is yours, or ask a sales manager.",
                    lead=queued[0].display_name,
                )
            )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """One header of buttons in the lead lists and kanbans: the web
        client shows only the last ``<header>`` of a list or a kanban, and
        several modules add one (Take My Next Lead here, Generate Leads in
        lead mining): their buttons are put together in the first."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type in ("list", "kanban"):
            headers = arch.xpath("./header")
            for extra in headers[1:]:
                headers[0].extend(list(extra))
                arch.remove(extra)
        return arch, view

    def action_routing_take_next(self):
        """The pipeline's Take My Next Lead button: see
        ``res.users.action_routing_take_next`` (the records clicked on, if
        any, play no part: the next lead is never chosen). ``env.user`` is a
        superuser record: the caller's own is taken, so that their companies
        are checked."""
        return self.env["res.users"].browse(self.env.uid).action_routing_take_next()

    def write(self, vals):
        self._routing_check_protected([vals])
        self._routing_check_queue_order(vals)
        by_hand = self.browse()
        if "user_id" in vals and not self.env.context.get(ROUTING_WRITES):
            by_hand = self.filtered(
                lambda lead: lead.routing_state != "none"
                and lead.user_id.id != (vals["user_id"] or False)
            )
            before = {lead.id: lead.user_id.id for lead in by_hand}
        touched = self.browse()
        if vals.get("stage_id"):
            touched = self.filtered(
                lambda lead: lead.user_id.id == self.env.uid
                and lead.routing_state in TOUCH_STATES
                and not lead.routing_first_touch_at
                and lead.stage_id.id != vals["stage_id"]
            )
        result = super().write(vals)
        if touched:
            touched._routing_first_touch()
        if by_hand:
            by_hand._routing_log_by_hand(before)
        return result

    def _routing_log_by_hand(self, before):
        """A salesperson changed outside routing is in the log (who did it,
        from whom to whom), and a manager giving a lead out by hand ends
        what routing held against people for it (see
        ``crm.routing.facts._previous_owners``). A queued or unroutable lead
        given to someone is no longer waiting for routing."""
        self.env["crm.routing.log"]._append(
            [
                {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,
                    "rule_id": lead.routing_rule_id.id,
                    "user_id": lead.user_id.id,
                    "previous_user_id": before.get(lead.id),
                    "event": "manual",
                    "details": {
                        "v": 2,
                        "event": "manual",
                        "code": "manual",
                        "user_id": lead.user_id.id or None,
                        "params": {"by": self.env.uid},
                    },
                }
                for lead in self.sudo()
            ]
        )
        waiting = self.sudo().filtered(
            lambda lead: lead.user_id and lead.routing_state in ("queued", "unroutable")
        )
        if waiting:
            waiting.with_context(**{ROUTING_WRITES: True}).write(
                {"routing_state": "assigned", "routing_deadline": False}
            )

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """Routing subscribes the new owners of a whole batch itself, at once.

        Routing's own assignments are the writes that stamp
        ``routing_assigned_at`` (``crm.routing.writer``); their owner is
        subscribed by the writer, so it is left out here. Any other change of
        salesperson, and whatever other modules add, is subscribed as usual.
        """
        if updated_values.get("routing_assigned_at") and "user_id" in updated_values:
            updated_values = dict(updated_values, user_id=False)
        return super()._message_auto_subscribe_followers(
            updated_values, default_subtype_ids
        )

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        """Subscribing people who already follow does nothing: when the cache
        already knows they all follow, skip the queries that would find out.

        mail.activity subscribes each assignee this way, one call per owner;
        routing's writer has just subscribed them and loaded the followers,
        so its activities cost no follower query. Superuser calls only, so no
        access check is skipped.
        """
        if (
            partner_ids
            and not subtype_ids
            and self.env.su
            and self._routing_known_followers(partner_ids)
        ):
            return True
        return super().message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids
        )

    def _routing_known_followers(self, partner_ids):
        """True when the cache shows every partner following every lead."""
        field, cache = self._fields["message_partner_ids"], self.env.cache
        wanted = set(partner_ids)
        for lead in self:
            if not cache.contains(lead, field):
                return False
            if not wanted <= set(cache.get(lead, field)):
                return False
        return True

    def _message_post_after_hook(self, message, msg_vals):
        """A message or email by the assignee is a first contact.

        Internal notes count when the assignee writes them (it is their work
        on the lead); nothing anybody else posts does.
        """
        result = super()._message_post_after_hook(message, msg_vals)
        if (
            self.routing_state in TOUCH_STATES
            and not self.routing_first_touch_at
            and msg_vals.get("message_type") in ("comment", "email")
        ):
            owner = self.sudo().user_id
            author_id = msg_vals.get("author_id") or message.author_id.id
            if owner and author_id and author_id == owner.partner_id.id:
                self._routing_first_touch(user=owner)
        return result

    def action_routing_mark_contacted(self):
        """The "Mark as contacted" button: the assignee or a manager stops the clock."""
        user = self.env.user
        if not user.has_group("sales_team.group_sale_manager"):
            for lead in self:
                if user not in lead._routing_contact_keepers():
                    raise AccessError(
                        _(
                            "Only %(owner)s or a sales manager can mark “%(lead)s” "
                            "as contacted.",
                            owner=lead.user_id.name or _("the salesperson"),
                            lead=lead.display_name,
                        )
                    )
        done = self._routing_first_touch(user=False)
        if len(self) == 1:
            return True
        return notification(
            _("Lead routing"),
            _(
                "%(count)s of %(total)s leads marked as contacted (the others "
                "were not waiting for a first contact).",
                count=len(done),
                total=len(self),
            ),
            "success" if done else "warning",
            SOFT_RELOAD,
        )
