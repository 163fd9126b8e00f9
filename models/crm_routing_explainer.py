# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import SUPERUSER_ID, api, models
from odoo.tools.misc import formatLang
from odoo.tools.translate import get_translation

from ..routing import explain

MODULE = "crm_lead_routing"


class _Names:
    """Display names, looked up once for many explanations."""

    def __init__(self, users, rules, skills, experiments=None):
        self._users, self._rules, self._skills = users, rules, skills
        self._experiments = experiments or {}

    def user(self, user_id):
        return self._users.get(user_id)

    def rule(self, rule_id):
        return self._rules.get(rule_id)

    def skill(self, skill_id):
        return self._skills.get(skill_id)

    def experiment(self, experiment_id):
        return self._experiments.get(experiment_id)


class CrmRoutingExplainer(models.AbstractModel):
    """Words for what routing measured and decided, in the reader's language.

    Routing stores numbers and codes (minutes, reason codes, ids); a sales
    manager reads sentences with names. The sentences are put together by the
    pure ``routing.explain`` from the catalogue ``routing.messages``; this
    model supplies the names (one query per kind of record, for any number of
    lines) and the translation into the reader's language.
    """

    _name = "crm.routing.explainer"
    _description = "Lead Routing Explanations"

    @api.model
    def _translator(self):
        lang = self.env.lang or "en_US"
        return lambda template: get_translation(MODULE, lang, template, ())

    @api.model
    def _names(self, details_list):
        users, rules, skills, experiments = set(), set(), set(), set()
        for details in details_list:
            more = explain.referenced_ids(details)
            users |= more[0]
            rules |= more[1]
            skills |= more[2]
            experiments |= more[3]
        env = self.sudo().with_context(active_test=False).env
        return _Names(
            {u.id: u.name for u in env["res.users"].browse(sorted(users)).exists()},
            {
                r.id: r.name
                for r in env["crm.routing.rule"].browse(sorted(rules)).exists()
            },
            {
                s.id: s.name
                for s in env["crm.routing.skill"].browse(sorted(skills)).exists()
            },
            {
                e.id: e.name
                for e in env["crm.routing.experiment"]
                .browse(sorted(experiments))
                .exists()
            },
        )

    @api.model
    def _hides_scores(self):
        """Whether the reader may not see colleagues' scores: then neither
        their target shares (which give the scores back) are shown."""
        user = self.env.user
        return not (
            self.env.uid == SUPERUSER_ID
            or user.has_group("sales_team.group_sale_manager")
            or self.env.company.routing_score_share
        )

    @api.model
    def _visible(self, details_list):
        """``details_list`` as the reader may read it (see ``_hides_scores``)."""
        if not self._hides_scores():
            return details_list
        reader = self.env.uid
        return [explain.redact_scores(details, reader) for details in details_list]

    @api.model
    def _render(self, details_list):
        """The explanation of each stored decision, in the reader's language."""
        details_list = self._visible(details_list)
        names, tr = self._names(details_list), self._translator()
        return [explain.render(details, names, tr) for details in details_list]

    @api.model
    def _candidate_rows(self, details):
        (details,) = self._visible([details])
        return explain.candidate_rows(
            details, self._names([details]), self._translator()
        )

    @api.model
    def _candidate_table(self, details):
        """The candidates of ``details`` as an HTML table (who, the verdict,
        and why, in words), or False when there are none: the log's form and
        the preview show the same table."""
        rows = self._candidate_rows(details)
        if not rows:
            return False
        return self._render_table("crm_lead_routing.routing_candidate_table", rows=rows)

    @api.model
    def _render_table(self, template, **values):
        """``template`` (one of views/crm_lead_routing_templates.xml) rendered
        with ``values`` in the reader's language. ``None`` and ``False`` in a
        row of cells are written as empty cells, as QWeb would otherwise
        leave the cell out and shift the columns."""

        def cells(row):
            if isinstance(row, list | tuple):
                return [("" if cell is None or cell is False else cell) for cell in row]
            return row

        for key in ("rows", "people", "rules"):
            if values.get(key):
                values[key] = [cells(row) for row in values[key]]
        return self.env["ir.qweb"]._render(template, values)

    @api.model
    def _exclusion_reasons(self, items):
        """Why people could not take leads, each reason once, in words:
        "not accepting new leads; lacks “French”". ``items``: ``(user id,
        code of messages.EXCLUSIONS, params)``."""
        details = {
            "v": 2,
            "candidates": [
                {"user_id": uid, "eligible": False, "reason": code, "params": params}
                for uid, code, params in items
            ],
        }
        reasons = list(dict.fromkeys(row[3] for row in self._candidate_rows(details)))
        return explain.join(reasons, self._translator())

    @api.model
    def _number(self, value, digits=0):
        """``value`` written as the reader's language writes numbers
        ("2,862.5"; "2 862,5" in Russian)."""
        return formatLang(self.env, value or 0.0, digits=digits)

    @api.model
    def _percent(self, value, digits=1):
        """A share given in percent, in the reader's way ("27,3 %")."""
        return f"{self._number(value, digits)} %"

    @api.model
    def _duration(self, minutes):
        """A duration as a person says it ("22 min", "7 days"), translated."""
        return explain.duration(minutes, self._translator())
