"""Every screen the addon adds opens in a real browser without a client error.

Server-side view validation does not catch what only the web client evaluates
(an action's domain or context, a widget's options): a manager would meet those
as an "Oops!" dialog. These tests load each screen in headless Chromium and
fail on any console error.
"""

import json

from odoo.tests import HttpCase, tagged

from .common import WAIT_FOR_VIEW, safe_domain


@tagged("post_install", "-at_install", "crm_lead_routing")
class TestRoutingScreens(HttpCase):
    def open_screen(self, path, target, click=None):
        code = WAIT_FOR_VIEW % {
            "target": json.dumps(target),
            "click": json.dumps(click),
        }
        self.browser_js(path, code, login="admin", timeout=60)

    def test_every_view_of_every_routing_action_opens(self):
        actions = self.env["ir.actions.act_window"].search(
            [
                (
                    "id",
                    "in",
                    self.env["ir.model.data"]
                    .search(
                        [
                            ("module", "=", "crm_lead_routing"),
                            ("model", "=", "ir.actions.act_window"),
                        ]
                    )
                    .mapped("res_id"),
                )
            ]
        )
        self.assertGreaterEqual(len(actions), 6)
        for action in actions:
            xmlid = action.get_external_id()[action.id]
            for view_type in action.view_mode.split(","):
                with self.subTest(action=xmlid, view_type=view_type):
                    path = f"/odoo/action-{xmlid}"
                    if view_type == "form":
                        record = self.env[action.res_model].search(
                            safe_domain(action.domain), limit=1
                        )
                        if not record:
                            continue
                        path = f"{path}/{record.id}"
                    else:
                        path = f"{path}?view_type={view_type}"
                    self.open_screen(path, f".o_{view_type}_view")

    def test_lead_routing_tab_and_settings_open(self):
        lead = self.env["crm.lead"].search([("routing_log_ids", "!=", False)], limit=1)
        lead = lead or self.env["crm.lead"].create({"name": "Screen check"})
        self.open_screen(
            f"/odoo/action-crm.crm_lead_all_leads/{lead.id}",
            "div[name=routing_state]",
            click="a[name=routing]",
        )
        self.open_screen(
            "/odoo/action-crm.crm_config_settings_action", "#routing_auto_assign"
        )
