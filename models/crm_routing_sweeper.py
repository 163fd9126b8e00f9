# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Scheduled routing work: first-contact deadlines and the queue.

Two entry points, each called by its cron (see ``data/ir_cron_data.xml``):

* :meth:`CrmRoutingSweeper._sweep_overdue` reassigns (or escalates) the
  assigned leads nobody contacted before their deadline;
* :meth:`CrmRoutingSweeper._drain_queue` hands queued leads to the people who
  became eligible (start of a shift, someone back from time off...).

Both find their leads with one indexed query per batch that locks the rows
with ``SKIP LOCKED``: two runs at once (two cron workers, a cron and a manual
run) share the work instead of processing a lead twice; ``SKIP LOCKED`` never
waits, so a sweep takes routing's lock (in the dispatcher) only once it holds
its leads. The routing decisions themselves are the dispatcher's; this model
only picks the leads, says why they are routed again, and tells people.
"""

import logging
import threading
from datetime import UTC

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, create_index

from ..routing import explain, messages, order
from .routing_scope import open_lead_sql

_logger = logging.getLogger(__name__)

BATCH_SIZE = 200


class CrmRoutingSweeper(models.AbstractModel):
    _name = "crm.routing.sweeper"
    _description = "Lead Routing Scheduled Actions"

    def init(self):
        """Partial index behind the overdue query: only untouched assigned leads.

        Touched, won, lost and unrouted leads are not in it, so the sweep stays
        an index range scan however many leads the database holds.
        """
        res = super().init()
        create_index(
            self.env.cr,
            "crm_lead_routing_overdue_index",
            "crm_lead",
            ["routing_deadline", "id"],
            where="routing_state = 'assigned' AND routing_first_touch_at IS NULL "
            "AND active",
        )
        return res

    # ------------------------------------------------------------------ helpers
    def _auto_commit(self):
        """Commit per batch only in a real cron job, never in tests or requests."""
        return bool(self.env.context.get("cron_id")) and not getattr(
            threading.current_thread(), "testing", False
        )

    def _end_batch(self, auto_commit, done, remaining):
        """Report progress the Odoo 18 way; in a cron job, keep the batch."""
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(remaining, 0))
        if auto_commit:
            # A cron batch is kept even if a later batch fails.
            self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env.invalidate_all()

    def _log_failure(self, leads):
        _logger.exception("Lead routing sweep failed for crm.lead%s", leads.ids)

    def _bot_partner_id(self):
        return self.env.ref("base.partner_root").id

    # ------------------------------------------------------------------ overdue
    def _overdue_where(self, now):
        return SQL(
            """routing_state = 'assigned'
               AND routing_first_touch_at IS NULL
               AND routing_deadline < %s
               AND %s""",
            now,
            open_lead_sql(),
        )

    def _lock_overdue(self, now, limit, seen):
        """Lock and return up to ``limit`` overdue lead ids nobody else holds.

        ``FOR NO KEY UPDATE`` is the lock an UPDATE takes: a concurrent sweep
        skips these rows, while rows that only reference the lead (logs,
        messages) can still be inserted by others.
        """
        self.env.cr.execute(
            SQL(
                """SELECT id FROM crm_lead
                    WHERE %s AND NOT (id = ANY(%s))
                 ORDER BY routing_deadline, id
                    LIMIT %s
                      FOR NO KEY UPDATE SKIP LOCKED""",
                self._overdue_where(now),
                list(seen),
                limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _sweep_overdue(self, batch_size=BATCH_SIZE, now=None):
        """Reassign or escalate assigned leads nobody contacted in time.

        Returns the number of leads processed.
        """
        now = now or fields.Datetime.now()
        auto_commit = self._auto_commit()
        self.env["crm.lead"].flush_model(
            [
                "routing_state",
                "routing_first_touch_at",
                "routing_deadline",
                "active",
                "probability",
            ]
        )
        self.env.cr.execute(
            SQL("SELECT count(*) FROM crm_lead WHERE %s", self._overdue_where(now))
        )
        total = self.env.cr.fetchone()[0]
        done, seen = 0, set()
        while ids := self._lock_overdue(now, batch_size, seen):
            seen.update(ids)
            self._sweep_batch(self.env["crm.lead"].sudo().browse(ids), now)
            done += len(ids)
            self._end_batch(auto_commit, done, total - done)
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        self.env["crm.routing.facts"]._housekeeping()
        if done:
            _logger.info("Lead routing: %s overdue leads processed", done)
        return done

    def _sweep_batch(self, leads, now):
        # A deleted rule leaves the field empty; an archived one no longer
        # decides anything: both are routed by the current rules instead.
        to_escalate = leads.filtered(
            lambda lead: lead.routing_rule_id.active
            and lead.routing_reassign_count >= lead.routing_rule_id.max_reassignments
        )
        if to_escalate:
            self.env["crm.routing.dispatcher"]._isolated(
                to_escalate, lambda recs: self._escalate(recs, now), self._log_failure
            )
        to_reassign = leads - to_escalate
        if to_reassign:
            self._reassign(to_reassign, now)

    @staticmethod
    def _overdue_trigger(lead):
        """Why the sweep takes the lead from its owner (``messages.TRIGGERS``)."""
        rule = lead.routing_rule_id
        minutes = lead._routing_sla_minutes()
        trigger = [
            {"code": "no_contact_within", "minutes": minutes}
            if minutes
            else {"code": "no_contact_before"}
        ]
        user = lead.user_id
        if not user:
            trigger.append({"code": "owner_deleted"})
        elif not user.active:
            trigger.append({"code": "owner_archived", "user_id": user.id})
        if not rule.active:
            trigger.append({"code": "rule_gone"})
        return trigger

    # ------------------------------------------------------------------ reassign
    def _reassign(self, leads, now):
        """One routing for the batch (lead by lead only on a fault).

        The chatter note below explains the change, so routing's writes skip
        field tracking and the "you have been assigned" message (the new owner
        gets routing's activity and the note).
        """
        before = {lead.id: lead.user_id for lead in leads}
        triggers = {lead.id: self._overdue_trigger(lead) for lead in leads}
        decisions = self.env["crm.routing.dispatcher"]._route(
            leads,
            event="reassign",
            now=now,
            trigger=lambda lead: triggers[lead.id],
            track=False,
            notify=False,
        )
        self.env["crm.routing.dispatcher"]._isolated(
            leads,
            lambda recs: self._notify_reassigned(recs, before, triggers),
            self._log_failure,
        )
        self._escalate_dead_ends(leads, decisions, now)

    def _escalate_dead_ends(self, leads, decisions, now):
        """Leads nobody may take any more (everyone who could already had
        them): escalated as their rule says, instead of waiting for ever."""
        dead = {
            decision.lead_id
            for decision in decisions
            if not decision.user_id
            and decision.candidates
            and all(
                verdict.reason == "previous_owner"
                for verdict in decision.candidates
                if not verdict.eligible
            )
            and not any(verdict.eligible for verdict in decision.candidates)
        }
        stuck = leads.filtered(
            lambda lead: lead.id in dead and lead.routing_rule_id.active
        )
        if stuck:
            self.env["crm.routing.dispatcher"]._isolated(
                stuck,
                lambda recs: self._escalate(recs, now, code="escalate_dead_end"),
                self._log_failure,
            )

    def _reassignment_text(self, lead, previous, trigger, names, tr):
        why = " ".join(explain.trigger_sentences(trigger, names, tr))
        values = {
            "previous": previous.name or tr(messages.PARTS["deleted_user"]),
            "new": lead.user_id.name,
            "reason": why,
        }
        if lead.user_id:
            return _("Reassigned from %(previous)s to %(new)s. %(reason)s", **values)
        if lead.routing_state == "queued":
            return _(
                "Taken from %(previous)s and queued until someone is available. "
                "%(reason)s",
                **values,
            )
        return _(
            "Taken from %(previous)s; no salesperson could take it, it is now "
            "unassigned. %(reason)s",
            **values,
        )

    def _notify_reassigned(self, leads, before, triggers):
        """A note on each lead, in the Inbox of its former and its new owner,
        worded in the new owner's language (else the former's).

        Notes and Inbox notifications are created in bulk: one message_post
        per lead (and one email per person and lead) would cost ~30 ms per lead,
        too much for a sweep after an outage. Archived users are not notified.
        """
        bot = self.env.ref("base.partner_root")
        note_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        reply_to = leads._notify_get_reply_to(default=bot.email_formatted)
        explainer = self.env["crm.routing.explainer"]
        names = explainer._names([{"v": 2, "trigger": t} for t in triggers.values()])
        values, recipients = [], []
        for lead in leads:
            previous = before[lead.id]
            lang = (
                lead.user_id.lang
                or lead.company_id.partner_id.lang
                or previous.lang
                or self.env.lang
            )
            this = self.with_context(lang=lang)
            text = this._reassignment_text(
                lead,
                previous,
                triggers[lead.id],
                names,
                explainer.with_context(lang=lang)._translator(),
            )
            partners = (previous | lead.user_id).filtered("active").partner_id
            values.append(
                {
                    "author_id": bot.id,
                    "email_from": bot.email_formatted,
                    "reply_to": reply_to.get(lead.id),
                    "model": "crm.lead",
                    "res_id": lead.id,
                    "record_name": lead.display_name,
                    "body": Markup("<p>%s</p>") % text,
                    "message_type": "comment",
                    "subtype_id": note_id,
                    "is_internal": True,
                    "partner_ids": partners.ids,
                }
            )
            recipients.append(partners.ids)
        messages_ = self.env["crm.lead"].sudo()._message_create(values)
        self.env["mail.notification"].sudo().create(
            [
                {
                    "author_id": bot.id,
                    "mail_message_id": message.id,
                    "res_partner_id": partner_id,
                    "notification_type": "inbox",
                    "notification_status": "sent",
                }
                for message, partner_ids in zip(messages_, recipients, strict=True)
                for partner_id in partner_ids
            ]
        )

    # ------------------------------------------------------------------ escalate
    def _escalation_target(self, lead):
        """The rule's manager, else the lead's team leader, else the rule's."""
        rule = lead.routing_rule_id
        for user in (rule.manager_id, lead.team_id.user_id, rule.team_id.user_id):
            if user and user.active:
                return user
        return self.env["res.users"]

    def _escalate(self, leads, now, code="escalate"):
        """Leads reassigned too often without a first contact go to a leader.

        The log line is the explanation (rendered when read); the chatter note
        and the leader's activity say the same in the leader's language.
        """
        logs, activities = [], []
        explainer = self.env["crm.routing.explainer"]
        for lead in leads:
            rule = lead.routing_rule_id
            target = self._escalation_target(lead)
            details = {
                "v": 2,
                "event": "escalate",
                "code": code if target else "escalate_nobody",
                "rule_id": rule.id,
                "user_id": target.id or None,
                "params": {
                    "count": lead.routing_reassign_count,
                    "max": rule.max_reassignments,
                },
                "trigger": [
                    {
                        "code": "no_contact_within",
                        "minutes": lead._routing_sla_minutes(),
                    }
                ],
            }
            logs.append(
                {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,
                    "rule_id": rule.id,
                    "user_id": lead.user_id.id,
                    "event": "escalate",
                    "details": details,
                }
            )
            lang = target.lang or self.env.lang
            text = explainer.with_context(lang=lang)._render([details])[0]
            if target:
                activities.append((lead, rule, target, text))
            lead.with_context(mail_notify_force_send=False, lang=lang).message_post(
                body=text,
                author_id=self._bot_partner_id(),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=(target | lead.user_id.filtered("active")).partner_id.ids,
            )
        leads.with_context(mail_notrack=True).write({"routing_state": "escalated"})
        self.env["crm.routing.log"]._append(logs)
        if activities:
            self._schedule_escalation_activities(activities)

    def _schedule_escalation_activities(self, items):
        model_id = self.env["ir.model"]._get_id("crm.lead")
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        vals_list = []
        for lead, rule, target, text in items:
            activity_type = rule.activity_type_id or todo
            target_env = self.with_context(lang=target.lang, tz=target.tz or "UTC").env
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type.id if activity_type else False,
                    "user_id": target.id,
                    "date_deadline": fields.Date.context_today(target_env["res.users"]),
                    "summary": target_env._(
                        "Escalated lead: nobody contacted it in time"
                    ),
                    "note": text,
                }
            )
        # The note on the lead already notified them: no extra email.
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)

    # ------------------------------------------------------------------ queue
    def _queue_companies(self):
        self.env["crm.lead"].flush_model(
            ["routing_state", "active", "probability", "company_id"]
        )
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT company_id FROM crm_lead
                    WHERE routing_state = 'queued' AND %s""",
                open_lead_sql(),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _waiting(self, company, company_ids, *, rule_ids=None, drained_at=None):
        """The ids of the leads of ``company_ids`` (None: of no company)
        waiting in a queue, in ``company``'s order of work
        (``routing.order``): one query, no lock.

        ``rule_ids``: only the leads waiting under these rules (the queues
        someone may take from). ``drained_at``: for the queue drain at that
        moment: without the leads of pull rules still waiting for someone
        to take them (their timeout not reached, or none).
        """
        self.env["crm.lead"].flush_model(
            [
                "routing_state",
                "routing_rule_id",
                "routing_pull_deadline",
                "active",
                "probability",
                "company_id",
                "expected_revenue",
                "source_id",
                "medium_id",
            ]
        )
        self.env["crm.routing.rule"].flush_model(["active", "delivery"])
        conditions = [
            SQL(
                "(l.company_id = ANY(%s) OR (%s AND l.company_id IS NULL))",
                [cid for cid in company_ids if cid],
                None in company_ids,
            )
        ]
        if rule_ids is not None:
            conditions.append(SQL("l.routing_rule_id = ANY(%s)", list(rule_ids)))
        if drained_at is not None:
            conditions.append(
                SQL(
                    """NOT (r.active AND r.delivery = 'pull'
                            AND (l.routing_pull_deadline IS NULL
                                 OR l.routing_pull_deadline > %s))""",
                    drained_at,
                )
            )
        self.env.cr.execute(
            SQL(
                """SELECT l.id, l.create_date, l.expected_revenue, l.source_id,
                          l.medium_id
                     FROM crm_lead l
                     LEFT JOIN crm_routing_rule r ON r.id = l.routing_rule_id
                    WHERE l.routing_state = 'queued' AND %s AND %s""",
                open_lead_sql("l"),
                SQL(" AND ").join(conditions),
            )
        )
        rows = self.env.cr.fetchall()
        sources = set(company.routing_priority_source_ids.ids)
        mediums = set(company.routing_priority_medium_ids.ids)
        items = [
            order.Waiting(
                lead_id,
                created.replace(tzinfo=UTC).timestamp() if created else 0.0,
                revenue or 0.0,
                order.is_priority(source_id, medium_id, sources, mediums),
            )
            for lead_id, created, revenue, source_id, medium_id in rows
        ]
        return [
            item.id for item in order.work_order(items, company.routing_queue_order)
        ]

    def _lock_queued(self, ids):
        """Lock the leads of ``ids`` still queued that nobody else holds;
        in the order given."""
        self.env.cr.execute(
            SQL(
                """SELECT id FROM crm_lead
                    WHERE id = ANY(%s) AND routing_state = 'queued' AND %s
                      FOR NO KEY UPDATE SKIP LOCKED""",
                list(ids),
                open_lead_sql(),
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        return [lead_id for lead_id in ids if lead_id in locked]

    @api.model
    def _drain_queue(self, batch_size=BATCH_SIZE):
        """Route the queued leads again, in each company's order of work.

        The engine applies caps and fairness within each batch, so a burst at
        the start of a shift is spread over everyone eligible. A lead that is
        still queued is left as it is, without a new log line every run. A
        pull rule's lead waits for someone to take it, until its timeout:
        then the rule gives it out by its strategy.
        Returns the number of leads assigned.
        """
        auto_commit = self._auto_commit()
        Lead = self.env["crm.lead"].sudo()
        dispatcher = self.env["crm.routing.dispatcher"]
        assigned = done = 0
        now = fields.Datetime.now()
        for company_id in self._queue_companies():
            company = (
                self.env["res.company"].sudo().browse(company_id)
                if company_id
                else self.env.company
            )
            waiting = self._waiting(company, [company_id], drained_at=now)
            for start in range(0, len(waiting), batch_size):
                ids = self._lock_queued(waiting[start : start + batch_size])
                if not ids:
                    continue
                batch = Lead.browse(ids)
                decisions = dispatcher._route(batch, quiet_requeue=True)
                self._escalate_dead_ends(batch, decisions, fields.Datetime.now())
                assigned += sum(1 for d in decisions if d.user_id)
                done += len(ids)
                # ``remaining`` is unknown until the queue is empty; the loop
                # runs until then, so report it as done per batch.
                self._end_batch(auto_commit, done, 0)
        if assigned:
            _logger.info("Lead routing: %s queued leads assigned", assigned)
        return assigned
