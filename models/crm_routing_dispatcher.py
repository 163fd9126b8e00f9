"""Glue between Odoo records and the pure-Python routing engine.

Everything here gathers *facts* in a fixed number of batched queries (per batch,
never per lead and per candidate), hands them to :mod:`..routing.engine` and
writes the decisions back in bulk. No routing logic lives here.
"""

import json
import logging
from collections import defaultdict
from datetime import date, timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..routing import engine
from ..routing.facts import Candidate, Lead, Rule
from ..routing.worktime import Attendance, WorkSchedule
from .crm_routing_rule import parse_lead_domain

_logger = logging.getLogger(__name__)

# How far ahead time off is loaded: enough for any business-time deadline.
LEAVE_HORIZON = timedelta(days=45)
# Up to this many leads, rule and skill filters are matched in memory (no
# query); beyond, with one search per filter over the whole batch.
IN_MEMORY_BATCH = 50
# Candidates explained per decision in the log: the best eligible ones and the
# first excluded ones, each list cut at this length (the rest is counted).
EXPLAIN_LIMIT = 20


class CrmRoutingDispatcher(models.AbstractModel):
    _name = "crm.routing.dispatcher"
    _description = "Lead Routing Dispatcher"

    # ------------------------------------------------------------------ entry
    @api.model
    def _route_leads(self, leads, event="assign", from_create=False, now=None):
        """Route ``leads`` and write the decisions; return the engine decisions.

        ``event='reassign'`` excludes everyone who already had the lead.
        """
        # Routing is a system decision: it must see everyone's time off, loads
        # and skills whoever created the lead (a website visitor, a salesperson).
        self = self.sudo()  # noqa: PLW0642
        leads = leads.sudo()
        now = now or fields.Datetime.now()
        decisions = []
        for company, company_leads in leads.grouped(
            lambda lead: lead.company_id or self.env.company
        ).items():
            decisions += self._route_company_leads(
                company, company_leads, event, from_create, now
            )
        return decisions

    def _route_company_leads(self, company, leads, event, from_create, now):
        self = self.with_company(company)  # noqa: PLW0642
        env = self.env
        Rules, Skills = env["crm.routing.rule"], env["crm.routing.skill"]
        rules = Rules.search_fetch(
            [("company_id", "in", [company.id, False])],
            self._columns(Rules),
            order="sequence, id",
        )
        rule_matches = self._match_domains(leads, rules, "lead_domain")
        skills = Skills.search_fetch(
            [
                ("lead_domain", "not in", [False, "", "[]"]),
                ("company_id", "in", [company.id, False]),
            ],
            self._columns(Skills),
        )
        skill_matches = self._match_domains(leads, skills, "lead_domain")

        pools = rules._pools_and_skills()
        users = env["res.users"].browse(
            sorted(
                {uid for pool, _skills in pools.values() for uid in pool}
                | {rule.fixed_user_id.id for rule in rules if rule.fixed_user_id}
            )
        )
        continuity = rules.filtered(lambda r: r.strategy == "continuity")
        owners = self._account_owners(leads, rule_matches, continuity)
        for owner_ids in owners.values():
            users |= env["res.users"].browse(owner_ids)
        # Lock the candidates before counting their loads: a concurrent routing
        # that gave one of them a lead makes this transaction retry instead of
        # pushing that person past a cap.
        self._lock_users(users)
        previous = self._previous_owners(leads) if event == "reassign" else {}
        uses_hours = any(r.respect_working_hours or r.sla_minutes for r in rules)
        profiles = self._profiles(users, now)
        schedules = self._work_schedules(users, now, uses_hours, profiles)
        candidates = self._candidates(profiles, schedules, now)

        engine_leads = [
            Lead(
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
                account_owner_ids=tuple(owners.get(lead.id, ())),
                excluded_user_ids=frozenset(previous.get(lead.id, ())),
            )
            for lead in leads
        ]
        engine_rules = [
            Rule(
                id=rule.id,
                sequence=rule.sequence,
                strategy=rule.strategy,
                pool=pools[rule.id][0],
                company_id=rule.company_id.id or None,
                fixed_user_id=rule.fixed_user_id.id or None,
                required_skill_ids=pools[rule.id][1],
                respect_working_hours=rule.respect_working_hours,
                fallback=rule.fallback,
                fairness_floor=rule.fairness_floor,
            )
            for rule in rules
        ]
        state = {rule.id: rule.engine_state or {} for rule in rules}
        result = engine.route_batch(
            engine_leads,
            candidates,
            engine_rules,
            state,
            event="reassign" if event == "reassign" else "assign",
            explain_limit=EXPLAIN_LIMIT,
        )
        self._write_decisions(
            leads, rules, result, schedules, now, event, from_create, profiles
        )
        return result.decisions

    # ------------------------------------------------------------------ facts
    @staticmethod
    def _columns(model):
        """The fields a first read of ``model`` would fetch, for search_fetch:
        the search and the read in one query."""
        return [
            name
            for name, field in model._fields.items()
            if field.store and field.column_type and field.prefetch is True
        ]

    def _match_domains(self, leads, records, field):
        """{record id: set(lead ids)} of the leads matching each record's domain.

        A small batch (the usual lead arriving alone) is matched in memory, so
        its query count depends on the fields the domains use, not on how many
        rules or skills there are. A large batch (an import) is matched with
        one search per domain restricted to the batch: the database is far
        faster than ``filtered_domain`` over thousands of records. So is a
        domain ``filtered_domain`` cannot evaluate.
        """
        matches = {}
        in_memory = len(leads) <= IN_MEMORY_BATCH
        for record in records:
            try:
                domain = parse_lead_domain(self.env, record[field])
            except Exception:  # noqa: BLE001 - validated at save; never match
                _logger.warning("Unusable domain on %s, ignored", record)
                matches[record.id] = set()
                continue
            if not domain:
                matches[record.id] = set(leads.ids)
                continue
            matched = None
            if in_memory:
                try:
                    matched = leads.filtered_domain(domain)
                except Exception:  # noqa: BLE001 - operators filtered_domain lacks
                    matched = None
            if matched is None:
                matched = leads.with_context(active_test=False).search(
                    [("id", "in", leads.ids), *domain]
                )
            matches[record.id] = set(matched.ids)
        return matches

    def _lock_users(self, users):
        if users:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM res_users WHERE id = ANY(%s) ORDER BY id "
                    "FOR NO KEY UPDATE",
                    users.ids,
                )
            )

    def _profiles(self, users, now):
        """Everything routing needs about each candidate, in one query.

        Status, caps, score, time zone, companies, active team memberships (in
        membership order), skills of active skills, open leads and leads received
        today. Reading these through the ORM would cost one query per table.
        """
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT u.id, p.name, p.tz, u.partner_id, p.lang,
                       u.active, u.share, u.routing_available,
                       COALESCE((SELECT sc.score FROM crm_routing_scorecard sc
                                  WHERE sc.user_id = u.id), 50),
                       u.routing_max_open_leads,
                       u.routing_max_daily_leads, u.routing_last_assigned_at,
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
                         WHERE us.user_id = u.id AND s.active),
                       (SELECT count(*) FROM crm_lead l
                         WHERE l.user_id = u.id AND l.active
                           AND COALESCE(l.probability, 0) < 100),
                       (SELECT count(*) FROM crm_lead l
                         WHERE l.user_id = u.id AND l.routing_assigned_at >= %s)
                  FROM res_users u
                  JOIN res_partner p ON p.id = u.partner_id
                 WHERE u.id = ANY(%s)
                """,
                day_start,
                users.ids,
            )
        )
        keys = (
            "id",
            "name",
            "tz",
            "partner_id",
            "lang",
            "active",
            "share",
            "available",
            "score",
            "max_open",
            "max_daily",
            "last_assigned",
            "company_ids",
            "team_ids",
            "opted_out",
            "skills",
            "open_leads",
            "leads_today",
        )
        return {
            row[0]: dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()
        }

    def _candidates(self, profiles, schedules, now):
        candidates = {}
        for uid, prof in profiles.items():
            last = prof["last_assigned"]
            candidates[uid] = Candidate(
                id=uid,
                company_ids=frozenset(prof["company_ids"]),
                active=prof["active"],
                internal=not prof["share"],
                available=bool(prof["available"]),
                opted_out=prof["opted_out"],
                working_now=schedules[uid].is_working(now),
                skills={int(k): v for k, v in (prof["skills"] or {}).items()},
                score=prof["score"] or 0.0,
                open_leads=prof["open_leads"],
                leads_today=prof["leads_today"],
                max_open=prof["max_open"] or 0,
                max_daily=prof["max_daily"] or 0,
                last_assigned=last.timestamp() if last else None,
            )
        return candidates

    def _work_schedules(self, users, now, uses_hours=True, profiles=None):
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
                 WHERE date_from <= %s AND date_to >= %s
                   AND (resource_id = ANY(%s)
                        OR (resource_id IS NULL AND calendar_id = ANY(%s)))
                """,
                now + LEAVE_HORIZON,
                now - timedelta(days=1),
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
        """Continuity facts: who already owns each lead's account.

        In priority order: the partner's salesperson, the parent company's
        salesperson, then the owner of the latest other lead with the same
        commercial partner or the same email domain.
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
                    leads.ids,
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
                    leads.ids,
                )
            )
            latest_by_domain = dict(self.env.cr.fetchall())
        owners = {}
        for lead in concerned:
            partner = lead.partner_id
            chain = [
                partner.user_id.id,
                partner.commercial_partner_id.user_id.id,
                latest_by_partner.get(partner.commercial_partner_id.id),
                latest_by_domain.get(lead.email_domain_criterion),
            ]
            owners[lead.id] = list(dict.fromkeys(uid for uid in chain if uid))
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

    # ------------------------------------------------------------------ write
    def _write_decisions(
        self,
        leads,
        rules,
        result,
        schedules,
        now,
        event,
        from_create,
        profiles,
    ):
        by_id = {lead.id: lead for lead in leads}
        rule_by_id = {rule.id: rule for rule in rules}
        members_of_team, first_team = defaultdict(set), {}
        Team = self.env["crm.team"]
        for uid, prof in profiles.items():
            for team_id in prof["team_ids"]:
                members_of_team[team_id].add(uid)
            if prof["team_ids"]:
                first_team[uid] = Team.browse(prof["team_ids"][0])
        names = {uid: prof["name"] for uid, prof in profiles.items()}
        groups = defaultdict(list)
        logs, activities, chosen = [], [], set()
        reasons = self._reason_renderer(rules, names)
        silent_requeue = self.env.context.get("routing_silent_requeue")
        for decision in result.decisions:
            lead = by_id[decision.lead_id]
            # [sweeper] the queue drain leaves a lead queued again untouched
            # (no write, no new log line every run).
            if (
                silent_requeue
                and decision.event == "queue"
                and lead.routing_state == "queued"
            ):
                continue
            rule = rule_by_id.get(decision.rule_id)
            vals = {"routing_rule_id": rule.id if rule else False}
            if decision.user_id:
                deadline = self._deadline(rule, schedules.get(decision.user_id), now)
                team = (
                    (rule.team_id if rule else False)
                    or (
                        lead.team_id
                        if decision.user_id in members_of_team[lead.team_id.id]
                        or decision.user_id == lead.team_id.user_id.id
                        else first_team.get(decision.user_id)
                    )
                    or lead.team_id
                )
                if team != lead.team_id:
                    vals["team_id"] = team.id
                vals.update(
                    user_id=decision.user_id,
                    routing_state="assigned",
                    routing_assigned_at=now,
                    routing_deadline=deadline,
                )
                if event == "reassign":
                    vals["routing_reassign_count"] = lead.routing_reassign_count + 1
                chosen.add(decision.user_id)
                if rule and rule.notify_assignee and rule.activity_type_id:
                    activities.append((lead, rule, decision.user_id, deadline))
            else:
                vals.update(
                    user_id=False,
                    routing_state="queued"
                    if decision.event == "queue"
                    else "unroutable",
                    routing_deadline=False,
                )
            groups[tuple(sorted(vals.items()))].append(lead.id)
            logs.append(
                {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,
                    "rule_id": rule.id if rule else False,
                    "user_id": decision.user_id or False,
                    "previous_user_id": lead.user_id.id
                    if lead.user_id and lead.user_id.id != decision.user_id
                    else False,
                    "event": decision.event,
                    "reason": reasons(decision)
                    + self._always_on_note(rule, schedules, decision),
                    "details": decision.to_json(),
                }
            )
        Lead = self.env["crm.lead"].sudo()
        if from_create:
            Lead = Lead.with_context(mail_notrack=True)
        # The team is decided here; protecting it keeps crm's per-lead team
        # search away. Where the team stays the same, the stage and the
        # probability (which depend on the team, not on the salesperson) would be
        # recomputed to the values they already have: protect them too.
        # The company stays too: the engine only picks people who work for the
        # lead's company.
        same_team = leads.browse(
            [
                lead_id
                for items, lead_ids in groups.items()
                if "team_id" not in dict(items)
                for lead_id in lead_ids
            ]
        ).filtered("company_id")
        # crm.lead checks each new owner's companies on write, one write per
        # owner: read them all at once instead of once per owner.
        self.env["res.users"].browse(chosen).mapped("company_ids")
        with (
            self.env.protecting([Lead._fields["team_id"]], leads),
            self.env.protecting(self._team_dependent_fields(Lead), same_team),
        ):
            for items, lead_ids in groups.items():
                Lead.browse(lead_ids).with_context(routing_bulk_subscribe=True).write(
                    dict(items)
                )
        owner_of = {
            lead_id: dict(items)["user_id"]
            for items, lead_ids in groups.items()
            if dict(items).get("user_id")
            for lead_id in lead_ids
        }
        if self.env.context.get("tracking_disable"):
            # Odoo subscribes nobody then, but for an activity's assignee.
            with_activity = {item[0].id for item in activities}
            owner_of = {
                lead_id: uid
                for lead_id, uid in owner_of.items()
                if lead_id in with_activity
            }
        subscribed = self._subscribe_owners(owner_of, profiles)
        self._insert_logs(leads, logs)
        if chosen:
            self.env["res.users"].flush_model(["routing_last_assigned_at"])
            self.env.cr.execute(
                SQL(
                    "UPDATE res_users SET routing_last_assigned_at = %s WHERE id = ANY(%s)",
                    now,
                    sorted(chosen),
                )
            )
            self.env["res.users"].invalidate_model(["routing_last_assigned_at"])
        for rule in rules:
            new_state = result.state.get(rule.id)
            if new_state is not None and new_state != (rule.engine_state or {}):
                rule.engine_state = new_state
        if activities:
            self._schedule_activities(activities, profiles, subscribed)

    def _subscribe_owners(self, owner_of, profiles):
        """Make each new owner a follower of their leads, for the whole batch.

        Odoo subscribes the new salesperson on every ``write`` of ``user_id``:
        one write per owner here, each costing a few follower queries, so a
        sweep or a large import paid queries per salesperson. The writes skip
        that (``routing_bulk_subscribe``, see ``crm.lead``) and this does it
        once, in one statement. Odoo's "You have been assigned" message still
        goes out as it would have, unless the caller asked for silence
        (``mail_auto_subscribe_no_notify``, or ``tracking_disable`` where Odoo
        would not send it either).

        :param owner_of: {lead id: new owner's user id}
        :param profiles: the owners' profiles (``_profiles``)
        :return: frozenset of the (lead id, partner id) pairs now following
        """
        if not owner_of:
            return frozenset()
        partner_of = {
            uid: profiles[uid]["partner_id"]
            for uid in set(owner_of.values())
            if profiles[uid]["active"]
        }
        wanted = {
            (lead_id, partner_of[uid])
            for lead_id, uid in owner_of.items()
            if uid in partner_of
        }
        if not wanted:
            return frozenset()
        subtype_ids = self.env["mail.message.subtype"]._get_auto_subscription_subtypes(
            "crm.lead"
        )[1]
        # One statement: who already follows is skipped by the unique
        # constraint, the others get the subtypes Odoo's auto-subscription gives.
        Followers = self.env["mail.followers"]
        Followers.flush_model()
        subtypes = Followers._fields["subtype_ids"]
        pairs = sorted(wanted)
        self.env.cr.execute(
            SQL(
                """
                WITH new AS (
                    INSERT INTO mail_followers (res_model, res_id, partner_id)
                    SELECT 'crm.lead', w.res_id, w.partner_id
                      FROM unnest(%(lead_ids)s::int[], %(partner_ids)s::int[])
                           AS w(res_id, partner_id)
                    ON CONFLICT DO NOTHING
                    RETURNING id
                )
                INSERT INTO %(rel)s (%(follower)s, %(subtype)s)
                SELECT new.id, s.id FROM new, unnest(%(subtype_ids)s::int[]) AS s(id)
                """,
                lead_ids=[lead_id for lead_id, _pid in pairs],
                partner_ids=[partner_id for _lid, partner_id in pairs],
                rel=SQL.identifier(subtypes.relation),
                follower=SQL.identifier(subtypes.column1),
                subtype=SQL.identifier(subtypes.column2),
                subtype_ids=list(subtype_ids),
            )
        )
        Followers.invalidate_model()
        self.env["crm.lead"].browse(
            sorted({lead_id for lead_id, _pid in pairs})
        ).invalidate_recordset(
            ["message_follower_ids", "message_partner_ids", "message_is_follower"]
        )
        if self.env.context.get("mail_auto_subscribe_no_notify") or (
            self.env.context.get("tracking_disable")
        ):
            return frozenset(wanted)
        leads_of = defaultdict(list)
        for lead_id, uid in owner_of.items():
            if uid in partner_of and uid != self.env.uid:
                leads_of[uid].append(lead_id)
        for uid, lead_ids in leads_of.items():
            self.env["crm.lead"].browse(lead_ids).with_context(
                lang=profiles[uid]["lang"]
            )._message_auto_subscribe_notify(
                [partner_of[uid]], "mail.message_user_assigned"
            )
        return frozenset(wanted)

    def _deadline(self, rule, schedule, now):
        minutes = rule.sla_minutes if rule else 0
        if not minutes:
            return False
        if rule.respect_working_hours and schedule and not schedule.always_on:
            try:
                deadline = schedule.add_working_minutes(now, minutes)
            except ValueError:
                _logger.info("No working time ahead for a routed lead; plain deadline")
            else:
                # [sweeper] sla_off_hours='reassign': a deadline pushed past the
                # assignee's shift becomes wall-clock, so the SLA sweep hands the
                # lead to someone on shift instead of waiting for the next one.
                if rule.sla_off_hours == "reassign":
                    return min(deadline, now + timedelta(minutes=minutes))
                return deadline
        return now + timedelta(minutes=minutes)

    def _always_on_note(self, rule, schedules, decision):
        """[sweeper] Say so when working hours were not checked for the assignee."""
        schedule = schedules.get(decision.user_id)
        if not (
            decision.user_id
            and rule
            and rule.respect_working_hours
            and schedule
            and schedule.always_on
        ):
            return ""
        return " " + _(
            "(%(user)s has no working hours: treated as always at work.)",
            user=self.env["res.users"].browse(decision.user_id).name,
        )

    def _reason_renderer(self, rules, users):
        """Translate the engine's reason codes into the user's language."""
        names = {rule.id: rule.name for rule in rules}
        templates = self._reason_templates()  # translated once per batch

        def render(decision):
            params = dict(decision.reason_params)
            for key in ("share", "fit"):
                if key in params:
                    params[key] = params[key] * 100
            if "rule_id" in params:
                params["rule"] = names.get(params["rule_id"], params["rule_id"])
            for key in ("user_id", "owner_id"):
                if key in params and params[key]:
                    uid = params[key]
                    if uid not in users:
                        users[uid] = self.env["res.users"].browse(uid).name
                    params[key.removesuffix("_id")] = users[uid]
            if decision.user_id:
                if decision.user_id not in users:
                    users[decision.user_id] = (
                        self.env["res.users"].browse(decision.user_id).name
                    )
                params["user"] = users[decision.user_id]
            template = templates.get(decision.reason_code)
            if template is None:
                return decision.reason
            try:
                return template % params
            except (KeyError, ValueError, TypeError):
                return decision.reason

        return render

    def _reason_templates(self):
        """Translatable counterparts of the engine's English messages."""
        return {
            "no_rule": _("No routing rule matches this lead"),
            "round_robin": _("Rule “%(rule)s”: next in the round-robin rotation"),
            "weighted": _(
                "Rule “%(rule)s”: performance-weighted (target share %(share).0f%%)"
            ),
            "load_balanced": _("Rule “%(rule)s”: lowest open load (%(load).2f)"),
            "best_match": _("Rule “%(rule)s”: best skill match (fit %(fit).0f%%)"),
            "continuity_owner": _(
                "Rule “%(rule)s”: %(user)s already owns the account (%(via)s)"
            ),
            "continuity_fallthrough": _(
                "Rule “%(rule)s”: no eligible account owner, performance-weighted instead"
            ),
            "fixed_user": _("Rule “%(rule)s”: the rule's designated salesperson"),
            "least_loaded_fallback": _(
                "Rule “%(rule)s”: nobody eligible; least-loaded pool member "
                "(availability ignored)"
            ),
            "queued": _(
                "Rule “%(rule)s”: nobody eligible now (%(excluded)s excluded); queued"
            ),
            "unroutable_no_eligible": _(
                "No eligible salesperson in any matching rule (last tried: “%(rule)s”)"
            ),
        }

    def _insert_logs(self, leads, logs):
        """Append the log lines with one INSERT.

        The log is append-only and has no business logic on create; going
        through the ORM would encode every JSON explanation twice and cost
        about a millisecond per lead on a large import.
        """
        if not logs:
            return
        Log = self.env["crm.routing.log"]
        Log.flush_model()
        columns = ("lead_id", "company_id", "rule_id", "user_id", "previous_user_id")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_routing_log
                       (lead_id, company_id, rule_id, user_id, previous_user_id,
                        event, reason, details,
                        create_uid, create_date, write_uid, write_date)
                SELECT v.lead_id, v.company_id, v.rule_id, v.user_id,
                       v.previous_user_id, v.event, v.reason, v.details,
                       %s, %s, %s, %s
                  FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[],
                              %s::varchar[], %s::text[], %s::jsonb[])
                       AS v(lead_id, company_id, rule_id, user_id,
                            previous_user_id, event, reason, details)
                """,
                self.env.uid,
                self.env.cr.now(),
                self.env.uid,
                self.env.cr.now(),
                *([log[name] or None for log in logs] for name in columns),
                [log["event"] for log in logs],
                [log["reason"] for log in logs],
                [json.dumps(log["details"]) for log in logs],
            )
        )
        Log.invalidate_model()
        leads.invalidate_recordset(["routing_log_ids"])

    def _team_dependent_fields(self, Lead):
        """Company, stage and probability fields, unless the salesperson feeds the
        predictive scoring (then a new salesperson may change the probability)."""
        if "user_id" in Lead._pls_get_safe_fields():
            return []
        names = (
            "company_id",
            "stage_id",
            "date_last_stage_update",
            "probability",
            "automated_probability",
        )
        return [Lead._fields[name] for name in names]

    def _schedule_activities(self, items, profiles, subscribed=frozenset()):
        """One "contact this lead" activity per assignment, created in bulk.

        ``mail_activity_quick_update`` skips the per-activity email: the
        activity itself (systray, My Activities) is the notification.
        """
        model_id = self.env["ir.model"]._get_id("crm.lead")
        tz_of = {item[2]: profiles[item[2]]["tz"] or "UTC" for item in items}
        vals_list = []
        for lead, rule, user_id, deadline in items:
            if deadline:
                local = fields.Datetime.context_timestamp(
                    self.with_context(tz=tz_of[user_id]), deadline
                )
                summary = _(
                    "New lead: contact it before %(deadline)s",
                    deadline=local.strftime("%Y-%m-%d %H:%M %Z"),
                )
                due = local.date()
            else:
                summary = _("New lead: contact it")
                due = fields.Date.context_today(self.with_context(tz=tz_of[user_id]))
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": rule.activity_type_id.id,
                    "user_id": user_id,
                    "date_deadline": due,
                    "summary": summary,
                }
            )
        # The owners already follow their leads (``subscribed``, the pairs
        # ``_subscribe_owners`` made): mail.activity need not check them again.
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True, routing_owners_subscribed=subscribed
        ).create(vals_list)
