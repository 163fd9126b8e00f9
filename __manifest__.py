# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "CRM Lead Routing",
    "summary": "Route new leads to the right salesperson at once: skills, "
    "availability, capacity, performance-weighted fairness, SLA reassignment",
    "version": "18.0.1.4.1",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-lead-routing/crm_lead_routing",
    "author": "crm_lead_routing contributors",
    "maintainers": ["crm-lead-routing"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["crm"],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_lead_routing_security.xml",
        "data/ir_cron_data.xml",
        "views/crm_lead_routing_templates.xml",
        "wizard/crm_routing_preview_views.xml",
        "views/crm_routing_rule_views.xml",
        "views/crm_routing_simulation_views.xml",
        "views/crm_routing_skill_views.xml",
        "views/crm_routing_log_views.xml",
        "views/crm_lead_views.xml",
        "wizard/crm_routing_reroute_views.xml",
        "views/crm_routing_job_views.xml",
        "views/res_users_views.xml",
        "views/crm_routing_score_snapshot_views.xml",
        "views/crm_routing_scorecard_views.xml",
        "views/crm_routing_experiment_views.xml",
        "report/crm_routing_report_views.xml",
        "wizard/crm_routing_fairness_views.xml",
        "views/crm_routing_target_views.xml",
        "wizard/crm_routing_capacity_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_lead_routing_menus.xml",
    ],
    "demo": [
        "demo/crm_lead_routing_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_lead_routing/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
