# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Trying rules before they go live: the preview and the what-if replay.

Both must take the decisions live routing takes from the same facts, and
write nothing anywhere routing writes.
"""

import re
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.sql_db import Cursor
from odoo.tests import Form, tagged
from odoo.tools import SQL

from ..routing import fairness, strategies
from .common import RoutingCase, backdate, sales_manager

NOW = datetime(2026, 3, 4, 10, 0)
# What a preview or a replay must never change.
GUARDED = (
    "crm_lead",
    "res_users",
    "crm_routing_rule",
    "crm_routing_rotation",
    "crm_routing_log",
    "mail_followers",
    "mail_activity",
    "mail_message",
)
TABLES = "|".join(GUARDED)
WRITES = re.compile(
    rf"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?({TABLES})\"?(?!\w)",
    re.IGNORECASE,
)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingSimulation(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = sales_manager(cls.env, "routing_sim_manager", name="Sam Manager")
        cls.Simulation = cls.env["crm.routing.simulation"].with_user(cls.manager)

    # ---------------------------------------------------------------- helpers
    def unrouted_leads(self, count, **vals):
        """Leads nobody routed yet (automatic routing off while creating)."""
        self.company.routing_auto_assign = False
        leads = self.create_leads(count, **vals)
        self.company.routing_auto_assign = True
        return leads

    def preview(self, lead=None, **vals):
        form = Form(self.env["crm.routing.preview"].with_user(self.manager))
        if lead:
            form.lead_id = lead
        for name, value in vals.items():
            setattr(form, name, value)
        return form.save()

    def simulation(self, leads, rules, **vals):
        return self.Simulation.create(
            {
                "name": "Try",
                "lead_domain": repr([("id", "in", leads.ids)]),
                "date_from": date(2000, 1, 1),
                "date_to": date(2100, 1, 1),
                "rule_ids": [(6, 0, rules.ids)],
                **vals,
            }
        )

    def fingerprint(self):
        """Every row of the guarded tables, hashed per table."""
        self.env.flush_all()
        prints = {}
        for table in GUARDED:
            self.cr.execute(
                SQL(
                    "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t.id)) "
                    "FROM %s t",
                    SQL.identifier(table),
                )
            )
            prints[table] = self.cr.fetchone()
        return prints

    # ---------------------------------------------------------------- preview
    def test_preview_gives_the_live_decision_for_every_strategy(self):
        partner = self.env["res.partner"].create(
            {"name": "Acme", "user_id": self.carol.id}
        )
        for code in strategies.codes():
            with self.subTest(strategy=code):
                self.Rule.search([]).active = False
                self.make_rule(
                    name=code,
                    strategy=code,
                    fixed_user_id=self.dave.id,
                    fairness_floor=20,
                )
                leads = self.unrouted_leads(2) | self.unrouted_leads(
                    1, partner_id=partner.id
                )
                for lead in leads:
                    with freeze_time(NOW):
                        shown = self.preview(lead)
                        want = (
                            shown.result_state,
                            shown.result_user_id,
                            shown.result_rule_id,
                            shown.explanation,
                        )
                        lead.with_user(self.manager).action_route()
                    log = self.last_log(lead)
                    self.assertEqual(
                        want,
                        ("assigned", lead.user_id, lead.routing_rule_id, log.reason),
                    )

    def test_preview_of_a_described_lead_can_include_a_draft_rule(self):
        self.make_rule(name="Everyone", user_ids=[(6, 0, self.sales.ids)], sequence=5)
        draft = self.make_rule(
            name="Belgium to Erin",
            strategy="fixed_user",
            fixed_user_id=self.erin.id,
            lead_domain=repr([("country_id.code", "=", "BE")]),
            sequence=1,
        )
        draft.active = False
        belgium = self.env.ref("base.be")
        shown = self.preview(country_id=belgium)
        self.assertEqual(shown.result_rule_id.name, "Everyone")
        shown = self.preview(country_id=belgium, include_inactive=True)
        self.assertEqual(
            (shown.result_rule_id, shown.result_user_id), (draft, self.erin)
        )
        self.assertIn("Erin", shown.explanation)
        self.assertIn("Erin", shown.candidates_html)
        self.assertEqual(
            self.env["crm.lead"].search_count([("name", "=", "Test lead")]), 0
        )

    # ---------------------------------------------------------------- replay
    def test_replay_as_now_takes_the_decisions_live_routing_takes(self):
        for idx, user in enumerate(self.sales):
            user.routing_max_open_leads = 3 + idx % 2
        rules = self.make_rule(
            name="Big", strategy="load_balanced",
            lead_domain=repr([("expected_revenue", ">=", 1000)]), sequence=1,
        ) | self.make_rule(name="Rest", strategy="weighted", sequence=2, fallback="queue")  # fmt: skip
        leads = self.unrouted_leads(6, expected_revenue=5000) | self.unrouted_leads(12)
        with freeze_time(NOW):
            sim = self.simulation(leads, rules, availability="now")
            sim.action_run()
            self.env["crm.routing.dispatcher"]._route(leads, now=NOW)
        lines = {line.lead_id: line for line in sim.line_ids}
        self.assertEqual(len(lines), 18)
        self.assertTrue(any(line.state == "queued" for line in lines.values()))
        for lead in leads:
            line = lines[lead]
            self.assertEqual(
                (line.user_id, line.rule_id, line.reason),
                (
                    lead.user_id,
                    lead.routing_rule_id,
                    self.last_log(lead).with_env(sim.env).reason,
                ),
            )

    def test_replay_at_creation_reproduces_a_history_routed_live(self):
        self.make_rule(
            name="Big", strategy="load_balanced", sequence=1,
            lead_domain=repr([("expected_revenue", ">=", 1000)]),
        )  # fmt: skip
        self.make_rule(name="Rest", strategy="round_robin", sequence=2)
        self.make_rule(name="Weighted", strategy="weighted", sequence=3, active=False)
        leads = self.Lead.browse()
        for i in range(15):
            at = NOW + timedelta(hours=5 * i)
            with freeze_time(at):
                lead = self.create_leads(1, expected_revenue=2000 * (i % 3))
            backdate(lead, at)
            leads |= lead
        self.assertTrue(all(leads.mapped("user_id")))
        sim = self.simulation(leads, self.Rule.search([]), availability="at_creation")
        sim.action_run()
        self.assertEqual(
            sim.line_ids.sorted("lead_create_date").mapped("user_id"),
            leads.mapped("user_id"),
        )
        self.assertEqual(
            (sim.state, sim.changed_count, sim.unroutable_count), ("done", 0, 0)
        )

    def replay_queries(self, count, rules):
        """Queries of an "as at creation" replay of ``count`` new leads, one
        every ten minutes, from cold caches."""
        leads = self.unrouted_leads(count, expected_revenue=500)
        self.env.flush_all()
        self.cr.execute(
            "UPDATE crm_lead SET create_date = %s - (id - %s) * interval '10 minutes'"
            " WHERE id = ANY(%s)",
            [NOW, max(leads.ids), leads.ids],
        )
        sim = self.simulation(leads, rules, availability="at_creation")
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        sim.action_run()
        self.env.flush_all()
        self.assertEqual(sim.lead_count, count)
        return self.cr.sql_log_count - before

    def test_replay_queries_do_not_grow_with_the_leads(self):
        rules = self.make_rule(name="Rotation", sequence=1) | self.make_rule(
            name="Weighted", strategy="weighted", sequence=2,
            respect_working_hours=True,
        )  # fmt: skip
        small = self.replay_queries(200, rules)
        large = self.replay_queries(1000, rules)
        # The same queries for five times the leads, give or take the line
        # inserts Odoo splits into batches.
        self.assertLessEqual(large - small, 4, f"{small} vs {large} queries")

    def test_fairness_figures_of_a_constructed_case(self):
        # 4 leads to Alice by a fixed rule, 6 shared by Bob, Carol and Dave:
        # on target, and the Gini coefficient of 4, 2, 2, 2.
        fixed = self.make_rule(
            name="VIP", strategy="fixed_user", fixed_user_id=self.alice.id,
            lead_domain=repr([("expected_revenue", ">=", 1000)]), sequence=1,
        ) | self.make_rule(
            name="Rest", user_ids=[(6, 0, (self.bob | self.carol | self.dave).ids)],
            sequence=2,
        )  # fmt: skip
        leads = self.unrouted_leads(4, expected_revenue=5000) | self.unrouted_leads(6)
        sim = self.simulation(leads, fixed, availability="now")
        sim.action_run()
        self.assertAlmostEqual(sim.fairness_gini, fairness.gini([4, 2, 2, 2]), 3)
        self.assertAlmostEqual(sim.fairness_gap, 0.0, 3)
        self.assertEqual((sim.changed_count, sim.assigned_count), (10, 10))
        self.assertIn("Alice", sim.summary_html)
        self.assertIn("40.0 %", sim.summary_html)

    def test_replay_only_sees_the_leads_the_manager_can_read(self):
        rule = self.make_rule()
        other = self.env["res.company"].create({"name": "Elsewhere"})
        mine = self.unrouted_leads(2)
        theirs = self.env["crm.lead"].create(
            [{"name": "Theirs", "company_id": other.id}]
        )
        sim = self.simulation(mine | theirs, rule)
        sim.action_run()
        self.assertEqual(sim.line_ids.lead_id, mine)

    def test_bad_input_names_the_field(self):
        rule = self.make_rule()
        leads = self.unrouted_leads(1)
        with self.assertRaisesRegex(ValidationError, "Leads"):
            self.simulation(leads, rule, lead_domain="[('no_such_field', '=', 1)]")
        with self.assertRaisesRegex(ValidationError, "Created Until"):
            self.simulation(
                leads, rule, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1)
            )
        with self.assertRaisesRegex(ValidationError, "Rules"):
            self.simulation(leads, self.Rule)

    def test_apply_makes_the_simulated_rules_live_and_says_who_did_it(self):
        old = self.make_rule(name="Old")
        draft = self.make_rule(name="Draft", sequence=1)
        draft.active = False
        sim = self.simulation(self.unrouted_leads(1), draft)
        sim.action_run()
        sim.action_apply_rules()
        self.assertTrue(draft.active)
        self.assertFalse(old.active)
        self.assertIn("Sam Manager", sim.message_ids[0].body)
        self.assertIn("Draft", sim.message_ids[0].body)

    # ---------------------------------------------------------------- nothing written
    def test_preview_and_replay_write_nothing_routing_writes(self):
        self.make_rule(name="Rotation", notify_assignee=True, sla_minutes=30)
        self.make_rule(name="Weighted", strategy="weighted", active=False)
        leads = self.unrouted_leads(5) | self.create_leads(5)
        sims = self.simulation(
            leads, self.Rule.with_context(active_test=False).search([])
        ) | self.simulation(leads, self.Rule.search([]), availability="now")
        wizard = self.env["crm.routing.preview"].with_user(self.manager).create({})
        before = self.fingerprint()
        queries = []
        original = Cursor.execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(str(query.code if isinstance(query, SQL) else query))
            return original(cr, query, params, log_exceptions)

        with patch.object(Cursor, "execute", spy):
            sims.action_run()
            self.preview(leads[0], include_inactive=True)
            self.preview(
                expected_revenue=100, partner_id=self.env.ref("base.res_partner_1")
            )
            wizard.invalidate_recordset()
            self.assertEqual(wizard.result_state, "assigned")
            self.env.flush_all()
        self.assertEqual(self.fingerprint(), before)
        writes = [q for q in queries if WRITES.search(q)]
        self.assertEqual(writes, [])
        self.assertEqual(sum(sim.lead_count for sim in sims), 20)
