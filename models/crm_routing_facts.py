"""What routing needs to know, gathered in a fixed number of batched queries.

The reading half of routing: live routing, the preview and the replay all
gather their facts here and hand them to the pure engine (``routing/``); what
the engine decides is written by ``crm.routing.writer``.

Concurrency. Odoo runs each request in a REPEATABLE READ transaction whose
snapshot is taken at its first query, long before routing starts. Counting a
salesperson's open leads in that snapshot misses what other requests committed
since, so two requests could both give the last free slot under a cap; the
first release locked and updated the candidates' ``res_users`` rows to force
the later one to fail and retry, and under load the retries ran out. Now:

* every routing holds one PostgreSQL advisory lock until its transaction ends
  (``crm.routing.dispatcher._serialize``), so decisions are taken one at a
  time and each sees every earlier one committed;
* the counters that change as leads are handed out (open leads, leads today,
  last assignment) and the rules' rotation memory are read through a *live*
  cursor, a short READ COMMITTED transaction that sees what others committed,
  corrected by what this transaction itself routed (``_touched``);
* routing updates no row that other routings update: leads it routes are its
  own, the log is append-only, rotation memory is written by the live cursor.

So nothing conflicts, nothing retries, and caps hold. The live cursor is
this transaction's own while modules are being installed (demo leads are
routed then, and this transaction holds locks on the tables it alters) and in
tests, where the registry is in test mode: a new cursor would share the
test's transaction, which already sees everything.
"""

import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from odoo import api, models
from odoo.tools import SQL

from ..routing.experiments import Experiment
from ..routing.facts import Candidate, Lead, Rule
from ..routing.worktime import Attendance, WorkSchedule
from .crm_routing_dispatcher import DATABASE_ERRORS
from .crm_routing_rule import parse_lead_domain

_logger = logging.getLogger(__name__)

# How far ahead time off is loaded: enough for any business-time deadline.
LEAVE_HORIZON = timedelta(days=45)
# Up to this many leads, rule and skill filters are matched in memory (no
# query); beyond, with one search per filter over the whole batch.
IN_MEMORY_BATCH = 50
# Where this transaction's routed leads are remembered (cleared by Odoo at
# commit and rollback with the rest of ``cr.precommit.data``).
TOUCHED = "crm_lead_routing.touched"
# The live cursor never waits long for a lock: a table locked by a schema
# change (a module upgrade) fails routing with a clear error instead.
LIVE_LOCK_TIMEOUT = "5s"


@dataclass
class RoutingFacts:
    """One company's batch, as the engine and the writer need it."""

    company: object  # res.company
    leads: object  # crm.lead (sudo)
    rules: object  # crm.routing.rule, in routing order
    engine_leads: list
    candidates: dict
    engine_rules: list
    state: dict
    profiles: dict  # user id -> name, lang, tz, partner id, active...
    now: datetime
    broken: dict = field(default_factory=dict)  # rule id -> why its filter fails


class CrmRoutingFacts(models.AbstractModel):
    _name = "crm.routing.facts"
    _description = "Lead Routing Facts"

    # ------------------------------------------------------------------ entry
    @api.model
    def _gather(self, company, leads, *, event, now, rules=None, live=True, until=None):
        """The facts for routing ``leads`` of ``company`` at ``now``.

        ``rules``: the rules to route by, in order (default: the company's
        active rules). ``event='reassign'``: everyone who already had a lead
        is excluded for it. ``live``: counters and rotation memory as
        committed by others up to now (routing); else as this transaction
        sees them (a preview or a replay, which decide nothing for real).
        ``until``: the last moment decisions will be taken at (a replay takes
        each lead at its creation time): time off is loaded up to then.
        ``leads`` may hold new records (a preview of a lead not yet saved).
        """
        self = self.sudo().with_company(company)  # noqa: PLW0642
        env = self.env
        Rules, Skills = env["crm.routing.rule"], env["crm.routing.skill"]
        if rules is None:
            rules = Rules.search_fetch(
                [("company_id", "in", [company.id, False])],
                self._columns(Rules),
                order="sequence, id",
            )
        rule_matches, broken = self._match_domains(leads, rules, "lead_domain")
        skills = Skills.search_fetch(
            [
                ("lead_domain", "not in", [False, "", "[]"]),
                ("company_id", "in", [company.id, False]),
            ],
            self._columns(Skills),
        )
        skill_matches, _broken_skills = self._match_domains(
            leads, skills, "lead_domain"
        )
        pools = rules._pools_and_skills()
        user_ids = {uid for pool, _skills, _exp in pools.values() for uid in pool} | {
            rule.fixed_user_id.id for rule in rules if rule.fixed_user_id
        }
        for _pool, _skills, experiment in pools.values():
            user_ids.update((experiment or {}).get("pool") or ())
        continuity = rules.filtered(lambda r: r.strategy == "continuity")
        owners = self._account_owners(leads, rule_matches, continuity)
        for owner_list in owners.values():
            user_ids.update(uid for uid, _via in owner_list)
        users = env["res.users"].browse(sorted(user_ids))
        previous = self._previous_owners(leads) if event == "reassign" else {}
        uses_hours = any(r.respect_working_hours or r.sla_minutes for r in rules)
        profiles = self._profiles(users)
        counters, state = self._live_counters(users, leads, rules, now, live)
        schedules = self._work_schedules(users, now, uses_hours, profiles, until)
        return RoutingFacts(
            company=company,
            leads=leads,
            rules=rules,
            engine_leads=[
                self._engine_lead(
                    lead,
                    company,
                    skills,
                    skill_matches,
                    rules,
                    rule_matches,
                    owners.get(lead.id, ()),
                    previous.get(lead.id, ()),
                )
                for lead in leads
            ],
            candidates=self._candidates(profiles, counters, schedules, uses_hours),
            engine_rules=[self._engine_rule(rule, pools[rule.id]) for rule in rules],
            state=state,
            profiles=profiles,
            now=now,
            broken=broken,
        )

    # ------------------------------------------------------------------ shapes
    @staticmethod
    def _columns(model):
        """The fields a first read of ``model`` would fetch, for search_fetch:
        the search and the read in one query."""
        return [
            name
            for name, fld in model._fields.items()
            if fld.store and fld.column_type and fld.prefetch is True
        ]

    @staticmethod
    def _engine_lead(lead, company, skills, skill_matches, rules, rule_matches,
                     owners, previous):  # fmt: skip
        return Lead(
            id=lead.id,
            company_id=company.id,
            skill_ids=frozenset(
                skill.id for skill in skills if lead.id in skill_matches[skill.id]
            ),
            partner_id=lead.partner_id.id or None,
            commercial_partner_id=lead.partner_id.commercial_partner_id.id or None,
            email_domain=lead.email_domain_criterion or None,
            expected_revenue=lead.expected_revenue or 0.0,
            probability=lead.probability or 0.0,
            rule_ids=tuple(r.id for r in rules if lead.id in rule_matches[r.id]),
            account_owner_ids=tuple(uid for uid, _via in owners),
            account_owner_via=tuple(via for _uid, via in owners),
            excluded_user_ids=frozenset(previous),
            team_id=lead.team_id.id or None,
            team_leader_id=lead.team_id.user_id.id or None,
            user_id=lead.user_id.id or None,
            state=lead.routing_state or "none",
        )

    @staticmethod
    def _engine_rule(rule, pool_and_skills):
        pool, required, experiment = pool_and_skills
        if experiment:
            # The variant's strategy and floor start as the rule's (see
            # crm.routing.experiment); an empty variant pool keeps the rule's.
            experiment = Experiment(
                id=experiment["id"],
                share=experiment.get("share") or 0.0,
                strategy=experiment.get("strategy") or None,
                fairness_floor=experiment.get("fairness_floor") or 0.0,
                pool=tuple(experiment.get("pool") or ()),
            )
        return Rule(
            id=rule.id,
            sequence=rule.sequence,
            strategy=rule.strategy,
            pool=pool,
            company_id=rule.company_id.id or None,
            fixed_user_id=rule.fixed_user_id.id or None,
            required_skill_ids=required,
            respect_working_hours=rule.respect_working_hours,
            fallback=rule.fallback,
            fairness_floor=rule.fairness_floor,
            team_id=rule.team_id.id or None,
            sla_minutes=rule.sla_minutes,
            sla_off_hours=rule.sla_off_hours,
            experiment=experiment or None,
        )

    @staticmethod
    def _candidates(profiles, counters, schedules, uses_hours):
        candidates = {}
        for uid, prof in profiles.items():
            open_leads, leads_today, last = counters.get(uid, (0, 0, None))
            candidates[uid] = Candidate(
                id=uid,
                company_ids=frozenset(prof["company_ids"]),
                active=prof["active"],
                internal=not prof["share"],
                available=bool(prof["available"]),
                opted_out=prof["opted_out"],
                schedule=schedules[uid] if uses_hours else None,
                skills={int(k): v for k, v in (prof["skills"] or {}).items()},
                score=prof["score"] or 0.0,
                open_leads=open_leads,
                leads_today=leads_today,
                max_open=prof["max_open"] or 0,
                max_daily=prof["max_daily"] or 0,
                last_assigned=last.timestamp() if last else None,
                team_ids=tuple(prof["team_ids"]),
            )
        return candidates

    # ------------------------------------------------------------------ filters
    def _match_domains(self, leads, records, field_name):
        """``({record id: lead ids matching its domain}, {record id: problem})``.

        A small batch (the usual lead arriving alone) is matched in memory, so
        its query count depends on the fields the domains use, not on how many
        rules or skills there are. A large batch (an import) is matched with
        one search per domain restricted to the batch: the database is far
        faster than ``filtered_domain`` over thousands of records. So is a
        domain ``filtered_domain`` cannot evaluate. A domain that no longer
        works (a field an uninstalled module provided) matches nothing and is
        reported, so that one broken rule never stops the others.
        """
        matches, broken = {}, {}
        in_memory = len(leads) <= IN_MEMORY_BATCH
        for record in records:
            try:
                domain = parse_lead_domain(self.env, record[field_name])
                if not domain:
                    matches[record.id] = set(leads._ids)
                    continue
                matched = None
                if in_memory:
                    try:
                        matched = leads.filtered_domain(domain)
                    except Exception:  # noqa: BLE001 - operators filtered_domain lacks
                        matched = None
                if matched is None:
                    if len(_stored_ids(leads)) != len(leads):
                        raise ValueError("a filter that needs the database")
                    with self.env.cr.savepoint():
                        matched = leads.with_context(active_test=False).search(
                            [("id", "in", leads.ids), *domain]
                        )
                matches[record.id] = set(matched._ids)
            except DATABASE_ERRORS:
                raise  # the connection, not the filter: see the dispatcher
            except Exception as exc:  # noqa: BLE001 - reported, never raised
                _logger.warning(
                    "Lead routing: the filter of %s no longer works, skipped: %s",
                    record.display_name,
                    exc,
                )
                matches[record.id] = set()
                broken[record.id] = self.env["crm.routing.rule"]._filter_problem(exc)
        return matches, broken

    # ------------------------------------------------------------------ people
    def _profiles(self, users):
        """What routing needs about each candidate that only a manager changes,
        in one query: status, caps, score, time zone, companies, active team
        memberships (in membership order), skills of active skills."""
        if not users:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT u.id, p.name, p.tz, u.partner_id, p.lang,
                       u.active, u.share, u.routing_available,
                       COALESCE((SELECT sc.score FROM crm_routing_scorecard sc
                                  WHERE sc.user_id = u.id), 50),
                       u.routing_max_open_leads, u.routing_max_daily_leads,
                       ARRAY(SELECT r.cid FROM res_company_users_rel r
                              WHERE r.user_id = u.id),
                       ARRAY(SELECT m.crm_team_id FROM crm_team_member m
                              WHERE m.user_id = u.id AND m.active
                              ORDER BY m.create_date, m.id),
                       EXISTS(SELECT 1 FROM crm_team_member m
                               WHERE m.user_id = u.id AND m.active
                                 AND m.assignment_optout),
                       (SELECT json_object_agg(us.skill_id, us.level)
                          FROM crm_routing_user_skill us
                          JOIN crm_routing_skill s ON s.id = us.skill_id
                         WHERE us.user_id = u.id AND s.active)
                  FROM res_users u
                  JOIN res_partner p ON p.id = u.partner_id
                 WHERE u.id = ANY(%s)
                """,
                users.ids,
            )
        )
        keys = (
            "id", "name", "tz", "partner_id", "lang", "active", "share",
            "available", "score", "max_open", "max_daily", "company_ids",
            "team_ids", "opted_out", "skills",
        )  # fmt: skip
        return {
            row[0]: dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()
        }

    @contextmanager
    def _live_cursor(self):
        """``(cursor, separate)``: a cursor that sees what other transactions
        committed up to each of its statements (see the module docstring)."""
        registry = self.env.registry
        if registry.in_test_mode() or not registry.ready:
            yield self.env.cr, False
            return
        with registry.cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(SQL("SET LOCAL lock_timeout = %s", LIVE_LOCK_TIMEOUT))
            yield cr, True

    def _touched(self):
        """Ids of the leads this transaction has routed (a set, kept per
        transaction)."""
        return self.env.cr.precommit.data.setdefault(TOUCHED, set())

    def _live_counters(self, users, leads, rules, now, live=True):
        """Each candidate's ``(open leads, leads today, last assignment)`` and
        the rules' rotation memory, as of now.

        Through the live cursor, leads this transaction routed are left out
        (the others cannot see them yet, or see them as they were) and counted
        here instead, as this transaction sees them; rotation memory is the
        newest of what either sees. 1 query, 3 with a separate live cursor
        once this transaction has routed.
        """
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        ids = users.ids
        self.env["crm.lead"].flush_model(
            ["user_id", "active", "probability", "routing_assigned_at"]
        )
        self.env["crm.routing.rotation"].flush_model()
        own = self._touched()
        touched = own | set(leads.ids)
        cursor_cm = self._live_cursor() if live else _same(self.env.cr)
        with cursor_cm as (cr, separate):
            cr.execute(
                SQL(
                    """
                    SELECT u.id, 'user', NULL::int,
                           (SELECT count(*) FROM crm_lead l
                             WHERE l.user_id = u.id AND l.active
                               AND COALESCE(l.probability, 0) < 100
                               AND NOT l.id = ANY(%(skip)s)),
                           (SELECT count(*) FROM crm_lead l
                             WHERE l.user_id = u.id
                               AND l.routing_assigned_at >= %(day)s
                               AND NOT l.id = ANY(%(skip)s)),
                           (SELECT max(l.routing_assigned_at) FROM crm_lead l
                             WHERE l.user_id = u.id
                               AND NOT l.id = ANY(%(skip)s)),
                           NULL::jsonb
                      FROM unnest(%(ids)s::int[]) AS u(id)
                    UNION ALL
                    SELECT * FROM (
                        SELECT DISTINCT ON (rule_id) rule_id, 'rule', id,
                               NULL::bigint, NULL::bigint, NULL::timestamp, state
                          FROM crm_routing_rotation
                         WHERE rule_id = ANY(%(rules)s)
                         ORDER BY rule_id, id DESC) latest
                    """,
                    skip=sorted(touched) if separate else [],
                    day=day_start,
                    ids=ids,
                    rules=rules.ids,
                )
            )
            rows = cr.fetchall()
        counters, latest = {}, {}
        for key, kind, row_id, open_leads, today, last, state in rows:
            if kind == "user":
                counters[key] = [open_leads, today, last]
            else:
                latest[key] = (row_id, state)
        if separate and own:
            # Rotation rows this transaction added are newer than any other
            # (it has held routing's lock since).
            for rule_id, newest in (
                self.env["crm.routing.rotation"]._latest(self.env.cr, rules.ids).items()
            ):
                if newest[0] > latest.get(rule_id, (0, None))[0]:
                    latest[rule_id] = newest
        if separate and touched and ids:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT user_id,
                           count(*) FILTER (WHERE active
                                              AND COALESCE(probability, 0) < 100),
                           count(*) FILTER (WHERE routing_assigned_at >= %s),
                           max(routing_assigned_at)
                      FROM crm_lead
                     WHERE id = ANY(%s) AND user_id = ANY(%s)
                     GROUP BY user_id
                    """,
                    day_start,
                    sorted(touched),
                    ids,
                )
            )
            for uid, open_leads, today, last in self.env.cr.fetchall():
                row = counters.setdefault(uid, [0, 0, None])
                row[0] += open_leads
                row[1] += today
                row[2] = max(filter(None, (row[2], last)), default=None)
        state = {rule_id: memory for rule_id, (_row, memory) in latest.items()}
        return {uid: tuple(row) for uid, row in counters.items()}, state

    def _work_schedules(self, users, now, uses_hours=True, profiles=None, until=None):
        """One :class:`WorkSchedule` per user from resource, in two queries.

        A user without working hours (no resource or no calendar) is treated as
        always on. Nothing is read when no rule uses working hours. Read in SQL:
        through the ORM, resources, calendars, attendances and time off cost
        seven queries for a lead arriving alone.
        """
        if profiles is None:
            tz_of = {user.id: user.tz for user in users.with_context(active_test=False)}
        else:
            tz_of = {uid: prof["tz"] for uid, prof in profiles.items()}
        schedules = {
            user_id: WorkSchedule(tz=tz_of.get(user_id) or "UTC", attendances=())
            for user_id in users.ids
        }
        if not uses_hours or not users:
            return schedules
        for model in (
            "resource.resource",
            "resource.calendar",
            "resource.calendar.attendance",
            "resource.calendar.leaves",
        ):
            self.env[model].flush_model()
        # A user's first active resource (lowest id) and its calendar's working
        # days: lunch breaks and section lines are not working time.
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (r.user_id)
                       r.user_id, r.id, r.tz, c.id, c.tz,
                       ARRAY(SELECT ARRAY[a.dayofweek::text, a.hour_from::text,
                                          a.hour_to::text,
                                          CASE WHEN c.two_weeks_calendar
                                               THEN a.week_type END,
                                          a.date_from::text, a.date_to::text]
                               FROM resource_calendar_attendance a
                              WHERE a.calendar_id = c.id
                                AND a.display_type IS NULL
                                AND a.day_period IS DISTINCT FROM 'lunch'
                              ORDER BY a.sequence, a.week_type, a.dayofweek,
                                       a.hour_from, a.id)
                  FROM resource_resource r
                  LEFT JOIN resource_calendar c ON c.id = r.calendar_id
                 WHERE r.user_id = ANY(%s) AND r.active
                 ORDER BY r.user_id, r.id
                """,
                users.ids,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return schedules
        resource_ids = [row[1] for row in rows]
        calendar_ids = sorted({row[3] for row in rows if row[3]})
        self.env.cr.execute(
            SQL(
                """
                SELECT resource_id, calendar_id, date_from, date_to
                  FROM resource_calendar_leaves
                 WHERE date_to > %s AND date_from < %s
                   AND (resource_id = ANY(%s)
                        OR (resource_id IS NULL AND calendar_id = ANY(%s)))
                """,
                now - timedelta(days=1),
                max(now, until or now) + LEAVE_HORIZON,
                resource_ids,
                calendar_ids,
            )
        )
        personal, general = defaultdict(list), defaultdict(list)
        for resource_id, calendar_id, date_from, date_to in self.env.cr.fetchall():
            if resource_id:
                personal[resource_id].append((date_from, date_to))
            else:
                general[calendar_id].append((date_from, date_to))
        for user_id, resource_id, resource_tz, calendar_id, calendar_tz, days in rows:
            if not calendar_id:
                continue
            schedules[user_id] = WorkSchedule(
                tz=tz_of.get(user_id) or resource_tz or calendar_tz or "UTC",
                attendances=tuple(self._attendance(day) for day in days),
                leaves=tuple(sorted(personal[resource_id] + general[calendar_id])),
            )
        return schedules

    @staticmethod
    def _attendance(day):
        weekday, hour_from, hour_to, week_type, date_from, date_to = day
        return Attendance(
            weekday=int(weekday),
            hour_from=float(hour_from),
            hour_to=float(hour_to),
            week_type=int(week_type) if week_type else None,
            date_from=date.fromisoformat(date_from) if date_from else None,
            date_to=date.fromisoformat(date_to) if date_to else None,
        )

    def _account_owners(self, leads, rule_matches, continuity_rules):
        """Continuity facts: who already handles each lead's account, and how
        they were found, best first: ``{lead id: [(user id, via code)]}``.

        The contact's salesperson, the parent company's salesperson, then the
        owner of the latest other lead of the same company, or from the same
        email domain.
        """
        concerned = leads.filtered(
            lambda lead: any(lead.id in rule_matches[r.id] for r in continuity_rules)
        )
        if not concerned:
            return {}
        partners = concerned.partner_id
        commercial = partners.commercial_partner_id
        domains = [d for d in concerned.mapped("email_domain_criterion") if d]
        latest_by_partner, latest_by_domain = {}, {}
        self.env["crm.lead"].flush_model(
            ["user_id", "partner_id", "email_domain_criterion"]
        )
        if commercial:
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT ON (p.commercial_partner_id)
                              p.commercial_partner_id, l.user_id
                         FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
                        WHERE p.commercial_partner_id = ANY(%s)
                          AND l.user_id IS NOT NULL AND NOT (l.id = ANY(%s))
                     ORDER BY p.commercial_partner_id, l.create_date DESC, l.id DESC""",
                    commercial.ids,
                    _stored_ids(leads),
                )
            )
            latest_by_partner = dict(self.env.cr.fetchall())
        if domains:
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT ON (email_domain_criterion)
                              email_domain_criterion, user_id
                         FROM crm_lead
                        WHERE email_domain_criterion = ANY(%s)
                          AND user_id IS NOT NULL AND NOT (id = ANY(%s))
                     ORDER BY email_domain_criterion, create_date DESC, id DESC""",
                    domains,
                    _stored_ids(leads),
                )
            )
            latest_by_domain = dict(self.env.cr.fetchall())
        owners = {}
        for lead in concerned:
            partner = lead.partner_id
            chain = (
                (partner.user_id.id, "partner"),
                (partner.commercial_partner_id.user_id.id, "parent"),
                (
                    latest_by_partner.get(partner.commercial_partner_id.id),
                    "earlier_lead",
                ),
                (latest_by_domain.get(lead.email_domain_criterion), "email_domain"),
            )
            seen, found = set(), []
            for uid, via in chain:
                if uid and uid not in seen:
                    seen.add(uid)
                    found.append((uid, via))
            owners[lead.id] = found
        return owners

    def _previous_owners(self, leads):
        """Everyone who already had each lead (never give it back to them)."""
        self.env["crm.routing.log"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT lead_id, array_agg(DISTINCT uid) FROM (
                       SELECT lead_id, user_id AS uid FROM crm_routing_log
                        WHERE lead_id = ANY(%s) AND user_id IS NOT NULL
                       UNION ALL
                       SELECT lead_id, previous_user_id FROM crm_routing_log
                        WHERE lead_id = ANY(%s) AND previous_user_id IS NOT NULL
                   ) owners GROUP BY lead_id""",
                leads.ids,
                leads.ids,
            )
        )
        previous = {lead_id: set(uids) for lead_id, uids in self.env.cr.fetchall()}
        for lead in leads.filtered("user_id"):
            previous.setdefault(lead.id, set()).add(lead.user_id.id)
        return previous


@contextmanager
def _same(cr):
    yield cr, False


def _stored_ids(records):
    """Ids of the saved records among ``records`` (a preview may hold a new,
    unsaved lead, whose id no query can use)."""
    return [rid for rid in records._ids if isinstance(rid, int)]
