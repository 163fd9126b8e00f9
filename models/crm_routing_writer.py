# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Write what the engine decided: leads, followers, log, rotation, activities.

The writing half of routing (``crm.routing.facts`` is the reading half). It
decides nothing: team, deadline and whether to touch a lead at all travel on
each decision from the pure engine. Everything is written in bulk, a fixed
number of statements per batch however many leads and salespeople it holds.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..routing.messages import _lt
from .crm_lead import ROUTING_WRITES, TOUCH_STATES
from .crm_routing_dispatcher import DATABASE_ERRORS, CandidateFault

ACTIVITY_SUMMARY = _lt("New lead: contact it before %(deadline)s")
ACTIVITY_SUMMARY_NO_DEADLINE = _lt("New lead: contact it")

# Lead fields that depend on the sales team, not on the salesperson.
TEAM_DEPENDENT = (
    "company_id",
    "stage_id",
    "date_last_stage_update",
    "probability",
    "automated_probability",
)


def _short(exc):
    """An error in a few words, for the log's reason."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else exc.__class__.__name__)[:120]


class CrmRoutingWriter(models.AbstractModel):
    _name = "crm.routing.writer"
    _description = "Lead Routing Writer"

    @api.model
    def _apply(
        self, facts, result, *, trigger=None, track=True, notify=True, new=False,
        careful=False,
    ):  # fmt: skip
        """Write ``result`` (the engine's) for ``facts`` (``crm.routing.facts``).

        ``trigger``: why routing ran, stored with each decision (a missed
        deadline...). ``track``: Odoo's field tracking in the chatter (off for
        new leads and for the sweep, which posts its own note). ``notify``:
        Odoo's "You have been assigned" message to new owners. ``new``: the
        leads were just created (no previous salesperson in the log).
        ``careful``: write owner by owner, each in a savepoint, and raise
        ``CandidateFault`` naming the owners whose writes failed (after a
        first attempt failed; see ``crm.routing.dispatcher._attempt``).
        """
        # The company explicitly: Odoo's company checks on the writes below
        # would otherwise read it from the user, a query that depends on
        # what happens to be cached.
        self = self.sudo().with_company(facts.company)  # noqa: PLW0642
        leads = {lead.id: lead for lead in facts.leads}
        groups, logs, activities = defaultdict(list), [], []
        owner_of, taken_from = {}, {}
        for decision in result.decisions:
            if not decision.write:
                continue
            lead = leads[decision.lead_id]
            activity_type = facts.activity_types.get(decision.rule_id)
            vals = {"routing_rule_id": decision.rule_id or False}
            if decision.experiment_id:
                vals.update(
                    routing_experiment_id=decision.experiment_id,
                    routing_experiment_arm=decision.arm,
                )
            kept = (
                decision.user_id
                and decision.user_id == lead.user_id.id
                and lead.routing_state in TOUCH_STATES
                and decision.event != "reassign"
            )
            if kept:
                # Route now on a lead that stays with its salesperson: their
                # first-contact clock and to-do stay as they are.
                vals["routing_strategy"] = decision.strategy or False
                if decision.team_id and decision.team_id != lead.team_id.id:
                    vals["team_id"] = decision.team_id
            elif decision.user_id:
                vals["routing_strategy"] = decision.strategy or False
                vals.update(
                    user_id=decision.user_id,
                    routing_state="assigned",
                    routing_assigned_at=facts.now,
                    routing_deadline=decision.deadline or False,
                    routing_pull_deadline=False,
                )
                if decision.team_id and decision.team_id != lead.team_id.id:
                    vals["team_id"] = decision.team_id
                if decision.event == "reassign":
                    vals["routing_reassign_count"] = lead.routing_reassign_count + 1
                owner_of[lead.id] = decision.user_id
                if activity_type:
                    activities.append((lead, activity_type, decision))
            else:
                queued = decision.event == "queue"
                vals.update(
                    user_id=False,
                    routing_state="queued" if queued else "unroutable",
                    routing_deadline=False,
                    # A pull rule's: when it gives the lead out if nobody took it.
                    routing_pull_deadline=queued and decision.deadline or False,
                )
            if not new and lead.user_id and lead.user_id.id != decision.user_id:
                taken_from[lead.id] = lead.user_id.id
            groups[tuple(sorted(vals.items()))].append(lead.id)
            details = decision.to_json()
            if trigger:
                details["trigger"] = trigger(lead) if callable(trigger) else trigger
            logs.append(
                {
                    "id": facts.log_ids.get(lead.id),
                    "lead_id": lead.id,
                    "company_id": facts.company.id,
                    "rule_id": decision.rule_id,
                    "user_id": decision.user_id,
                    "previous_user_id": None if new else decision.previous_user_id,
                    "event": decision.event,
                    "details": details,
                }
            )
        written = facts.leads.with_env(self.env).browse(
            [lid for ids in groups.values() for lid in ids]
        )
        if self.env.context.get("tracking_disable"):
            # Odoo subscribes nobody then, but the assignee of an activity.
            with_activity = {lead.id for lead, _type, _decision in activities}
            owner_of = {
                lid: uid for lid, uid in owner_of.items() if lid in with_activity
            }
        culprits = {}

        def owners_of(items, uid_of):
            return {uid_of(item) for item in items} - {None, False}

        def each_owner(items, uid_of, func):
            """``func`` on ``items`` at once; ``careful``: owner by owner, each
            in a savepoint, noting whose items fail (items without an owner
            first, at once: their failure is nobody's)."""
            if not careful:
                return func(items)
            done = set()
            ownerless = [item for item in items if not uid_of(item)]
            if ownerless:
                done.update(func(ownerless) or ())
            for uid in sorted(owners_of(items, uid_of)):
                if uid in culprits:
                    continue
                mine = [item for item in items if uid_of(item) == uid]
                try:
                    with self.env.cr.savepoint():
                        done.update(func(mine) or ())
                except DATABASE_ERRORS:
                    raise
                except Exception as exc:  # noqa: BLE001 - this owner's fault
                    culprits[uid] = ("delivery", _short(exc))
            return frozenset(done)

        each_owner(
            list(groups.items()),
            lambda item: dict(item[0]).get("user_id"),
            lambda items: self._write_leads(written, dict(items), track),
        )
        if taken_from:
            # Before the followers are loaded for the new to-dos (deleting
            # activities would drop them from the cache).
            activities = self._replace_todos(taken_from, activities)
        subscribed = each_owner(
            list(owner_of.items()),
            lambda item: item[1],
            lambda items: self._subscribe(
                dict(items), facts.profiles, notify, load_followers=bool(activities)
            ),
        )
        self.env["crm.routing.log"]._append(logs)
        if activities:
            each_owner(
                activities,
                lambda item: item[2].user_id,
                lambda items: self._schedule_activities(items, facts.profiles),
            )
        if culprits:
            raise CandidateFault(culprits)
        return subscribed or frozenset()

    # ------------------------------------------------------------------ leads
    def _write_leads(self, leads, groups, track):
        """One write per distinct set of values (per new owner and rule).

        The team travels on the decision; protecting it keeps crm's per-lead
        team search away. Where the team stays, stage and probability (which
        follow the team, not the salesperson) would be recomputed to the
        values they already have: protected too. So is the company: the
        engine only picks people who work for the lead's company.
        """
        if not groups:
            return
        Lead = leads.sudo().with_context(
            mail_notrack=not track, **{ROUTING_WRITES: True}
        )
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
        owners = {dict(items).get("user_id") for items in groups}
        self.env["res.users"].browse(sorted(filter(None, owners))).mapped("company_ids")
        with (
            self.env.protecting([Lead._fields["team_id"]], leads),
            self.env.protecting(self._team_dependent_fields(Lead), same_team),
        ):
            for items, lead_ids in groups.items():
                Lead.browse(lead_ids).write(dict(items))

    def _team_dependent_fields(self, Lead):
        """Unless the salesperson feeds the predictive scoring (then a new
        salesperson may change the probability)."""
        if "user_id" in Lead._pls_get_safe_fields():
            return []
        return [Lead._fields[name] for name in TEAM_DEPENDENT]

    # ------------------------------------------------------------------ followers
    def _subscribe(self, owner_of, profiles, notify, load_followers=False):
        """Make each new owner a follower of their leads, for the whole batch.

        Odoo subscribes the new salesperson on every write of ``user_id``,
        through ``_insert_followers``, which subscribes every partner it is
        given to every record it is given: one call, and a few queries, per
        owner. Routing gives each lead its own owner, so it creates the
        followers itself through the follower model (``mail.followers.create``,
        the call ``_insert_followers`` ends with, so overrides of it still run)
        in one batch, and crm.lead leaves routing's own assignments out of its
        auto-subscription (see ``_message_auto_subscribe_followers``). Odoo's
        "You have been assigned" message still goes out unless ``notify`` is
        off (and never for a lead one routes to oneself).

        :param owner_of: {lead id: new owner's user id}
        :param load_followers: leave the leads' followers in the cache, so
            that activities created next skip their per-owner subscription
            check (see ``crm.lead.message_subscribe``)
        :return: the (lead id, partner id) pairs following now
        """
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
        Followers = self.env["mail.followers"].sudo()
        lead_ids = sorted({lead_id for lead_id, _pid in wanted})
        existing = Followers.search_fetch(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", lead_ids),
                ("partner_id", "in", sorted(set(partner_of.values()))),
            ],
            ["res_id", "partner_id"],
        )
        missing = wanted - {(f.res_id, f.partner_id.id) for f in existing}
        if missing:
            subtype_ids = self.env[
                "mail.message.subtype"
            ]._get_auto_subscription_subtypes("crm.lead")[1]
            Followers.create(
                [
                    {
                        "res_model": "crm.lead",
                        "res_id": lead_id,
                        "partner_id": partner_id,
                        "subtype_ids": [(6, 0, subtype_ids)],
                    }
                    for lead_id, partner_id in sorted(missing)
                ]
            )
        if load_followers:
            self.env["crm.lead"].browse(lead_ids).mapped("message_partner_ids")
        if notify and not self.env.context.get("tracking_disable"):
            self._notify_assigned(owner_of, partner_of, profiles)
        return frozenset(wanted)

    def _notify_assigned(self, owner_of, partner_of, profiles):
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

    # ------------------------------------------------------------------ activities
    def _replace_todos(self, taken_from, activities):
        """Leads routed away from their salesperson: the routing to-do of the
        one who lost them is cancelled, and nobody gets a second one. Returns
        the activities still to create."""
        todos = (
            self.env["mail.activity"]
            .sudo()
            .search_fetch(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "in", sorted(taken_from)),
                    ("routing_todo", "=", True),
                ],
                ["res_id", "user_id"],
            )
        )
        new_owner = {lead.id: decision.user_id for lead, _r, decision in activities}
        stale = todos.filtered(
            lambda todo: new_owner.get(todo.res_id) != todo.user_id.id
        )
        has = {(todo.res_id, todo.user_id.id) for todo in todos - stale}
        if stale:
            # Deleted in one statement: the ORM's unlink flushes and empties
            # the caches, and each lead would then be read again, one by one,
            # for the new to-dos. Their owners' activity counters are told, as
            # Odoo's unlink tells them.
            stale.user_id._bus_send("mail.activity/updated", {"activity_deleted": True})
            self.env.cr.execute(
                SQL("DELETE FROM mail_activity WHERE id = ANY(%s)", stale.ids)
            )
            self.env["mail.activity"].invalidate_model()
            self.env["crm.lead"].browse(sorted(taken_from)).invalidate_recordset(
                ["activity_ids"]
            )
        return [item for item in activities if (item[0].id, item[2].user_id) not in has]

    def _activity_wording(self, deadline, profile):
        """``(summary, due date)`` of the "contact this lead" activity for a
        deadline (naive UTC or None), in the assignee's language and time
        zone (``profile``: their ``tz`` and ``lang``)."""
        env = self.with_context(tz=profile["tz"] or "UTC", lang=profile["lang"]).env
        if not deadline:
            return (
                env._(ACTIVITY_SUMMARY_NO_DEADLINE),
                fields.Date.context_today(env["res.users"]),
            )
        local = fields.Datetime.context_timestamp(env["res.users"], deadline)
        summary = env._(ACTIVITY_SUMMARY, deadline=local.strftime("%Y-%m-%d %H:%M %Z"))
        return summary, local.date()

    def _schedule_activities(self, items, profiles):
        """One "contact this lead" activity per assignment, created in bulk,
        worded in the assignee's language.

        ``mail_activity_quick_update`` skips the per-activity email: the
        activity itself (systray, My Activities) is the notification.
        """
        model_id = self.env["ir.model"]._get_id("crm.lead")
        vals_list = []
        for lead, activity_type, decision in items:
            summary, due = self._activity_wording(
                decision.deadline, profiles[decision.user_id]
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type,
                    "user_id": decision.user_id,
                    "date_deadline": due,
                    "summary": summary,
                    "routing_todo": True,
                }
            )
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)
