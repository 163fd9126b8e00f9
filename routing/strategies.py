# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""How a rule picks one person among the eligible: one object per strategy.

A strategy is everything about one way of choosing, in one place: its code
(stored on rules), its label (the rule's and the experiment's choice lists are
built from :func:`choices`), its ranking key (smallest wins), what choosing
someone changes in the rule's memory, the target share of each person (the
fairness report, the simulation), which of the rule's settings it reads (the
fairness floor, the designated salesperson, the skills: the forms show only
those), the reason given for the chosen person and the figures shown for
everyone ranked (:class:`Figure`, with their sentences). Adding a strategy is
a subclass and a :func:`register` call; nothing else in the addon names
strategies.

"Load" means one thing everywhere: a person's number of open leads (their
caps are limits, not weights). Ties go to whoever got a lead least recently,
then to the pool's order.
"""

import math
from dataclasses import dataclass

from . import fairness
from .messages import _lt

_REGISTRY = {}


@dataclass(frozen=True)
class Figure:
    """One figure that ranked someone, as explanations show it.

    ``key``: its name in a verdict's figures (what :meth:`Strategy.figures`
    returns); ``text``: its sentence, with ``%(<key>)s``; ``shown_as``:
    ``number``, ``percent`` (a fraction), ``duration`` (minutes; ``now_text``
    below a minute) or ``flag`` (the sentence alone, when true);
    ``reveals_score``: colleagues' scores can be worked out from it, so a
    reader who may not see them does not see it; ``rank``: figures of one
    person are listed in this order.
    """

    key: str
    text: str
    shown_as: str = "number"
    rank: int = 100
    reveals_score: bool = False
    now_text: str = ""


FIT = Figure("fit", _lt("skill fit %(fit)s"), "percent", rank=10)
SHARE = Figure(
    "share", _lt("target share %(share)s"), "percent", rank=20, reveals_score=True
)
SERVED = Figure("served", _lt("leads in this rotation: %(served)s"), rank=30)
OPEN_LEADS = Figure("open_leads", _lt("open leads: %(open_leads)s"), rank=40)
LAST = Figure(
    "last",
    _lt("last lead %(last)s ago"),
    "duration",
    rank=50,
    now_text=_lt("last lead just now"),
)
NEVER = Figure("never", _lt("no lead yet"), "flag", rank=60)
RECENCY = (LAST, NEVER)


def register(strategy):
    """Make ``strategy`` (an instance) available to rules under its code."""
    _REGISTRY[strategy.code] = strategy
    return strategy


def unregister(code):
    _REGISTRY.pop(code, None)


def get(code):
    try:
        return _REGISTRY[code]
    except KeyError:
        raise ValueError(f"unknown strategy {code!r}") from None


def codes():
    return tuple(_REGISTRY)


def choices():
    """``[(code, label)]`` for the rule's selection field, in registry order."""
    return [(s.code, s.label) for s in _REGISTRY.values()]


# A new rule's strategy.
DEFAULT = "round_robin"


def codes_where(attribute):
    """The codes of the strategies whose ``attribute`` is true (for SQL that
    tells them apart, e.g. ``uses_designated_user``)."""
    return tuple(code for code, s in _REGISTRY.items() if getattr(s, attribute))


def figures():
    """``{key: Figure}`` of every registered strategy, in the order a
    person's figures are listed."""
    found = {}
    for strategy in _REGISTRY.values():
        for figure in strategy.shown_figures:
            found.setdefault(figure.key, figure)
    return dict(sorted(found.items(), key=lambda item: item[1].rank))


def score_figures():
    """The keys of the figures that reveal a score (see ``Figure``)."""
    return frozenset(key for key, f in figures().items() if f.reveals_score)


class Strategy:
    """Base class; see the module docstring. Keys are tuples, smallest first."""

    code = ""
    label = ""
    # The clause after "Assigned to X by the rule R: ", with figures from
    # :meth:`chosen`; ``why_short`` says it without them (figures a reader
    # may not see, an older log line without them), "" to cut ``why`` at
    # its first parenthesis.
    why = ""
    why_short = ""
    # Account owners are tried before the ranking (continuity).
    account_owner_first = False
    # Which of the rule's settings the strategy reads: the fairness floor
    # (:meth:`targets` too), a designated salesperson instead of a pool, the
    # skills a lead needs in its ranking. Forms show only the settings read.
    uses_fairness_floor = False
    uses_designated_user = False
    uses_skills = False
    # Its :meth:`targets` read the salespeople's scores.
    uses_scores = False
    # The figures :meth:`figures` returns, with their sentences.
    shown_figures = ()

    @property
    def reason_code(self):
        """Stored on the decision when this strategy chose someone."""
        return self.code

    def pool(self, rule):
        """The people this rule may choose, in its order."""
        if self.uses_designated_user:
            return (rule.fixed_user_id,) if rule.fixed_user_id is not None else ()
        return rule.pool

    def targets(self, rule, pool):
        """``{user id: target share}`` among ``pool`` (candidates with a
        ``score``, the people the rule may choose): what the rule aims for,
        an equal share each unless the strategy says otherwise."""
        return fairness.equal_targets(cand.id for cand in pool)

    def prepare(self, profile, live, batch, rstate):
        """Called when a profile's ranking is (re)built from ``live``, the
        eligible people not capped; may adjust the rule's memory. Returns True
        when it changed keys of people outside ``live`` (a new epoch)."""
        return False

    def key(self, profile, cand, batch, rstate):
        raise NotImplementedError

    def chosen(self, profile, cand, key, batch, rstate):
        """Record the choice in the rule's memory; return the figures of
        :attr:`why`."""
        return {}

    def figures(self, key, now_ts):
        """What ranked someone, from their key (the keys of
        :attr:`shown_figures`).

        Keys carry what explains them, so an explanation costs nothing until
        it is stored; ``now_ts`` is the routing time (POSIX) or None.
        """
        return {}

    @staticmethod
    def recency_figures(recency, now_ts):
        """``batch.recency`` as "last lead ... ago" figures."""
        kind, value = recency
        if kind == 2:
            return {"last": 0.0}
        if kind == 0:
            return {"never": True}
        if now_ts is None:
            return {}
        return {"last": max(0.0, (now_ts - value) / 60.0)}


class RoundRobin(Strategy):
    code = "round_robin"
    label = _lt("Round robin")
    why = _lt("next in the round-robin rotation")
    shown_figures = (SERVED,)

    def prepare(self, profile, live, batch, rstate):
        if profile.heap is not None:
            return False
        # A returning person gets at most one catch-up turn, never a burst.
        served = rstate["served"]
        counts = {c.id: served.get(c.id, 0) for c in live}
        top = max(counts.values(), default=0)
        changed = False
        for uid, count in counts.items():
            if count < top - 1:
                served[uid] = top - 1
                changed = True
        return changed

    def key(self, profile, cand, batch, rstate):
        return (rstate["served"].get(cand.id, 0), profile.positions[cand.id])

    def chosen(self, profile, cand, key, batch, rstate):
        rstate["served"][cand.id] = key[0] + 1
        return {}

    def figures(self, key, now_ts):
        return {"served": key[0]}


class Weighted(Strategy):
    """Stride scheduling: each person advances by ``1 / share`` per lead, where
    ``share = floor / n + (1 - floor) * score / sum(scores)``; the lowest pass
    gets the next lead. Deterministic, and shares converge to their targets."""

    code = "weighted"
    label = _lt("Performance-weighted")
    why = _lt("performance-weighted, target share %(share)s")
    why_short = _lt("performance-weighted")
    uses_fairness_floor = True
    uses_scores = True
    shown_figures = (SHARE,)

    @staticmethod
    def shares(rule, eligible):
        floor = max(0.0, min(rule.fairness_floor, 100.0)) / 100.0
        n = len(eligible)
        total = sum(max(c.score, 0.0) for c in eligible)
        return {
            c.id: floor / n
            + (1.0 - floor) * (max(c.score, 0.0) / total if total > 0 else 1.0 / n)
            for c in eligible
        }

    def targets(self, rule, pool):
        return self.shares(rule, pool) if pool else {}

    def prepare(self, profile, live, batch, rstate):
        # Shares depend on who is eligible; only the eligible move forward, and
        # someone back from an absence starts level with the others (one
        # catch-up turn at most), not with a burst. Without a fairness floor a
        # score of 0 is a share of 0: an infinite stride, never picked while
        # someone with a share is eligible, and no pass to keep.
        shares = self.shares(profile.rule, live) if live else {}
        profile.strides = {
            uid: 1.0 / share if share > 0 else math.inf for uid, share in shares.items()
        }
        sharing = [c for c in live if profile.strides[c.id] != math.inf]
        passes = rstate["pass"]
        known = [
            passes[c.id] + profile.strides[c.id] for c in sharing if c.id in passes
        ]
        level = min(known) if known else None
        for cand in sharing:
            if level is None:
                passes[cand.id] = 0.0
            else:
                floor = level - profile.strides[cand.id]
                if passes.get(cand.id, floor) <= floor:
                    passes[cand.id] = floor
        return bool(live)

    def key(self, profile, cand, batch, rstate):
        # The stride rides along (never compared: positions differ) so the
        # explanation can tell the share.
        stride = profile.strides[cand.id]
        return (
            rstate["pass"].get(cand.id, 0.0) + stride,
            profile.positions[cand.id],
            stride,
        )

    def chosen(self, profile, cand, key, batch, rstate):
        if key[2] != math.inf:
            rstate["pass"][cand.id] = key[0]
        return {"share": 1.0 / key[2]}

    def figures(self, key, now_ts):
        return {"share": 1.0 / key[2]}


class LoadBalanced(Strategy):
    code = "load_balanced"
    label = _lt("Load-balanced")
    why = _lt("fewest open leads (%(open_leads)s)")
    shown_figures = (OPEN_LEADS, *RECENCY)

    def key(self, profile, cand, batch, rstate):
        return (batch.open_leads(cand), batch.recency(cand), profile.positions[cand.id])

    def chosen(self, profile, cand, key, batch, rstate):
        return {"open_leads": key[0]}

    def figures(self, key, now_ts):
        return {"open_leads": key[0], **self.recency_figures(key[1], now_ts)}


class BestMatch(Strategy):
    """Highest skill fit (levels of the needed skills, 5 = expert), then the
    higher score, then the fewer open leads."""

    code = "best_match"
    label = _lt("Best skill match")
    why = _lt("best skill match (skill fit %(fit)s, open leads: %(open_leads)s)")
    uses_skills = True
    shown_figures = (FIT, OPEN_LEADS)

    @staticmethod
    def fit(cand, needed):
        if not needed:
            return 1.0
        return sum(min(cand.skills.get(s, 0), 5) / 5.0 for s in needed) / len(needed)

    def prepare(self, profile, live, batch, rstate):
        if "fit" not in profile.cache:
            profile.cache["fit"] = {
                c.id: self.fit(c, profile.needed) for c in profile.ok
            }
        return False

    def key(self, profile, cand, batch, rstate):
        return (
            -profile.cache["fit"][cand.id],
            -cand.score,
            batch.open_leads(cand),
            profile.positions[cand.id],
        )

    def chosen(self, profile, cand, key, batch, rstate):
        return {"fit": -key[0], "open_leads": key[2]}

    def figures(self, key, now_ts):
        return {"fit": -key[0], "open_leads": key[2]}


class Continuity(Weighted):
    """The account's owner first (see ``Lead.account_owner_ids``); when none can
    take it, performance-weighted among the pool."""

    code = "continuity"
    label = _lt("Account continuity")
    why = _lt(
        "no account owner could take it, so performance-weighted instead "
        "(target share %(share)s)"
    )
    why_short = _lt("no account owner could take it, so performance-weighted instead")
    account_owner_first = True
    reason_code = "continuity_fallthrough"

    def chosen(self, profile, cand, key, batch, rstate):
        return {"share": super().chosen(profile, cand, key, batch, rstate)["share"]}


class FixedUser(Strategy):
    code = "fixed_user"
    label = _lt("Specific salesperson")
    why = _lt("the rule's designated salesperson")
    uses_designated_user = True

    def key(self, profile, cand, batch, rstate):
        return (profile.positions[cand.id],)


for _strategy in (RoundRobin, Weighted, LoadBalanced, BestMatch, Continuity, FixedUser):
    register(_strategy())
