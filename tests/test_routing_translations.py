# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
import re

import polib
from freezegun import freeze_time

from odoo.modules.module import get_module_path
from odoo.tests import new_test_user, tagged
from odoo.tools.translate import code_translations

from .common import RoutingCase

MODULE = "crm_lead_routing"
# Odoo's language codes; the files are i18n/zh_CN.po and i18n/ru.po (Odoo reads
# "ru.po" for ru_RU, as for its own addons).
CHINESE, RUSSIAN = "zh_CN", "ru_RU"
PO_FILES = {CHINESE: "zh_CN.po", RUSSIAN: "ru.po"}
CREATED = "2026-11-23 10:00:00"
MISSED = "2026-11-23 10:31:00"
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?\d*(?:\.\d+)?[sdifr]")


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def po_entries(lang):
    path = f"{get_module_path(MODULE)}/i18n/{PO_FILES[lang]}"
    return [entry for entry in polib.pofile(path) if not entry.obsolete]


@tagged("post_install", "-at_install", MODULE)
class TestRoutingTranslations(RoutingCase):
    """Chinese and Russian readers see routing in their language.

    A routing log line stores the decision (codes, figures, ids), never a
    sentence: each reader gets it rendered in their own language. The "contact
    this lead" activity is worded once, when it is created, in the language of
    the salesperson it is for.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in (CHINESE, RUSSIAN):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            [MODULE], [CHINESE, RUSSIAN], overwrite=True
        )
        cls.alice.lang = CHINESE
        cls.bob.lang = RUSSIAN
        cls.manager = new_test_user(
            cls.env,
            "routing_translations_manager",
            name="Mila",
            groups="sales_team.group_sale_manager",
            lang=RUSSIAN,
            tz="UTC",
        )

    def read_as(self, user, records):
        """``records`` as ``user`` reads them: in the language of their
        preferences, as the web client sets it for each request."""
        return records.with_user(user).with_context(
            **user.with_user(user).context_get()
        )

    def route_one(self, **rule_vals):
        self.make_rule("Inbound", sla_minutes=30, notify_assignee=True, **rule_vals)
        with freeze_time(CREATED):
            lead = self.create_leads(1)
        return lead, self.last_log(lead)

    # ------------------------------------------------------------- explanations
    def test_chinese_salesperson_reads_routing_and_the_activity_in_chinese(self):
        lead, log = self.route_one()
        self.assertEqual(lead.user_id, self.alice)
        explanation = (
            "按规则“Inbound”分配给 Alice：轮到此人。 "
            "同样符合条件：Bob（本轮已分得线索：0）；Carol（本轮已分得线索：0）；"
            "Dave（本轮已分得线索：0）。 另有 1 人未列出。"
        )
        self.assertEqual(self.read_as(self.alice, log).reason, explanation)
        self.assertEqual(self.read_as(self.alice, lead).routing_summary, explanation)
        table = self.read_as(self.alice, log).details_html
        self.assertIn("<th>销售人员</th><th>结论</th><th>原因</th>", table)
        self.assertIn("<td>Alice</td><td>已选中</td><td>轮到此人</td>", table)
        self.assertIn("<td>Bob</td><td>符合条件</td><td>本轮已分得线索：0</td>", table)
        activity = lead.activity_ids
        self.assertEqual(activity.user_id, self.alice)
        self.assertEqual(activity.summary, "新线索：请在 2026-11-23 10:30 UTC 前联系")

    def test_one_stored_decision_reads_in_each_readers_language(self):
        lead, log = self.route_one()
        stored = dict(log.details)
        self.assertEqual(
            self.read_as(self.manager, log).reason,
            "Назначен продавцу Alice по правилу «Inbound»: следующий по кругу. "
            "Также подходили: Bob (лидов в этом круге: 0); Carol (лидов в этом "
            "круге: 0); Dave (лидов в этом круге: 0). Ещё один человек не показан.",
        )
        self.assertEqual(
            self.read_as(self.integration, log).reason,
            "Assigned to Alice by the rule “Inbound”: next in the round-robin "
            "rotation. Also eligible: Bob (leads in this rotation: 0); Carol (leads "
            "in this rotation: 0); Dave (leads in this rotation: 0). One more person "
            "not listed.",
        )
        self.assertIn("已选中", self.read_as(self.alice, log).details_html)
        self.assertIn("<td>Выбран</td>", self.read_as(self.manager, log).details_html)
        # Reading never rewrote what was stored: codes and figures, no sentence.
        log.invalidate_recordset(["details"])
        self.assertEqual(log.details, stored)

    def test_russian_salesperson_gets_the_activity_in_russian(self):
        lead, log = self.route_one(strategy="fixed_user", fixed_user_id=self.bob.id)
        self.assertEqual(lead.user_id, self.bob)
        self.assertEqual(
            lead.activity_ids.summary,
            "Новый лид: свяжитесь с ним до 2026-11-23 10:30 UTC",
        )
        self.assertEqual(
            self.read_as(self.bob, log).reason,
            "Назначен продавцу Bob по правилу «Inbound»: продавец, указанный в "
            "правиле.",
        )

    def test_missed_deadline_reassignment_reads_in_each_language(self):
        lead, _log = self.route_one()
        self.assertEqual(lead.user_id, self.alice)
        with freeze_time(MISSED):
            self.env["crm.routing.sweeper"]._sweep_overdue()
        self.assertEqual(lead.user_id, self.bob)
        log = self.last_log(lead)
        self.assertEqual(log.event, "reassign")
        chinese = self.read_as(self.alice, log).reason
        self.assertTrue(
            chinese.startswith(
                "30 分钟内无人联系。 按规则“Inbound”重新分配给 Bob：轮到此人。"
            ),
            chinese,
        )
        self.assertIn("不符合条件：Alice（之前已负责过此线索）。", chinese)
        russian = self.read_as(self.bob, log).reason
        self.assertTrue(
            russian.startswith(
                "За 30 мин с ним никто не связался. Переназначен продавцу Bob по "
                "правилу «Inbound»: следующий по кругу."
            ),
            russian,
        )
        self.assertIn(
            "Не подходили: Alice — лид уже побывал у этого продавца.", russian
        )
        # Bob, who now has it, gets the note and the activity in Russian.
        note = lead.message_ids.filtered(lambda m: "Переназначен" in (m.body or ""))
        self.assertEqual(len(note), 1, lead.message_ids.mapped("body"))
        self.assertIn(
            "Переназначен: был у Alice, теперь у Bob. За 30 мин с ним никто не "
            "связался.",
            note.body,
        )
        activity = lead.activity_ids.filtered(lambda a: a.user_id == self.bob)
        self.assertEqual(
            activity.summary, "Новый лид: свяжитесь с ним до 2026-11-23 11:01 UTC"
        )

    # -------------------------------------------------- readers, not writers
    def test_a_replay_reads_in_the_language_of_whoever_opens_it(self):
        rule = self.make_rule("Inbound")
        self.company.routing_auto_assign = False
        leads = self.create_leads(3)
        chinese_manager = new_test_user(
            self.env,
            "routing_translations_zh_manager",
            groups="sales_team.group_sale_manager",
            lang=CHINESE,
        )
        sim = (
            self.env["crm.routing.simulation"]
            .with_user(self.manager)
            .with_context(lang=RUSSIAN)
            .create(
                {
                    "lead_domain": repr([("id", "in", leads.ids)]),
                    "rule_ids": [(6, 0, rule.ids)],
                }
            )
        )
        sim.action_run()
        line = sim.line_ids[:1]
        self.assertTrue(self.read_as(self.manager, line).reason.startswith("Назначен"))
        self.assertTrue(self.read_as(chinese_manager, line).reason.startswith("按规则"))
        self.assertIn("各销售人员线索", self.read_as(chinese_manager, sim).summary_html)
        self.assertIn("Лиды по продавцам", self.read_as(self.manager, sim).summary_html)

    def test_a_lead_queued_by_the_sweep_is_noted_in_the_company_s_language(self):
        self.company.partner_id.lang = RUSSIAN
        lead, _log = self.route_one(
            user_ids=[(6, 0, (self.alice | self.bob).ids)], fallback="queue"
        )
        self.assertEqual(lead.user_id, self.alice)
        # Bob is away, Alice already had it: the lead waits in the queue.
        self.bob.routing_available = False
        with freeze_time(MISSED):
            self.env["crm.routing.sweeper"]._sweep_overdue()
        self.assertEqual(lead.routing_state, "queued")
        note = lead.message_ids.filtered(lambda m: "Alice" in (m.body or ""))[:1]
        self.assertIn("поставлен в очередь", note.body)

    def test_figures_follow_the_readers_way_of_writing_numbers(self):
        rule = self.make_rule("Inbound", strategy="weighted", fairness_floor=30)
        self.create_leads(3)
        russian = self.read_as(self.manager, rule).fairness_html
        self.assertRegex(russian, r"\d+,\d %")
        self.assertNotRegex(russian, r"\d+\.\d%")

    def test_a_russian_deadline_reads_in_lower_case_after_its_label(self):
        lead, _log = self.route_one()
        with freeze_time(CREATED):
            left = self.read_as(self.bob, lead.sudo()).routing_time_left
        self.assertTrue(left.startswith("осталось "), left)

    # -------------------------------------------------- targets and capacity
    @freeze_time("2026-11-25 12:00:00")
    def test_targets_and_capacity_read_in_each_language(self):
        target = (
            self.env["crm.routing.target"]
            .with_user(self.manager)
            .create(
                {
                    "user_id": self.alice.id,
                    "metric": "conversion",
                    "target_value": 30.0,
                    "date_from": "2026-10-01",
                    "date_to": "2026-12-31",
                }
            )
        )
        target.action_start()
        chinese = target.with_context(lang=CHINESE)
        self.assertTrue(chinese.suggestion_note.startswith("没有可供建议的历史数据"))
        self.assertEqual(chinese.current_display, "暂无数据")
        russian = self.read_as(self.manager, target)
        self.assertTrue(
            russian.suggestion_note.startswith("Нет истории для предложения")
        )
        titles = [
            title
            for title, _targets in self.env["crm.routing.target"]
            .with_context(lang=CHINESE)
            ._leaderboard_columns()
        ]
        self.assertTrue(titles[0].startswith("转化率（截至 "), titles)
        Capacity = self.env["crm.routing.capacity"].with_user(self.manager)
        report = Capacity.with_context(lang=RUSSIAN, tz="UTC").create({})
        self.assertIn("Лиды, созданные с", report.summary)
        self.assertIn("На следующей неделе", report.summary)
        report = report.with_context(lang=CHINESE)
        self.assertIn("创建的线索", report.summary)
        report._write_lines()
        self.assertEqual(report.line_ids[9].name, "星期一 09:00")

    # ------------------------------------------------------------- the files
    def test_odoo_serves_every_translation_of_both_files(self):
        """Each string of zh_CN.po and ru.po, where Odoo shows it: the code's
        sentences, field labels and help, selection values, models, actions,
        menus and views, translated, placeholders kept."""
        for lang in (CHINESE, RUSSIAN):
            code = code_translations.get_python_translations(MODULE, lang)
            for entry in po_entries(lang):
                with self.subTest(lang=lang, msgid=entry.msgid):
                    self.assertTrue(entry.msgstr.strip())
                    self.assertEqual(
                        placeholders(entry.msgstr), placeholders(entry.msgid)
                    )
                    for where, _line in entry.occurrences:
                        self.assertIn(
                            entry.msgstr, self.served(where, lang, code, entry.msgid)
                        )

    def served(self, where, lang, code, msgid):
        """The translations Odoo serves in ``lang`` for the place ``where`` of a
        .po reference (``code:...``, ``model:...``, ``model_terms:...``)."""
        if where.startswith("code:"):
            return [code.get(msgid)]
        kind, rest = where.split(":", 1)
        model_field, xmlid = rest.split(":", 1)
        model, field = model_field.split(",")
        record = self.env.ref(xmlid).with_context(lang=lang)
        self.assertEqual(record._name, model)
        value = record[field]
        if kind == "model_terms":
            return record._fields[field].get_trans_terms(value)
        return [value]
