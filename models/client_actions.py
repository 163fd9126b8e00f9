# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the web client does after a routing button: a notification, then
``then`` (close the dialog, reload the screen, open a lead)."""

CLOSE = {"type": "ir.actions.act_window_close"}
SOFT_RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}


def notification(title, message, kind, then=None, **extra):
    """A passing notification (``kind``: success, warning, info) titled
    ``title``; ``extra``: more keys for the action (read by tests, tours)."""
    params = {"title": title, "message": message, "type": kind, "sticky": False}
    if then:
        params["next"] = then
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": params,
        **extra,
    }
