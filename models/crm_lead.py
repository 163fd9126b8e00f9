import logging

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Concurrency errors must reach Odoo's retry loop instead of being swallowed:
# the retried request sees the other transaction's leads and respects caps.
RETRYABLE_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)

ROUTING_STATES = [
    ("none", "Not routed"),
    ("assigned", "Assigned"),
    ("queued", "Queued"),
    ("unroutable", "Unroutable"),
    ("escalated", "Escalated"),
]


class CrmLead(models.Model):
    """What routing decided for a lead, and why; routing hooks on create."""

    _inherit = "crm.lead"

    routing_rule_id = fields.Many2one(
        "crm.routing.rule",
        ondelete="set null",
        index="btree_not_null",
        copy=False,
        tracking=True,
    )
    routing_state = fields.Selection(
        ROUTING_STATES,
        default="none",
        required=True,
        index=True,
        copy=False,
        tracking=True,
    )
    routing_assigned_at = fields.Datetime("Routed At", copy=False)
    routing_deadline = fields.Datetime(
        "Contact Before", copy=False, index="btree_not_null"
    )
    routing_first_touch_at = fields.Datetime("First Contact", copy=False)
    routing_reassign_count = fields.Integer("Reassignments", copy=False)
    routing_log_ids = fields.One2many("crm.routing.log", "lead_id", copy=False)
    routing_overdue = fields.Boolean(
        compute="_compute_routing_overdue", search="_search_routing_overdue"
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

    # ------------------------------------------------------------------ create
    @api.model_create_multi
    def create(self, vals_list):
        """Route new leads when the company routes automatically.

        A lead created with an explicit salesperson keeps them; one created
        with an explicitly empty salesperson is routed; one where Odoo would
        default the salesperson to the creator follows
        :meth:`_routing_route_defaulted_owner`.
        """
        leads = super().create(vals_list)
        if self.env.context.get("crm_lead_routing_skip"):
            return leads
        candidates = leads.filtered(
            lambda lead: lead.active
            and lead.probability < 100
            and (lead.company_id or self.env.company).routing_auto_assign
        )
        if not candidates:
            return leads
        context_user = self.env.context.get("default_user_id")
        route_defaulted = self._routing_route_defaulted_owner()
        wanted = {
            lead.id
            for lead, vals in zip(leads, vals_list, strict=True)
            if ("user_id" in vals and not vals["user_id"])
            or ("user_id" not in vals and not context_user and route_defaulted)
        }
        to_route = candidates.filtered(lambda lead: lead.id in wanted)
        if to_route:
            to_route._routing_route_safely(event="assign", from_create=True)
        return leads

    @api.model
    def _routing_route_defaulted_owner(self):
        """Whether a lead created without a salesperson should be routed.

        Odoo defaults the salesperson to the creator. A member of a sales team
        creating a lead keeps it; the email gateway and website (superuser),
        imports, and integration users who sell nothing themselves are routed.
        """
        if self.env.su or self.env.context.get("import_file"):
            return True
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM crm_team_member WHERE user_id = %s AND active "
                "UNION ALL SELECT 1 FROM crm_team WHERE user_id = %s AND active "
                "LIMIT 1",
                self.env.uid,
                self.env.uid,
            )
        )
        return not self.env.cr.fetchone()

    def _routing_route_safely(self, event="assign", from_create=False):
        """Route ``self``; a fault never loses a lead nor blocks the others.

        First the whole batch in one savepoint (fast path); if that raises,
        each lead alone, so that only the faulty ones end up unroutable.
        """
        dispatcher = self.env["crm.routing.dispatcher"]
        try:
            with self.env.cr.savepoint():
                return dispatcher._route_leads(
                    self, event=event, from_create=from_create
                )
        except RETRYABLE_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - isolate below, lead by lead
            if len(self) == 1:
                self._routing_mark_failed()
                return []
        decisions = []
        for lead in self:
            try:
                with self.env.cr.savepoint():
                    decisions += dispatcher._route_leads(
                        lead, event=event, from_create=from_create
                    )
            except RETRYABLE_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - recorded on the lead below
                lead._routing_mark_failed()
        return decisions

    def _routing_mark_failed(self):
        _logger.exception("Lead routing failed for crm.lead%s", self.ids)
        self.sudo().with_context(mail_notrack=True).write(
            {"routing_state": "unroutable", "user_id": False}
        )
        reason = _(
            "Routing failed with an internal error; the lead was kept "
            "unassigned. See the server log for details."
        )
        self.env["crm.routing.log"].sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,
                    "event": "unroutable",
                    "reason": reason,
                }
                for lead in self
            ]
        )

    # ------------------------------------------------------------------ actions
    def action_route(self):
        """Route the given leads now (managers' button and list action)."""
        leads = self.filtered(lambda lead: lead.active and lead.probability < 100)
        decisions = leads._routing_route_safely(event="assign")
        assigned = sum(1 for d in decisions if d.user_id)
        queued = sum(1 for d in decisions if d.event == "queue")
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
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Lead routing"),
                "message": "; ".join(parts),
                "type": "success" if assigned else "warning",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"}
                if len(self) > 1
                else {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------ crons
    @api.model
    def _cron_routing_sla(self):
        """Reassign (or escalate) assigned leads nobody contacted in time."""
        return self.env["crm.routing.sweeper"]._sweep_overdue()

    @api.model
    def _cron_routing_queue(self):
        """Hand queued leads to people who became eligible (start of shift...)."""
        return self.env["crm.routing.sweeper"]._drain_queue()

    # ------------------------------------------------------------------ first touch
    # The first contact stops the clock: the earliest of an activity done, a
    # message or email posted, or a stage change by the assignee, or the "Mark
    # as contacted" button. Only the field is written (no log line).
    _ROUTING_TOUCH_STATES = ("assigned", "escalated")

    def _routing_first_touch(self, user=None):
        """Record the first contact on the leads of ``self`` that ``user`` owns.

        ``user`` defaults to the current user; ``False`` skips the owner check
        (the button, used by a manager). Returns the leads whose clock stopped.
        """
        uid = self.env.uid if user is None else (user.id if user else None)
        leads = self.sudo().filtered(
            lambda lead: lead.routing_state in self._ROUTING_TOUCH_STATES
            and not lead.routing_first_touch_at
            and (uid is None or lead.user_id.id == uid)
        )
        if leads:
            leads.write({"routing_first_touch_at": fields.Datetime.now()})
        return leads

    def write(self, vals):
        touched = self.browse()
        if vals.get("stage_id"):
            touched = self.filtered(
                lambda lead: lead.user_id.id == self.env.uid
                and lead.routing_state in self._ROUTING_TOUCH_STATES
                and not lead.routing_first_touch_at
                and lead.stage_id.id != vals["stage_id"]
            )
        result = super().write(vals)
        if touched:
            touched._routing_first_touch()
        return result

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """Routing subscribes the leads' new owners itself, in bulk.

        See ``crm.routing.dispatcher._subscribe_owners``; followers that
        other modules add on a change of salesperson are left to them.
        """
        if self.env.context.get("routing_bulk_subscribe") and "user_id" in (
            updated_values
        ):
            updated_values = dict(updated_values, user_id=False)
        return super()._message_auto_subscribe_followers(
            updated_values, default_subtype_ids
        )

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        """Routing's "contact this lead" activities go to owners it has just
        subscribed in bulk: skip mail.activity's check, one per owner.

        Only those very subscriptions are skipped (the context holds the
        (lead, partner) pairs): anything else subscribed meanwhile, by an
        automated action for instance, goes through as usual.
        """
        done = self.env.context.get("routing_owners_subscribed")
        if (
            done
            and partner_ids
            and not subtype_ids
            and all(
                (lead_id, pid) in done for lead_id in self.ids for pid in partner_ids
            )
        ):
            return True
        return super().message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids
        )

    def _message_post_after_hook(self, message, msg_vals):
        """A message or email by the assignee is a first contact.

        Internal notes count when the assignee writes them (it is their work
        on the lead); nothing anybody else posts does.
        """
        result = super()._message_post_after_hook(message, msg_vals)
        if (
            self.routing_state in self._ROUTING_TOUCH_STATES
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
        from odoo.exceptions import AccessError  # noqa: PLC0415 - own section

        user = self.env.user
        if not user.has_group("sales_team.group_sale_manager"):
            for lead in self:
                leaders = (
                    lead.user_id
                    | lead.sudo().routing_rule_id.manager_id
                    | lead.sudo().team_id.user_id
                )
                if user not in leaders:
                    raise AccessError(
                        _(
                            "Only %(owner)s or a sales manager can mark “%(lead)s” "
                            "as contacted.",
                            owner=lead.user_id.name or _("the salesperson"),
                            lead=lead.display_name,
                        )
                    )
        self._routing_first_touch(user=False)
        return True
