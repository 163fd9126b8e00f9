# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure-Python lead routing engine.

Nothing in this package imports ``odoo``: it takes plain facts and returns
decisions, so it can be unit- and property-tested (and benchmarked) without a
database. The Odoo layer in ``models/`` gathers the facts and writes the
decisions back.
"""
