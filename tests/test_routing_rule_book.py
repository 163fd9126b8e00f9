# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Routing reads a company's rules once per change (``crm.routing.rule.book``),
and every change, however it is made, reaches the next routing."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.addons.crm_lead_routing.models.crm_routing_rule_book import (
    CrmRoutingRuleBook,
)
from odoo.tests import tagged

from .common import CommittedCase, RoutingCase, counting_calls, working_hours

# Tuesday 13 January 2026, 10:00 in Brussels: a working day.
TUESDAY_1000 = datetime(2026, 1, 13, 9, 0)


class Rollback(Exception):
    pass


def book_reads():
    """Counts how often routing reads rules from the database."""
    return counting_calls(CrmRoutingRuleBook, "_read")


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingRuleBook(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big = cls.make_rule(
            name="Big deals",
            sequence=1,
            lead_domain="[('expected_revenue', '>=', 10000)]",
            user_ids=[(6, 0, cls.alice.ids)],
        )
        cls.make_rule(name="Catch all", sequence=10, user_ids=[(6, 0, cls.bob.ids)])

    def owner_of_a_big_lead(self):
        return self.create_leads(expected_revenue=50000).user_id

    def version(self):
        return self.env["crm.routing.rule.book"]._version()[0]

    def test_rules_are_read_once_until_they_change(self):
        self.assertEqual(self.owner_of_a_big_lead(), self.alice)
        with book_reads() as reads:
            self.assertEqual(self.owner_of_a_big_lead(), self.alice)
            self.assertEqual(self.owner_of_a_big_lead(), self.alice)
        self.assertEqual(reads.call_count, 0)
        self.big.lead_domain = "[('expected_revenue', '>=', 100000)]"
        with book_reads() as reads:
            self.assertEqual(self.owner_of_a_big_lead(), self.bob)
        self.assertEqual(reads.call_count, 1)

    def test_a_change_of_the_team_reaches_the_next_routing(self):
        self.big.write({"user_ids": [(5,)], "team_id": self.team.id})
        self.assertIn(self.owner_of_a_big_lead(), self.sales)
        self.env["crm.team.member"].search(
            [("crm_team_id", "=", self.team.id), ("user_id", "!=", self.erin.id)]
        ).unlink()
        self.assertEqual(self.owner_of_a_big_lead(), self.erin)

    def test_time_off_reaches_the_next_routing(self):
        pair = self.alice | self.bob
        calendar, resources = working_hours(self.env, pair)
        self.big.write({"user_ids": [(6, 0, pair.ids)], "respect_working_hours": True})
        with freeze_time(TUESDAY_1000):
            first = self.owner_of_a_big_lead()
            self.assertIn(first, pair)
            with book_reads() as reads:
                self.assertEqual(self.owner_of_a_big_lead(), pair - first)
            self.assertEqual(reads.call_count, 0)
            # Whoever had the first lead takes the rest of the day off.
            self.env["resource.calendar.leaves"].create(
                {
                    "name": "Afternoon off",
                    "calendar_id": calendar.id,
                    "resource_id": resources.filtered(lambda r: r.user_id == first).id,
                    "date_from": TUESDAY_1000 - timedelta(hours=1),
                    "date_to": TUESDAY_1000 + timedelta(hours=9),
                }
            )
            self.assertEqual(self.owner_of_a_big_lead(), pair - first)
            self.assertEqual(self.owner_of_a_big_lead(), pair - first)

    def test_a_change_written_in_sql_reaches_the_next_routing(self):
        self.assertEqual(self.owner_of_a_big_lead(), self.alice)
        self.env.cr.execute(
            "UPDATE crm_routing_rule SET active = false WHERE id = %s", [self.big.id]
        )
        self.env.invalidate_all()
        self.assertEqual(self.owner_of_a_big_lead(), self.bob)

    def test_every_statement_on_what_a_book_is_read_from_moves_the_version(self):
        Books = self.env["crm.routing.rule.book"]
        tables = Books._watched_tables()
        self.assertEqual(
            sorted(tables),
            [
                "crm_routing_experiment",
                "crm_routing_experiment_user_rel",
                "crm_routing_rule",
                "crm_routing_rule_crm_routing_skill_rel",
                "crm_routing_rule_user_rel",
                "crm_routing_skill",
                "crm_team_member",
                "resource_calendar",
                "resource_calendar_attendance",
                "resource_calendar_leaves",
                "resource_resource",
            ],
        )
        for table in tables:
            before = self.version()
            # Even a statement that changes no row: what counts is that
            # nothing can change without moving it.
            self.env.cr.execute(f"DELETE FROM {table} WHERE false")  # noqa: S608
            self.assertNotEqual(self.version(), before, table)

    def test_a_change_rolled_back_leaves_nothing_behind(self):
        self.assertEqual(self.owner_of_a_big_lead(), self.alice)
        with self.assertRaises(Rollback), self.env.cr.savepoint():
            self.big.lead_domain = "[('expected_revenue', '>=', 100000)]"
            self.assertEqual(self.owner_of_a_big_lead(), self.bob)
            raise Rollback
        self.env.invalidate_all()
        self.assertEqual(self.owner_of_a_big_lead(), self.alice)

    def test_uninstalling_leaves_nothing_on_the_teams_table(self):
        def triggers():
            self.env.cr.execute(
                "SELECT tgrelid::regclass::text FROM pg_trigger"
                " WHERE tgname = 'crm_routing_book_changed' ORDER BY 1"
            )
            return [row[0] for row in self.env.cr.fetchall()]

        self.assertIn("crm_team_member", triggers())
        with self.assertRaises(Rollback), self.env.cr.savepoint():
            self.env["crm.routing.rule.book"]._uninstall_version_triggers()
            self.assertEqual(triggers(), [])
            self.env.cr.execute("SELECT to_regclass('crm_routing_book_version')")
            self.assertIsNone(self.env.cr.fetchone()[0])
            raise Rollback
        self.assertEqual(len(triggers()), 11)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingRuleBookOnCommittedCursors(CommittedCase):
    """What one transaction reads of its own uncommitted rules is never used
    by another, even once it rolled back and others changed the rules."""

    def test_an_uncommitted_change_is_never_read_by_another_transaction(self):
        prefix = "RoutingBook "
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.company.routing_auto_assign = True
            ann, ben, cid = self.create_salespeople(env, "Book", "routing_book")
            rule = self.create_rule(
                env, "Book rule", prefix, strategy="fixed_user", fixed_user_id=ann.id
            )
            cr.commit()  # pylint: disable=invalid-commit
        self.clean_up_after(rule.id, [ann.id, ben.id, cid.id], prefix=prefix)

        def route(cr, name):
            env = api.Environment(cr, SUPERUSER_ID, {})
            lead = env["crm.lead"].create({"name": prefix + name, "user_id": False})
            return lead.user_id.id

        with self.cursor() as mine, self.cursor() as other:
            env = api.Environment(mine, SUPERUSER_ID, {})
            env["crm.routing.rule"].browse(rule.id).fixed_user_id = ben.id
            # Routed by the transaction that made the change: it sees it.
            self.assertEqual(route(mine, "mine"), ben.id)
            # Not by another, while it runs...
            self.assertEqual(route(other, "other"), ann.id)
            other.commit()  # pylint: disable=invalid-commit
            mine.rollback()
        # ...nor after it rolled back and another change was committed.
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(route(cr, "after"), ann.id)
            env["crm.routing.rule"].browse(rule.id).fixed_user_id = cid.id
            cr.commit()  # pylint: disable=invalid-commit
        with self.cursor() as cr:
            self.assertEqual(route(cr, "last"), cid.id)
            cr.commit()  # pylint: disable=invalid-commit
