# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What an attacker tried, as tests: a sales manager who is not an
administrator, a salesperson, another company's manager, each through the
ORM as JSON-RPC and XML-RPC reach it."""

from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RoutingCase, sales_manager, salesperson

# Filters that would run code if they were evaluated; ``%(group)s`` is the
# id of the Settings administrators group, ``%(partner)s`` a partner whose
# name a successful payload would change.
PAYLOADS = {
    "superuser write": "[('id', '!=', user.write({'groups_id': [(4, %(group)s)]}) and 0)]",
    "SQL": "[('id', '!=', user.env.cr.execute("
    "\"UPDATE res_partner SET name = 'pwned' WHERE id = %(partner)s\") and 0)]",
    "import": "[('id', '=', __import__('os').getpid())]",
    "attribute access": "[('id', '=', (1).__class__.__name__)]",
    "lambda": "[('id', '=', (lambda: 1)())]",
    "generator": "[('id', 'in', list(x for x in (1, 2)))]",
}


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingFiltersAreData(RoutingCase):
    """A stored filter is data: saved as a sales manager, none of the payloads
    runs, whichever of the three filters holds it, now or when read later."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = sales_manager(cls.env, "routing_sec_manager", name="Mona Manager")
        cls.system = cls.env.ref("base.group_system")
        cls.victim = cls.env["res.partner"].create({"name": "Untouched"})
        cls.payloads = {
            label: text % {"group": cls.system.id, "partner": cls.victim.id}
            for label, text in PAYLOADS.items()
        }

    def assertNothingRan(self):
        self.env.invalidate_all()
        self.assertFalse(self.manager.has_group("base.group_system"))
        self.assertNotIn(self.system, self.manager.groups_id)
        self.assertEqual(self.victim.name, "Untouched")

    def test_rule_filters_that_run_code_are_refused_at_save(self):
        Rule = self.env["crm.routing.rule"].with_user(self.manager)
        for label, payload in self.payloads.items():
            with (
                self.subTest(label),
                self.assertRaisesRegex(
                    ValidationError, "Applies to.*a filter holds only fields"
                ),
            ):
                Rule.create(
                    {
                        "name": "Sneaky",
                        "active": False,
                        "user_ids": [(6, 0, self.sales.ids)],
                        "lead_domain": payload,
                    }
                )
            self.assertNothingRan()

    def test_the_refusal_names_what_is_not_plain_data(self):
        with self.assertRaisesRegex(ValidationError, "the name “user”"):
            self.make_rule(lead_domain=self.payloads["superuser write"])

    def test_skill_filters_that_run_code_are_refused_at_save(self):
        Skill = self.env["crm.routing.skill"].with_user(self.manager)
        for label, payload in self.payloads.items():
            with (
                self.subTest(label),
                self.assertRaisesRegex(ValidationError, "Leads that need it"),
            ):
                Skill.create({"name": f"Sneaky {label}", "lead_domain": payload})
            self.assertNothingRan()

    def test_replay_filters_that_run_code_are_refused_at_save(self):
        rule = self.make_rule()
        Simulation = self.env["crm.routing.simulation"].with_user(self.manager)
        for label, payload in self.payloads.items():
            with self.subTest(label), self.assertRaisesRegex(ValidationError, "Leads"):
                Simulation.create(
                    {"rule_ids": [(6, 0, rule.ids)], "lead_domain": payload}
                )
            self.assertNothingRan()

    def test_a_payload_already_stored_is_never_run_and_the_rule_is_skipped(self):
        """Stored before this release (or straight into the database): listing
        the rules, counting their leads and routing read it as data, show
        the rule's problem and route by the next rule."""
        sneaky = self.make_rule("Sneaky", sequence=1)
        fallback = self.make_rule("Everything else", sequence=2)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_routing_rule SET lead_domain = %s WHERE id = %s",
            [self.payloads["superuser write"], sneaky.id],
        )
        self.env.invalidate_all()
        as_manager = sneaky.with_user(self.manager)
        self.assertIn("the name “user”", as_manager.filter_problem)
        self.assertEqual(as_manager.matching_lead_count, 0)
        self.env["crm.routing.rule"].with_user(self.manager).search_read(
            [], ["name", "filter_problem", "matching_lead_count", "shadow_warning"]
        )
        with mute_logger("odoo.addons.crm_lead_routing.models.crm_routing_facts"):
            lead = self.create_leads(1)
        self.assertEqual(lead.routing_rule_id, fallback)
        self.assertIn(
            "“Sneaky” skipped: its filter no longer works on leads",
            lead.routing_summary,
        )
        self.assertNothingRan()

    def test_a_skill_filter_of_spaces_is_not_required_by_every_lead(self):
        skill = self.env["crm.routing.skill"].create(
            {"name": "Klingon", "lead_domain": "[ ]"}
        )
        self.assertFalse(skill.lead_domain)
        self.assertEqual(skill.need_summary, "Only leads of rules that require it")
        self.make_rule()
        lead = self.create_leads(1)
        self.assertEqual(lead.routing_state, "assigned")
        self.assertEqual(lead.user_id, self.alice)

    def test_a_skill_nobody_available_has_is_flagged_on_the_skill_and_its_rules(self):
        rule = self.make_rule()
        skill = self.env["crm.routing.skill"].create(
            {"name": "Klingon", "lead_domain": "[('name', 'ilike', 'qapla')]"}
        )
        self.assertIn(
            "Nobody who accepts new leads has this skill", skill.holder_warning
        )
        rule.invalidate_recordset(["skill_warning"])
        self.assertIn("“Klingon”", rule.skill_warning)
        self.env["crm.routing.user.skill"].create(
            {"user_id": self.bob.id, "skill_id": skill.id, "level": 3}
        )
        skill.invalidate_recordset(["holder_warning"])
        rule.invalidate_recordset(["skill_warning"])
        self.assertFalse(skill.holder_warning)
        self.assertFalse(rule.skill_warning)
        self.bob.routing_available = False
        skill.invalidate_recordset(["holder_warning"])
        self.assertTrue(skill.holder_warning)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingSavedLeadShowsNoMore(RoutingCase):
    """A salesperson saves a new lead that routing gives to a colleague: the
    save answers with a fixed set of the lead's own fields, never what the
    caller's specification asks of related records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.routing_staff_leads = "route"
        cls.make_rule()
        cls.other_company = cls.env["res.company"].create({"name": "Elsewhere Ltd"})
        cls.secret = (
            cls.env["crm.lead"]
            .with_context(tracking_disable=True)
            .create(
                {
                    "name": "Confidential merger",
                    "email_from": "ceo@target.example",
                    "expected_revenue": 9_999_999,
                    "company_id": cls.other_company.id,
                    "user_id": False,
                }
            )
        )
        cls.seller = salesperson(cls.env, "routing_sec_seller", name="Sam Seller")
        cls.env["crm.team.member"].create(
            {"crm_team_id": cls.team.id, "user_id": cls.seller.id}
        )

    def test_the_save_returns_only_the_lead_s_own_fields(self):
        specification = {
            "name": {},
            "email_from": {},
            "expected_revenue": {},
            "routing_summary": {},
            "duplicate_lead_ids": {
                "fields": {"name": {}, "expected_revenue": {}, "company_id": {}}
            },
            "team_id": {"fields": {"member_ids": {"fields": {"routing_score": {}}}}},
            "user_id": {
                "fields": {"display_name": {}, "routing_score_details": {}, "login": {}}
            },
            "company_id": {"fields": {"name": {}}},
        }
        (values,) = (
            self.env["crm.lead"]
            .with_user(self.seller)
            .web_save(
                {"name": "Lead for ceo", "email_from": "ceo@target.example"},
                specification,
            )
        )
        lead = self.env["crm.lead"].browse(values["id"])
        self.assertNotEqual(lead.user_id, self.seller, "routed to a colleague")
        self.assertEqual(values["duplicate_lead_ids"], [])
        self.assertEqual(
            values["user_id"],
            {"id": lead.user_id.id, "display_name": lead.user_id.name},
        )
        self.assertFalse(values["team_id"])
        self.assertFalse(values["company_id"])
        self.assertEqual(values["expected_revenue"], 0)
        self.assertEqual(values["email_from"], "ceo@target.example")
        self.assertIn(lead.user_id.name, values["routing_summary"])
        self.assertNotIn("Confidential", str(values))


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingOnePersonsDataNeverStopsRouting(RoutingCase):
    """A fault that belongs to one candidate excludes that candidate, says so
    in the log, and routes the lead to the next one."""

    def setUp(self):
        super().setUp()
        self.rule = self.make_rule(notify_assignee=True)

    def set_partner_column(self, user, column, value):
        """What Odoo lets through its API, or an old database holds."""
        self.env.flush_all()
        self.env.cr.execute(
            f"UPDATE res_partner SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, user.partner_id.id],
        )
        self.env.invalidate_all()

    def test_a_language_that_is_not_installed_is_refused_at_save(self):
        with self.assertRaisesRegex(ValidationError, "“xx_XX” is not an installed"):
            self.alice.with_user(self.alice).write({"lang": "xx_XX"})

    def test_a_broken_language_excludes_its_owner_not_the_lead(self):
        self.set_partner_column(self.alice, "lang", "xx_XX")
        leads = self.create_leads(6)
        self.assertEqual(set(leads.mapped("routing_state")), {"assigned"})
        self.assertNotIn(self.alice, leads.user_id)
        self.assertEqual(leads.user_id, self.sales - self.alice)
        self.assertIn(
            "Alice: their language (xx_XX) is not installed", leads[0].routing_summary
        )

    def test_a_broken_time_zone_excludes_its_owner_not_the_lead(self):
        self.set_partner_column(self.alice, "tz", "Mars/Olympus")
        lead = self.create_leads(1)
        self.assertEqual(lead.user_id, self.bob)
        self.assertIn(
            "their time zone (Mars/Olympus) does not exist", lead.routing_summary
        )

    def test_a_to_do_that_fails_for_one_person_routes_to_the_next(self):
        Activity = self.env.registry["mail.activity"]
        create = Activity.create
        alice = self.alice.id

        def failing_create(records, vals_list):
            if any(vals.get("user_id") == alice for vals in vals_list):
                raise ValueError("Alice's mailbox is broken")
            return create(records, vals_list)

        with (
            patch.object(Activity, "create", failing_create),
            mute_logger("odoo.addons.crm_lead_routing.models.crm_routing_dispatcher"),
        ):
            leads = self.create_leads(3)
        self.assertEqual(leads.mapped("routing_state"), ["assigned"] * 3)
        self.assertEqual(leads.user_id, self.bob | self.carol | self.dave)
        self.assertIn(
            "Alice: routing could not notify them or plan their to-do "
            "(Alice's mailbox is broken)",
            leads[0].routing_summary,
        )
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids)]
            ),
            3,
        )

    def test_a_notification_that_fails_for_one_person_routes_to_the_next(self):
        Lead = self.env.registry["crm.lead"]
        notify = Lead._message_auto_subscribe_notify
        alice = self.alice.partner_id.id

        def failing_notify(records, partner_ids, template):
            if alice in partner_ids:
                raise ValueError("no mail server for Alice")
            return notify(records, partner_ids, template)

        with (
            patch.object(Lead, "_message_auto_subscribe_notify", failing_notify),
            mute_logger("odoo.addons.crm_lead_routing.models.crm_routing_dispatcher"),
        ):
            lead = self.create_leads(1).with_context(tracking_disable=False)
            other = (
                self.env["crm.lead"]
                .with_user(self.integration)
                .with_context(tracking_disable=False)
                .create({"name": "Notified"})
            )
        self.assertEqual(lead.routing_state, "assigned")
        self.assertNotEqual(other.sudo().user_id, self.alice)
        self.assertEqual(other.sudo().routing_state, "assigned")


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingProfilesBelongToTheirCompany(RoutingCase):
    """Another company's manager can change none of our salespeople."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Rival Inc"})
        cls.manager_b = sales_manager(
            cls.env,
            "routing_sec_manager_b",
            name="Boris Rival",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.manager_a = sales_manager(cls.env, "routing_sec_manager_a", name="Ada Ours")
        cls.skill = cls.env["crm.routing.skill"].create({"name": "Spanish"})

    def test_another_company_s_manager_cannot_change_our_salespeople(self):
        alice = self.alice.with_user(self.manager_b)
        for vals in (
            {"routing_available": False},
            {"routing_max_open_leads": 1},
            {"routing_satisfaction": 0.5},
            {"routing_skill_ids": [(0, 0, {"skill_id": self.skill.id, "level": 1})]},
        ):
            with (
                self.subTest(vals),
                self.assertRaisesRegex(
                    AccessError, "do not work in any of your companies"
                ),
            ):
                alice.write(vals)
        with self.assertRaises(AccessError):
            alice.action_routing_toggle_available()
        with self.assertRaises(AccessError):
            alice.action_routing_recompute_scores()
        with self.assertRaises(AccessError):
            self.env["crm.routing.user.skill"].with_user(self.manager_b).create(
                {"user_id": self.alice.id, "skill_id": self.skill.id, "level": 1}
            )
        self.env.invalidate_all()
        self.assertTrue(self.alice.routing_available)
        self.assertEqual(self.alice.routing_max_open_leads, 0)
        self.assertFalse(self.alice.routing_skill_ids)

    def test_our_manager_still_changes_our_salespeople(self):
        alice = self.alice.with_user(self.manager_a)
        alice.write({"routing_max_open_leads": 4})
        alice.action_routing_toggle_available()
        self.assertEqual(self.alice.routing_max_open_leads, 4)
        self.assertFalse(self.alice.routing_available)

    def test_a_salesperson_switches_only_their_own_availability(self):
        self.alice.with_user(self.alice).action_routing_toggle_available()
        self.assertFalse(self.alice.routing_available)
        with self.assertRaisesRegex(AccessError, "Only sales managers"):
            self.bob.with_user(self.alice).action_routing_toggle_available()


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingFieldsSalespeopleCannotForge(RoutingCase):
    """Route now and the experiment's fields belong to managers and routing."""

    def setUp(self):
        super().setUp()
        self.make_rule()

    def test_a_salesperson_cannot_route_leads_through_the_api(self):
        leads = self.create_leads(3)
        before = leads.mapped("user_id")
        with self.assertRaisesRegex(AccessError, "Only sales managers can route"):
            leads.with_user(self.alice).action_route()
        self.assertEqual(leads.mapped("user_id"), before)
        self.assertEqual(set(leads.mapped("routing_state")), {"assigned"})

    def test_route_now_counts_what_it_wrote(self):
        manager = sales_manager(self.env, "routing_sec_router")
        leads = self.create_leads(3)
        self.env["crm.routing.rule"].search([]).write({"fallback": "queue"})
        self.sales.write({"routing_available": False})
        action = leads.with_user(manager).action_route()
        self.assertEqual(action["params"]["message"], "0 assigned; 3 queued")
        self.assertEqual(set(leads.mapped("routing_state")), {"queued"})

    def test_experiment_fields_cannot_be_forged(self):
        rule = self.env["crm.routing.rule"].search([], limit=1)
        experiment = self.env["crm.routing.experiment"].create(
            {"name": "Test", "rule_id": rule.id, "variant_strategy": "weighted"}
        )
        lead = self.create_leads(1)
        forged = {
            "routing_experiment_id": experiment.id,
            "routing_experiment_arm": "variant",
            "routing_strategy": "weighted",
        }
        for name, value in forged.items():
            with self.subTest(name), self.assertRaises(AccessError):
                lead.with_user(lead.user_id).write({name: value})
            with self.subTest(name), self.assertRaises(AccessError):
                self.env["crm.lead"].with_user(self.alice).create(
                    {"name": "Forged", name: value}
                )
            with self.subTest(name), self.assertRaises(AccessError):
                self.env["crm.lead"].with_user(self.alice).with_context(
                    **{f"default_{name}": value}
                ).create({"name": "Forged"})
        self.assertFalse(lead.routing_experiment_id)


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingHiddenScoresStayHidden(RoutingCase):
    """With colleagues' scores hidden, a salesperson reads no target share of
    anyone else: not on the rule's fairness table, not in the log."""

    def setUp(self):
        super().setUp()
        self.company.routing_score_share = False
        self.rule = self.make_rule(strategy="weighted", fairness_floor=20)
        self.leads = self.create_leads(10)

    def test_the_rule_s_fairness_table_shows_no_target_to_a_salesperson(self):
        as_alice = self.rule.with_user(self.alice)
        self.assertIn("Bob", as_alice.fairness_html)
        self.assertNotIn("Target", as_alice.fairness_html)
        self.assertNotIn("largest gap", as_alice.fairness_html)
        self.rule.invalidate_recordset(["fairness_html"])
        self.assertIn("Target", self.rule.fairness_html)
        self.company.routing_score_share = True
        self.rule.invalidate_recordset(["fairness_html"])
        self.assertIn("Target", self.rule.with_user(self.alice).fairness_html)

    def test_the_log_tells_a_salesperson_only_their_own_share(self):
        lead = self.leads.filtered(lambda lead: lead.user_id == self.alice)[:1]
        log = lead.routing_log_ids[:1].with_env(self.env)
        manager_reason = log.reason
        self.assertIn("target share", manager_reason.split("Also eligible")[1])
        log.invalidate_recordset(["reason", "details_html"])
        alice_reason = log.with_user(self.alice).reason
        self.assertIn("Assigned to Alice", alice_reason)
        self.assertIn("performance-weighted, target share", alice_reason)
        self.assertNotIn("target share", alice_reason.split("Also eligible")[1])
        self.assertNotIn("%(share)s", alice_reason)
        bob_lead = self.leads.filtered(lambda lead: lead.user_id == self.bob)[:1]
        bob_reason = bob_lead.routing_log_ids[:1].with_user(self.alice).reason
        self.assertIn("by the rule “Catch all”: performance-weighted.", bob_reason)
        with self.assertRaises(AccessError):
            log.with_user(self.alice).read(["details"])


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingBadInputAtTheDoor(RoutingCase):
    """Values that would fail in the database later fail now, with a sentence."""

    def test_numbers_out_of_range_are_refused_naming_the_field(self):
        cases = [
            (self.company, {"routing_score_window_days": 1_000_000}, "ten years"),
            (self.company, {"routing_default_sla_minutes": 2**31 - 1}, "30 days"),
            (self.company, {"routing_sla_interval": 2**40}, "largest number"),
            (self.alice, {"routing_max_open_leads": 2**31}, "Max Open Leads"),
        ]
        for record, vals, message in cases:
            with self.subTest(vals), self.assertRaisesRegex(ValidationError, message):
                with self.env.cr.savepoint():
                    record.write(vals)
        with self.assertRaisesRegex(ValidationError, "30 days"):
            self.make_rule(sla_minutes=2**31 - 1)
        with self.assertRaisesRegex(ValidationError, "“Max Reassignments”|between 0"):
            self.make_rule(max_reassignments=2**31)

    def test_a_nul_character_is_refused_naming_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Rule Name.*NUL|NUL"):
            self.make_rule(name="Nul\x00rule")
        with self.assertRaisesRegex(ValidationError, "NUL"):
            self.env["crm.routing.skill"].create({"name": "Bad\x00skill"})

    def test_the_nightly_score_run_survives_what_was_refused(self):
        with self.assertRaises(ValidationError):
            self.company.routing_score_window_days = 1_000_000
        self.assertEqual(self.company.routing_score_window_days, 90)
        self.env["crm.routing.scorer"]._recompute()


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingManagersLowRisks(RoutingCase):
    """Apply These Rules stays in its company; adopting writes only what the
    variant changes."""

    def test_apply_these_rules_leaves_rules_shared_by_every_company_alone(self):
        own = self.make_rule("Ours")
        shared = self.make_rule("Everyone's", company_id=False)
        draft = self.make_rule("Draft", active=False)
        manager = sales_manager(self.env, "routing_sec_no_mail")
        manager.partner_id.email = False
        simulation = self.env["crm.routing.simulation"].create(
            {"rule_ids": [(6, 0, draft.ids)]}
        )
        simulation.with_user(manager).action_apply_rules()
        self.assertTrue(draft.active)
        self.assertFalse(own.active)
        self.assertTrue(shared.active, "serves other companies too")
        self.assertIn("Archived: Ours", simulation.message_ids[0].body)

    def test_adopting_keeps_the_floor_a_manager_changed_since_the_start(self):
        rule = self.make_rule(strategy="round_robin", fairness_floor=30)
        experiment = self.env["crm.routing.experiment"].create(
            {
                "name": "Weighted?",
                "rule_id": rule.id,
                "variant_strategy": "load_balanced",
            }
        )
        experiment.action_start()
        rule.fairness_floor = 45
        with patch.object(
            type(experiment), "_compute_results", _variant_wins, create=False
        ):
            experiment.invalidate_recordset()
            self.assertEqual(
                experiment.adopt_changes,
                "Strategy: Round robin → Load-balanced",
            )
            experiment.action_adopt()
        self.assertEqual(rule.strategy, "load_balanced")
        self.assertEqual(rule.fairness_floor, 45)


def _variant_wins(experiments):
    for exp in experiments:
        exp.update(
            {
                "sample_size": 1,
                "baseline": False,
                "date_planned_end": False,
                "lead_count": 1,
                "interim": False,
                "winner": "variant",
                "verdict": "The variant wins.",
                "results_html": False,
            }
        )
