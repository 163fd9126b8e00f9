from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

EVENTS = [
    ("assign", "Assigned"),
    ("reassign", "Reassigned"),
    ("queue", "Queued"),
    ("unroutable", "Unroutable"),
    ("escalate", "Escalated"),
    ("manual", "Manual change"),
]


class CrmRoutingLog(models.Model):
    """Append-only audit trail: the path a lead took and why.

    Lines are written by the routing code (as superuser) and can be neither
    edited nor deleted by anyone else, so a manager can trust them in a dispute
    about who got which lead.
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
    reason = fields.Text(readonly=True)
    details = fields.Json(
        readonly=True, help="Ranked candidates and why each was kept or excluded."
    )
    details_html = fields.Html(compute="_compute_details_html", sanitize=True)

    @api.depends("details")
    def _compute_details_html(self):
        """Render the candidate ranking as a small table for the form view."""
        users = self.env["res.users"].sudo()
        for log in self:
            rows = (log.details or {}).get("candidates") or []
            names = dict(
                users.browse([r["user_id"] for r in rows])
                .exists()
                .mapped(lambda u: (u.id, u.name))
            )
            cells = Markup("<td>{}</td><td>{}</td><td>{}</td><td>{}</td>")
            body = Markup("").join(
                Markup("<tr>%s</tr>")
                % cells.format(
                    row.get("rank") or "",
                    names.get(row["user_id"], row["user_id"]),
                    row.get("reason", ""),
                    row.get("note", ""),
                )
                for row in rows
            )
            head = Markup(
                "<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            ).format(_("Salesperson"), _("Verdict"), _("Why"))
            log.details_html = (
                Markup(
                    "<table class='table table-sm'>{}<tbody>{}</tbody></table>"
                ).format(head, body)
                if rows
                else False
            )

    def write(self, vals):
        if not self.env.su:
            raise UserError(_("Routing log lines cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise UserError(_("Routing log lines cannot be deleted."))
        return super().unlink()
