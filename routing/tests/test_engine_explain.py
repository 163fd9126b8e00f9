# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Explanations a sales manager reads: sentences with names, never codes or ids."""

import re
from datetime import UTC, datetime

from routing import explain
from routing.engine import route_batch
from routing.facts import Candidate, Lead, Rule

B = frozenset({1})
NOW = datetime(2026, 1, 13, 9, 0)


class Names:
    users = {
        1: "Sofia Marchetti",
        2: "Grace Kim",
        3: "Amélie Laurent",
        4: "Noah Fischer",
    }
    rules = {9: "VIP accounts", 10: "Enterprise deals", 11: "Everything else"}
    skills = {7: "Enterprise plan"}

    def user(self, uid):
        return self.users.get(uid)

    def rule(self, rid):
        return self.rules.get(rid)

    def skill(self, sid):
        return self.skills.get(sid)


def enterprise_decision():
    cands = {
        1: Candidate(1, B, available=False),
        2: Candidate(2, B, skills={7: 4}, open_leads=3),
        3: Candidate(3, B),
        4: Candidate(4, B, skills={7: 2}, open_leads=1),
    }
    rules = [
        Rule(9, 1, "fixed_user", fixed_user_id=1),
        Rule(10, 2, "best_match", (1, 2, 3, 4), required_skill_ids=frozenset({7})),
    ]
    res = route_batch([Lead(1, 1, rule_ids=(9, 10))], cands, rules, now=NOW)
    return res.decisions[0]


def test_one_plain_sentence_per_part_with_names_and_figures():
    text = explain.render(enterprise_decision().to_json(), Names())
    assert text == (
        "Assigned to Grace Kim by the rule “Enterprise deals”: best skill match "
        "(skill fit 80%, open leads: 3). "
        "Also eligible: Noah Fischer (skill fit 40%, open leads: 1). "
        "Not eligible: Sofia Marchetti: not accepting new leads; "
        "Amélie Laurent: lacks “Enterprise plan”. "
        "Before that: “VIP accounts”: nobody eligible (Sofia Marchetti: not "
        "accepting new leads), tried the next rule."
    )


def test_no_code_or_id_reaches_the_reader():
    text = explain.render(enterprise_decision().to_json(), Names())
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # no missing_skill...
    assert not re.search(r"\b(user|rule|skill) \d+\b", text), text


def test_every_word_goes_through_translation():
    """A translation that upper-cases every template leaves only the names
    (which are not translated here) in lower case."""

    def shout(template):
        parts = re.split(r"(%\(\w+\)s)", template)
        return "".join(p if p.startswith("%(") else p.upper() for p in parts)

    text = explain.render(enterprise_decision().to_json(), Names(), shout)
    for name in (*Names.users.values(), *Names.rules.values(), *Names.skills.values()):
        text = text.replace(name, "")
    assert not re.search(r"[a-z]", text), text


def test_a_lead_that_fell_through_two_rules_names_both():
    cands = {1: Candidate(1, B, available=False), 2: Candidate(2, B, available=False)}
    rules = [
        Rule(10, 1, "round_robin", (1,)),
        Rule(11, 2, "load_balanced", (2,), fallback="queue"),
    ]
    decision = route_batch([Lead(1, 1, rule_ids=(10, 11))], cands, rules).decisions[0]
    text = explain.render(decision.to_json(), Names())
    assert text.startswith("Queued by the rule “Everything else”")
    assert (
        "Before that: “Enterprise deals”: nobody eligible (Sofia Marchetti: not "
        "accepting new leads), tried the next rule." in text
    )


def test_a_rule_tried_before_names_only_a_few_and_counts_the_others():
    cands = {uid: Candidate(uid, B, available=False) for uid in range(1, 9)}
    cands[9] = Candidate(9, B)
    rules = [
        Rule(10, 1, "round_robin", tuple(range(1, 9))),
        Rule(11, 2, "load_balanced", (9,)),
    ]
    decision = route_batch([Lead(1, 1, rule_ids=(10, 11))], cands, rules).decisions[0]
    tried = decision.to_json()["tried"][0]["params"]
    assert len(tried["people"]) == 5
    assert tried["more"] == 3
    text = explain.render(decision.to_json())
    assert "user 5: not accepting new leads and 3 more), tried the next rule" in text


def test_caps_say_the_maximum_reached():
    cands = {1: Candidate(1, B, open_leads=5, max_open=5), 2: Candidate(2, B)}
    rule = Rule(10, 1, "round_robin", (1, 2))
    decision = route_batch([Lead(1, 1, rule_ids=(10,))], cands, [rule]).decisions[0]
    text = explain.render(decision.to_json(), Names())
    assert "Sofia Marchetti: has reached their maximum of open leads (5)" in text


def test_candidate_table_rows_are_labels_and_names():
    rows = explain.candidate_rows(enterprise_decision().to_json(), Names())
    assert rows[0] == (
        1,
        "Grace Kim",
        "Chosen",
        "best skill match (skill fit 80%, open leads: 3)",
    )
    assert ("", "Amélie Laurent", "Not eligible", "lacks “Enterprise plan”") in rows


def test_deleted_people_and_rules_are_named_as_such():
    details = enterprise_decision().to_json()
    text = explain.render(details, _Nobody())
    assert "a deleted user" in text and "a deleted rule" in text


class _Nobody:
    def user(self, uid):
        return None

    def rule(self, rid):
        return None

    def skill(self, sid):
        return None


def test_durations_read_as_people_say_them():
    assert explain.duration(0.5) == "30 s"
    assert explain.duration(22.3) == "22 min"
    assert explain.duration(190) == "3 h 10 min"
    assert explain.duration(120) == "2 h"
    assert explain.duration(7 * 24 * 60 + 60) == "7 days"
    assert explain.duration(1.5 * 24 * 60) == "1.5 days"
    assert explain.duration(None) == ""


def test_triggers_explain_why_routing_ran_again():
    details = enterprise_decision().to_json()
    details["trigger"] = [
        {"code": "no_contact_within", "minutes": 30},
        {"code": "owner_archived", "user_id": 1},
    ]
    text = explain.render(details, Names())
    assert text.startswith(
        "Nobody contacted it within 30 min. Sofia Marchetti is archived. Assigned to"
    )


def test_a_broken_filter_is_skipped_and_said():
    cands = {1: Candidate(1, B)}
    rules = [
        Rule(9, 1, "fixed_user", fixed_user_id=1),
        Rule(10, 2, "round_robin", (1,)),
    ]
    decision = route_batch(
        [Lead(1, 1, rule_ids=(10,))],
        cands,
        rules,
        broken={9: "the field “x_region” no longer exists on leads"},
    ).decisions[0]
    assert decision.rule_id == 10 and decision.user_id == 1
    text = explain.render(decision.to_json(), Names())
    assert (
        "Before that: “VIP accounts” skipped: its filter no longer works on leads "
        "(the field “x_region” no longer exists on leads)."
    ) in text


def test_old_log_lines_render_nothing_for_the_caller_to_fall_back():
    assert explain.render({"candidates": [{"user_id": 1, "reason": "chosen"}]}) == ""
    assert explain.render(None) == ""


def test_one_hidden_person_and_a_lead_just_now_read_naturally():
    # The chosen one and four more eligible: three are listed, one is not.
    # Everyone has just had a lead: "just now", not "0 s ago".
    cands = {
        uid: Candidate(uid, B, last_assigned=NOW.replace(tzinfo=UTC).timestamp())
        for uid in range(1, explain.SHOWN_ELIGIBLE + 3)
    }
    rules = [Rule(11, 1, "load_balanced", tuple(cands))]
    res = route_batch([Lead(1, 1, rule_ids=(11,))], cands, rules, now=NOW)
    text = explain.render(res.decisions[0].to_json(), Names())
    assert "One more person not listed." in text
    assert "more people" not in text
    assert "last lead just now" in text
    assert " 0 s ago" not in text


def test_a_person_s_figures_are_joined_as_the_reader_s_language_joins_them():
    chinese = {"%(items)s, %(item)s": "%(items)s，%(item)s"}
    details = {
        "v": 2,
        "event": "assign",
        "code": "best_match",
        "strategy": "best_match",
        "rule_id": 1,
        "user_id": 2,
        "params": {"fit": 0.8, "open_leads": 2},
        "candidates": [
            {"user_id": 2, "eligible": True, "reason": "chosen", "rank": 1},
            {
                "user_id": 3,
                "eligible": True,
                "reason": "eligible",
                "rank": 2,
                "params": {"fit": 0.6, "open_leads": 1},
            },
        ],
    }
    text = explain.render(details, tr=lambda t: chinese.get(t, t))
    assert "skill fit 60%，open leads: 1" in text
    assert ", open leads: 1" not in text
