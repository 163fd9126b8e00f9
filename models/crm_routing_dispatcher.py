# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Route leads now: serialize, gather facts, decide, write.

The one entry point every routing goes through (new leads, Route now, the
deadline sweep, the queue). The work is elsewhere: facts are read by
``crm.routing.facts``, decisions taken by the pure engine (``routing/``) and
written by ``crm.routing.writer``. This model holds the guarantees around
them: decisions are taken in routing's short critical section
(``crm.routing.facts._live``), and a fault never loses a lead nor blocks the
others (:meth:`_route`, :meth:`_attempt`): a fault of one candidate's data
excludes that candidate; a failure of the database itself fails the request
as a whole, never half of it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import psycopg2
from psycopg2 import errors as pg_errors

from odoo import api, fields, models

from ..routing import engine

_logger = logging.getLogger(__name__)

# Concurrency errors must reach Odoo's retry loop instead of being swallowed.
RETRYABLE_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)
# The database itself failed (connection cut, server shutting down, statement
# cancelled): not the lead's fault. Marking the lead unroutable would keep it
# out of every sweep for good (and the write fails on a dead connection
# anyway): the whole request fails instead, the client gets the error and
# nothing of the lead is kept.
DATABASE_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)
# Errors routing never handles lead by lead: they go up to the caller.
PROPAGATED_ERRORS = RETRYABLE_ERRORS + DATABASE_ERRORS
# How many times one routing decides again after leaving out a candidate
# whose own data made writing to them fail (see ``_attempt``).
MAX_ATTEMPTS = 8
# Candidates explained per decision in the log: the best eligible ones and the
# first excluded ones, each list cut at this length (the rest is counted).
EXPLAIN_LIMIT = 20


class CandidateFault(Exception):
    """Writing to some new owners failed because of their own data.

    ``faults``: ``{user id: (code of routing.messages.FAULTS, value)}``.
    """

    def __init__(self, faults):
        super().__init__(
            ", ".join(f"{uid}: {value}" for uid, (_c, value) in faults.items())
        )
        self.faults = faults


@dataclass(kw_only=True)
class Routing:
    """What one routing is asked to do (the options of
    ``CrmRoutingDispatcher._route``).

    ``event='reassign'``: everyone who already had a lead is excluded for
    it. ``now``: the time of routing (default: now). ``trigger``: why routing
    runs (stored with each decision; a list, or a function of the lead
    giving one). ``track``, ``notify``: see ``crm.routing.writer._apply``.
    ``quiet_requeue``: a queued lead that stays queued is left untouched (the
    queue drain). ``new``: the leads were just created, so whoever Odoo
    filled in by default (the creator) owned nothing yet: the log names no
    previous salesperson. ``taker`` (a user; ``event='take'``): Take my next
    lead, the leads being the waiting leads in the order of work (``order``,
    the company's): the first one ``taker`` may take is theirs; the other
    decisions are not written and say why each lead was not theirs.
    """

    event: str = "assign"
    now: datetime | None = None
    trigger: object = None
    track: bool = True
    notify: bool = True
    quiet_requeue: bool = False
    new: bool = False
    taker: object = None
    order: object = None

    def deciding(self):
        """The options that take the decisions (``_decide``)."""
        return {
            "event": self.event,
            "now": self.now,
            "quiet_requeue": self.quiet_requeue,
            "taker": self.taker,
            "order": self.order,
        }

    def writing(self):
        """The options that write them (``crm.routing.writer._apply``)."""
        return {
            "trigger": self.trigger,
            "track": self.track,
            "notify": self.notify,
            "new": self.new,
        }


class CrmRoutingDispatcher(models.AbstractModel):
    _name = "crm.routing.dispatcher"
    _description = "Lead Routing Dispatcher"

    @api.model
    def _route(self, leads, **options):
        """Route ``leads`` and write the decisions; return the engine's
        decisions. ``options``: those of :class:`Routing`.

        A take never falls back to lead by lead (it would take several): a
        failure nobody's data explains goes up to the caller.

        Routing is a system decision: it sees everyone's time off, loads and
        skills whoever created the lead (a website visitor, a salesperson).
        """
        leads = leads.sudo()
        if not leads:
            return []
        routing = Routing(**options)
        routing.now = routing.now or fields.Datetime.now()
        faults = {}

        def route(batch, careful):
            return self._route_batch(batch, routing, faults=faults, careful=careful)

        try:
            return self._attempt(leads, route, faults)
        except PROPAGATED_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - isolated below, lead by lead
            if routing.taker is not None:
                raise
            if len(leads) == 1:
                self._mark_failed(leads)
                return []
        decisions = []
        for lead in leads:
            try:
                decisions += self._attempt(lead, route, faults, careful=True)
            except PROPAGATED_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - recorded by _mark_failed
                self._mark_failed(lead)
        return decisions

    def _attempt(self, leads, route, faults, careful=False):
        """``route(leads, careful)`` in a savepoint, again until it no longer
        fails because of one candidate.

        Writing to a new owner can fail because of that owner alone (their
        language, their time zone, a notification or a to-do that raises):
        then that person is left out (``faults``, their reason in the log)
        and the leads are decided again, for the next person. A failure
        nobody's data explains goes up to the caller. The first attempt runs
        without a savepoint per owner; only after a failure does routing
        write ``careful``-ly, owner by owner, to find whose data it was.
        """
        for _attempt in range(MAX_ATTEMPTS):
            try:
                with self.env.cr.savepoint():
                    return list(route(leads, careful) or [])
            except PROPAGATED_ERRORS:
                raise
            except CandidateFault as exc:
                _logger.warning(
                    "Lead routing: left out %s for crm.lead%s: %s",
                    sorted(exc.faults),
                    leads.ids,
                    exc,
                )
                faults.update(exc.faults)
            except Exception:
                if careful:
                    raise
                careful = True
        raise RuntimeError("lead routing: too many failing candidates")

    @api.model
    def _route_demo(self, lead_ids):
        """Demo data only: route as on a weekday afternoon in Europe (morning
        in the Americas), whatever the hour of the install, so the demo shows
        how leads spread over a team at work; then restart each deadline
        clock from now so the leads are not overdue at once, and with it the
        "contact this lead" activities routing planned."""
        real_now = fields.Datetime.now()
        moment = datetime.combine(real_now.date(), time(14, 30))
        while moment > real_now or moment.weekday() >= 5:
            moment -= timedelta(days=1)
        leads = self.env["crm.lead"].sudo().browse(lead_ids)
        decisions = self._route(leads, now=moment, track=False)
        shift = real_now - moment
        Writer = self.env["crm.routing.writer"]
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids)])
            .grouped("res_id")
        )
        for lead in leads.filtered("routing_assigned_at"):
            vals = {"routing_assigned_at": real_now}
            if lead.routing_deadline:
                vals["routing_deadline"] = lead.routing_deadline + shift
            lead.write(vals)
            owner = lead.user_id
            planned = activities.get(lead.id, self.env["mail.activity"]).filtered(
                lambda activity, owner=owner: activity.user_id == owner
            )
            if planned:
                summary, due = Writer._activity_wording(
                    lead.routing_deadline, {"tz": owner.tz, "lang": owner.lang}
                )
                planned.write({"summary": summary, "date_deadline": due})
        return decisions

    def _route_batch(self, leads, routing, faults=None, careful=False):
        Writer = self.env["crm.routing.writer"]
        decisions = []
        for facts, result in self._decide_all(
            leads, faults=faults, **routing.deciding()
        ):
            Writer._apply(facts, result, careful=careful, **routing.writing())
            decisions += result.decisions
        return decisions

    @api.model
    def _decide_all(self, leads, now=None, **options):
        """Take the decisions for ``leads``, company by company, without
        writing the leads: yields ``(facts, result)``. Routing writes them; a
        preview (how many leads would change hands, ``live=False``: no lock,
        nothing recorded) only reads them. ``options``: those of
        :meth:`_decide`."""
        now = now or fields.Datetime.now()
        for company, company_leads in (
            leads.sudo()
            .grouped(lambda lead: lead.company_id or self.env.company)
            .items()
        ):
            yield self._decide(company, company_leads, now=now, **options)

    @api.model
    def _decide(
        self, company, leads, *, event="assign", now, rules=None, live=True,
        quiet_requeue=False, faults=None, taker=None, order=None,
    ):  # fmt: skip
        """``(facts, result)``: what routing ``leads`` of ``company`` at ``now``
        would decide, without writing anything.

        Live routing writes the result (``crm.routing.writer``); the preview
        (``crm.routing.preview``) only shows it, with ``live=False`` and
        possibly other ``rules``: the same facts and the same engine, so the
        same decisions.
        """
        facts = self.env["crm.routing.facts"]._gather(
            company,
            leads,
            event=event,
            now=now,
            rules=rules,
            live=live,
            faults=faults,
            taker=taker,
        )
        if not live:
            return facts, self._run_engine(facts, event, now, quiet_requeue, order)
        with self.env["crm.routing.facts"]._live(facts) as session:
            result = self._run_engine(facts, event, now, quiet_requeue, order)
            session.record(result)
        return facts, result

    @staticmethod
    def _run_engine(facts, event, now, quiet_requeue, order=None):
        if facts.taker_id is not None:
            return engine.take_next(
                facts.engine_leads,
                facts.candidates,
                facts.engine_rules,
                facts.taker_id,
                facts.state,
                now=now,
                order=order,
                broken=facts.broken,
            )
        return engine.route_batch(
            facts.engine_leads,
            facts.candidates,
            facts.engine_rules,
            facts.state,
            event=event,
            explain_limit=EXPLAIN_LIMIT,
            now=now,
            quiet_requeue=quiet_requeue,
            broken=facts.broken,
        )

    @api.model
    def _isolated(self, records, func, on_fail):
        """``func(records)`` in a savepoint; if it raises, record by record, so
        only the faulty ones fail (``on_fail(record)``). Returns what ``func``
        returned (lists, concatenated).

        Concurrency errors go up to the caller: Odoo retries the request, or
        the cron runs again later. So do failures of the database itself
        (``DATABASE_ERRORS``): the request fails as a whole.
        """
        try:
            with self.env.cr.savepoint():
                return list(func(records) or [])
        except PROPAGATED_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - isolated below, record by record
            if len(records) == 1:
                on_fail(records)
                return []
        results = []
        for record in records:
            try:
                with self.env.cr.savepoint():
                    results += list(func(record) or [])
            except PROPAGATED_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - recorded by on_fail
                on_fail(record)
        return results

    def _mark_failed(self, leads):
        """Keep a lead routing could not handle: unassigned, unroutable, and
        a log line that says so (the traceback goes to the server log)."""
        _logger.exception("Lead routing failed for crm.lead%s", leads.ids)
        leads.sudo().with_context(mail_notrack=True, crm_routing_writes=True).write(
            {"routing_state": "unroutable", "user_id": False}
        )
        self.env["crm.routing.log"]._append(
            [
                {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,
                    "event": "unroutable",
                    "details": {"v": 2, "event": "unroutable", "code": "failed"},
                }
                for lead in leads
            ]
        )
