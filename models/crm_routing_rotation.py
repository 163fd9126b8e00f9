from odoo import api, fields, models
from odoo.tools import SQL, create_index


class CrmRoutingRotation(models.Model):
    """A rule's rotation memory: whose turn it is (round robin, weighted).

    Append-only: each routing that moves a rotation adds a row, and the newest
    row of a rule is its memory. Kept apart from the rule, and never updated,
    because a row that every routing updates makes concurrent requests
    conflict (see ``crm.routing.facts``); inserts never do. Under routing's
    lock ids grow in the order decisions are taken. The deadline check prunes
    older rows (:meth:`_prune`).
    """

    _name = "crm.routing.rotation"
    _description = "Lead Routing Rotation Memory"
    _log_access = False
    _order = "id desc"

    rule_id = fields.Many2one(
        "crm.routing.rule", required=True, ondelete="cascade", index=True
    )
    state = fields.Json()

    def init(self):
        create_index(
            self.env.cr,
            "crm_routing_rotation_rule_id_desc_index",
            self._table,
            ["rule_id", "id DESC"],
        )

    @api.model
    def _latest(self, cr, rule_ids):
        """``{rule id: (row id, state)}`` of the newest rows ``cr`` sees."""
        if not rule_ids:
            return {}
        cr.execute(
            SQL(
                """SELECT DISTINCT ON (rule_id) rule_id, id, state
                     FROM crm_routing_rotation
                    WHERE rule_id = ANY(%s)
                 ORDER BY rule_id, id DESC""",
                list(rule_ids),
            )
        )
        return {rule_id: (row_id, state) for rule_id, row_id, state in cr.fetchall()}

    @api.model
    def _prune(self):
        """Forget all but each rule's newest memory."""
        self.env.cr.execute(
            """DELETE FROM crm_routing_rotation r
                WHERE EXISTS (SELECT 1 FROM crm_routing_rotation n
                               WHERE n.rule_id = r.rule_id AND n.id > r.id)"""
        )
