# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import re
import threading
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tests import (
    BaseCase,
    HttpCase,
    TransactionCase,
    get_db_name,
    new_test_user,
)
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval


class RoutingCase(TransactionCase):
    """A company that routes new leads, a sales team of five, a catch-all rule.

    Leads are created as an *integration* user (no salesperson given), the way
    the email gateway, website forms and API clients create them.

    The registry is in test mode, as in Odoo's browser tests: a new cursor
    shares the test transaction, so routing's live counters (see
    ``crm.routing.facts``) see the test's own data. The concurrency tests use
    real, committed transactions instead.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.routing_auto_assign = True
        # Odoo's own assignment must not interfere with what we measure.
        cls.env["crm.team"].search([]).write({"assignment_domain": False})
        cls.integration = new_test_user(
            cls.env,
            "routing_integration",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.team = cls.env["crm.team"].create({"name": "Inbound", "use_leads": True})
        cls.sales = cls.env["res.users"]
        for idx, name in enumerate(("alice", "bob", "carol", "dave", "erin")):
            cls.sales |= new_test_user(
                cls.env,
                f"routing_{name}",
                name=name.title(),
                groups="sales_team.group_sale_salesman",
                email=f"{name}@example.com",
                tz="UTC",
            )
            cls.sales[-1].routing_score = 50.0 + idx
        cls.alice, cls.bob, cls.carol, cls.dave, cls.erin = cls.sales
        cls.env["crm.team.member"].create(
            [{"crm_team_id": cls.team.id, "user_id": u.id} for u in cls.sales]
        )
        cls.Rule = cls.env["crm.routing.rule"]
        cls.Rule.search([]).active = False
        # Demo leads waiting in the queue or for a first contact would be swept
        # along with the tests' own.
        cls.env["crm.lead"].with_context(active_test=False).search(
            [("routing_state", "in", ("queued", "assigned"))]
        ).write({"routing_state": "none", "routing_deadline": False})
        cls.Skill = cls.env["crm.routing.skill"]
        # Demo skills (and their domains) would collide with the tests' own.
        cls.Skill.with_context(active_test=False).search([]).unlink()
        cls.Lead = cls.env["crm.lead"].with_user(cls.integration)

    @classmethod
    def make_rule(cls, name="Catch all", **vals):
        vals.setdefault("strategy", "round_robin")
        vals.setdefault("user_ids", [(6, 0, cls.sales.ids)])
        vals.setdefault("notify_assignee", False)
        vals.setdefault("respect_working_hours", False)
        return cls.Rule.create({"name": name, **vals})

    def create_leads(self, count=1, **vals):
        return self.Lead.create(
            [{"name": f"Lead {i}", **vals} for i in range(count)]
        ).sudo()

    def closed_leads(self, user, won=0, lost=0, revenue=1000.0, minutes=None, at=None):
        """``won`` + ``lost`` closed leads assigned to ``user`` at ``at``
        (default: 10 days ago), first contacted ``minutes`` later if given."""
        at = at or fields.Datetime.now() - timedelta(days=10)
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"{user.name} history {i}",
                    "user_id": user.id,
                    "expected_revenue": revenue,
                    "routing_assigned_at": at,
                    "routing_first_touch_at": minutes is not None
                    and at + timedelta(minutes=minutes),
                }
                for i in range(won + lost)
            ]
        )
        leads[:won].action_set_won()
        leads[won:].action_set_lost()
        return leads

    def last_log(self, lead):
        return lead.routing_log_ids.sorted("id")[-1:]

    def sweep_and_count(self, at):
        """Run the deadline sweep at ``at`` from cold caches.

        :return: (leads swept, queries it took, writes flushed included)
        """
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        with freeze_time(at):
            done = self.env["crm.routing.sweeper"]._sweep_overdue()
        self.env.flush_all()
        return done, self.cr.sql_log_count - before


class ScreenWalkCase(HttpCase):
    """Screens walked in Chromium as a user, all in ONE page load.

    Loading the web client costs seconds; going from screen to screen inside
    it costs a fraction of that. :meth:`walk` logs in once and runs the tour
    ``crm_lead_routing_walk`` (static/tests/tours), which opens each screen by
    the web client's action service, as a menu or a link does, checks what
    the user sees there, and runs the other tours' steps where asked. It fails
    on a step that does not happen, an error dialog or any console error, and
    if the page reloads on the way.
    """

    def walk(self, user, items, start="/odoo"):
        """Run ``items`` (made by :meth:`screen`, :meth:`tour_item`, or tour
        steps as dicts) as ``user`` in one page, starting at ``start``."""
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False,
                   "startUrl": start}  # fmt: skip
        code = (
            f"odoo.crmRoutingWalk = {json.dumps(items)};"
            f" odoo.startTour('crm_lead_routing_walk', {json.dumps(options)})"
        )
        try:
            self.start_tour(
                start, "crm_lead_routing_walk", login=user.login, code=code,
                timeout=60 + 4 * len(items),
            )  # fmt: skip
        except AssertionError as exc:
            # Odoo quotes the whole code (every item) first: keep the failure.
            message = str(exc).replace(code, f"<walk of {len(items)} items>")
            raise AssertionError(f"As {user.login}: {message}") from None

    @staticmethod
    def screen(action, view=None, res_id=None, title=None, expect=()):
        """Items opening ``action`` (an xmlid) in ``view`` (on ``res_id`` for
        a form), then waiting for the view, the breadcrumb's ``title`` and
        each selector of ``expect``."""
        items = [{"open": {"action": action, "view": view, "res_id": res_id,
                           "title": title}}]  # fmt: skip
        if view:
            items.append({"trigger": f".o_action_manager .o_{view}_view"})
        if title:
            items.append({"trigger": f".o_last_breadcrumb_item{contains(title)}"})
        items.extend({"trigger": selector} for selector in expect)
        return items

    @staticmethod
    def tour_item(name):
        """The steps of the tour ``name``, run where the walk is."""
        return [{"tour": name}]

    def action_screens(self, user, actions):
        """Items opening each view of each window action of ``actions`` as
        ``user``: titled with the action's name, a form on the first record
        the user may read (skipped when there is none)."""
        items = []
        for action in actions:
            if action._name != "ir.actions.act_window":
                continue  # a server action (Take My Next Lead): its own tour
            xmlid = action.get_external_id()[action.id]
            for view_type in action.view_mode.split(","):
                if view_type != "form":
                    items += self.screen(xmlid, view_type, title=action.name)
                    continue
                record = (
                    self.env[action.res_model]
                    .with_user(user)
                    .search(safe_domain(action.domain), limit=1)
                )
                if record:
                    items += self.screen(
                        xmlid, "form", record.id, title=record.display_name
                    )
        return items

    def menu_actions(self, user):
        """The actions behind the routing menus ``user`` sees (a list: window
        and server actions)."""
        menus = self.env["ir.ui.menu"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", "crm_lead_routing"), ("model", "=", "ir.ui.menu")])
            .mapped("res_id")
        )
        visible = menus.with_user(user)._visible_menu_ids()
        return [menu.action for menu in menus if menu.id in visible and menu.action]


def contains(text):
    """A ``:contains`` pseudo-class matching ``text`` (up to a character the
    selector parser would misread: a quote or a parenthesis)."""
    safe = re.split(r"['\"()]", text, maxsplit=1)[0].strip()
    return f":contains('{safe}')" if safe else ""


def safe_domain(domain):
    """The action's stored domain as a list (it is stored as Python text)."""
    return safe_eval(domain or "[]", {"uid": 1, "context": {}})


def working_hours(env, users, hour_from=9.0, hour_to=19.0, tz="Europe/Brussels"):
    """Give ``users`` a Monday-Friday calendar in ``tz`` (resources included)."""
    calendar = env["resource.calendar"].create(
        {
            "name": f"Sales {hour_from:g}-{hour_to:g} {tz}",
            "tz": tz,
            "attendance_ids": [(5, 0, 0)]
            + [
                (
                    0,
                    0,
                    {
                        "name": f"Day {day}",
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": "morning",
                    },
                )
                for day in range(5)
            ],
        }
    )
    users.write({"tz": tz})
    resources = env["resource.resource"].create(
        [
            {
                "name": user.name,
                "user_id": user.id,
                "calendar_id": calendar.id,
                "tz": tz,
            }
            for user in users
        ]
    )
    return calendar, resources


class CommittedCase(BaseCase):
    """Real cursors that commit, usable from any thread, as concurrent
    requests and crons have them (not the test transaction): what they set up
    the test cleans up itself."""

    def setUp(self):
        super().setUp()
        self.db = db_connect(get_db_name())
        # Got here, where the test runner already holds the registries' lock:
        # the worker threads bind their cursors to it instead of asking again.
        self.registry = Registry(get_db_name())

    def cursor(self):
        """A real cursor (its own transaction) usable from any thread."""
        cr = self.db.cursor()
        cr.transaction = api.Transaction(self.registry)
        return cr

    @staticmethod
    def create_salespeople(env, label, prefix, names=("ann", "ben", "cid"), **vals):
        return create_salespeople(env, label, prefix, names, **vals)

    @staticmethod
    def create_rule(env, name, prefix, **vals):
        """A rule tried before any other, for the leads named ``prefix``...
        only, that notifies nobody and ignores working hours."""
        return env["crm.routing.rule"].create(
            {
                "name": name,
                "sequence": -1000,
                "notify_assignee": False,
                "respect_working_hours": False,
                "lead_domain": f"[('name', '=like', '{prefix}%')]",
                **vals,
            }
        )

    def clean_up_after(self, rule, users, leads=(), prefix=None):
        """After the test, delete what it committed: the rule, the users,
        ``leads`` and the leads named ``prefix``..."""

        def clean_up():
            with self.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                Lead = env["crm.lead"].with_context(active_test=False)
                Lead.browse(leads).unlink()
                if prefix:
                    Lead.search([("name", "=like", f"{prefix}%")]).unlink()
                env["crm.routing.rule"].browse(rule).unlink()
                env["res.users"].browse(users).unlink()
                cr.commit()  # pylint: disable=invalid-commit

        self.addCleanup(clean_up)

    @contextmanager
    def held_open(self, target, *args, what):
        """``target(*args, reached, hold)`` in a thread of its own, which
        sets ``reached`` and then keeps its transaction open until ``hold``
        is set: at the end of the ``with`` block."""
        reached, hold = threading.Event(), threading.Event()
        thread = threading.Thread(target=target, args=(*args, reached, hold))
        thread.start()
        try:
            self.assertTrue(reached.wait(30), f"{what} did not get there")
            yield
        finally:
            hold.set()
            thread.join(30)

    def without_waiting(self, target, *args, what):
        """``target(*args)`` in a thread of its own, which must not wait (for
        a lock another transaction holds)."""
        thread = threading.Thread(target=target, args=args)
        thread.start()
        thread.join(30)
        self.assertFalse(thread.is_alive(), f"{what} waited")


class CommittedSweepCase(CommittedCase):
    """Overdue leads set up with real cursors that commit, as the deadline
    cron's do, usable from any thread; everything is cleaned up after.

    Three salespeople, a round-robin rule with a 30-minute deadline, and
    ``LEAD_COUNT`` leads named ``PREFIX`` overdue by an hour (a second
    apart). Other leads waiting for a first contact (demo data) would be
    swept along: their deadlines are put back after the test.
    """

    PREFIX = "sweep"
    LABEL = "Sweep"
    LEAD_COUNT = 4

    def setUp(self):
        super().setUp()
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            users = self.create_salespeople(env, self.LABEL, self.PREFIX)
            self.users = users.ids
            rule = self.create_rule(
                env,
                self.LABEL,
                self.PREFIX,
                strategy="round_robin",
                user_ids=[(6, 0, users.ids)],
                fallback="queue",
                sla_minutes=30,
                max_reassignments=5,
            )
            self.rule = rule.id
            past = fields.Datetime.now() - timedelta(hours=1)
            others = env["crm.lead"].search(
                [("routing_state", "=", "assigned"), ("routing_deadline", "!=", False)]
            )
            self.others = {lead.id: lead.routing_deadline for lead in others}
            others.write({"routing_deadline": False})
            company = env.company
            self.auto_assign = company.routing_auto_assign
            company.routing_auto_assign = False  # leads set up as routed
            leads = env["crm.lead"].create(
                [
                    {
                        "name": f"{self.PREFIX} {i}",
                        "user_id": users[0].id,
                        "routing_rule_id": rule.id,
                        "routing_state": "assigned",
                        "routing_assigned_at": past - timedelta(minutes=30),
                        "routing_deadline": past + timedelta(seconds=i),
                    }
                    for i in range(self.LEAD_COUNT)
                ]
            )
            company.routing_auto_assign = self.auto_assign
            self.leads = leads.ids
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self.put_back_deadlines)
        self.clean_up_after(self.rule, self.users, self.leads)

    def put_back_deadlines(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for lead_id, deadline in self.others.items():
                env["crm.lead"].browse(lead_id).routing_deadline = deadline
            cr.commit()  # pylint: disable=invalid-commit

    def assertEachReassignedOnce(self):
        """Every lead was swept once: taken from the first salesperson, given
        to another with a new deadline, one reassignment in its log."""
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for lead in env["crm.lead"].browse(self.leads):
                reassigns = lead.routing_log_ids.filtered(
                    lambda log: log.event == "reassign"
                )
                self.assertEqual(len(reassigns), 1, lead.name)
                self.assertEqual(lead.routing_reassign_count, 1, lead.name)
                self.assertNotEqual(lead.user_id.id, self.users[0])
                self.assertGreater(lead.routing_deadline, fields.Datetime.now())


# ------------------------------------------------------------ shared set-ups
def create_salespeople(env, label, prefix, names=("ann", "ben", "cid"), **vals):
    """Salespeople named ``label`` and each of ``names``, in one create
    (``vals``: the same for all)."""
    group = env.ref("sales_team.group_sale_salesman")
    return (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True)
        .create(
            [
                {
                    "name": f"{label} {name}",
                    "login": f"routing_{prefix}_{str(name).lower()}",
                    "groups_id": [(6, 0, group.ids)],
                    **vals,
                }
                for name in names
            ]
        )
        .with_env(env)
    )


def sales_manager(env, login="routing_manager", **values):
    """A sales manager (Sales / Administrator), not a Settings administrator."""
    return new_test_user(env, login, groups="sales_team.group_sale_manager", **values)


def salesperson(env, login, **values):
    """A salesperson who sees their own leads only."""
    return new_test_user(env, login, groups="sales_team.group_sale_salesman", **values)


class SweepMixin:
    """Leads created, and the deadline sweep run, at a given moment (for a
    :class:`RoutingCase`)."""

    def sweep(self, at):
        with freeze_time(at):
            return self.env["crm.routing.sweeper"]._sweep_overdue()

    def create_at(self, at, count=1, **vals):
        with freeze_time(at):
            return self.create_leads(count, **vals)

    def logs(self, lead, event=None):
        logs = lead.routing_log_ids.sorted("id")
        return logs.filtered(lambda log: log.event == event) if event else logs


def backdate(lead, created, **columns):
    """Date the creation of ``lead`` ``created`` (the ORM never writes
    ``create_date``) and set ``columns`` as they are: no compute, no
    tracking, no routing."""
    env = lead.env
    env.flush_all()
    values = {"create_date": created, **columns}
    env.cr.execute(
        SQL(
            "UPDATE crm_lead SET %s WHERE id = %s",
            SQL(", ").join(
                SQL("%s = %s", SQL.identifier(name), value)
                for name, value in values.items()
            ),
            lead.id,
        )
    )
    env.invalidate_all()


def counting_calls(cls, name):
    """A context counting the calls of method ``name`` of ``cls`` (which
    still runs): ``with counting_calls(...) as calls: ... calls.call_count``."""
    return patch.object(cls, name, autospec=True, side_effect=getattr(cls, name))
