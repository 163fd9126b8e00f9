// Take the README screenshots from a running `./dev run` (http://127.0.0.1:8069).
//   npm install playwright-core          (in any folder outside the repo)
//   NODE_PATH=<that folder>/node_modules node tools/screenshots.cjs [outdir]
// Uses the machine's Chromium (/usr/bin/chromium); logs in as admin/admin.
const { chromium } = require("playwright-core");

const base = process.env.ODOO_URL || "http://127.0.0.1:8069";
const out = process.argv[2] || "static/description";
const rule = process.env.RULE_ID || "3";
const lead = process.env.LEAD_ID || "1";
const seller = process.env.SELLER_ID || "8";
const shots = [
  ["routing_rules.png", "/odoo/action-crm_lead_routing.crm_routing_rule_action", null],
  ["routing_rule_form.png", `/odoo/action-crm_lead_routing.crm_routing_rule_action/${rule}`, null],
  ["routing_salespeople.png", "/odoo/action-crm_lead_routing.crm_routing_salespeople_action", null],
  ["routing_log.png", "/odoo/action-crm_lead_routing.crm_routing_log_action", null],
  ["routing_lead_tab.png", `/odoo/action-crm.crm_lead_all_leads/${lead}`, "a[name=routing]"],
  ["routing_settings.png", "/odoo/action-crm.crm_config_settings_action", "#routing_auto_assign"],
  ["routing_scorecard_settings.png", "/odoo/action-crm.crm_config_settings_action", "#routing_scorecard"],
  ["routing_leaderboard.png", "/odoo/action-crm_lead_routing.crm_routing_leaderboard_action", null],
  ["routing_score_history.png", "/odoo/action-crm_lead_routing.crm_routing_score_snapshot_action", null],
  ["routing_score_breakdown.png", `/odoo/action-crm_lead_routing.crm_routing_salespeople_action/${seller}`, "a[name=score]"],
];

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/web/login`);
  await page.fill("input[name=login]", "admin");
  await page.fill("input[name=password]", "admin");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  for (const [file, path, focus] of shots) {
    await page.goto(base + path);
    await page.waitForTimeout(5000); // the web client keeps a bus connection open
    if (focus) {
      const el = page.locator(focus).first();
      if (focus.startsWith("a[") || focus.startsWith("text=")) await el.click();
      else await el.scrollIntoViewIfNeeded();
      await page.waitForTimeout(800);
    }
    await page.screenshot({ path: `${out}/${file}` });
    console.log(`${out}/${file}`);
  }
  await browser.close();
})();
