# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Plain facts in, decisions out: the engine's vocabulary.

Frozen dataclasses so that a decision can never be influenced by something the
caller changes afterwards, and so the same facts always give the same result.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from . import explain, strategies

FALLBACKS = ("next_rule", "queue", "least_loaded")
DELIVERIES = ("push", "pull")

# Verdicts of people who may take the lead (exclusions: ``routing.eligibility``).
ELIGIBLE = "eligible"
CHOSEN = "chosen"


@dataclass(frozen=True, slots=True)
class Lead:
    id: int
    company_id: int | None = None
    skill_ids: frozenset = frozenset()
    partner_id: int | None = None
    commercial_partner_id: int | None = None
    email_domain: str | None = None
    expected_revenue: float = 0.0
    probability: float = 0.0
    rule_ids: tuple = ()
    # Who already handles the account, best first, and how each was found
    # (codes of ``messages.VIA``; same length, or empty for "partner").
    account_owner_ids: tuple = ()
    account_owner_via: tuple = ()
    excluded_user_ids: frozenset = frozenset()
    team_id: int | None = None
    team_leader_id: int | None = None
    user_id: int | None = None  # the owner before this routing
    state: str = "none"  # its routing state before this routing
    rule_id: int | None = None  # the rule it was routed (or queued) by before
    # From a priority channel (``routing.order.is_priority``): first in the
    # order of work, and the rule's shorter deadline if it has one.
    priority: bool = False
    created: float | None = None  # POSIX timestamp of its creation
    # Waiting in a pull rule's queue: when the rule pushes it if nobody took
    # it (naive UTC), None when it may wait for ever.
    pull_due: object = None


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    company_ids: frozenset = frozenset()
    active: bool = True
    internal: bool = True
    available: bool = True
    opted_out: bool = False
    # At work now: from ``schedule`` when given (a ``worktime.WorkSchedule``),
    # else this flag.
    working_now: bool = True
    schedule: object = None
    skills: Mapping = field(default_factory=dict)
    score: float = 50.0
    open_leads: int = 0
    leads_today: int = 0
    max_open: int = 0
    max_daily: int = 0
    last_assigned: float | None = None  # POSIX timestamp
    team_ids: tuple = ()  # active sales team memberships, first one first
    # Something in this person's own data that routing cannot work with (a
    # language that is not installed, a time zone that does not exist, a
    # notification that failed): ``(code of messages.FAULTS, value)``. It
    # excludes them, never the lead.
    fault: tuple | None = None
    # Open leads nobody followed up for the company's number of days, and
    # how many of them they may have and still get new leads (0: no limit).
    stale_leads: int = 0
    max_stale: int = 0


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    sequence: int
    strategy: str
    pool: tuple = ()
    company_id: int | None = None
    fixed_user_id: int | None = None
    required_skill_ids: frozenset = frozenset()
    respect_working_hours: bool = True
    fallback: str = "next_rule"
    fairness_floor: float = 0.0
    team_id: int | None = None
    sla_minutes: int = 0
    sla_off_hours: str = "wait"
    # "push": the rule assigns its leads; "pull": they wait in its queue for
    # someone of its pool to take them, and after ``pull_timeout`` minutes
    # of working time (0: never) the rule pushes them.
    delivery: str = "push"
    pull_timeout: int = 0
    # Nobody gets a lead in their last minutes of work (0: no such limit).
    end_of_shift: int = 0
    # A shorter first-contact deadline for leads of priority channels (0:
    # the rule's own).
    priority_sla_minutes: int = 0
    # A running experiment on the rule (``routing.experiments.Experiment``),
    # and which arm this rule object routes: None for the rule itself (the
    # control), "variant" for the experiment's variant of it.
    experiment: object = None
    arm: str | None = None

    @property
    def slot(self):
        """What the engine keys a rule's pool, profiles and memory by: the
        variant of an experiment keeps its own."""
        return self.id if self.arm is None else (self.id, self.arm)

    def __post_init__(self):
        strategies.get(self.strategy)  # raises ValueError when unknown
        if self.fallback not in FALLBACKS:
            raise ValueError(f"unknown fallback {self.fallback!r}")
        if self.delivery not in DELIVERIES:
            raise ValueError(f"unknown delivery {self.delivery!r}")


def _rounded(values):
    """Figures as stored: floats to 4 decimals, nothing empty."""
    return {
        k: round(v, 4) if isinstance(v, float) else v
        for k, v in values.items()
        if v is not None
    }


class Verdict(NamedTuple):
    """One candidate's fate for one lead (a named tuple: a decision carries
    dozens of them, and tuples are the cheapest immutable thing to build).

    What explains it: ``key``, the strategy's ranking key of an eligible
    person (turned into figures such as open leads or skill fit only when
    stored, see ``Strategy.figures``), or ``params`` of an exclusion (the cap
    reached, the skills missing).
    """

    user_id: int
    eligible: bool
    reason: str
    rank: int | None = None
    key: tuple | None = None
    params: Mapping | None = None

    def to_json(self, strategy=None, now_ts=None):
        """As stored in the log, without empty entries: a large import writes
        tens of them per lead."""
        data = {
            "user_id": self.user_id,
            "eligible": self.eligible,
            "reason": self.reason,
        }
        if self.rank is not None:
            data["rank"] = self.rank
        params = self.params
        if self.key is not None and strategy is not None:
            params = strategy.figures(self.key, now_ts)
        if params:
            data["params"] = _rounded(params)
        return data


class Tried(NamedTuple):
    """A rule that applied before the deciding one, and why it did not decide."""

    rule_id: int
    outcome: str  # a key of ``messages.TRIED``
    params: Mapping | None = None

    def to_json(self):
        data = {"rule_id": self.rule_id, "outcome": self.outcome}
        if self.params:
            data["params"] = _rounded(self.params)
        return data


@dataclass(frozen=True, slots=True)
class Decision:
    """What routing decided for one lead, with everything needed to say why.

    ``write`` False: leave the lead as it is (a queued lead that stays queued
    when the queue is drained). ``team_id`` None: keep the lead's team.
    """

    lead_id: int
    user_id: int | None
    rule_id: int | None
    event: str
    reason_code: str
    reason_params: Mapping = field(default_factory=dict)
    candidates: tuple = ()
    fallback: str | None = None
    omitted: int = 0
    tried: tuple = ()
    strategy: str | None = None
    team_id: int | None = None
    deadline: object = None  # naive UTC datetime
    notes: tuple = ()  # (code of messages.NOTES, params)
    write: bool = True
    previous_user_id: int | None = None
    now_ts: float | None = None  # when it was decided (POSIX), for "ago" figures
    experiment_id: int | None = None  # the deciding rule's running experiment
    arm: str | None = None  # "control" or "variant" of that experiment

    @property
    def reason(self):
        """The explanation in English with ids for names (tests, benchmarks);
        the Odoo layer renders the stored details with names, translated."""
        return explain.render(self.to_json())

    def to_json(self):
        data = {
            "v": 2,
            "event": self.event,
            "code": self.reason_code,
            "rule_id": self.rule_id,
            "user_id": self.user_id,
        }
        strategy = None
        if self.strategy:
            try:
                strategy = strategies.get(self.strategy)
            except ValueError:  # a strategy removed since
                strategy = None
        data["candidates"] = [v.to_json(strategy, self.now_ts) for v in self.candidates]
        if self.strategy:
            data["strategy"] = self.strategy
        if self.reason_params:
            data["params"] = _rounded(self.reason_params)
        if self.fallback:
            data["fallback"] = self.fallback
        if self.tried:
            data["tried"] = [t.to_json() for t in self.tried]
        if self.omitted:
            data["omitted"] = self.omitted
        if self.experiment_id:
            data["experiment"] = {"id": self.experiment_id, "arm": self.arm}
        if self.notes:
            data["notes"] = [
                {"code": code, **(params or {})} for code, params in self.notes
            ]
        return data
