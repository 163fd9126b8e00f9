# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Replays of 18.0.1.2.0 stored their explanations and summary as text in the
language of whoever ran them; they are now rendered when read. The old texts
are kept as they were (``legacy_*``), shown for replays run before."""


def migrate(cr, version):
    for table, old, new in (
        ("crm_routing_simulation_line", "reason", "legacy_reason"),
        ("crm_routing_simulation", "summary_html", "legacy_summary_html"),
    ):
        cr.execute(
            """SELECT 1 FROM information_schema.columns
                WHERE table_name = %s AND column_name = %s""",
            [table, old],
        )
        if cr.fetchone():
            cr.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{old}" TO "{new}"')  # noqa: S608
