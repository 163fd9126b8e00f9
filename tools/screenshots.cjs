// Take the README screenshots from a running `./dev run` (http://127.0.0.1:8069).
//   npm install playwright-core          (in any folder outside the repo)
//   NODE_PATH=<that folder>/node_modules node tools/screenshots.cjs [outdir]
// Uses the machine's Chromium (/usr/bin/chromium); logs in as admin/admin.
// Env: ODOO_URL, RULE_ID (a rule with a filter), LEAD_ID (a routed lead with
// log lines: run it 10 minutes after the install, when the VIP lead has been
// reassigned), SELLER_ID (a salesperson with a score), CLOCK_LEAD_ID (a lead
// assigned and not yet contacted), ONLY (file names to retake, comma-separated).
//
// Before the shots it adds to the database what the demo does not hold, once
// (found again by name on the next run): a rule covered by an earlier one (the
// shadow warning), an archived draft rule and a What-if Replay that tries it,
// and an experiment on the catch-all rule with leads routed through it, some
// won and some lost.  Run it on a database made for screenshots.
const { chromium } = require("playwright-core");

const base = process.env.ODOO_URL || "http://127.0.0.1:8069";
const out = process.argv[2] || "static/description";
const rule = process.env.RULE_ID || "3";
const lead = process.env.LEAD_ID || "48"; // the VIP lead: handed on once its 10 minutes pass
const seller = process.env.SELLER_ID || "8";
const clockLead = process.env.CLOCK_LEAD_ID || "50";
const ids = {}; // filled by prepare()

const SHADOW_RULE = "Very large deals (over 100,000)";
const DRAFT_RULE = "Website leads: round robin (draft)";
const REPLAY = "Website leads by round robin instead of score";
const EXPERIMENT = "Catch-all: round robin vs load-balanced";

async function rpc(page, model, method, args, kwargs = {}) {
  const res = await page.request.post(`${base}/web/dataset/call_kw/${model}/${method}`, {
    data: { jsonrpc: "2.0", method: "call", params: { model, method, args, kwargs } },
  });
  const body = await res.json();
  if (body.error) throw new Error(`${model}.${method}: ${body.error.data.message}`);
  return body.result;
}

async function findOrCreate(page, model, name, vals, context = {}) {
  const found = await rpc(page, model, "search",
    [[["name", "=", name]]], { context: { active_test: false, ...context } });
  if (found.length) return [found[0], false];
  return [await rpc(page, model, "create", [{ name, ...vals }], { context }), true];
}

async function prepare(page) {
  const rules = await rpc(page, "crm.routing.rule", "search_read", [[]],
    { fields: ["name", "sequence", "strategy", "user_ids", "lead_domain"], order: "sequence, id" });
  const byStrategy = (s) => rules.find((r) => r.strategy === s);
  const enterprise = rules.find((r) => r.id === Number(rule)) || byStrategy("best_match");
  const website = byStrategy("weighted");
  const catchAll = byStrategy("load_balanced");
  ids.catchAll = catchAll.id;

  // An active rule that an earlier one (revenue >= 50,000) already covers.
  [ids.shadow] = await findOrCreate(page, "crm.routing.rule", SHADOW_RULE, {
    sequence: enterprise.sequence, strategy: "round_robin",
    lead_domain: "[('expected_revenue', '>', 100000)]",
    user_ids: [[6, 0, enterprise.user_ids]],
  });

  // An archived draft and a replay of the past leads with it in place of the live one.
  [ids.draft] = await findOrCreate(page, "crm.routing.rule", DRAFT_RULE, {
    sequence: website.sequence, strategy: "round_robin", active: false,
    lead_domain: website.lead_domain, user_ids: [[6, 0, website.user_ids]],
  });
  const replayRules = rules.filter((r) => r.id !== website.id).map((r) => r.id)
    .concat([ids.draft, ids.shadow]);
  let created;
  [ids.replay, created] = await findOrCreate(page, "crm.routing.simulation", REPLAY, {
    rule_ids: [[6, 0, replayRules]],
  });
  if (created) await rpc(page, "crm.routing.simulation", "action_run", [[ids.replay]]);

  // An experiment on the catch-all rule, with leads routed through it and outcomes.
  [ids.experiment, created] = await findOrCreate(page, "crm.routing.experiment", EXPERIMENT, {
    rule_id: catchAll.id, variant_strategy: "round_robin", metric: "conversion",
    variant_share: 50,
  });
  if (created) {
    await rpc(page, "crm.routing.experiment", "action_start", [[ids.experiment]]);
    // Created here by the administrator, who sells: route them like any lead.
    const company = (await rpc(page, "res.company", "search_read", [[]],
      { fields: ["routing_staff_leads"], limit: 1 }))[0];
    await rpc(page, "res.company", "write", [[company.id], { routing_staff_leads: "route" }]);
    const vals = [];
    for (let i = 1; i <= 40; i++) {
      vals.push({ name: `Enquiry ${i}: office equipment`, type: "opportunity",
                  expected_revenue: 2000 + 250 * i });
    }
    const leadIds = await rpc(page, "crm.lead", "create", [vals]);
    await rpc(page, "res.company", "write",
      [[company.id], { routing_staff_leads: company.routing_staff_leads }]);
    const routed = await rpc(page, "crm.lead", "read",
      [leadIds, ["routing_experiment_arm", "routing_rule_id"]]);
    const won = [], lost = [];
    const seen = { control: 0, variant: 0 };
    for (const l of routed) {
      const arm = l.routing_experiment_arm;
      if (!arm) continue;
      const n = seen[arm]++;
      // The variant converts a little better; both leave some leads open.
      const wins = arm === "variant" ? [0, 1, 3, 4, 6, 8, 9] : [0, 2, 5, 8];
      if (n >= 12) continue;
      (wins.includes(n) ? won : lost).push(l.id);
    }
    await rpc(page, "crm.lead", "action_routing_mark_contacted", [leadIds]);
    if (won.length) await rpc(page, "crm.lead", "action_set_won", [won]);
    if (lost.length) await rpc(page, "crm.lead", "action_set_lost", [lost]);
    // Some of the demo's routed leads were answered since (the others keep their clock).
    const answered = await rpc(page, "crm.lead", "search", [[
      ["routing_state", "=", "assigned"], ["routing_deadline", "!=", false],
      ["routing_rule_id.strategy", "in", ["round_robin", "weighted"]]]], { limit: 4 });
    if (answered.length) await rpc(page, "crm.lead", "action_routing_mark_contacted", [answered]);
  }
}

// The demo's running conversion target of a salesperson (Sofia's).
async function demoTarget(page) {
  const found = await rpc(page, "crm.routing.target", "search",
    [[["metric", "=", "conversion"], ["state", "=", "running"], ["user_id", "!=", false]]],
    { limit: 1 });
  return found[0];
}

// [file, path, step]: step(page) runs after the page has loaded.
const click = (selector) => async (page) => {
  await page.locator(selector).first().click();
  await page.waitForTimeout(1500);
};
const scrollToTop = (selector, options = {}, above = 0) => async (page) => {
  await page.locator(selector, options).first().evaluate((el, above) => {
    el.scrollIntoView({ block: "start" });
    el.closest(".o_content")?.scrollBy(0, -above);
  }, above);
  await page.waitForTimeout(800);
};
const clearFilters = async (page) => {
  const remove = page.locator(".o_searchview_facet .o_facet_remove");
  while (await remove.count()) {
    await remove.first().click();
    await page.waitForTimeout(800);
  }
};
const actionMenu = async (page, label) => {
  await page.locator(".o_cp_action_menus button").first().click();
  await page.waitForTimeout(600);
  await page.locator(".o-dropdown--menu .o-dropdown-item", { hasText: label }).first().click();
  await page.waitForTimeout(2000);
};

const shots = () => [
  ["routing_rules.png", "/odoo/action-crm_lead_routing.crm_routing_rule_action", null],
  ["routing_rule_form.png", `/odoo/action-crm_lead_routing.crm_routing_rule_action/${rule}`, null],
  ["routing_rule_shadowed.png", `/odoo/action-crm_lead_routing.crm_routing_rule_action/${ids.shadow}`, null],
  ["routing_test_lead.png", `/odoo/action-crm_lead_routing.crm_routing_rule_action/${rule}`,
    async (page) => {
      await click("button:has-text('Test a Lead')")(page);
      const input = page.locator(".modal div[name=lead_id] input");
      await input.fill("Robotics line");
      await page.waitForTimeout(1200);
      await page.locator(".o-autocomplete--dropdown-menu li a", { hasText: "Robotics line" }).first().click();
      await page.waitForTimeout(2500);
    }],
  ["routing_salespeople.png", "/odoo/action-crm_lead_routing.crm_routing_salespeople_action", null],
  ["routing_log.png", "/odoo/action-crm_lead_routing.crm_routing_log_action", null],
  ["routing_lead_tab.png", `/odoo/action-crm.crm_lead_all_leads/${lead}`, click("a[name=routing]")],
  ["routing_first_contact.png", `/odoo/action-crm.crm_lead_action_pipeline/${clockLead}`, null],
  ["routing_pipeline.png", "/odoo/action-crm.crm_lead_action_pipeline", clearFilters],
  ["routing_route_now.png", "/odoo/action-crm.crm_lead_action_pipeline?view_type=list",
    async (page) => {
      await clearFilters(page);
      // The leads routed by the demo: several owners, each with a rule.
      await page.locator(".o_searchview_dropdown_toggler").first().click();
      await page.waitForTimeout(600);
      await page.locator(".o-dropdown--menu .o-dropdown-item", { hasText: "Routing Rule" }).first().click();
      await page.waitForTimeout(1200);
      await page.keyboard.press("Escape");
      await page.locator(".o_group_header", { hasText: "Enterprise" }).first().click();
      await page.locator(".o_group_header", { hasText: "Website" }).first().click();
      await page.waitForTimeout(1500);
      const boxes = page.locator(".o_data_row .o_list_record_selector input");
      for (let i = 0; i < Math.min(5, await boxes.count()); i++) await boxes.nth(i).check();
      await actionMenu(page, "Route now");
    }],
  ["routing_replay.png", `/odoo/action-crm_lead_routing.crm_routing_simulation_action/${ids.replay}`,
    scrollToTop(".o_horizontal_separator", { hasText: "Result" })],
  ["routing_analysis.png", "/odoo/action-crm_lead_routing.crm_routing_report_action", null],
  ["routing_fairness.png", `/odoo/action-crm_lead_routing.crm_routing_rule_action/${ids.catchAll}`,
    click("button[name=action_open_fairness]")],
  ["routing_experiment.png", `/odoo/action-crm_lead_routing.crm_routing_experiment_action/${ids.experiment}`,
    scrollToTop(".o_horizontal_separator", { hasText: "Plan" })],
  ["routing_settings.png", "/odoo/action-crm.crm_config_settings_action", scrollToTop("#routing_auto_assign", {}, 70)],
  ["routing_leaderboard.png", "/odoo/action-crm_lead_routing.crm_routing_leaderboard_action", null],
  ["routing_score_history.png", "/odoo/action-crm_lead_routing.crm_routing_score_snapshot_action", null],
  ["routing_score_breakdown.png", `/odoo/action-crm_lead_routing.crm_routing_salespeople_action/${seller}`, click("a[name=score]")],
  ["routing_target_form.png", `/odoo/action-crm_lead_routing.crm_routing_target_action/${ids.target}`, null],
  ["routing_leaderboard_targets.png", "/odoo/action-crm_lead_routing.crm_routing_leaderboard_action", null],
  ["routing_capacity.png", "/odoo/action-crm_lead_routing.crm_routing_capacity_action_open", null],
  ["routing_capacity_heatmap.png", "/odoo/action-crm_lead_routing.crm_routing_capacity_action_open",
    click("button[name=action_view_heatmap]")],
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
  await prepare(page);
  ids.target = await demoTarget(page);
  const only = process.env.ONLY ? process.env.ONLY.split(",") : null;
  for (const [file, path, step] of shots()) {
    if (only && !only.includes(file)) continue;
    await page.goto(base + path);
    await page.waitForTimeout(5000); // the web client keeps a bus connection open
    if (step) await step(page);
    if (await page.locator(".o_error_dialog").count()) console.log(`ERROR DIALOG on ${file}`);
    await page.screenshot({ path: `${out}/${file}` });
    console.log(`${out}/${file}`);
  }
  await browser.close();
})();
