# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Keep what 18.0.1.0.0 stored as text before the log renders explanations.

Log lines now store only structured details and are explained when read; the
old lines' text moves into their details (``legacy_reason``), which the log
shows for lines of the old format.
"""


def migrate(cr, version):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'crm_routing_log' AND column_name = 'reason'"""
    )
    if cr.fetchone():
        cr.execute(
            """UPDATE crm_routing_log
                  SET details = COALESCE(details, '{}'::jsonb)
                                || jsonb_build_object('legacy_reason', reason)
                WHERE reason IS NOT NULL"""
        )
