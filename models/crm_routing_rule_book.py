# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What routing reads that only managers change, read again only when it
changes: a company's rules, and the salespeople's working hours.

Every routing needs the company's rules, their parsed filters, their pools,
required skills and running experiments, the skills' filters, and the
working hours and time off of the people it may choose: five queries, a
parse of every filter and of every calendar per lead, for data that changes
when a manager edits a rule, a team, a skill, a calendar or approves time
off, not when a lead arrives. So each Odoo process keeps what it read under
a *version*: a number PostgreSQL itself moves (a statement trigger on every
table it comes from) in the transaction that changes them, whatever wrote
the change (a form, an import, a cascade, raw SQL).

Routing reads the version in the snapshot it reads everything else in, so
what it finds kept under that version is what it would read now. The
number comes from a sequence, never handed out twice: what a transaction
sees of its own uncommitted changes is kept under a number no other
transaction will ever read, and a change rolled back leaves nothing behind
that another could mistake for current.
"""

import functools
from dataclasses import dataclass
from threading import Lock

from odoo import api, models
from odoo.tools import SQL

from ..routing.experiments import Experiment
from ..routing.facts import Rule
from .crm_routing_rule import parse_lead_domain

# What is kept is read from: the rules (and their people and required
# skills), the skills, the experiments (and their people), the teams'
# members, the resources, calendars, their working days and time off; a
# change to any of them moves the version.
WATCHED = (
    ("crm.routing.rule", ("user_ids", "required_skill_ids")),
    ("crm.routing.skill", ()),
    ("crm.routing.experiment", ("variant_user_ids",)),
    ("crm.team.member", ()),
    ("resource.resource", ()),
    ("resource.calendar", ()),
    ("resource.calendar.attendance", ()),
    ("resource.calendar.leaves", ()),
)
# Entries kept per process: a few companies and pools times a few versions
# in flight.
MAX_KEPT = 256

_kept = {}
_kept_lock = Lock()


def kept(key, build):
    """What ``build()`` returns, kept under ``key`` (which holds the
    version it was read at)."""
    value = _kept.get(key)
    if value is None:
        value = build()
        with _kept_lock:
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[key] = value
    return value


@dataclass(frozen=True)
class Filter:
    """A rule's or a skill's filter, parsed once: ``domain`` (a list, empty
    for "every lead") or ``error`` (why it cannot be read)."""

    id: int
    name: str
    domain: list = ()  # never changed by its readers
    error: Exception | None = None

    @functools.cached_property
    def field_names(self):
        """The lead fields the filter reads first (of each condition)."""
        return frozenset(
            str(term[0]).split(".", 1)[0]
            for term in self.domain
            if isinstance(term, list | tuple) and term
        )


@dataclass(frozen=True)
class RuleBook:
    """What routing needs of a company's rules, in routing order."""

    rules: tuple  # routing.facts.Rule
    rule_filters: tuple  # Filter, one per rule, same order
    skill_filters: tuple  # Filter of each skill with a filter
    # rule id -> the activity type of its "contact this lead" to-do, for the
    # rules that plan one.
    activity_types: dict

    @functools.cached_property
    def rule_ids(self):
        return tuple(rule.id for rule in self.rules)


class CrmRoutingRuleBook(models.AbstractModel):
    _name = "crm.routing.rule.book"
    _description = "Lead Routing Rule Book"

    @api.model
    def _watched_tables(self):
        env = self.env
        tables = []
        for model_name, many2many in WATCHED:
            model = env.get(model_name)
            if model is not None:
                tables.append(model._table)
                tables += [model._fields[name].relation for name in many2many]
        return tables

    @api.model
    def _install_version_triggers(self):
        """The version and the statement triggers moving it, on every watched
        table that exists (called by the models owning them, at install and
        upgrade; each call completes what the previous ones could not)."""
        cr = self.env.cr
        cr.execute(
            """
            CREATE SEQUENCE IF NOT EXISTS crm_routing_book_version_seq;
            CREATE TABLE IF NOT EXISTS crm_routing_book_version (
                id integer PRIMARY KEY CHECK (id = 1),
                version bigint NOT NULL
            );
            INSERT INTO crm_routing_book_version (id, version)
                 VALUES (1, nextval('crm_routing_book_version_seq'))
            ON CONFLICT (id) DO NOTHING;
            CREATE OR REPLACE FUNCTION crm_routing_book_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE crm_routing_book_version
                   SET version = nextval('crm_routing_book_version_seq')
                 WHERE id = 1;
                RETURN NULL;
            END $$;
            """
        )
        for table in self._watched_tables():
            cr.execute("SELECT to_regclass(%s)", [table])
            if cr.fetchone()[0] is None:
                continue
            cr.execute(
                SQL(
                    """CREATE OR REPLACE TRIGGER crm_routing_book_changed
                       AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
                       FOR EACH STATEMENT EXECUTE FUNCTION crm_routing_book_changed()""",
                    SQL.identifier(table),
                )
            )

    @api.model
    def _uninstall_version_triggers(self):
        """Leave nothing behind on the tables of other modules (the teams')."""
        cr = self.env.cr
        for table in self._watched_tables():
            cr.execute("SELECT to_regclass(%s)", [table])
            if cr.fetchone()[0] is not None:
                cr.execute(
                    SQL(
                        "DROP TRIGGER IF EXISTS crm_routing_book_changed ON %s",
                        SQL.identifier(table),
                    )
                )
        cr.execute(
            """DROP FUNCTION IF EXISTS crm_routing_book_changed();
               DROP TABLE IF EXISTS crm_routing_book_version;
               DROP SEQUENCE IF EXISTS crm_routing_book_version_seq"""
        )

    @api.model
    def _version(self, xid=False):
        """The version of what is kept, as this transaction sees it (its own
        changes written first); with ``xid``, also this transaction's id
        (live routing needs it): ``(version, xid or None)``, one query."""
        for model_name, _many2many in WATCHED:
            if model_name in self.env:
                self.env[model_name].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT version, %s FROM crm_routing_book_version WHERE id = 1",
                SQL("pg_current_xact_id()::text" if xid else "NULL"),
            )
        )
        return self.env.cr.fetchone()

    @api.model
    def _get(self, company, version):
        """The book of ``company``'s active rules as of ``version`` (read by
        :meth:`_version` in this transaction)."""

        def read():
            Rules = self.env["crm.routing.rule"].sudo().with_context(active_test=True)
            rules = Rules.search_fetch(
                [("company_id", "in", [company.id, False])],
                _columns(Rules),
                order="sequence, id",
            )
            return self._read(company, rules)

        return kept((self.env.cr.dbname, "book", version, company.id), read)

    @api.model
    def _read(self, company, rules):
        """The book of ``rules`` (records, in routing order) for ``company``,
        read now: the company's own book (:meth:`_get`), or other rules a
        replay routes by."""
        Skills = self.env["crm.routing.skill"].sudo().with_context(active_test=True)
        skills = Skills.search_fetch(
            [
                ("lead_domain", "not in", [False, "", "[]"]),
                ("company_id", "in", [company.id, False]),
            ],
            _columns(Skills),
        )
        pools = rules._pools_and_skills()
        return RuleBook(
            rules=tuple(_engine_rule(rule, pools[rule.id]) for rule in rules),
            rule_filters=tuple(_filter(rule) for rule in rules),
            skill_filters=tuple(_filter(skill) for skill in skills),
            activity_types={
                rule.id: rule.activity_type_id.id
                for rule in rules
                if rule.notify_assignee and rule.activity_type_id
            },
        )


def _columns(model):
    """The fields a first read of ``model`` would fetch, for search_fetch:
    the search and the read in one query."""
    return [
        name
        for name, fld in model._fields.items()
        if fld.store and fld.column_type and fld.prefetch is True
    ]


def _filter(record):
    try:
        return Filter(
            record.id, record.display_name, parse_lead_domain(record.lead_domain)
        )
    except Exception as exc:  # noqa: BLE001 - reported when routing reads it
        return Filter(record.id, record.display_name, error=exc)


def _engine_rule(rule, pool_and_skills):
    pool, required, experiment = pool_and_skills
    if experiment:
        # The variant's strategy and floor start as the rule's (see
        # crm.routing.experiment); an empty variant pool keeps the rule's.
        experiment = Experiment(
            id=experiment["id"],
            share=experiment.get("share") or 0.0,
            strategy=experiment.get("strategy") or None,
            fairness_floor=experiment.get("fairness_floor") or 0.0,
            pool=tuple(experiment.get("pool") or ()),
        )
    return Rule(
        id=rule.id,
        sequence=rule.sequence,
        strategy=rule.strategy,
        pool=pool,
        company_id=rule.company_id.id or None,
        fixed_user_id=rule.fixed_user_id.id or None,
        required_skill_ids=required,
        respect_working_hours=rule.respect_working_hours,
        fallback=rule.fallback,
        fairness_floor=rule.fairness_floor,
        team_id=rule.team_id.id or None,
        sla_minutes=rule.sla_minutes,
        sla_off_hours=rule.sla_off_hours,
        experiment=experiment or None,
        delivery=rule.delivery,
        pull_timeout=rule.pull_timeout_minutes,
        end_of_shift=rule.end_of_shift_minutes,
        priority_sla_minutes=rule.priority_sla_minutes,
    )
