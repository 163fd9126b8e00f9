"""Move the scores from ``res_users`` columns to ``crm_routing_scorecard``.

Up to 18.0.1.0.0 the scores were columns of ``res_users``; Odoo leaves the old
columns in place on upgrade, so they can be copied once. The next scoring run
decides who is ranked.
"""


def migrate(cr, version):
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
