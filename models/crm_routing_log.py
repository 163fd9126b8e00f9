# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

EVENTS = [
    ("assign", "Assigned"),
    ("reassign", "Reassigned"),
    ("queue", "Queued"),
    ("unroutable", "Unroutable"),
    ("escalate", "Escalated"),
    ("manual", "Manual change"),
    ("take", "Taken from the queue"),
]


class CrmRoutingLog(models.Model):
    """Append-only audit trail: the path a lead took and why.

    Lines are written by routing only, through :meth:`_append`, and can be
    neither edited nor deleted by anyone else, so a manager can trust them in a
    dispute about who got which lead. A line stores the decision as structured
    details (codes, figures, ids); the explanation a person reads is rendered
    when read, in their language (``crm.routing.explainer``).
    """

    _name = "crm.routing.log"
    _description = "Lead Routing Log"
    _order = "create_date desc, id desc"
    _rec_name = "event"

    lead_id = fields.Many2one(
        "crm.lead", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    rule_id = fields.Many2one(
        "crm.routing.rule", ondelete="set null", index=True, readonly=True
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", ondelete="set null", readonly=True
    )
    previous_user_id = fields.Many2one(
        "res.users", string="Previous Salesperson", ondelete="set null", readonly=True
    )
    event = fields.Selection(EVENTS, required=True, readonly=True, index=True)
    details = fields.Json(
        readonly=True,
        groups="sales_team.group_sale_manager",
        help="The decision: ranked candidates and why each was kept or excluded.",
    )
    reason = fields.Text(string="Explanation", compute="_compute_reason")
    details_html = fields.Html(
        string="Candidates", compute="_compute_details_html", sanitize=True
    )

    @api.depends("event", "lead_id", "user_id")
    @api.depends_context("lang")
    def _compute_display_name(self):
        """ "Robotics line retrofit: Assigned to Sofia Marchetti" (a breadcrumb
        or a dialog title), not the event's code."""
        labels = dict(self._fields["event"]._description_selection(self.env))
        for log in self:
            line = log.sudo()
            event = labels.get(line.event, line.event)
            if line.user_id and line.event in (
                "assign",
                "reassign",
                "escalate",
                "take",
            ):
                event = _("%(event)s to %(user)s", event=event, user=line.user_id.name)
            log.display_name = _(
                "%(lead)s: %(event)s", lead=line.lead_id.name, event=event
            )

    @api.depends("details")
    @api.depends_context("lang")
    def _compute_reason(self):
        texts = self.env["crm.routing.explainer"]._render(
            [log.sudo().details for log in self]
        )
        for log, text in zip(self, texts, strict=True):
            log.reason = text or (log.sudo().details or {}).get("legacy_reason") or ""

    @api.depends("details")
    @api.depends_context("lang")
    def _compute_details_html(self):
        """The candidates as a table: who, the verdict, and why, in words."""
        explainer = self.env["crm.routing.explainer"]
        for log in self:
            log.details_html = explainer._candidate_table(log.sudo().details)

    @api.model
    def _append(self, entries):
        """Append log lines, all at once: the only way lines are written.

        ``entries``: dicts with ``lead_id``, ``company_id``, ``rule_id``,
        ``user_id``, ``previous_user_id``, ``event`` and ``details``, and
        the line's ``id`` when routing drew it as it decided. One
        INSERT: the log has no business logic on create, and the ORM would
        encode every explanation twice and cost about a millisecond per lead
        on a large import.
        """
        if not entries:
            return
        self.flush_model()
        columns = (
            "id", "lead_id", "company_id", "rule_id", "user_id", "previous_user_id"
        )  # fmt: skip
        now, uid = self.env.cr.now(), self.env.uid
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_routing_log
                       (id, lead_id, company_id, rule_id, user_id, previous_user_id,
                        event, details, create_uid, create_date, write_uid, write_date)
                SELECT COALESCE(v.id, nextval('crm_routing_log_id_seq')), v.lead_id,
                       v.company_id, v.rule_id, v.user_id,
                       v.previous_user_id, v.event, v.details, %s, %s, %s, %s
                  FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[],
                              %s::int[], %s::varchar[], %s::jsonb[])
                       AS v(id, lead_id, company_id, rule_id, user_id,
                            previous_user_id, event, details)
                """,
                uid,
                now,
                uid,
                now,
                *([entry.get(name) or None for entry in entries] for name in columns),
                [entry["event"] for entry in entries],
                [json.dumps(entry.get("details") or {}) for entry in entries],
            )
        )
        self.invalidate_model()
        self.env["crm.lead"].browse(
            sorted({entry["lead_id"] for entry in entries})
        ).invalidate_recordset(["routing_log_ids"])

    def write(self, vals):
        if not self.env.su:
            raise UserError(_("Routing log lines cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise UserError(_("Routing log lines cannot be deleted."))
        return super().unlink()
