# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..routing import strategies
from .crm_lead import EXPERIMENT_ARMS, ROUTING_STATES

DEADLINE_STATES = [
    ("none", "No deadline"),
    ("pending", "Running"),
    ("met", "Met"),
    ("missed", "Missed"),
]
OUTCOMES = [("open", "Open"), ("won", "Won"), ("lost", "Lost")]
# Measures computed as percentiles of the minutes to first contact: the pivot
# asks for "<field>:<aggregator>", answered by :meth:`_read_group_select`.
PERCENTILES = {"first_contact_median": 0.5, "first_contact_p90": 0.9}


class CrmRoutingReport(models.Model):
    """Routing Analysis: one row per routed lead, to answer "did routing help?".

    A SQL view over ``crm_lead`` (no copy of the data, nothing to keep in
    sync): speed to first contact, deadlines, reassignments, escalations and
    outcomes by rule, strategy, experiment group, salesperson and channel.
    Rates are 0/100 figures averaged by the pivot (the share of deadlines
    met, of leads won...), empty where they do not apply so the average
    leaves them out. Medians and 90th percentiles come from PostgreSQL's
    ``percentile_cont`` (see :meth:`_read_group_select`).

    Minutes to first contact are wall-clock, from the lead's creation (what
    the customer waits); whether the deadline was met is counted in the
    owner's working time already, since deadlines are.

    Figures are computed in double precision (``date_part``, ``float8``):
    ``EXTRACT`` and decimal literals give PostgreSQL's ``numeric``, whose
    arithmetic took a quarter of the pivot's time over 200,000 leads.
    """

    _name = "crm.routing.report"
    _description = "Routing Analysis"
    _auto = False
    _order = "create_date desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", readonly=True)
    create_date = fields.Datetime(string="Created On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    rule_id = fields.Many2one("crm.routing.rule", readonly=True)
    strategy = fields.Selection(strategies.choices(), readonly=True)
    experiment_id = fields.Many2one("crm.routing.experiment", readonly=True)
    experiment_arm = fields.Selection(
        EXPERIMENT_ARMS, string="Experiment Group", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    routing_state = fields.Selection(ROUTING_STATES, readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    deadline_state = fields.Selection(DEADLINE_STATES, string="Deadline", readonly=True)
    first_contact_minutes = fields.Float(
        string="Minutes to First Contact (avg)", readonly=True, aggregator="avg"
    )
    first_contact_median = fields.Float(
        string="Minutes to First Contact (median)", readonly=True, aggregator="avg"
    )
    first_contact_p90 = fields.Float(
        string="Minutes to First Contact (90th percentile)",
        readonly=True,
        aggregator="avg",
    )
    deadline_met_rate = fields.Float(
        string="Deadlines Met (%)", readonly=True, aggregator="avg"
    )
    reassign_count = fields.Integer(
        string="Reassignments", readonly=True, aggregator="sum"
    )
    reassigned_rate = fields.Float(
        string="Reassigned (%)", readonly=True, aggregator="avg"
    )
    escalated = fields.Boolean(readonly=True)
    escalated_rate = fields.Float(
        string="Escalated (%)", readonly=True, aggregator="avg"
    )
    conversion_rate = fields.Float(
        string="Conversion (%)",
        readonly=True,
        aggregator="avg",
        help="Won among closed leads; open leads are left out.",
    )
    expected_revenue = fields.Monetary(readonly=True, currency_field="currency_id")
    won_revenue = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                    SELECT l.id,
                           l.id AS lead_id,
                           l.create_date,
                           l.company_id,
                           l.routing_rule_id AS rule_id,
                           COALESCE(l.routing_strategy, r.strategy) AS strategy,
                           l.routing_experiment_id AS experiment_id,
                           l.routing_experiment_arm AS experiment_arm,
                           l.user_id,
                           l.team_id,
                           l.source_id,
                           l.medium_id,
                           l.campaign_id,
                           l.routing_state,
                           l.stage_id,
                           CASE WHEN l.active AND l.probability = 100 THEN 'won'
                                WHEN NOT l.active AND l.probability = 0 THEN 'lost'
                                ELSE 'open' END AS outcome,
                           d.state AS deadline_state,
                           t.minutes AS first_contact_minutes,
                           t.minutes AS first_contact_median,
                           t.minutes AS first_contact_p90,
                           CASE d.state WHEN 'met' THEN 100.0::float8
                                        WHEN 'missed' THEN 0.0::float8 END
                               AS deadline_met_rate,
                           l.routing_reassign_count AS reassign_count,
                           CASE WHEN l.routing_reassign_count > 0 THEN 100.0::float8
                                ELSE 0.0::float8 END AS reassigned_rate,
                           l.routing_state = 'escalated' AS escalated,
                           CASE WHEN l.routing_state = 'escalated' THEN 100.0::float8
                                ELSE 0.0::float8 END AS escalated_rate,
                           CASE WHEN l.active AND l.probability = 100 THEN 100.0::float8
                                WHEN NOT l.active AND l.probability = 0 THEN 0.0::float8
                           END AS conversion_rate,
                           l.expected_revenue,
                           CASE WHEN l.active AND l.probability = 100
                                THEN l.expected_revenue ELSE 0 END AS won_revenue
                      FROM crm_lead l
                      LEFT JOIN crm_routing_rule r ON r.id = l.routing_rule_id
                      CROSS JOIN LATERAL (
                          SELECT CASE WHEN l.routing_first_touch_at >= l.create_date
                                      THEN date_part('epoch', l.routing_first_touch_at
                                                              - l.create_date) / 60
                                 END AS minutes) t
                      CROSS JOIN LATERAL (
                          SELECT CASE
                              WHEN l.routing_reassign_count > 0 THEN 'missed'
                              WHEN l.routing_deadline IS NULL THEN 'none'
                              WHEN l.routing_first_touch_at IS NOT NULL
                                   AND l.routing_first_touch_at <= l.routing_deadline
                                   THEN 'met'
                              WHEN l.routing_first_touch_at IS NOT NULL
                                   OR l.routing_deadline < now() AT TIME ZONE 'UTC'
                                   THEN 'missed'
                              ELSE 'pending' END AS state) d
                     WHERE l.routing_state != 'none'
                )
                """,
                SQL.identifier(self._table),
            )
        )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """Medians and 90th percentiles of the minutes to first contact,
        which Odoo's aggregators (sum, avg, min, max...) cannot express."""
        fname = aggregate_spec.split(":")[0]
        if fname in PERCENTILES:
            return SQL(
                "percentile_cont(%s) WITHIN GROUP (ORDER BY %s)",
                PERCENTILES[fname],
                self._field_to_sql(self._table, fname, query),
            )
        return super()._read_group_select(aggregate_spec, query)
