# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import math
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date, formatLang

from ..routing import experiments, explain, strategies
from ..routing.experiments import ArmOutcomes

METRICS = [
    ("conversion", "Conversion (won / closed)"),
    ("first_contact", "Time to first contact"),
    ("revenue", "Won revenue per lead"),
]
STATES = [
    ("draft", "Draft"),
    ("running", "Running"),
    ("stopped", "Stopped"),
    ("adopted", "Adopted"),
]
# The control's recent history the plan is based on.
BASELINE_DAYS = 90
# Beyond this many days a test ends later than a manager would wait.
PATIENCE_DAYS = 183


class CrmRoutingExperiment(models.Model):
    """An A/B test of a routing rule: its current settings (the control)
    against a variant (another strategy, fairness floor or pool).

    While it runs, routing splits the rule's leads between the two by a
    stable hash of the lead (``routing.experiments``, inside the pure engine)
    and records the group on the lead and in its routing log. The plan (how
    many outcomes each group needs) comes from the control's recent history;
    the results and the verdict are computed when read, from two grouped
    queries whatever the number of leads. A manager adopts the winner, which
    writes the variant's settings into the rule.
    """

    _name = "crm.routing.experiment"
    _description = "Lead Routing Experiment"
    _inherit = ["mail.thread", "crm.routing.input.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    rule_id = fields.Many2one(
        "crm.routing.rule",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        default=lambda self: self.env.company,
        help="The rule's company; a new experiment offers the rules of yours.",
    )
    control_strategy = fields.Selection(
        strategies.choices(),
        readonly=True,
        copy=False,
        help="The rule's strategy when the experiment started.",
    )
    control_fairness_floor = fields.Float(
        string="Control Fairness Floor (%)",
        readonly=True,
        copy=False,
        help="The rule's fairness floor when the experiment started.",
    )
    adopt_changes = fields.Text(
        string="On Adoption",
        compute="_compute_adopt_changes",
        help="What adopting the winner writes into the rule.",
    )
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, copy=False,
        tracking=True, index=True,
    )  # fmt: skip
    variant_strategy = fields.Selection(
        strategies.choices(),
        compute="_compute_variant_settings",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="How the variant picks a salesperson; starts as the rule's.",
    )
    variant_fairness_floor = fields.Float(
        string="Variant Fairness Floor (%)",
        compute="_compute_variant_settings",
        store=True,
        readonly=False,
        precompute=True,
        help="Performance-weighted strategies only; starts as the rule's.",
    )
    # What the variant's strategy reads (``routing.strategies``).
    variant_uses_fairness_floor = fields.Boolean(compute="_compute_variant_uses")
    variant_uses_designated_user = fields.Boolean(compute="_compute_variant_uses")
    variant_user_ids = fields.Many2many(
        "res.users",
        "crm_routing_experiment_user_rel",
        "experiment_id",
        "user_id",
        string="Variant Pool",
        domain="[('share', '=', False)]",
        help="The salespeople the variant may choose. Empty: the rule's pool.",
    )
    variant_share = fields.Float(
        string="Leads in the Variant (%)",
        default=50.0,
        help="The share of the rule's leads routed by the variant; the others "
        "follow the rule as it is (the control).",
    )
    metric = fields.Selection(
        METRICS,
        string="Primary Metric",
        default="conversion",
        required=True,
        help="Chosen before the start: the figure that decides the winner.",
    )
    min_effect_unit = fields.Char(
        compute="_compute_min_effect_unit",
        help="What the smallest effect is counted in, for the chosen metric.",
    )
    min_effect = fields.Float(
        string="Smallest Effect Worth Detecting",
        default=5.0,
        help="Conversion: in percentage points; time to first contact: in "
        "minutes; revenue: in the company's currency per closed lead. The "
        "smaller it is, the more leads the test needs.",
    )
    date_start = fields.Datetime(string="Started", readonly=True, copy=False)
    date_end = fields.Datetime(
        string="End",
        copy=False,
        help="When the test is planned to end (filled from the sample size at "
        "the start); when it was stopped or adopted, that moment.",
    )
    currency_id = fields.Many2one(related="rule_id.company_id.currency_id")
    sample_size = fields.Integer(
        string="Outcomes Needed per Group",
        compute="_compute_results",
        help="Closed leads (conversion, revenue) or contacted leads (time to "
        "first contact) each group needs to detect the effect with 5% "
        "significance and 80% power, from the control's last 90 days.",
    )
    baseline = fields.Char(string="Control Baseline", compute="_compute_results")
    date_planned_end = fields.Date(
        string="Planned End",
        compute="_compute_results",
        help="When both groups should have the outcomes they need, at the rule's "
        "pace over the last 90 days.",
    )
    lead_count = fields.Integer(compute="_compute_results", string="Leads")
    plan_warning = fields.Char(
        compute="_compute_plan_warning",
        help="Set when the test would need more than six months to reach its "
        "sample at the rule's pace.",
    )
    interim = fields.Boolean(compute="_compute_results")
    winner = fields.Selection(
        [("control", "Control"), ("variant", "Variant")], compute="_compute_results"
    )
    verdict = fields.Text(compute="_compute_results")
    results_html = fields.Html(
        string="Results", compute="_compute_results", sanitize=True
    )

    @api.depends("rule_id")
    def _compute_company_id(self):
        for exp in self:
            if exp.rule_id:
                exp.company_id = exp.rule_id.company_id
            elif not exp.company_id:
                exp.company_id = self.env.company

    @api.depends(
        "winner", "state", "variant_strategy", "variant_fairness_floor",
        "variant_user_ids", "rule_id.strategy", "rule_id.fairness_floor",
        "rule_id.user_ids",
    )  # fmt: skip
    @api.depends_context("lang")
    def _compute_adopt_changes(self):
        """Each field of the rule that adopting the winner changes, old → new."""
        for exp in self:
            changes = exp._adopt_values() if exp.winner == "variant" else {}
            if exp.winner == "control":
                exp.adopt_changes = _("Nothing: the rule keeps its settings.")
                continue
            rule = exp.rule_id
            lines = []
            for name, value in changes.items():
                field = rule._fields[name]
                if name == "user_ids":
                    old = ", ".join(rule.user_ids.mapped("name")) or _("the team")
                    new = ", ".join(exp.variant_user_ids.mapped("name"))
                elif field.type == "selection":
                    labels = dict(field._description_selection(self.env))
                    old, new = labels.get(rule[name]), labels.get(value)
                else:
                    old, new = rule[name], value
                lines.append(
                    _(
                        "%(field)s: %(old)s → %(new)s",
                        field=field._description_string(self.env),
                        old=old,
                        new=new,
                    )
                )
            exp.adopt_changes = "\n".join(lines) or False

    def _adopt_values(self):
        """What the variant changes, compared with the rule as it was when the
        experiment started (the control): only that is written on adoption, so
        a change a manager made to the rule since is kept."""
        self.ensure_one()
        rule = self.rule_id
        control_strategy = self.control_strategy or rule.strategy
        control_floor = (
            self.control_fairness_floor
            if self.control_strategy
            else rule.fairness_floor
        )
        vals = {}
        if self.variant_strategy != control_strategy:
            vals["strategy"] = self.variant_strategy
        if (
            self.variant_uses_fairness_floor
            and self.variant_fairness_floor != control_floor
        ):
            vals["fairness_floor"] = self.variant_fairness_floor
        if self.variant_user_ids and set(self.variant_user_ids.ids) != set(
            rule.user_ids.ids
        ):
            vals["user_ids"] = [(6, 0, self.variant_user_ids.ids)]
        return {
            name: value
            for name, value in vals.items()
            if name == "user_ids" or rule[name] != value
        }

    @api.depends("variant_strategy")
    def _compute_variant_uses(self):
        for exp in self:
            strategy = strategies.get(exp.variant_strategy or strategies.DEFAULT)
            exp.variant_uses_fairness_floor = strategy.uses_fairness_floor
            exp.variant_uses_designated_user = strategy.uses_designated_user

    @api.depends("rule_id")
    def _compute_variant_settings(self):
        for exp in self:
            if exp.state == "draft" and exp.rule_id:
                exp.variant_strategy = exp.rule_id.strategy
                exp.variant_fairness_floor = exp.rule_id.fairness_floor
            else:
                exp.variant_strategy = exp.variant_strategy
                exp.variant_fairness_floor = exp.variant_fairness_floor

    # ------------------------------------------------------------------ checks
    @api.constrains("variant_share")
    def _check_variant_share(self):
        for exp in self:
            if not 0 < exp.variant_share < 100:
                raise ValidationError(
                    _(
                        "Experiment “%(name)s”: Leads in the Variant is a percentage "
                        "above 0 and below 100 (got %(value)s).",
                        name=exp.name,
                        value=exp.variant_share,
                    )
                )

    @api.constrains("variant_fairness_floor")
    def _check_variant_floor(self):
        for exp in self:
            if not 0 <= exp.variant_fairness_floor <= 100:
                raise ValidationError(
                    _(
                        "Experiment “%(name)s”: the Variant Fairness Floor is a "
                        "percentage between 0 and 100 (got %(value)s).",
                        name=exp.name,
                        value=exp.variant_fairness_floor,
                    )
                )

    @api.constrains("min_effect", "metric")
    def _check_min_effect(self):
        for exp in self:
            if exp.min_effect <= 0 or (
                exp.metric == "conversion" and exp.min_effect >= 100
            ):
                raise ValidationError(
                    _(
                        "Experiment “%(name)s”: the Smallest Effect Worth Detecting "
                        "must be above 0 (and, for conversion, below 100 points).",
                        name=exp.name,
                    )
                )

    @api.constrains("variant_strategy", "rule_id")
    def _check_variant_strategy(self):
        for exp in self:
            if exp.variant_uses_designated_user and not exp.rule_id.fixed_user_id:
                raise ValidationError(
                    _(
                        "Experiment “%(name)s”: the variant strategy “Specific "
                        "salesperson” needs the Salesperson set on the rule "
                        "“%(rule)s”.",
                        name=exp.name,
                        rule=exp.rule_id.name,
                    )
                )

    @api.constrains("state", "rule_id")
    def _check_one_running_per_rule(self):
        self.filtered(lambda e: e.state == "running")._check_rule_is_free()

    def _check_rule_is_free(self):
        """Raise when another experiment already runs on the rule (checked
        before the start is written, so the unique index never speaks)."""
        for exp in self:
            other = self.search_count(
                [
                    ("rule_id", "=", exp.rule_id.id),
                    ("state", "=", "running"),
                    ("id", "!=", exp.id),
                ]
            )
            if other:
                raise ValidationError(
                    _(
                        "The rule “%(rule)s” already has a running experiment: stop "
                        "it before starting “%(name)s”.",
                        rule=exp.rule_id.name,
                        name=exp.name,
                    )
                )

    def init(self):
        # The constraint above, also under concurrent starts.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS crm_routing_experiment_one_running
                   ON crm_routing_experiment (rule_id) WHERE state = 'running'"""
        )
        self.env["crm.routing.rule.book"]._install_version_triggers()

    # ------------------------------------------------------------------ actions
    def action_start(self):
        """Start splitting the rule's leads; fill the planned end."""
        for exp in self:
            if exp.state != "draft":
                raise UserError(
                    _("Only a draft experiment can start (“%(name)s”).", name=exp.name)
                )
            if not exp._variant_changes():
                raise UserError(
                    _(
                        "Experiment “%(name)s”: the variant routes exactly like the "
                        "rule. Change its strategy, fairness floor or pool.",
                        name=exp.name,
                    )
                )
            exp._check_rule_is_free()
            now = fields.Datetime.now()
            vals = {
                "state": "running",
                "date_start": now,
                "control_strategy": exp.rule_id.strategy,
                "control_fairness_floor": exp.rule_id.fairness_floor,
            }
            planned = exp._planned_days()
            if not exp.date_end and planned:
                vals["date_end"] = now + timedelta(days=planned)
            exp.write(vals)
        return True

    def action_stop(self):
        """Stop splitting: the rule routes every lead as before."""
        for exp in self:
            if exp.state != "running":
                raise UserError(
                    _("Only a running experiment can stop (“%(name)s”).", name=exp.name)
                )
        self.write({"state": "stopped", "date_end": fields.Datetime.now()})
        return True

    def action_adopt(self):
        """Make the winner the rule's behaviour, end the experiment, log it.

        Only once the results declare a winner (the planned sample reached
        and p under 5%). When the variant wins, its strategy, floor and pool
        are written into the rule; when the control wins the rule stays.
        """
        for exp in self:
            if exp.state not in ("running", "stopped"):
                raise UserError(
                    _(
                        "Only a running or stopped experiment can be adopted "
                        "(“%(name)s”).",
                        name=exp.name,
                    )
                )
            if not exp.winner:
                raise UserError(
                    _(
                        "No winner to adopt in “%(name)s” yet. %(verdict)s",
                        name=exp.name,
                        verdict=exp.verdict,
                    )
                )
            rule = exp.rule_id
            if exp.winner == "variant":
                rule.write(exp._adopt_values())
                message = _(
                    "Adopted the variant: the rule “%(rule)s” now routes by "
                    "“%(strategy)s”. %(verdict)s",
                    rule=rule.name,
                    strategy=dict(
                        exp._fields["variant_strategy"]._description_selection(self.env)
                    )[exp.variant_strategy],
                    verdict=exp.verdict,
                )
            else:
                message = _(
                    "Adopted the control: the rule “%(rule)s” keeps its settings. "
                    "%(verdict)s",
                    rule=rule.name,
                    verdict=exp.verdict,
                )
            exp.write(
                {
                    "state": "adopted",
                    "date_end": fields.Datetime.now()
                    if exp.state == "running"
                    else exp.date_end,
                }
            )
            exp.message_post(body=message)
        return True

    def action_view_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_all_leads")
        action["domain"] = [("routing_experiment_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action

    def _variant_changes(self):
        """Whether the variant routes differently from the rule."""
        self.ensure_one()
        rule = self.rule_id
        if self.variant_strategy != rule.strategy:
            return True
        if (
            self.variant_uses_fairness_floor
            and self.variant_fairness_floor != rule.fairness_floor
        ):
            return True
        pool = rule._pools_and_skills()[rule.id][0]
        return bool(self.variant_user_ids) and set(self.variant_user_ids.ids) != set(
            pool
        )

    # ------------------------------------------------------------------ results
    def _outcomes(self, where, params=()):
        """``{key: ArmOutcomes}`` of the leads selected by ``where`` (SQL),
        grouped by its first column; one query."""
        self.env["crm.lead"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT grp,
                       count(*),
                       count(*) FILTER (WHERE closed),
                       count(*) FILTER (WHERE won),
                       array_agg(minutes) FILTER (WHERE minutes IS NOT NULL),
                       array_agg(revenue) FILTER (WHERE closed)
                  FROM (
                    SELECT %s AS grp,
                           (l.active AND l.probability = 100) AS won,
                           ((l.active AND l.probability = 100)
                            OR (NOT l.active AND l.probability = 0)) AS closed,
                           CASE WHEN l.routing_first_touch_at >= l.create_date
                                THEN EXTRACT(EPOCH FROM l.routing_first_touch_at
                                                        - l.create_date) / 60.0
                           END AS minutes,
                           CASE WHEN l.active AND l.probability = 100
                                THEN COALESCE(l.expected_revenue, 0) ELSE 0
                           END AS revenue
                      FROM crm_lead l
                     WHERE %s
                  ) l
                 GROUP BY grp
                """,
                *params,
                where,
            )
        )
        return {
            grp: ArmOutcomes(
                leads=count,
                closed=closed,
                won=won,
                minutes=tuple(float(m) for m in minutes or ()),
                revenues=tuple(float(r) for r in revenues or ()),
            )
            for grp, count, closed, won, minutes, revenues in self.env.cr.fetchall()
        }

    def _baseline(self):
        """The control's recent history: the rule's leads of the 90 days
        before the start (or before now), outside this experiment."""
        self.ensure_one()
        end = self.date_start or fields.Datetime.now()
        where = SQL(
            """l.routing_rule_id = %s AND l.create_date >= %s AND l.create_date < %s
               AND (l.routing_experiment_id IS NULL OR l.routing_experiment_id != %s)""",
            self.rule_id.id,
            end - timedelta(days=BASELINE_DAYS),
            end,
            self.id or 0,
        )
        return self._outcomes(where, (SQL("1"),)).get(1, ArmOutcomes())

    def _planned_days(self, baseline=None):
        """Days until the smaller group has the outcomes it needs, at the pace
        of the baseline; None when it cannot tell."""
        baseline = baseline or self._baseline()
        needed = experiments.sample_size(self.metric, self.min_effect, baseline)
        per_day = baseline.units(self.metric) / BASELINE_DAYS
        smaller = min(self.variant_share, 100 - self.variant_share) / 100.0
        if not needed or not per_day or smaller <= 0:
            return None
        return math.ceil(needed / (per_day * smaller))

    @api.depends("metric", "company_id")
    @api.depends_context("lang")
    def _compute_min_effect_unit(self):
        for exp in self:
            if exp.metric == "conversion":
                exp.min_effect_unit = _("percentage points")
            elif exp.metric == "first_contact":
                exp.min_effect_unit = _("minutes")
            else:
                currency = (exp.company_id or self.env.company).currency_id
                exp.min_effect_unit = _(
                    "%(currency)s per closed lead", currency=currency.symbol
                )

    @api.depends(
        "state", "metric", "min_effect", "variant_share", "date_start", "rule_id"
    )
    @api.depends_context("lang")
    def _compute_results(self):
        """Results per group, the plan and the verdict: two grouped queries
        per experiment (its leads by group, the control's baseline)."""
        for exp in self:
            currency = exp.currency_id or self.env.company.currency_id

            def money(amount, currency=currency):
                return format_amount(self.env, amount, currency)

            if not exp.id or not exp.rule_id:
                # A draft being filled in: the plan as soon as the rule and
                # the metric are chosen, from the rule's last 90 days.
                history = exp._baseline() if exp.rule_id else ArmOutcomes()
                needed = (
                    experiments.sample_size(exp.metric, exp.min_effect, history)
                    if exp.rule_id
                    else None
                )
                planned = exp._planned_days(history) if needed else None
                exp.update(
                    {"sample_size": needed or 0,
                     "baseline": exp._figure(history, money) if exp.rule_id else False,
                     "date_planned_end": (
                         fields.Datetime.now() + timedelta(days=planned)
                     ).date() if planned else False,
                     "lead_count": 0, "interim": True, "winner": False,
                     "verdict": False, "results_html": False}
                )  # fmt: skip
                continue

            arms = exp._outcomes(
                SQL("l.routing_experiment_id = %s", exp.id),
                (SQL("l.routing_experiment_arm"),),
            )
            control = arms.get("control", ArmOutcomes())
            variant = arms.get("variant", ArmOutcomes())
            history = exp._baseline()
            # No history yet: plan from the control so far.
            baseline = history if history.units(exp.metric) else control
            needed = experiments.sample_size(exp.metric, exp.min_effect, baseline)
            result = experiments.verdict(exp.metric, control, variant, needed)
            tr = self.env["crm.routing.explainer"]._translator()
            planned = exp._planned_days(history) if needed else None
            start = exp.date_start or fields.Datetime.now()
            exp.update(
                {
                    "sample_size": needed or 0,
                    "baseline": exp._figure(baseline, money),
                    "date_planned_end": (start + timedelta(days=planned)).date()
                    if planned
                    else False,
                    "lead_count": control.leads + variant.leads,
                    "interim": result["interim"],
                    "winner": result["winner"] or False,
                    "verdict": explain.verdict(
                        result,
                        exp.metric,
                        tr,
                        money,
                        lambda count: formatLang(self.env, count, digits=0),
                    ),
                    "results_html": exp._results_table(
                        control, variant, result, tr, money
                    ),
                }
            )

    @api.depends("date_planned_end", "state")
    @api.depends_context("lang")
    def _compute_plan_warning(self):
        limit = fields.Date.context_today(self) + timedelta(days=PATIENCE_DAYS)
        for exp in self:
            if (
                exp.state in ("draft", "running")
                and exp.date_planned_end
                and (exp.date_planned_end > limit)
            ):
                exp.plan_warning = _(
                    "At the rule's pace of the last 90 days, both groups have the "
                    "outcomes they need only by %(date)s. To finish sooner, choose a "
                    "larger smallest effect worth detecting, or a larger share of "
                    "leads for the variant.",
                    date=format_date(self.env, exp.date_planned_end),
                )
            else:
                exp.plan_warning = False

    def _figure(self, outcomes, money):
        """The primary metric's value of ``outcomes`` in words."""
        value = outcomes.value(self.metric)
        if value is None:
            return _("no outcome yet")
        if self.metric == "conversion":
            return _("%(rate)s%% conversion over %(count)s closed leads",
                     rate=round(value * 100, 1), count=outcomes.closed)  # fmt: skip
        if self.metric == "first_contact":
            return _("median %(duration)s to first contact over %(count)s leads",
                     duration=self.env["crm.routing.explainer"]._duration(value),
                     count=len(outcomes.minutes))  # fmt: skip
        return _("%(amount)s per closed lead over %(count)s closed leads",
                 amount=money(value), count=outcomes.closed)  # fmt: skip

    def _results_table(self, control, variant, result, tr, money):
        duration = self.env["crm.routing.explainer"]._duration

        def conversion(arm):
            value = arm.value("conversion")
            return "" if value is None else f"{round(value * 100, 1)}%"

        def first_contact(arm):
            value = arm.value("first_contact")
            return "" if value is None else duration(value)

        def revenue(arm):
            value = arm.value("revenue")
            return "" if value is None else money(value)

        def figures(arm):
            return {
                "leads": arm.leads,
                "closed": arm.closed,
                "conversion": conversion(arm),
                "first_contact": first_contact(arm),
                "revenue": revenue(arm),
            }

        test = result["test"]
        difference = test and _(
            "%(diff)s (%(low)s to %(high)s), %(p)s",
            diff=explain.difference(test["diff"], self.metric, tr, money),
            low=explain.difference(test["low"], self.metric, tr, money),
            high=explain.difference(test["high"], self.metric, tr, money),
            p=explain.p_text(test["p"]),
        )
        return self.env["crm.routing.explainer"]._render_table(
            "crm_lead_routing.routing_experiment_results",
            control=figures(control),
            variant=figures(variant),
            difference=difference or False,
        )
