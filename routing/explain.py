# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""A decision's stored details, as the sentences a sales manager reads.

Pure: the caller gives the names (people, rules, skills) and a translation
function for the templates of ``routing.messages``; nothing is looked up here.
The log stores only the structured details and is rendered when read, so the
wording and the reader's language can change without touching what was
stored.

An explanation says, in this order: why routing ran (a missed deadline...),
what happened and why (who got the lead, by which rule, and the figure that
decided), remarks (working hours missing), who else was eligible and what
ranked them, who was not and why, and the rules tried before.
"""

from . import messages, strategies

# How many people each part of an explanation names before "N more".
SHOWN_ELIGIBLE = 3
SHOWN_EXCLUDED = 5


def _identity(template):
    return template


class IdNames:
    """Names for tests and benchmarks: ``user 7``, ``rule 3``, ``skill 5``."""

    def user(self, user_id):
        return f"user {user_id}"

    def rule(self, rule_id):
        return f"rule {rule_id}"

    def skill(self, skill_id):
        return f"skill {skill_id}"

    def experiment(self, experiment_id):
        return f"experiment {experiment_id}"


def duration(minutes, tr=_identity):
    """A duration as a person says it: "45 s", "22 min", "3 h 10 min",
    "7 days"; empty when unknown."""
    if minutes is None or minutes is False:
        return ""
    minutes = max(float(minutes), 0.0)
    texts = messages.DURATIONS
    if minutes < 1:
        return tr(texts["seconds"]) % {"seconds": round(minutes * 60)}
    if minutes < 60:
        return tr(texts["minutes"]) % {"minutes": round(minutes)}
    if minutes < 24 * 60:
        hours, rest = divmod(round(minutes), 60)
        if not rest:
            return tr(texts["hours"]) % {"hours": hours}
        return tr(texts["hours_minutes"]) % {"hours": hours, "minutes": rest}
    days = minutes / (24 * 60)
    days = round(days, 1) if days < 10 else round(days)
    if days == int(days):
        days = int(days)
    return tr(texts["days"]) % {"days": days}


def join(items, tr=_identity):
    """Items as one list in the reader's language ("a; b; c")."""
    return _Renderer(None, tr).join(items)


def percent(value):
    return f"{round(float(value) * 100)}%"


class _Renderer:
    def __init__(self, names, tr):
        self.names = names or IdNames()
        self.tr = tr or _identity

    def text(self, table, key, **params):
        return self.tr(table[key]) % params

    def join(self, items, part="list_more"):
        """``items`` as one text, each added by the template ``part`` of
        ``messages.PARTS`` ("a; b; c" for a list)."""
        items = list(items)
        if not items:
            return ""
        template = self.tr(messages.PARTS[part])
        text = items[0]
        for item in items[1:]:
            text = template % {"items": text, "item": item}
        return text

    def user(self, user_id):
        if not user_id:
            return self.tr(messages.PARTS["deleted_user"])
        return self.names.user(user_id) or self.tr(messages.PARTS["deleted_user"])

    def rule(self, rule_id):
        if not rule_id:
            return self.tr(messages.PARTS["deleted_rule"])
        return self.names.rule(rule_id) or self.tr(messages.PARTS["deleted_rule"])

    def skills(self, skill_ids):
        deleted = self.tr(messages.PARTS["deleted_skill"])
        return ", ".join(f"“{self.names.skill(s) or deleted}”" for s in skill_ids)

    def figures(self, params):
        """Each known figure in words: "3 open leads, skill fit 80%"."""
        params = params or {}
        out = []
        for key, figure in strategies.figures().items():
            value = params.get(key)
            if value is None or value is False:
                continue
            if figure.shown_as == "flag":
                out.append(self.tr(figure.text))
                continue
            if figure.shown_as == "duration" and value < 1 and figure.now_text:
                out.append(self.tr(figure.now_text))
                continue
            if figure.shown_as == "percent":
                value = percent(value)
            elif figure.shown_as == "duration":
                value = duration(value, self.tr)
            out.append(self.tr(figure.text) % {key: value})
        return self.join(out, "figures_more")

    def why(self, details):
        code = details.get("code")
        params = dict(details.get("params") or {})
        for key, figure in strategies.figures().items():
            if key in params and figure.shown_as == "percent":
                params[key] = percent(params[key])
        if "via" in params:
            params["via"] = self.text(messages.VIA, params["via"])
        if "order" in params:
            params["order"] = self.order(params["order"], params.get("priority"))
        if "waited" in params:
            params["waited"] = duration(params["waited"], self.tr)
        params["user"] = self.user(details.get("user_id"))
        template, short = messages.WHY.get(code), ""
        if template is None:
            try:
                strategy = strategies.get(details.get("strategy") or code)
            except ValueError:
                return ""
            template, short = strategy.why, strategy.why_short
        try:
            return self.tr(template) % params
        except (KeyError, TypeError, ValueError):
            # Figures missing (an older line, figures the reader may not
            # see): say it without them.
            if short:
                return self.tr(short)
            return self.tr(template).split(" (")[0]

    def order(self, order, priority=False):
        """The order of work in words: "oldest first", "priority channels
        first, then newest first"."""
        text = self.tr(messages.ORDERS.get(order, messages.ORDERS["oldest"]))
        if priority:
            return self.text(messages.ORDERS, "priority", order=text)
        return text

    def outcome(self, details):
        event, code = details.get("event"), details.get("code")
        rule = self.rule(details.get("rule_id"))
        if code in ("no_rule", "failed"):
            return self.tr(messages.OUTCOMES[code])
        if event in ("assign", "reassign", "take"):
            return self.text(
                messages.OUTCOMES,
                event,
                user=self.user(details.get("user_id")),
                rule=rule,
                why=self.why(details),
            )
        if event == "manual":
            by = self.user((details.get("params") or {}).get("by"))
            if details.get("user_id"):
                return self.text(
                    messages.OUTCOMES,
                    "manual",
                    user=self.user(details.get("user_id")),
                    by=by,
                )
            return self.text(messages.OUTCOMES, "manual_none", by=by)
        if event == "escalate":
            params = details.get("params") or {}
            key = "escalate" if details.get("user_id") else "escalate_nobody"
            if code == "escalate_dead_end" and details.get("user_id"):
                key = code
            return self.text(
                messages.OUTCOMES,
                key,
                user=self.user(details.get("user_id")),
                rule=rule,
                count=params.get("count", 0),
            )
        if event == "queue" and code == "pull":
            timeout = (details.get("params") or {}).get("timeout")
            if timeout:
                return self.text(
                    messages.OUTCOMES,
                    "pull_timeout",
                    rule=rule,
                    duration=duration(timeout, self.tr),
                )
            return self.text(messages.OUTCOMES, "pull", rule=rule)
        if event == "queue":
            return self.text(messages.OUTCOMES, "queue", rule=rule)
        return self.tr(messages.OUTCOMES["unroutable"])

    def trigger(self, item):
        params = dict(item)
        code = params.pop("code")
        if "minutes" in params:
            params["duration"] = duration(params["minutes"], self.tr)
        if "user_id" in params:
            params["user"] = self.user(params["user_id"])
        return self.text(messages.TRIGGERS, code, **params)

    def note(self, item):
        params = dict(item)
        code = params.pop("code")
        params["user"] = self.user(params.get("user_id"))
        if "minutes" in params:
            params["duration"] = duration(params["minutes"], self.tr)
        return self.text(messages.NOTES, code, **params)

    def arm(self, experiment):
        """Which group of an experiment the lead fell in, or ""."""
        if not experiment or experiment.get("arm") not in messages.ARMS:
            return ""
        lookup = getattr(self.names, "experiment", None)
        name = lookup(experiment.get("id")) if lookup else None
        return self.text(
            messages.ARMS,
            experiment["arm"],
            experiment=name or self.tr(messages.PARTS["deleted_experiment"]),
        )

    def exclusion(self, verdict):
        reason = self.exclusion_reason(verdict)
        return self.text(
            messages.PARTS,
            "excluded_person",
            user=self.user(verdict["user_id"]),
            reason=reason,
        )

    def exclusion_reason(self, verdict):
        params = dict(verdict.get("params") or {})
        if "skills" in params:
            params["skills"] = self.skills(params["skills"])
        if "fault" in params:
            try:
                params["fault"] = self.text(
                    messages.FAULTS, params["fault"], value=params.get("value") or ""
                )
            except (KeyError, TypeError, ValueError):
                params["fault"] = str(params.get("value") or "")
        try:
            return self.text(messages.EXCLUSIONS, verdict["reason"], **params)
        except (KeyError, TypeError, ValueError):
            return verdict["reason"]

    def row(self, verdict, details):
        """(rank, name, verdict, why) for a table of the candidates."""
        reason = verdict.get("reason")
        if reason == "chosen":
            label = self.tr(messages.PARTS["verdict_chosen"])
            why = self.why(details)
        elif verdict.get("eligible"):
            label = self.tr(messages.PARTS["verdict_eligible"])
            why = self.figures(verdict.get("params"))
        else:
            label = self.tr(messages.PARTS["verdict_excluded"])
            why = self.exclusion_reason(verdict)
        return (verdict.get("rank") or "", self.user(verdict["user_id"]), label, why)

    def person(self, verdict):
        figures = self.figures(verdict.get("params"))
        name = self.user(verdict["user_id"])
        if not figures:
            return name
        return self.text(messages.PARTS, "person", user=name, figures=figures)

    def render(self, details):
        sentences = [self.trigger(item) for item in details.get("trigger") or ()]
        sentences.append(self.outcome(details))
        sentences += [self.note(item) for item in details.get("notes") or ()]
        sentences.append(self.arm(details.get("experiment")))
        verdicts = details.get("candidates") or ()
        eligible = [
            v for v in verdicts if v.get("eligible") and v.get("reason") != "chosen"
        ]
        excluded = [v for v in verdicts if not v.get("eligible")]
        if eligible:
            sentences.append(
                self.text(
                    messages.PARTS,
                    "others_eligible",
                    people=self.join(self.person(v) for v in eligible[:SHOWN_ELIGIBLE]),
                )
            )
        if excluded:
            sentences.append(
                self.text(
                    messages.PARTS,
                    "not_chosen",
                    people=self.join(
                        self.exclusion(v) for v in excluded[:SHOWN_EXCLUDED]
                    ),
                )
            )
        hidden = (
            max(0, len(eligible) - SHOWN_ELIGIBLE)
            + max(0, len(excluded) - SHOWN_EXCLUDED)
            + (details.get("omitted") or 0)
        )
        if hidden == 1:
            sentences.append(self.tr(messages.PARTS["one_more"]))
        elif hidden:
            sentences.append(self.text(messages.PARTS, "more", count=hidden))
        tried = details.get("tried") or ()
        if tried:
            sentences.append(
                self.text(
                    messages.PARTS,
                    "tried",
                    rules=self.join(self.tried(item) for item in tried),
                )
            )
        return " ".join(s for s in sentences if s)

    def tried(self, item):
        """A rule tried before the deciding one, and why it did not decide;
        the people it found not eligible, named with their reasons."""
        params = dict(item.get("params") or {})
        people = params.pop("people", None)
        more = params.pop("more", 0)
        outcome = item["outcome"]
        if people and f"{outcome}_named" in messages.TRIED:
            named = self.join(
                self.exclusion(
                    {"user_id": uid, "eligible": False, "reason": reason, "params": p}
                )
                for uid, reason, p in people
            )
            if more:
                named = self.text(messages.PARTS, "and_more", people=named, count=more)
            outcome, params["people"] = f"{outcome}_named", named
        return self.text(
            messages.TRIED, outcome, rule=self.rule(item["rule_id"]), **params
        )


def render(details, names=None, tr=None):
    """The explanation of stored ``details`` (see ``Decision.to_json``).

    ``names``: an object with ``user(id)``, ``rule(id)``, ``skill(id)``
    returning display names (falsy for a deleted record); ``tr``: translates a
    template of ``routing.messages``. Details of another format give "".
    """
    if not details or details.get("v") != 2:
        return ""
    return _Renderer(names, tr).render(details)


def redact_scores(details, reader_id):
    """``details`` without the figures that reveal the score of anyone but
    ``reader_id``, for a reader who may not see colleagues' scores."""
    if not details or details.get("v") != 2:
        return details
    # A weighted share follows ``floor / n + (1 - floor) * score /
    # sum(scores)``, so colleagues' shares give back their scores.
    hidden = strategies.score_figures()

    def clean(params):
        return {k: v for k, v in (params or {}).items() if k not in hidden}

    redacted = dict(details)
    if details.get("user_id") != reader_id and details.get("params"):
        redacted["params"] = clean(details["params"])
    redacted["candidates"] = [
        verdict
        if verdict.get("user_id") == reader_id or not verdict.get("params")
        else {**verdict, "params": clean(verdict["params"])}
        for verdict in details.get("candidates") or ()
    ]
    return redacted


def candidate_rows(details, names=None, tr=None):
    """``[(rank, name, verdict, why)]`` of the candidates of stored
    ``details``, chosen first: for a table on the log's form."""
    if not details or details.get("v") != 2:
        return []
    renderer = _Renderer(names, tr)
    return [renderer.row(v, details) for v in details.get("candidates") or ()]


def referenced_ids(details):
    """``(user ids, rule ids, skill ids, experiment ids)`` that rendering
    ``details`` names, so a caller can look every name up at once for many
    lines."""
    users, rules, skills, experiments = set(), set(), set(), set()
    if not details or details.get("v") != 2:
        return users, rules, skills, experiments
    experiments.add((details.get("experiment") or {}).get("id"))
    users.add(details.get("user_id"))
    users.add((details.get("params") or {}).get("by"))
    rules.add(details.get("rule_id"))
    for verdict in details.get("candidates") or ():
        users.add(verdict.get("user_id"))
        skills.update((verdict.get("params") or {}).get("skills") or ())
    for item in details.get("tried") or ():
        rules.add(item.get("rule_id"))
        for uid, _reason, params in (item.get("params") or {}).get("people") or ():
            users.add(uid)
            skills.update((params or {}).get("skills") or ())
    for item in (*(details.get("trigger") or ()), *(details.get("notes") or ())):
        users.add(item.get("user_id"))
    return users - {None}, rules - {None}, skills - {None}, experiments - {None}


def trigger_sentences(trigger, names=None, tr=None):
    """The sentences of a trigger (why routing ran again), for a note."""
    renderer = _Renderer(names, tr)
    return [renderer.trigger(item) for item in trigger or ()]


def signed(value, digits=1):
    """``+6.1``, ``-12``, ``0``: a difference with its sign."""
    value = round(float(value), digits)
    if value == int(value):
        value = int(value)
    return f"+{value}" if value > 0 else f"{value}"


def verdict(result, metric, tr=None, money=None, number=None):
    """The sentence of an experiment's verdict (``experiments.verdict``).

    ``money``: formats an amount with its currency (revenue); differences of
    conversion are in points, of time in minutes. ``number``: formats a count
    as the reader's language does ("2,862"; default plain digits).
    """
    tr = tr or _identity
    number = number or str
    code = result["code"]
    if code == "needs_more":
        return tr(messages.VERDICTS[f"needs_more_{metric}"]) % {
            "count": number(result["missing"])
        }
    if code in ("no_data", "cannot_plan"):
        return tr(messages.VERDICTS[code])
    test = result["test"] or {}
    p_value = p_text(test.get("p", 1.0))
    if code == "no_difference":
        return tr(messages.VERDICTS[code]) % {"p": p_value}
    return tr(messages.VERDICTS[f"{code}_{metric}"]) % {
        "diff": difference(test["diff"], metric, tr, money),
        "low": difference(test["low"], metric, tr, money),
        "high": difference(test["high"], metric, tr, money),
        "p": p_value,
    }


def p_text(p):
    """``p = 0.012``, or ``p < 0.001``."""
    return f"p = {p:.3f}" if p >= 0.001 else "p < 0.001"


def difference(value, metric, tr=None, money=None):
    """A difference between the arms in its unit: "+6.1 points", "-12 min"."""
    tr = tr or _identity
    if metric == "conversion":
        return tr(messages.UNITS["points"]) % {"value": signed(value * 100.0)}
    if metric == "first_contact":
        return tr(messages.UNITS["minutes"]) % {"value": signed(value)}
    sign = "+" if value > 0 else ("-" if value < 0 else "")
    amount = money(abs(value)) if money else f"{abs(value):.2f}"
    return f"{sign}{amount}"
