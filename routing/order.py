# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The order of work: which waiting lead comes next.

A company prescribes the order in which queued leads are handed out, so that
nobody picks the leads they like and the best customers are not left to
cool: the queue drain (push) and "Take my next lead" (pull) both follow it.

* Leads from a **priority channel** (a source or a medium the manager marks)
  come first: paid, "hot" channels are served before the rest.
* Then the company's order: **oldest** first (at the start of a shift, the
  leads that came in overnight), **newest** first (the fresh morning ones
  before yesterday's), or the **most valuable** first (expected revenue,
  the oldest of equal value first).

Ties are broken by the lead's id, so the order is total: the same queue
always gives the same next lead.
"""

from typing import NamedTuple

ORDERS = ("oldest", "revenue", "newest")
DEFAULT = "oldest"


class Waiting(NamedTuple):
    """A lead waiting in a queue, as the order of work sees it."""

    id: int
    created: float  # POSIX timestamp of its creation
    revenue: float = 0.0
    priority: bool = False  # from a priority channel (see :func:`is_priority`)


def is_priority(source_id, medium_id, sources, mediums):
    """Whether a lead from ``source_id`` / ``medium_id`` (ids or None) comes
    from one of the priority ``sources`` or ``mediums`` (sets of ids)."""
    return bool(
        (source_id and source_id in sources) or (medium_id and medium_id in mediums)
    )


def key(item, order):
    """The sort key of ``item`` (a :class:`Waiting`) in ``order``; smallest
    first. An unknown order reads as the default (oldest first)."""
    first = 0 if item.priority else 1
    if order == "newest":
        return (first, -item.created, -item.id)
    if order == "revenue":
        return (first, -(item.revenue or 0.0), item.created, item.id)
    return (first, item.created, item.id)


def work_order(items, order):
    """``items`` (:class:`Waiting`) in the order of work."""
    return sorted(items, key=lambda item: key(item, order))
