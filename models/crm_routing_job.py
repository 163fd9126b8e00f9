# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Routing work too long for one web request, done in the background.

*Route now* on thousands of leads ran for a minute and a half in one request
(Odoo's worker mode kills a request after two minutes). Past a few hundred
leads it becomes a job: the request only records it and wakes the job cron
(Odoo 18's cron trigger); the cron routes the leads in batches, each one
committed, reports its progress, and tells the manager who asked when it is
done (an Inbox message on the job). A long what-if replay runs the same way
and shows its progress on its form.
"""

import logging

from markupsafe import Markup

from odoo import _, api, fields, models

from .client_actions import CLOSE, notification
from .routing_scope import is_open_lead

_logger = logging.getLogger(__name__)

# Up to this many leads, Route now routes in the request itself.
INLINE_LIMIT = 300
# Leads routed (and committed) per batch of a job.
JOB_BATCH = 200
STATES = [
    ("queued", "Waiting"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
]
KINDS = [("route", "Route leads now"), ("replay", "What-if replay")]


class CrmRoutingJob(models.Model):
    _name = "crm.routing.job"
    _description = "Lead Routing Background Job"
    _inherit = ["mail.thread", "crm.routing.managers.only"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    state = fields.Selection(STATES, default="queued", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Asked By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    lead_ids = fields.Json(readonly=True, help="The leads to route, in order.")
    simulation_id = fields.Many2one(
        "crm.routing.simulation", ondelete="cascade", readonly=True
    )
    total = fields.Integer(readonly=True)
    done = fields.Integer(readonly=True)
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    result = fields.Text(readonly=True)

    @api.depends("done", "total")
    def _compute_progress(self):
        for job in self:
            job.progress = 100.0 * job.done / job.total if job.total else 0.0

    # ------------------------------------------------------------------ start
    @api.model
    def _inline_limit(self):
        """Up to this many leads, Route now answers in the request itself."""
        return INLINE_LIMIT

    @api.model
    def _start_route(self, leads):
        """Route ``leads`` in the background; return the notification saying so."""
        job = self.sudo().create(
            {
                "name": _("Route %(count)s leads now", count=len(leads)),
                "kind": "route",
                "lead_ids": leads.ids,
                "total": len(leads),
                "user_id": self.env.uid,
                "company_id": self.env.company.id,
            }
        )
        self._wake()
        return notification(
            _("Lead routing"),
            _(
                "%(count)s leads are being routed in the background; your Inbox "
                "tells you when it is done.",
                count=len(leads),
            ),
            "info",
            CLOSE,
            job_id=job.id,
        )

    @api.model
    def _start_replay(self, simulation):
        job = self.sudo().create(
            {
                "name": _("Replay “%(name)s”", name=simulation.name),
                "kind": "replay",
                "simulation_id": simulation.id,
                "user_id": self.env.uid,
                "company_id": simulation.company_id.id,
            }
        )
        self._wake()
        return job

    def _wake(self):
        cron = self.env.ref("crm_lead_routing.ir_cron_routing_jobs", False)
        if cron:
            cron.sudo()._trigger()

    # ------------------------------------------------------------------ run
    @api.model
    def _run_pending(self):
        """The job cron: run each waiting job, oldest first."""
        sweeper = self.env["crm.routing.sweeper"]
        auto_commit = sweeper._auto_commit()
        for job in self.sudo().search([("state", "=", "queued")], order="id"):
            job.state = "running"
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            try:
                if job.kind == "route":
                    job._run_route(auto_commit)
                else:
                    job._run_replay()
            except Exception as exc:  # noqa: BLE001 - reported to the manager
                _logger.exception("Lead routing job %s failed", job.id)
                if auto_commit:
                    self.env.cr.rollback()
                job.write({"state": "failed", "result": str(exc)[:500]})
                job._tell(_("“%(name)s” failed: %(error)s", name=job.name, error=exc))
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _run_route(self, auto_commit):
        """Route the job's leads batch by batch; each batch is kept."""
        self.ensure_one()
        Lead = self.env["crm.lead"].sudo().with_company(self.company_id)
        dispatcher = self.env["crm.routing.dispatcher"].with_user(self.user_id)
        ids = self.lead_ids or []
        done = self.done
        while done < len(ids):
            batch = (
                Lead.browse(ids[done : done + JOB_BATCH])
                .exists()
                .filtered(is_open_lead)
            )
            if batch:
                dispatcher._route(batch)
            done = min(done + JOB_BATCH, len(ids))
            self.done = done
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(ids) - done)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
        leads = Lead.browse(ids).exists()
        states = leads.mapped("routing_state")
        summary = _(
            "%(assigned)s assigned, %(queued)s queued, %(other)s unroutable.",
            assigned=sum(1 for s in states if s in ("assigned", "escalated")),
            queued=states.count("queued"),
            other=states.count("unroutable"),
        )
        self.write({"state": "done", "result": summary})
        self._tell(
            _("“%(name)s” is done: %(summary)s", name=self.name, summary=summary)
        )

    def _run_replay(self):
        self.ensure_one()
        simulation = self.simulation_id.with_user(self.user_id)
        simulation._run(job=self)
        self._set_progress(self.total or simulation.lead_count, state="done")
        self._tell(
            _(
                "“%(name)s” is done: %(count)s leads replayed.",
                name=self.name,
                count=simulation.lead_count,
            )
        )

    def _set_progress(self, done, total=None, state=None):
        """Progress that the job's and the replay's forms show while the job
        runs: written in a transaction of its own, committed at once."""
        self.ensure_one()
        with self.env["crm.routing.facts"]._side_cursor() as cr:
            cr.execute(
                """UPDATE crm_routing_job
                      SET done = %s, total = COALESCE(%s, total),
                          state = COALESCE(%s, state)
                    WHERE id = %s""",
                [done, total, state, self.id],
            )
        self.invalidate_recordset(["done", "total", "state"])

    def _tell(self, text):
        """An Inbox message to whoever asked."""
        self.sudo().message_post(
            body=Markup("<p>%s</p>") % text,
            partner_ids=self.user_id.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.env.ref("base.partner_root").id,
        )
