# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Gather each salesperson's CRM history and store their routing score.

The arithmetic lives in ``routing.scoring`` (pure Python). This model only
collects the raw metrics with a fixed number of grouped SQL queries, whatever
the number of salespeople or leads, and writes the results back in bulk: the
daily run must stay cheap for a company with hundreds of salespeople and
hundreds of thousands of leads.
"""

import json
import logging
from datetime import timedelta
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL

from ..routing import scoring
from ..routing.scoring import Gathered, ScoreFacts, compute_scores, working_days
from .res_users import SCORECARD_FIELDS

_logger = logging.getLogger(__name__)


class Slot(NamedTuple):
    """Whose leads to count (``user_id``), under which ``key`` (the person, or
    a team whose members share a key), over which window (both ends
    included, naive UTC)."""

    user_id: int
    key: int
    since: object
    until: object


# When a lead counts as "assigned": routing's own stamp, else Odoo's
# assignment date, else its creation (leads assigned before the addon).
ASSIGNED_AT = SQL("COALESCE(l.routing_assigned_at, l.date_open, l.create_date)")


class CrmRoutingScorer(models.AbstractModel):
    _name = "crm.routing.scorer"
    _description = "Salesperson Scoring"

    @api.model
    def _salespeople(self):
        """The people routing hands leads to: whom an active rule may choose.

        Scores exist to weigh them against each other, so only they are ranked:
        an administrator who happens to sit in a sales team, or a colleague who
        never receives routed leads, would skew everyone's percentiles.
        """
        ids = self.env["crm.routing.rule"]._routing_candidate_ids()
        return self.env["res.users"].sudo().browse(ids)

    @api.model
    def _recompute(self, users=None, as_of=None):
        """Score ``users`` (default: every salesperson) and snapshot today's score.

        Everyone is ranked against their whole comparison group (company, or
        team), so the group is always scored in full even when ``users`` is a
        subset. Returns ``{user_id: ScoreResult}``.

        With ``as_of`` (a past datetime), only the history up to that moment is
        counted and only that day's snapshot is written; the users' current
        scores are left alone. See ``_backfill_history``.
        """
        everyone = self._salespeople()
        if users is not None:
            companies = users.sudo().company_id
            everyone = everyone.filtered(lambda u: u.company_id in companies)
        if not everyone:
            return {}
        self.env.flush_all()
        now = as_of or fields.Datetime.now()
        profiles = self._profiles(everyone)
        # Each person over their company's scoring window, up to ``now``.
        slots = [
            Slot(uid, uid, now - timedelta(days=p["window"]), now)
            for uid, p in profiles.items()
        ]
        history = self._lead_history(slots)
        speed = self._first_contact_speed(slots)
        activity = self._activities_done(slots)

        results = {}
        companies = (
            self.env["res.company"]
            .sudo()
            .browse({p["company_id"] for p in profiles.values()})
        )
        for company in companies:
            full = company.routing_score_min_closed
            facts = [
                self._facts(company, profiles[slot.key], slot, history, speed, activity)
                for slot in slots
                if profiles[slot.key]["company_id"] == company.id
            ]
            results.update(
                compute_scores(
                    facts, company._routing_score_weights(), scoring.full_samples(full)
                )
            )
        self._store(results, profiles, now, users_too=as_of is None)
        _logger.info("Lead routing: scored %s salespeople", len(results))
        return results

    @api.model
    def _backfill_history(self, weeks=12):
        """Snapshot the score as it stood at the end of each of the last ``weeks``.

        A manager who installs the addon on a CRM with history sees a trend on
        the Score History at once, instead of one point that grows a line over
        months. Each week counts only the leads assigned and the activities done
        until then; a lead's outcome is the one it has today, as the CRM keeps
        no history of stages. Days already snapshotted are overwritten.
        """
        today = fields.Datetime.now()
        for back in range(weeks, 0, -1):
            self._recompute(as_of=fields.Datetime.subtract(today, weeks=back))
        return self._recompute()

    # ------------------------------------------------------------------ gather
    def _profiles(self, users):
        """Company, main sales team, start date and satisfaction of each user."""
        self.env.cr.execute(
            SQL(
                """
                SELECT u.id, u.company_id, u.create_date,
                       (SELECT sc.satisfaction FROM crm_routing_scorecard sc
                         WHERE sc.user_id = u.id),
                       c.routing_score_window_days, c.routing_score_by_team,
                       (SELECT m.crm_team_id
                          FROM crm_team_member m
                          JOIN crm_team t ON t.id = m.crm_team_id
                         WHERE m.user_id = u.id AND m.active AND t.active
                         ORDER BY m.id LIMIT 1)
                  FROM res_users u
                  JOIN res_company c ON c.id = u.company_id
                 WHERE u.id = ANY(%s)
                """,
                users.ids,
            )
        )
        return self._by_user(
            (
                "user_id",
                "company_id",
                "since",
                "satisfaction",
                "window",
                "by_team",
                "team_id",
            )
        )

    def _by_user(self, keys):
        """The last query's rows as ``{user_id: {key: value}}`` (user id first)."""
        return {
            row[0]: dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()
        }

    @api.model
    def _metric_samples(self, slots):
        """Each metric's raw value per slot key, over each slot's own window:
        ``{key: {metric: MetricSample}}`` (keys without any data are absent).

        The scorecard's own gathering and formulas (4 queries), over any
        period: a target measures its period with it, so a target and the
        scorecard never disagree. Several people may share a key (a sales
        team): their leads and activities are pooled, and activities per
        working day are per person of the key.
        """
        if not slots:
            return {}
        self.env.flush_all()
        users = self.env["res.users"].sudo().browse(sorted({s.user_id for s in slots}))
        profiles = self._profiles(users)
        history = self._lead_history(slots)
        speed = self._first_contact_speed(slots)
        activity = self._activities_done(slots)
        by_key = {}
        for slot in slots:
            by_key.setdefault(slot.key, []).append(slot)
        samples = {}
        for key, members in by_key.items():
            since = min(slot.since for slot in members)
            until = max(slot.until for slot in members)
            people = [profiles[s.user_id] for s in members if s.user_id in profiles]
            if len(people) == 1:  # one person: from when they started, as scored
                since = min(max(since, people[0]["since"] or since), until)
            rated = [p["satisfaction"] for p in people if p["satisfaction"]]
            samples[key] = self._samples(
                history.get(key, {}),
                speed.get(key, (None, 0)),
                activity.get(key, 0),
                working_days(since.date(), until.date()),
                sum(rated) / len(rated) if rated else None,
                people=max(len(people), 1),
            )
        return samples

    @staticmethod
    def _slot_table(slots):
        """The slots as a table ``s(user_id, key, since, until)``."""
        return SQL(
            "unnest(%s::int[], %s::int[], %s::timestamp[], %s::timestamp[])"
            " AS s(user_id, key, since, until)",
            [slot.user_id for slot in slots],
            [slot.key for slot in slots],
            [slot.since for slot in slots],
            [slot.until for slot in slots],
        )

    def _window_leads(self, slots):
        """Leads assigned to each slot's person within the slot's window."""
        return SQL(
            """
            SELECT l.id, s.key, l.active, l.probability, l.expected_revenue,
                   l.routing_first_touch_at, %s AS assigned_at, u.partner_id,
                   s.until
              FROM crm_lead l
              JOIN %s ON s.user_id = l.user_id
              JOIN res_users u ON u.id = l.user_id
             WHERE l.user_id = ANY(%s)
               AND (l.company_id IS NULL OR l.company_id = u.company_id)
               AND %s >= s.since
               AND %s <= s.until
            """,
            ASSIGNED_AT,
            self._slot_table(slots),
            sorted({slot.user_id for slot in slots}),
            ASSIGNED_AT,
            ASSIGNED_AT,
        )

    def _lead_history(self, slots):
        """Per key: leads assigned, won, lost and won revenue in the window."""
        self.env.cr.execute(
            SQL(
                """
                SELECT l.key,
                       count(*),
                       count(*) FILTER (WHERE l.active AND l.probability = 100),
                       count(*) FILTER (WHERE NOT l.active AND l.probability = 0),
                       COALESCE(sum(l.expected_revenue)
                                FILTER (WHERE l.active AND l.probability = 100), 0)
                  FROM (%s) l
                 GROUP BY l.key
                """,
                self._window_leads(slots),
            )
        )
        return self._by_user(("key", "assigned", "won", "lost", "revenue"))

    def _first_contact_speed(self, slots):
        """Per key: median minutes from assignment to first contact, and count.

        First contact is ``routing_first_touch_at``; for leads assigned before
        the addon, the owner's first message, email or done activity on it
        (up to the end of the window).
        """
        self.env.cr.execute(
            SQL(
                """
                WITH l AS (%s),
                first_message AS (
                    SELECT l.id, l.key, min(m.date) AS at
                      FROM l
                      JOIN mail_message m
                        ON m.model = 'crm.lead' AND m.res_id = l.id
                       AND m.author_id = l.partner_id AND m.date >= l.assigned_at
                       AND m.date <= l.until
                       AND (m.message_type IN ('comment', 'email')
                            OR m.mail_activity_type_id IS NOT NULL)
                     WHERE l.routing_first_touch_at IS NULL
                     GROUP BY l.id, l.key
                ),
                delays AS (
                    SELECT l.key,
                           EXTRACT(EPOCH FROM COALESCE(l.routing_first_touch_at,
                                                       first_message.at)
                                              - l.assigned_at) / 60.0 AS minutes
                      FROM l
                      LEFT JOIN first_message
                        ON first_message.id = l.id AND first_message.key = l.key
                )
                SELECT key,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes),
                       count(*)
                  FROM delays
                 WHERE minutes >= 0
                 GROUP BY key
                """,
                self._window_leads(slots),
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    def _activities_done(self, slots):
        """Per key: activities its people marked done on leads in the window."""
        self.env.cr.execute(
            SQL(
                """
                SELECT s.key, count(m.id)
                  FROM %s
                  JOIN res_users u ON u.id = s.user_id
                  JOIN mail_message m
                    ON m.author_id = u.partner_id AND m.model = 'crm.lead'
                   AND m.mail_activity_type_id IS NOT NULL
                   AND m.date >= s.since
                   AND m.date <= s.until
                 GROUP BY s.key
                """,
                self._slot_table(slots),
            )
        )
        return dict(self.env.cr.fetchall())

    def _facts(self, company, profile, slot, history, speed, activity):
        """One person's facts for the scorecard, over their slot's window."""
        user_id = profile["user_id"]
        # Not before the window nor before they started, nor after its end (a
        # backfill's past moment).
        since = min(max(slot.since, profile["since"] or slot.since), slot.until)
        group = (company.id, profile["team_id"] if profile["by_team"] else None)
        return ScoreFacts(
            user_id,
            group,
            self._samples(
                history.get(user_id, {}),
                speed.get(user_id, (None, 0)),
                activity.get(user_id, 0),
                working_days(since.date(), slot.until.date()),
                profile["satisfaction"] or None,
            ),
        )

    @staticmethod
    def _samples(leads, speed, done, days, satisfaction, people=1):
        """Every metric's raw value from what was gathered for one key (the
        formulas are the metrics' own: ``routing.scoring.METRIC_TABLE``)."""
        return scoring.samples(
            Gathered(leads, speed, done, days, satisfaction, people=people)
        )

    # ------------------------------------------------------------------- store
    def _store(self, results, profiles, now, users_too=True):
        """Write scores on the users and upsert the day's snapshot (2 queries)."""
        if not results:
            return
        ids = sorted(results)

        def raw(user_id, metric):
            return results[user_id].details[metric]["raw"]

        # Each metric that keeps its raw value has a column of that name on
        # the scorecard and on the snapshot (``Metric.column``).
        kept = [m for m in scoring.METRIC_TABLE if m.column]
        columns = {
            "id": (ids, "int"),
            "score": ([results[i].score for i in ids], "float8"),
            "tier": ([results[i].tier for i in ids], "varchar"),
            "details": ([json.dumps(results[i].details) for i in ids], "jsonb"),
            **{m.column: ([raw(i, m.name) for i in ids], "float8") for m in kept},
            "closed": ([results[i].details["conversion"]["n"] for i in ids], "int"),
            "company": ([profiles[i]["company_id"] for i in ids], "int"),
            "team": ([profiles[i]["team_id"] for i in ids], "int"),
        }
        values = SQL(
            "unnest(%s) AS v(%s)",
            SQL(", ").join(
                SQL("%s::" + kind + "[]", array) for array, kind in columns.values()
            ),
            SQL(", ").join(SQL.identifier(name) for name in columns),
        )
        metric_columns = [SQL.identifier(m.column) for m in kept]
        inserted = SQL(", ").join(metric_columns)
        selected = SQL(", ").join(SQL("v.%s", c) for c in metric_columns)
        updated = SQL(", ").join(SQL("%s = EXCLUDED.%s", c, c) for c in metric_columns)
        if users_too:
            self._store_scorecards(
                values, now, columns["company"][0], (inserted, selected, updated)
            )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_routing_score_snapshot
                       (user_id, company_id, team_id, date, score, tier, %s,
                        closed_count, create_uid, create_date, write_uid, write_date)
                SELECT v.id, v.company, v.team, %s, v.score, v.tier, %s, v.closed,
                       %s, %s, %s, %s
                  FROM %s
                ON CONFLICT (user_id, date) DO UPDATE
                   SET score = EXCLUDED.score, tier = EXCLUDED.tier,
                       team_id = EXCLUDED.team_id, %s,
                       closed_count = EXCLUDED.closed_count,
                       write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                """,
                inserted,
                now.date(),
                selected,
                self.env.uid,
                fields.Datetime.now(),
                self.env.uid,
                fields.Datetime.now(),
                values,
                updated,
            )
        )
        self.env["crm.routing.scorecard"].invalidate_model()
        self.env["res.users"].invalidate_model(list(SCORECARD_FIELDS))
        self.env["crm.routing.score.snapshot"].invalidate_model()

    def _store_scorecards(self, values, now, company_ids, metric_columns):
        """Each person's current score on their scorecard; whoever of the same
        companies is no longer scored leaves the leaderboard (1 query).
        ``metric_columns``: the metrics' columns as inserted, selected from
        ``values`` and updated (see ``_store``)."""
        inserted, selected, updated = metric_columns
        self.env["crm.routing.scorecard"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH scored AS (
                    INSERT INTO crm_routing_scorecard
                           (user_id, company_id, team_id, ranked, score, tier,
                            details, %(inserted)s, closed_count, score_date,
                            satisfaction, create_uid, create_date, write_uid,
                            write_date)
                    SELECT v.id, v.company, v.team, true, v.score, v.tier,
                           v.details, %(selected)s, v.closed, %(now)s, 0,
                           %(uid)s, %(at)s, %(uid)s, %(at)s
                      FROM %(values)s
                    ON CONFLICT (user_id) DO UPDATE
                       SET company_id = EXCLUDED.company_id,
                           team_id = EXCLUDED.team_id, ranked = true,
                           score = EXCLUDED.score, tier = EXCLUDED.tier,
                           details = EXCLUDED.details, %(updated)s,
                           closed_count = EXCLUDED.closed_count,
                           score_date = EXCLUDED.score_date,
                           write_uid = EXCLUDED.write_uid,
                           write_date = EXCLUDED.write_date
                    RETURNING user_id
                )
                UPDATE crm_routing_scorecard
                   SET ranked = false
                 WHERE ranked AND company_id = ANY(%(companies)s)
                   AND user_id NOT IN (SELECT user_id FROM scored)
                """,
                now=now,
                uid=self.env.uid,
                at=fields.Datetime.now(),
                values=values,
                inserted=inserted,
                selected=selected,
                updated=updated,
                companies=sorted(set(company_ids)),
            )
        )
