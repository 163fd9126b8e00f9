# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What routing needs to know, gathered in a fixed number of batched queries.

The reading half of routing: live routing, the preview and the replay all
gather their facts here and hand them to the pure engine (``routing/``); what
the engine decides is written by ``crm.routing.writer``.

Concurrency. Odoo runs each request in a REPEATABLE READ transaction whose
snapshot is taken at its first query, long before routing starts, and which
commits long after routing is done (the rest of the request, an import).
Two routings must not both give the last free slot under a cap, nor the same
turn of a rotation. So live routing (:meth:`CrmRoutingFacts._live`):

* reads everything that does not move as leads are handed out (rules,
  filters, pools, profiles, working hours) first, without any lock;
* then, in a short transaction of its own (a *live* cursor, READ COMMITTED),
  takes PostgreSQL advisory locks on the rules that match its leads and the
  people in their pools, reads their counters (open leads, leads today, last
  assignment) and the rules' rotation memory, lets the engine decide, writes
  a *claim* per decision (``crm.routing.claim``) and the new rotation memory,
  and commits: the locks are held for those few statements only, and two
  routings whose rules and pools are disjoint never wait for each other;
* counters read the leads as committed, corrected by the claims of
  transactions still running (their leads are not visible yet) and, for this
  transaction's own leads, by what this transaction sees. A claim of a
  transaction that rolled back no longer counts.

So nothing conflicts, nothing retries, caps hold and counting costs the same
whatever the company's history (partial indexes on open and routed leads,
see :meth:`CrmRoutingFacts.init`). The live cursor is this transaction's own
while modules are being installed (demo leads are routed then) and in tests,
where the registry is in test mode: a new cursor would share the test's
transaction; the locks are then held until that transaction ends.
"""

import collections
import functools
import logging
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import api, models
from odoo.tools import SQL, create_index

from ..routing import order, strategies
from ..routing.facts import Candidate, Lead
from ..routing.worktime import Attendance, WorkSchedule
from . import crm_routing_rule_book
from .crm_routing_dispatcher import DATABASE_ERRORS
from .routing_scope import OPEN_LEAD_WHERE, is_open_lead, open_lead_sql

_logger = logging.getLogger(__name__)

# How far ahead time off is loaded: enough for any business-time deadline.
LEAVE_HORIZON = timedelta(days=45)
# Up to this many leads, rule and skill filters are matched in memory (no
# query); beyond, with one search per filter over the whole batch.
IN_MEMORY_BATCH = 50
# The live cursor never waits long for a lock: a table locked by a schema
# change (a module upgrade), or a huge import deciding under the same locks,
# fails the routing with an error Odoo retries, instead of hanging.
LIVE_LOCK_TIMEOUT = "15s"
# Advisory lock classes (the first of the two keys): a rule, a person.
LOCK_RULE = 0x52550001
LOCK_USER = 0x52550002
# Leads not followed up, counted per person (see ``_stale_query``).
PER_PERSON = (SQL("l.user_id, count(*)"), SQL("GROUP BY l.user_id"))
# How long each live routing held its locks, in seconds (benchmarks read it).
LOCK_TIMES = collections.deque(maxlen=100000)


@functools.lru_cache(maxsize=512)
def _attendances(days):
    """A calendar's working days as the engine reads them. Most salespeople
    share a few calendars, read again for every lead: parsed once each."""
    return tuple(
        Attendance(
            weekday=int(weekday),
            hour_from=float(hour_from),
            hour_to=float(hour_to),
            week_type=int(week_type) if week_type else None,
            date_from=date.fromisoformat(date_from) if date_from else None,
            date_to=date.fromisoformat(date_to) if date_to else None,
        )
        for weekday, hour_from, hour_to, week_type, date_from, date_to in days
    )


@functools.lru_cache(maxsize=4096)
def _schedule(tz, days, leaves):
    """One person's :class:`WorkSchedule`, the same object while their
    calendar and time off stay the same: the engine remembers, per schedule
    object, until when someone stays at work or away (``is_working``), so
    the next lead asks it again at no cost instead of walking the calendar
    for each of 30 candidates."""
    return WorkSchedule(tz=tz, attendances=_attendances(days), leaves=leaves)


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
    locked_rules: tuple = ()  # the rules that may take one of the leads
    schedules: dict = field(default_factory=dict)  # user id -> WorkSchedule
    faults: dict = field(default_factory=dict)  # user id -> (code, value)
    uses_hours: bool = False
    taker_id: int | None = None  # Take my next lead: who takes
    # lead id -> its log line's id, drawn in the critical section: the log's
    # order is the order in which routing decided (see LiveSession.record).
    log_ids: dict = field(default_factory=dict)
    # This transaction's id (live routing), read with the rules' version.
    xid: str | None = None
    # rule id -> the activity type of its "contact this lead" to-do.
    activity_types: dict = field(default_factory=dict)
    # user id -> what makes them a candidate but their counters.
    candidate_parts: dict | None = None


class CrmRoutingFacts(models.AbstractModel):
    _name = "crm.routing.facts"
    _description = "Lead Routing Facts"

    # ------------------------------------------------------------------ entry
    @api.model
    def _gather(
        self, company, leads, *, event, now, rules=None, live=True, until=None,
        faults=None, taker=None,
    ):  # fmt: skip
        """The facts for routing ``leads`` of ``company`` at ``now``.

        ``rules``: the rules to route by, in order (default: the company's
        active rules). ``event='reassign'``: everyone who already had a lead
        is excluded for it. ``live``: counters and rotation memory as
        committed by others up to now (routing); else as this transaction
        sees them (a preview or a replay, which decide nothing for real).
        ``until``: the last moment decisions will be taken at (a replay takes
        each lead at its creation time): time off is loaded up to then.
        ``leads`` may hold new records (a preview of a lead not yet saved).
        ``faults``: ``{user id: (code, value)}`` of people routing already
        failed to write to in this routing (a notification that raised...):
        they are excluded, as are people whose own data is broken.
        ``event='take'`` (with ``taker``, a user): ``leads`` wait in queues
        and ``taker`` takes the next one they may (Take my next lead); each
        lead is taken under the rule it waits under, and ``taker`` is the
        only candidate.
        """
        self = self.sudo().with_company(company)  # noqa: PLW0642
        env = self.env
        Books = env["crm.routing.rule.book"]
        # The version of what only managers change (rules, working hours),
        # and (live) this transaction's id for the claims: one round trip.
        version, xid = Books._version(xid=live)
        if rules is None:
            book = Books._get(company, version)
        else:
            book = Books._read(company, rules)
        rules = env["crm.routing.rule"].browse(book.rule_ids)
        scored = True
        if leads.env.context.get("crm_routing_scoring_postponed"):
            # New leads whose scoring waits for routing (crm.lead.create):
            # scored first if a filter reads a score.
            scoring = {field.name for field in leads._routing_scoring_fields() or ()}
            filters = book.rule_filters + book.skill_filters
            if any(scoring & filter_.field_names for filter_ in filters):
                leads._routing_score_now()
            else:
                scored = False
        if event == "take":
            rule_matches, broken = self._queued_under(leads, book.rule_ids), {}
        else:
            rule_matches, broken = self._match_domains(leads, book.rule_filters)
        skill_matches, _broken_skills = self._match_domains(
            leads, book.skill_filters, every=False
        )
        # Only the rules that may take one of these leads need their people
        # (and only they are locked by live routing).
        wanted = [rule for rule in book.rules if rule_matches.get(rule.id)]
        user_ids = set()
        for rule in wanted:
            user_ids.update(rule.pool)
            if rule.experiment is not None:
                user_ids.update(rule.experiment.pool)
            if rule.fixed_user_id:
                user_ids.add(rule.fixed_user_id)
        if taker is not None:
            user_ids = {taker.id}
            continuity = []
        else:
            continuity = [
                rule.id
                for rule in wanted
                if strategies.get(rule.strategy).account_owner_first
            ]
        owners = self._account_owners(leads, rule_matches, continuity)
        for owner_list in owners.values():
            user_ids.update(uid for uid, _via in owner_list)
        users = env["res.users"].browse(sorted(user_ids))
        previous = self._previous_owners(leads, event)
        uses_hours = any(r.respect_working_hours or r.sla_minutes for r in book.rules)
        profiles = self._profiles(users)
        self._stale_counts(profiles, now, company.routing_stale_days)
        broken_people = self._profile_faults(profiles)
        schedules = self._work_schedules(
            users, now, uses_hours, profiles, until, faults=broken_people,
            version=version,
        )  # fmt: skip
        broken_people.update(faults or {})
        # Priority channels matter to a take (the order it explains) and to
        # a rule's shorter deadline; read only then.
        priority = (frozenset(), frozenset())
        if event == "take" or any(rule.priority_sla_minutes for rule in book.rules):
            priority = (
                frozenset(company.routing_priority_source_ids.ids),
                frozenset(company.routing_priority_medium_ids.ids),
            )
        facts = RoutingFacts(
            company=company,
            leads=leads,
            rules=rules,
            engine_leads=[
                self._engine_lead(
                    lead,
                    company,
                    book,
                    skill_matches,
                    rule_matches,
                    owners.get(lead.id, ()),
                    previous.get(lead.id, ()),
                    priority,
                    scored,
                )
                for lead in leads
            ],
            candidates={},
            engine_rules=list(book.rules),
            state={},
            profiles=profiles,
            now=now,
            broken=broken,
            locked_rules=tuple(rule.id for rule in wanted),
            schedules=schedules,
            faults=broken_people,
            uses_hours=uses_hours,
            taker_id=taker.id if taker is not None else None,
            xid=xid,
            activity_types=book.activity_types,
        )
        if not live:
            counters, state, _mine, gone = self._read_counters(self.env.cr, facts)
            self._fill(facts, counters, state, gone)
        return facts

    @staticmethod
    def _queued_under(leads, rule_ids):
        """``{rule id: ids of the leads waiting under it}``: a lead is taken
        from the queue of the rule it waits under, whatever its filter says
        now."""
        matches = {rule_id: set() for rule_id in rule_ids}
        for lead in leads:
            if lead.routing_rule_id.id in matches:
                matches[lead.routing_rule_id.id].add(lead.id)
        return matches

    def _fill(self, facts, counters, state, gone=()):
        """Complete ``facts`` with the counters and rotation memory read;
        ``gone``: leads a take finds already taken by someone else."""
        if facts.candidate_parts is None:
            facts.candidate_parts = self._candidate_parts(
                facts.profiles, facts.schedules, facts.uses_hours, facts.faults
            )
        facts.candidates = self._candidates(facts.candidate_parts, counters)
        facts.state = state
        if gone:
            facts.engine_leads = [
                lead for lead in facts.engine_leads if lead.id not in gone
            ]

    # ------------------------------------------------------------------ shapes
    @staticmethod
    def _engine_lead(lead, company, book, skill_matches, rule_matches,
                     owners, previous, priority, scored=True):  # fmt: skip
        created = lead.create_date
        return Lead(
            id=lead.id,
            company_id=company.id,
            skill_ids=frozenset(
                skill.id
                for skill in book.skill_filters
                if lead.id in skill_matches[skill.id]
            ),
            partner_id=lead.partner_id.id or None,
            commercial_partner_id=lead.partner_id.commercial_partner_id.id or None,
            email_domain=lead.email_domain_criterion or None,
            expected_revenue=lead.expected_revenue or 0.0,
            # Not read while a new lead's scoring waits for routing (see
            # crm.lead._routing_scoring_postponed): the engine never uses it.
            probability=(lead.probability or 0.0) if scored else 0.0,
            rule_ids=tuple(
                rule_id for rule_id in book.rule_ids if lead.id in rule_matches[rule_id]
            ),
            account_owner_ids=tuple(uid for uid, _via in owners),
            account_owner_via=tuple(via for _uid, via in owners),
            excluded_user_ids=frozenset(previous),
            team_id=lead.team_id.id or None,
            team_leader_id=lead.team_id.user_id.id or None,
            user_id=lead.user_id.id or None,
            state=lead.routing_state or "none",
            rule_id=lead.routing_rule_id.id or None,
            priority=order.is_priority(lead.source_id.id, lead.medium_id.id, *priority),
            created=created.replace(tzinfo=UTC).timestamp() if created else None,
            pull_due=lead.routing_pull_deadline or None,
        )

    @staticmethod
    def _candidate_parts(profiles, schedules, uses_hours, faults):
        """What makes each candidate but their counters: read before
        routing's locks are taken, so that under them only the counters
        are added (:meth:`_candidates`)."""
        return {
            uid: {
                "id": uid,
                "company_ids": frozenset(prof["company_ids"]),
                "active": prof["active"],
                "internal": not prof["share"],
                "available": bool(prof["available"]),
                "opted_out": prof["opted_out"],
                "schedule": schedules[uid] if uses_hours else None,
                "skills": {int(k): v for k, v in (prof["skills"] or {}).items()},
                "score": prof["score"] or 0.0,
                "max_open": prof["max_open"] or 0,
                "max_daily": prof["max_daily"] or 0,
                "team_ids": tuple(prof["team_ids"]),
                "fault": faults.get(uid),
                "stale_leads": prof.get("stale") or 0,
                "max_stale": prof["max_stale"] or 0,
            }
            for uid, prof in profiles.items()
        }

    @staticmethod
    def _candidates(parts, counters):
        candidates = {}
        for uid, part in parts.items():
            open_leads, leads_today, last = counters.get(uid, (0, 0, None))
            candidates[uid] = Candidate(
                **part,
                open_leads=open_leads,
                leads_today=leads_today,
                last_assigned=last.timestamp() if last else None,
            )
        return candidates

    def _profile_faults(self, profiles):
        """``{user id: (code, value)}``: people whose own settings routing
        cannot work with (a language that is not installed, a time zone that
        does not exist). Excluded with that reason, so one person's settings
        never stop a lead nor anyone else's routing."""
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        faults = {}
        for uid, prof in profiles.items():
            if prof["lang"] and prof["lang"] not in installed:
                faults[uid] = ("language", prof["lang"])
            elif prof["tz"] and not _valid_tz(prof["tz"]):
                faults[uid] = ("timezone", prof["tz"])
        return faults

    # ------------------------------------------------------------------ filters
    def _match_domains(self, leads, filters, every=True):
        """``({id: lead ids matching its filter}, {id: problem})`` for
        ``filters`` (``crm.routing.rule.book.Filter``: rules' or skills').

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
        for filter_ in filters:
            try:
                if filter_.error is not None:
                    raise filter_.error
                domain = list(filter_.domain)
                if not domain:
                    # A rule without conditions takes every lead; a skill
                    # without one is only required by the rules asking for it.
                    matches[filter_.id] = set(leads._ids) if every else set()
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
                matches[filter_.id] = set(matched._ids)
            except DATABASE_ERRORS:
                raise  # the connection, not the filter: see the dispatcher
            except Exception as exc:  # noqa: BLE001 - reported, never raised
                _logger.warning(
                    "Lead routing: the filter of %s no longer works, skipped: %s",
                    filter_.name,
                    exc,
                )
                matches[filter_.id] = set()
                broken[filter_.id] = self.env["crm.routing.rule"]._filter_problem(exc)
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
                       u.routing_max_stale_leads,
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
            "available", "score", "max_open", "max_daily", "max_stale",
            "company_ids",
            "team_ids", "opted_out", "skills",
        )  # fmt: skip
        return {
            row[0]: dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()
        }

    # How a lead shows someone follows it up: a message or an email (a done
    # activity posts one), an activity planned, a stage change.
    def _stale_counts(self, profiles, now, days):
        """Add ``stale`` to the profiles of people with a limit on leads not
        followed up: how many of their open leads had no message, email,
        activity or stage change for ``days`` days, and were theirs for that
        long. One query, or none when nobody has such a limit; it reads each
        one's open leads (a partial index), never their history."""
        limited = sorted(uid for uid, prof in profiles.items() if prof["max_stale"])
        if not limited:
            return
        for model in ("crm.lead", "mail.message", "mail.activity"):
            self.env[model].flush_model()
        self.env.cr.execute(self._stale_query(limited, now - timedelta(days=days)))
        for uid, count in self.env.cr.fetchall():
            profiles[uid]["stale"] = count

    @staticmethod
    def _stale_query(user_ids, cutoff, select=None, group=None):
        """The open leads of ``user_ids`` nobody followed up since ``cutoff``
        (see ``_stale_counts``): counted per person by default, else
        ``select`` ... ``group``."""
        if select is None:
            select, group = PER_PERSON
        return SQL(
            """
            SELECT %(select)s
              FROM crm_lead l
             WHERE l.user_id = ANY(%(ids)s) AND %(open)s
               AND l.date_last_stage_update < %(cutoff)s
               AND COALESCE(l.routing_assigned_at, l.create_date) < %(cutoff)s
               AND NOT EXISTS (
                   SELECT 1 FROM mail_message m
                    WHERE m.model = 'crm.lead' AND m.res_id = l.id
                      AND m.date >= %(cutoff)s
                      AND (m.message_type IN ('comment', 'email')
                           OR m.mail_activity_type_id IS NOT NULL))
               AND NOT EXISTS (
                   SELECT 1 FROM mail_activity a
                    WHERE a.res_model = 'crm.lead' AND a.res_id = l.id
                      AND a.create_date >= %(cutoff)s
                      AND a.routing_todo IS NOT TRUE)
             %(group)s
            """,
            select=select,
            ids=list(user_ids),
            open=open_lead_sql("l"),
            cutoff=cutoff,
            group=group or SQL(""),
        )

    # ------------------------------------------------------------------ live
    def init(self):
        """Partial indexes behind the counters: a salesperson's open leads,
        and their routed leads by date. Counting reads a person's open leads
        and today's, never their whole history (see ``_read_counters``)."""
        res = super().init()
        create_index(
            self.env.cr,
            "crm_lead_routing_open_index",
            "crm_lead",
            ["user_id", "id"],
            where=f"{OPEN_LEAD_WHERE} AND user_id IS NOT NULL",
        )
        # With the id, today's count and the last assignment are read from
        # the index alone (the routed leads are left out by id).
        self.env.cr.execute("DROP INDEX IF EXISTS crm_lead_routing_assigned_index")
        create_index(
            self.env.cr,
            "crm_lead_routing_assigned_id_index",
            "crm_lead",
            ["user_id", "routing_assigned_at", "id"],
            where="routing_assigned_at IS NOT NULL",
        )
        # Leads not followed up: a person's open leads by their last stage
        # change (see ``_stale_counts``).
        create_index(
            self.env.cr,
            "crm_lead_routing_stale_index",
            "crm_lead",
            ["user_id", "date_last_stage_update"],
            where=f"{OPEN_LEAD_WHERE} AND user_id IS NOT NULL",
        )
        return res

    @contextmanager
    def _live(self, facts):
        """Routing's critical section for ``facts``: yields a
        :class:`LiveSession` once the locks are held and ``facts`` holds the
        live counters; the engine decides inside, the session records the
        decisions (``session.record(result)``), and leaving the block
        commits them and releases the locks (see the module docstring)."""
        registry = self.env.registry
        self.env["crm.lead"].flush_model(
            ["user_id", "active", "probability", "routing_assigned_at", "routing_state"]
        )
        keys = self._lock_keys(facts)
        facts.candidate_parts = self._candidate_parts(
            facts.profiles, facts.schedules, facts.uses_hours, facts.faults
        )
        if registry.in_test_mode() or not registry.ready:
            cr = self.env.cr
            counters, state, _mine, gone = self._read_counters(
                cr, facts, lock=self._lock_sql(keys)
            )
            self._fill(facts, counters, state, gone)
            yield LiveSession(self, cr, None, facts)
            return
        xid = facts.xid
        if xid is None:  # gathered with other rules than the company's
            self.env.cr.execute("SELECT pg_current_xact_id()::text")
            xid = self.env.cr.fetchone()[0]
        with registry.cursor() as cr:
            # Measured from the request for the locks: in this single round
            # trip PostgreSQL takes them, then reads the counters.
            locked_at = []
            counters, state, _mine, gone = self._read_counters(
                cr, facts, xid, lock=self._lock_sql(keys, isolate=True),
                locked_at=locked_at,
            )  # fmt: skip
            self._fill(facts, counters, state, gone)
            session = LiveSession(self, cr, xid, facts)
            yield session
            cr.commit()  # pylint: disable=invalid-commit
        LOCK_TIMES.append(time.perf_counter() - locked_at[0])

    @contextmanager
    def _side_cursor(self):
        """A short READ COMMITTED transaction of its own, committed on exit
        (this transaction's cursor in tests and while installing)."""
        registry = self.env.registry
        if registry.in_test_mode() or not registry.ready:
            yield self.env.cr
            return
        with registry.cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            yield cr

    @api.model
    def _housekeeping(self):
        """Forget finished transactions' claims and replaced rotation memory,
        in a transaction of its own: a sweep that holds its leads for long
        never makes another wait on these rows."""
        with self._side_cursor() as cr:
            self.env["crm.routing.claim"]._forget_finished(cr)
            self.env["crm.routing.rotation"]._prune(cr)

    @staticmethod
    def _lock_keys(facts):
        """What a routing of ``facts`` locks, in one global order: the rules
        that may take its leads, then the people they may choose."""
        rules = sorted(set(facts.locked_rules))
        users = sorted(facts.profiles)
        return [(LOCK_RULE, rid) for rid in rules] + [(LOCK_USER, uid) for uid in users]

    @staticmethod
    def _lock_sql(keys, isolate=False):
        """The statement taking the advisory locks ``keys`` (until the
        transaction ends), in their order: two routings wait for each other
        only when they share a rule or a person, and never deadlock.

        The counters read under the lock are a few index lookups; PostgreSQL's
        planner, which cannot know a salesperson has few open leads among
        thousands, would JIT-compile them (25 ms at 300,000 leads, ten times
        the query itself), so JIT is off for this short transaction.

        Its commit does not wait for the disk either (``synchronous_commit``
        off): the locks are released without an fsync. Nothing is lost by
        it: what it writes (claims, rotation memory) matters only with the
        routing transaction, whose own commit, synchronous, flushes the log
        up to and past this one; after a crash before that, both are gone
        together."""
        setup = (
            SQL(
                "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; "
                "SET LOCAL lock_timeout = %s; SET LOCAL jit = off; "
                "SET LOCAL synchronous_commit = off; ",
                LIVE_LOCK_TIMEOUT,
            )
            if isolate
            else SQL("")
        )
        return SQL(
            """%s SELECT pg_advisory_xact_lock(k.a, k.b)
                    FROM unnest(%s::int[], %s::int[]) AS k(a, b)""",
            setup,
            [a for a, _b in keys],
            [b for _a, b in keys],
        )

    @staticmethod
    def _gone_sql(batch):
        """For a take: the leads of ``batch`` someone else claimed or took
        (rows of the counters query)."""
        return SQL(
            """UNION ALL
               SELECT 'gone', k.lead_id, NULL, NULL, NULL, NULL, NULL
                 FROM claimed k WHERE NOT k.mine AND k.lead_id = ANY(%(taking)s)
               UNION ALL
               SELECT 'gone', l.id, NULL, NULL, NULL, NULL, NULL
                 FROM crm_lead l
                WHERE l.id = ANY(%(taking)s)
                  AND (l.routing_state != 'queued' OR l.user_id IS NOT NULL
                       OR NOT l.active)""",
            taking=batch,
        )

    def _read_counters(self, cr, facts, xid=None, lock=None, locked_at=None):
        """Each candidate's ``(open leads, leads today, last assignment)``,
        the rules' rotation memory, the leads this transaction claimed, and
        for a take the leads of the batch someone else took or is taking
        (no longer waiting as committed, or claimed by a transaction still
        running), through ``cr``.

        With ``xid`` (this transaction's id, live routing on a cursor of its
        own): leads claimed by transactions still running count for their
        new owner, and this transaction's own leads (claimed, or being
        routed) as this transaction sees them. 1 query, 2 once this
        transaction has routed.
        """
        leads, now = facts.leads, facts.now
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        ids = sorted(facts.profiles)
        batch = _stored_ids(leads)
        if xid:
            # Claims of transactions that ended say nothing the leads do not
            # say now: each routing deletes those it finds (the same statement,
            # no round trip), so the table holds the routings in flight, not
            # every lead routed since the last sweep.
            forget = SQL(
                """, forgotten AS (
                       DELETE FROM crm_routing_claim WHERE id IN (
                              SELECT id FROM crm_routing_claim
                               WHERE pg_visible_in_snapshot(xid, pg_current_snapshot())
                                 AND xid <> %(xid)s::xid8
                                 FOR UPDATE SKIP LOCKED))""",
                xid=xid,
            )
            claims = SQL(
                """SELECT DISTINCT ON (c.lead_id) c.lead_id, c.user_id,
                          c.assigned_at, c.xid = %(xid)s::xid8 AS mine
                     FROM crm_routing_claim c
                    WHERE c.xid = %(xid)s::xid8
                       OR (NOT pg_visible_in_snapshot(c.xid, pg_current_snapshot())
                           AND pg_xact_status(c.xid) IS DISTINCT FROM 'aborted')
                 ORDER BY c.lead_id, c.id DESC""",
                xid=xid,
            )
            skip = batch
        else:
            claims = SQL(
                "SELECT NULL::int, NULL::int, NULL::timestamp, false WHERE false"
            )
            skip = []
            forget = SQL("")
        query = SQL(
            """
            WITH claimed(lead_id, user_id, assigned_at, mine) AS MATERIALIZED (%(claims)s),
                 skip AS (SELECT COALESCE(array_agg(lead_id), '{}') || %(skip)s::int[]
                                 AS ids FROM claimed)%(forget)s
            SELECT 'user', u.id, NULL::int,
                   (SELECT count(*) FROM crm_lead l
                     WHERE l.user_id = u.id AND %(open)s
                       AND NOT l.id = ANY(skip.ids))
                   + COALESCE(k.open, 0),
                   (SELECT count(*) FROM crm_lead l
                     WHERE l.user_id = u.id AND l.routing_assigned_at >= %(day)s
                       AND NOT l.id = ANY(skip.ids))
                   + COALESCE(k.today, 0),
                   GREATEST(
                       (SELECT max(l.routing_assigned_at) FROM crm_lead l
                         WHERE l.user_id = u.id
                           AND l.routing_assigned_at IS NOT NULL
                           AND NOT l.id = ANY(skip.ids)),
                       k.last),
                   NULL::jsonb
              FROM unnest(%(ids)s::int[]) AS u(id)
             CROSS JOIN skip
              LEFT JOIN (SELECT user_id, count(*) AS open,
                                count(*) FILTER (WHERE assigned_at >= %(day)s)
                                    AS today,
                                max(assigned_at) AS last
                           FROM claimed WHERE NOT mine GROUP BY user_id) k
                ON k.user_id = u.id
            UNION ALL
            SELECT 'rule', latest.rule_id, latest.id, NULL, NULL, NULL, latest.state
              FROM (%(rotation)s) latest
            UNION ALL
            SELECT 'mine', k.lead_id, NULL, NULL, NULL, NULL, NULL
              FROM claimed k WHERE k.mine
            %(gone)s
            """,
            claims=claims,
            open=open_lead_sql("l"),
            skip=skip,
            gone=self._gone_sql(batch) if facts.taker_id else SQL(""),
            forget=forget,
            day=day_start,
            ids=ids,
            rotation=self.env["crm.routing.rotation"]._latest_sql(
                [rule.id for rule in facts.rules]
            ),
        )
        # The locks, then the counters: one round trip, two statements (each
        # with its own snapshot, so the counters see what the routings that
        # held the locks before committed).
        statement = SQL("%s; %s", lock, query) if lock is not None else query
        if locked_at is not None:
            locked_at.append(time.perf_counter())
        cr.execute(statement)
        counters, state, mine, gone = {}, {}, set(), set()
        for kind, key, _row, open_leads, today, last, memory in cr.fetchall():
            if kind == "user":
                counters[key] = [open_leads, today, last]
            elif kind == "rule":
                state[key] = memory
            elif kind == "gone":
                gone.add(key)
            else:
                mine.add(key)
        if xid and ids:
            # The leads being routed, as this transaction has them (flushed
            # in its cache: no query for a lead routed as it is created).
            wanted = set(ids)
            for lead in leads:
                if not isinstance(lead.id, int) or lead.user_id.id not in wanted:
                    continue
                row = counters.setdefault(lead.user_id.id, [0, 0, None])
                assigned = lead.routing_assigned_at
                row[0] += is_open_lead(lead)
                row[1] += bool(assigned and assigned >= day_start)
                row[2] = max(filter(None, (row[2], assigned)), default=None)
        own = sorted(mine - set(batch)) if xid else []
        if own and ids:
            # This transaction's leads, as it sees them (the others cannot).
            self.env.cr.execute(
                SQL(
                    """
                    SELECT user_id,
                           count(*) FILTER (WHERE %s),
                           count(*) FILTER (WHERE routing_assigned_at >= %s),
                           max(routing_assigned_at)
                      FROM crm_lead
                     WHERE id = ANY(%s) AND user_id = ANY(%s)
                     GROUP BY user_id
                    """,
                    open_lead_sql(),
                    day_start,
                    own,
                    ids,
                )
            )
            for uid, open_leads, today, last in self.env.cr.fetchall():
                row = counters.setdefault(uid, [0, 0, None])
                row[0] += open_leads
                row[1] += today
                row[2] = max(filter(None, (row[2], last)), default=None)
        return {uid: tuple(row) for uid, row in counters.items()}, state, mine, gone

    def _work_schedules(
        self, users, now, uses_hours=True, profiles=None, until=None, faults=None,
        version=None,
    ):  # fmt: skip
        """One :class:`WorkSchedule` per user from resource, in one query.

        A user without working hours (no resource or no calendar) is treated as
        always on. Nothing is read when no rule uses working hours. Read in SQL:
        through the ORM, resources, calendars, attendances and time off cost
        seven queries for a lead arriving alone. A calendar that cannot be
        read is recorded in ``faults`` (``{user id: (code, value)}``) when
        given, else raises.

        With ``version`` (``crm.routing.rule.book._version``), what was read
        for the same people on the same day is kept until a calendar, a
        resource or time off changes: no query then.
        """
        if profiles is None:
            tz_of = {user.id: user.tz for user in users.with_context(active_test=False)}
        else:
            tz_of = {uid: prof["tz"] for uid, prof in profiles.items()}
        if version is not None and until is None and uses_hours and users:
            # Time off is read for the whole day around ``now`` (and the
            # horizon after it), so that it serves every routing of the day.
            day = now.replace(hour=0, minute=0, second=0, microsecond=0)
            key = (
                self.env.cr.dbname,
                "hours",
                version,
                day,
                tuple((uid, tz_of.get(uid)) for uid in users.ids),
            )

            def read():
                found = {}
                schedules = self._work_schedules(
                    users,
                    day,
                    profiles=profiles,
                    until=day + timedelta(days=2),
                    faults=found,
                )
                return schedules, found

            schedules, found = crm_routing_rule_book.kept(key, read)
            if faults is not None:
                for uid, fault in found.items():
                    faults.setdefault(uid, fault)
            elif found:
                raise ValueError(next(iter(found.values()))[1])
            return dict(schedules)
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
        # In one round trip: each user's first active resource (lowest id)
        # with its calendar and the lines of that calendar that are theirs
        # alone; each of those calendars' working days once (lunch breaks and
        # section lines are not working time); the time off ("leave", not
        # "other") of those resources, calendars and companies. Which lines
        # and time off count is what resource.calendar._work_intervals_batch
        # counts (tests/test_routing_work_schedules.py compares the two).
        self.env.cr.execute(
            SQL(
                """
                WITH res AS MATERIALIZED (
                     SELECT DISTINCT ON (r.user_id)
                            r.user_id, r.id, r.tz, r.company_id,
                            c.id AS calendar_id, c.tz AS ctz, c.two_weeks_calendar
                       FROM resource_resource r
                       LEFT JOIN resource_calendar c ON c.id = r.calendar_id
                      WHERE r.user_id = ANY(%(users)s) AND r.active
                      ORDER BY r.user_id, r.id)
                SELECT 'resource', user_id, id, tz, calendar_id, ctz,
                       ARRAY(SELECT ARRAY[a.dayofweek::text, a.hour_from::text,
                                          a.hour_to::text,
                                          CASE WHEN res.two_weeks_calendar
                                               THEN a.week_type END,
                                          a.date_from::text, a.date_to::text]
                               FROM resource_calendar_attendance a
                              WHERE a.calendar_id = res.calendar_id
                                AND a.resource_id = res.id
                                AND a.display_type IS NULL
                                AND a.day_period IS DISTINCT FROM 'lunch'
                              ORDER BY a.sequence, a.week_type, a.dayofweek,
                                       a.hour_from, a.id),
                       NULL::timestamp, NULL::timestamp, company_id
                  FROM res
                UNION ALL
                SELECT 'calendar', NULL, NULL, NULL, cal.calendar_id, NULL,
                       ARRAY(SELECT ARRAY[a.dayofweek::text, a.hour_from::text,
                                          a.hour_to::text,
                                          CASE WHEN cal.two_weeks_calendar
                                               THEN a.week_type END,
                                          a.date_from::text, a.date_to::text]
                               FROM resource_calendar_attendance a
                              WHERE a.calendar_id = cal.calendar_id
                                AND a.resource_id IS NULL
                                AND a.display_type IS NULL
                                AND a.day_period IS DISTINCT FROM 'lunch'
                              ORDER BY a.sequence, a.week_type, a.dayofweek,
                                       a.hour_from, a.id),
                       NULL, NULL, NULL
                  FROM (SELECT DISTINCT calendar_id, two_weeks_calendar FROM res
                         WHERE calendar_id IS NOT NULL) cal
                UNION ALL
                SELECT 'leave', NULL, l.resource_id, NULL, l.calendar_id, NULL, NULL,
                       l.date_from, l.date_to, l.company_id
                  FROM resource_calendar_leaves l
                 WHERE l.date_to > %(since)s AND l.date_from < %(until)s
                   AND l.time_type = 'leave'
                   AND (l.resource_id IN (SELECT id FROM res)
                        OR (l.resource_id IS NULL
                            AND l.company_id IN (SELECT company_id FROM res)
                            AND (l.calendar_id IS NULL
                                 OR l.calendar_id IN (SELECT calendar_id FROM res))))
                """,
                users=users.ids,
                since=now - timedelta(days=1),
                until=max(now, until or now) + LEAVE_HORIZON,
            )
        )
        rows, days_of = [], {}
        personal, general = defaultdict(list), defaultdict(list)
        for (
            kind,
            user_id,
            res_id,
            tz,
            cal_id,
            cal_tz,
            days,
            start,
            end,
            company_id,
        ) in self.env.cr.fetchall():
            if kind == "resource":
                rows.append((user_id, res_id, tz, cal_id, cal_tz, days, company_id))
            elif kind == "calendar":
                days_of[cal_id] = tuple(map(tuple, days))
            elif res_id:
                personal[res_id].append((start, end, cal_id))
            else:  # the calendar's, or every calendar's (None) of the company
                general[cal_id, company_id].append((start, end))
        for (
            user_id,
            resource_id,
            resource_tz,
            calendar_id,
            calendar_tz,
            own,
            company_id,
        ) in rows:
            if not calendar_id:
                continue
            # As Odoo: the resource's time zone (the user's is where they read).
            tz = resource_tz or calendar_tz or tz_of.get(user_id) or "UTC"
            try:
                if not _valid_tz(tz):
                    raise ValueError(tz)
                days = days_of[calendar_id] + tuple(map(tuple, own))
                leaves = [
                    (start, end)
                    for start, end, cal_id in personal[resource_id]
                    if cal_id in (None, calendar_id)
                ]
                leaves += general[calendar_id, company_id] + general[None, company_id]
                schedules[user_id] = _schedule(tz, days, tuple(sorted(leaves)))
            except (TypeError, ValueError) as exc:
                if faults is None:
                    raise
                faults.setdefault(user_id, ("calendar", str(exc)[:80]))
        return schedules

    def _account_owners(self, leads, rule_matches, continuity_rules):
        """Continuity facts: who already handles each lead's account, and how
        they were found, best first: ``{lead id: [(user id, via code)]}``.

        The contact's salesperson, the parent company's salesperson, then the
        owner of the latest other lead of the same company, or from the same
        email domain.
        """
        concerned = leads.filtered(
            lambda lead: any(lead.id in rule_matches[rid] for rid in continuity_rules)
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

    def _previous_owners(self, leads, event):
        """Who may not get each lead (back), since a manager last gave it out
        by hand: for a reassignment, everyone who already had it; for any
        other routing (the queue, Route now), the people a missed deadline
        took it from. So a lead taken from someone who let it go cold never
        comes back to them through the queue."""
        stored = [
            lead.id
            for lead in leads
            if isinstance(lead.id, int) and lead.routing_state != "none"
        ]
        if not stored:
            return {}
        self.env["crm.routing.log"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT lead_id, event, user_id, previous_user_id,
                          details ? 'trigger'
                     FROM crm_routing_log
                    WHERE lead_id = ANY(%s)
                 ORDER BY lead_id, id""",
                stored,
            )
        )
        had, taken = defaultdict(set), defaultdict(set)
        for lead_id, log_event, uid, previous, by_sweep in self.env.cr.fetchall():
            if log_event == "manual":
                had[lead_id], taken[lead_id] = {uid} - {None}, set()
                continue
            had[lead_id].update({uid, previous} - {None})
            if by_sweep and previous:
                taken[lead_id].add(previous)
        if event != "reassign":
            return {lead_id: people for lead_id, people in taken.items() if people}
        for lead in leads.filtered("user_id"):
            had[lead.id].add(lead.user_id.id)
        return dict(had)


class LiveSession:
    """Inside routing's critical section: records what the engine decided
    (claims and rotation memory) on the cursor that holds the locks."""

    def __init__(self, model, cr, xid, facts):
        self.model, self.cr, self.xid, self.facts = model, cr, xid, facts

    def record(self, result):
        """Claims, rotation memory and the ids of the log lines to come, in
        one round trip while the locks are held.

        The log lines are written later, outside the critical section, in
        whatever order the transactions get there; their ids, drawn here,
        keep the order in which the decisions were taken (for each person,
        the order of their locks), so the log read by id replays the
        counters as routing saw them."""
        env = self.model.env
        facts = self.facts
        written = [
            (decision.lead_id, decision.user_id)
            for decision in result.decisions
            if decision.write and isinstance(decision.lead_id, int)
        ]
        claims = None
        if self.xid:
            claims = env["crm.routing.claim"]._insert_sql(self.xid, written, facts.now)
        changed = {
            rule_id: new
            for rule_id, new in result.state.items()
            if new != (facts.state.get(rule_id) or {"served": {}, "pass": {}})
        }
        rotation = env["crm.routing.rotation"]._insert_sql(self.xid, changed)
        statements = [sql for sql in (claims, rotation) if sql is not None]
        statements.append(
            SQL(
                """SELECT nextval('crm_routing_log_id_seq')
                     FROM generate_series(1, %s) ORDER BY 1""",
                len(written),
            )
        )
        self.cr.execute(SQL("; ").join(statements))
        facts.log_ids = dict(
            zip(
                (lead_id for lead_id, _uid in written),
                (row[0] for row in self.cr.fetchall()),
                strict=True,
            )
        )


@functools.cache
def _valid_tz(name):
    """Whether ``name`` is a time zone Python knows (``zoneinfo``)."""
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _stored_ids(records):
    """Ids of the saved records among ``records`` (a preview may hold a new,
    unsaved lead, whose id no query can use)."""
    return [rid for rid in records._ids if isinstance(rid, int)]
