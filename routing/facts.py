"""Plain facts in, decisions out: the engine's vocabulary.

Frozen dataclasses so that a decision can never be influenced by something the
caller changes afterwards, and so the same facts always give the same result.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

STRATEGIES = (
    "round_robin",
    "weighted",
    "load_balanced",
    "best_match",
    "continuity",
    "fixed_user",
)
FALLBACKS = ("next_rule", "queue", "least_loaded")

# Exclusion reasons, in the order they are checked.
NOT_IN_POOL = "not_in_pool"
INACTIVE = "inactive"
NOT_INTERNAL = "not_internal"
WRONG_COMPANY = "wrong_company"
OPTED_OUT = "opted_out"
UNAVAILABLE = "unavailable"
OFF_HOURS = "off_hours"
OPEN_CAP = "open_cap"
DAILY_CAP = "daily_cap"
MISSING_SKILL = "missing_skill"
PREVIOUS_OWNER = "previous_owner"
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
    account_owner_ids: tuple = ()
    excluded_user_ids: frozenset = frozenset()


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    company_ids: frozenset = frozenset()
    active: bool = True
    internal: bool = True
    available: bool = True
    opted_out: bool = False
    working_now: bool = True
    skills: Mapping = field(default_factory=dict)
    score: float = 50.0
    open_leads: int = 0
    leads_today: int = 0
    max_open: int = 0
    max_daily: int = 0
    last_assigned: float | None = None


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

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}")
        if self.fallback not in FALLBACKS:
            raise ValueError(f"unknown fallback {self.fallback!r}")


class Verdict(NamedTuple):
    """One candidate's fate for one lead (a named tuple: a decision carries
    dozens of them, and tuples are the cheapest immutable thing to build)."""

    user_id: int
    eligible: bool
    reason: str
    rank: int | None = None
    key: tuple | None = None
    note: str = ""

    def to_json(self):
        """The explanation as stored in the log, without empty entries: a
        large import writes tens of them per lead."""
        data = {
            "user_id": self.user_id,
            "eligible": self.eligible,
            "reason": self.reason,
        }
        if self.rank is not None:
            data["rank"] = self.rank
        if self.key is not None:
            data["key"] = [
                round(part, 4) if isinstance(part, float) else part for part in self.key
            ]
        if self.note:
            data["note"] = self.note
        return data


MESSAGES = {
    "no_rule": "No routing rule matches this lead",
    "round_robin": "Rule {rule_id}: next in the round-robin rotation",
    "weighted": "Rule {rule_id}: performance-weighted, target share {share:.0%}",
    "load_balanced": "Rule {rule_id}: lowest open load ({load:.2f})",
    "best_match": "Rule {rule_id}: best skill match (fit {fit:.0%})",
    "continuity_owner": "Rule {rule_id}: already owns the account ({via})",
    "continuity_fallthrough": (
        "Rule {rule_id}: no eligible account owner, performance-weighted instead"
    ),
    "fixed_user": "Rule {rule_id}: the rule's designated salesperson",
    "least_loaded_fallback": (
        "Rule {rule_id}: nobody eligible; least-loaded pool member "
        "(availability ignored)"
    ),
    "queued": "Rule {rule_id}: nobody eligible now ({excluded} excluded); queued",
    "unroutable_no_eligible": (
        "No eligible salesperson in any matching rule (last tried: rule {rule_id})"
    ),
}


@dataclass(frozen=True, slots=True)
class Decision:
    lead_id: int
    user_id: int | None
    rule_id: int | None
    event: str
    reason_code: str
    reason_params: Mapping = field(default_factory=dict)
    candidates: tuple = ()
    fallback: str | None = None
    omitted: int = 0

    @property
    def reason(self):
        return MESSAGES[self.reason_code].format(**self.reason_params)

    def to_json(self):
        return {
            "lead_id": self.lead_id,
            "user_id": self.user_id,
            "rule_id": self.rule_id,
            "event": self.event,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "fallback": self.fallback,
            "candidates": [v.to_json() for v in self.candidates],
            "omitted": self.omitted,
        }
