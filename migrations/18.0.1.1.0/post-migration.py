# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Carry 18.0.1.0.0 data over to where 18.0.1.1.0 keeps it.

* Scores: from ``res_users`` columns to ``crm_routing_scorecard`` (Odoo leaves
  the old columns in place on upgrade, so they can be copied once; the next
  scoring run decides who is ranked).
* Rotation memory: from ``crm_routing_rule.engine_state`` to
  ``crm_routing_rotation``.
* Scheduled actions: they now call the worker models directly; their records
  are ``noupdate``, so they are pointed there here.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    _scores(cr)
    _rotation(cr)
    env = api.Environment(cr, SUPERUSER_ID, {})
    crons = {
        "ir_cron_routing_sla": ("crm.routing.sweeper", "model._sweep_overdue()"),
        "ir_cron_routing_queue": ("crm.routing.sweeper", "model._drain_queue()"),
        "ir_cron_routing_scores": ("crm.routing.scorer", "model._recompute()"),
    }
    for xmlid, (model, code) in crons.items():
        cron = env.ref(f"crm_lead_routing.{xmlid}", raise_if_not_found=False)
        if cron:
            cron.write({"model_id": env["ir.model"]._get_id(model), "code": code})


def _rotation(cr):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'crm_routing_rule' AND column_name = 'engine_state'"""
    )
    if cr.fetchone():
        cr.execute(
            """INSERT INTO crm_routing_rotation (rule_id, state)
               SELECT id, engine_state FROM crm_routing_rule
                WHERE engine_state IS NOT NULL"""
        )


def _scores(cr):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'res_users' AND column_name = 'routing_score'"""
    )
    if not cr.fetchone():
        return
    cr.execute(
        """
        INSERT INTO crm_routing_scorecard
               (user_id, company_id, ranked, score, tier, details,
                conversion_rate, speed_minutes, won_revenue, activity_rate,
                closed_count, score_date, satisfaction,
                create_uid, create_date, write_uid, write_date)
        SELECT u.id, u.company_id, u.routing_score_date IS NOT NULL,
               COALESCE(u.routing_score, 50), COALESCE(u.routing_tier, 'middle'),
               u.routing_score_details, u.routing_conversion_rate,
               u.routing_speed_minutes, u.routing_won_revenue,
               u.routing_activity_rate, u.routing_closed_count,
               u.routing_score_date, COALESCE(u.routing_satisfaction, 0),
               1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM res_users u
         WHERE u.routing_score_date IS NOT NULL
            OR COALESCE(u.routing_satisfaction, 0) != 0
            OR COALESCE(u.routing_score, 50) != 50
        ON CONFLICT (user_id) DO NOTHING
        """
    )
