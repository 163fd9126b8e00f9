# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import SQL


class CrmRoutingClaim(models.Model):
    """Who routing just gave a lead to, seen by every other routing at once.

    Routing decides under a short lock and writes the lead in its own
    transaction, which may commit much later (the rest of a web request, an
    import). Until then nobody else sees that lead in its new owner's count,
    so a cap could be exceeded or a rotation repeated. So routing also writes
    a claim, in a separate transaction it commits before releasing its lock:
    the lead, its new owner (none when queued) and the id of the transaction
    that decided (``xid``). Counters then read the leads as committed and
    correct them by the claims of transactions still running (see
    ``crm.routing.facts``); a claim of a transaction that rolled back no
    longer counts. The sweep forgets the claims of finished transactions.

    No foreign keys: a claim names a lead that only its own, uncommitted,
    transaction can see yet.
    """

    _name = "crm.routing.claim"
    _description = "Lead Routing Claim"
    _auto = False
    _log_access = False

    def init(self):
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS crm_routing_claim (
                id bigserial PRIMARY KEY,
                xid xid8 NOT NULL,
                lead_id integer NOT NULL,
                user_id integer,
                assigned_at timestamp without time zone NOT NULL
            )
            """
        )

    @api.model
    def _insert_sql(self, xid, claims, now):
        """The statement recording ``claims`` (``[(lead id, user id or
        None)]``) decided by the transaction ``xid`` at ``now``, or None."""
        if not claims:
            return None
        return SQL(
            """INSERT INTO crm_routing_claim (xid, lead_id, user_id, assigned_at)
               SELECT %s::text::xid8, v.lead_id, v.user_id, %s
                 FROM unnest(%s::int[], %s::int[]) AS v(lead_id, user_id)""",
            str(xid),
            now,
            [lead_id for lead_id, _uid in claims],
            [uid for _lead_id, uid in claims],
        )

    @api.model
    def _forget_finished(self, cr):
        """Delete, through ``cr``, the claims of transactions that ended
        (committed or rolled back) before this statement: their leads read as
        they are. Rows another cleanup holds are left to it."""
        cr.execute(
            """DELETE FROM crm_routing_claim
                WHERE id IN (SELECT id FROM crm_routing_claim
                              WHERE pg_visible_in_snapshot(xid, pg_current_snapshot())
                                FOR UPDATE SKIP LOCKED)"""
        )
        return cr.rowcount
