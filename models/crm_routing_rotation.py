# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo import api, fields, models
from odoo.tools import SQL, create_index


class CrmRoutingRotation(models.Model):
    """A rule's rotation memory: whose turn it is (round robin, weighted).

    Append-only: each routing that moves a rotation adds a row, and the newest
    row of a rule is its memory. Kept apart from the rule, and never updated,
    because a row that every routing updates makes concurrent requests
    conflict (see ``crm.routing.facts``); inserts never do. Rows are written
    under routing's lock for the rule, by the short transaction that decides
    (``xid``: the transaction whose routing it was), so the next routing
    sees the rotation move before that transaction commits; a row whose
    transaction rolled back is ignored. No foreign key: a rule created in a
    transaction that has not committed yet has rows too. The deadline check
    prunes older rows (:meth:`_prune`).
    """

    _name = "crm.routing.rotation"
    _description = "Lead Routing Rotation Memory"
    _log_access = False
    _order = "id desc"

    rule_id = fields.Integer(required=True, index=True)
    state = fields.Json()

    def init(self):
        cr = self.env.cr
        cr.execute(
            """ALTER TABLE crm_routing_rotation
                   DROP CONSTRAINT IF EXISTS crm_routing_rotation_rule_id_fkey;
               ALTER TABLE crm_routing_rotation ADD COLUMN IF NOT EXISTS xid xid8"""
        )
        create_index(
            cr,
            "crm_routing_rotation_rule_id_desc_index",
            self._table,
            ["rule_id", "id DESC"],
        )

    @api.model
    def _latest_sql(self, rule_ids):
        """The newest usable row of each rule: ``(rule id, row id, state)``."""
        # One index probe per rule, newest first, stopping at the first row
        # not rolled back: the rows a prune has not reached yet cost nothing.
        return SQL(
            """SELECT r.rule_id, latest.id, latest.state
                 FROM unnest(%s::int[]) AS r(rule_id)
                 CROSS JOIN LATERAL (
                       SELECT m.id, m.state FROM crm_routing_rotation m
                        WHERE m.rule_id = r.rule_id
                          AND (m.xid IS NULL
                               OR pg_xact_status(m.xid) IS DISTINCT FROM 'aborted')
                     ORDER BY m.id DESC LIMIT 1) AS latest""",
            sorted(set(rule_ids)),
        )

    @api.model
    def _latest(self, cr, rule_ids):
        """``{rule id: (row id, state)}`` of the newest rows ``cr`` sees."""
        if not rule_ids:
            return {}
        cr.execute(self._latest_sql(rule_ids))
        return {rule_id: (row_id, state) for rule_id, row_id, state in cr.fetchall()}

    @api.model
    def _insert_sql(self, xid, states):
        """The statement recording new memory for the rules of ``states``
        (``{rule id: state}``), or None."""
        if not states:
            return None
        ids = sorted(states)
        return SQL(
            """INSERT INTO crm_routing_rotation (rule_id, state, xid)
               SELECT v.rule_id, v.state, %s::text::xid8
                 FROM unnest(%s::int[], %s::jsonb[]) AS v(rule_id, state)""",
            str(xid) if xid else None,
            ids,
            [json.dumps(states[rule_id]) for rule_id in ids],
        )

    @api.model
    def _prune(self, cr):
        """Forget, through ``cr``, what a newer finished routing replaced, and
        the memory of deleted rules. Rows another prune holds are left to it."""
        cr.execute(
            """DELETE FROM crm_routing_rotation
                WHERE id IN (
                      SELECT r.id FROM crm_routing_rotation r
                       WHERE EXISTS (
                             SELECT 1 FROM crm_routing_rotation n
                              WHERE n.rule_id = r.rule_id AND n.id > r.id
                                AND (n.xid IS NULL
                                     OR (pg_visible_in_snapshot(
                                             n.xid, pg_current_snapshot())
                                         AND pg_xact_status(n.xid) = 'committed')))
                          OR NOT EXISTS (SELECT 1 FROM crm_routing_rule u
                                          WHERE u.id = r.rule_id)
                         FOR UPDATE SKIP LOCKED)"""
        )
