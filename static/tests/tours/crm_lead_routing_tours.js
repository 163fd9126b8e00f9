/** @odoo-module **/
// Tours that click through routed leads as a person would. Each runs for
// every role that may open the screen (see tests/test_routing_tours.py).

import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

const openRoutingTab = [
    { trigger: ".o_form_view .o_notebook a[name=routing]", run: "click" },
    { trigger: ".o_form_view div[name=routing_summary]:not(:empty)" },
    { trigger: ".o_form_view div[name=routing_state]" },
];

// Read the Routing tab, then log a note in the chatter of a lead that
// colleagues follow (their user records are loaded by the chatter).
tours.add("crm_lead_routing_note_on_routed_lead", {
    steps: () => [
        ...openRoutingTab,
        { trigger: ".o-mail-Followers-button", run: "click" },
        { trigger: ".o-mail-Follower" },
        { trigger: ".o-mail-Followers-button", run: "click" },
        { trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-logNote", run: "click" },
        { trigger: ".o-mail-Composer-input", run: "edit Called, they want a demo on Friday." },
        { trigger: ".o-mail-Composer-send:enabled", run: "click" },
        { trigger: ".o-mail-Message:contains('they want a demo on Friday')" },
    ],
});

// The assignee (or a manager) marks the lead contacted: the clock stops,
// the button goes and the first-contact time shows.
tours.add("crm_lead_routing_mark_contacted", {
    steps: () => [
        { trigger: ".o_form_view .alert:contains('First contact due')" },
        { trigger: ".o_form_view button[name=action_routing_mark_contacted]", run: "click" },
        {
            trigger:
                ".o_form_view:not(:has(button[name=action_routing_mark_contacted])):not(:has(.alert:contains('First contact due')))",
        },
        ...openRoutingTab,
        { trigger: ".o_form_view div[name=routing_first_touch_at] span:not(:empty)" },
        { trigger: ".o_form_view div[name=routing_first_contact_wait]:contains('of working time')" },
    ],
});

// A lead created from the pipeline form, then its Routing tab says what
// routing did with it.
tours.add("crm_lead_routing_create_lead", {
    steps: () => [
        { trigger: ".o_form_view .o_field_widget[name=name] textarea, .o_form_view .o_field_widget[name=name] input", run: "edit Tour: warehouse scanners" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_last_breadcrumb_item:contains('Tour: warehouse scanners')" },
        ...openRoutingTab,
    ],
});

// A salesperson opens their preferences: the Lead Routing page shows their
// availability switch and their own score.
tours.add("crm_lead_routing_preferences", {
    steps: () => [
        { trigger: ".o_user_menu button, .o_user_menu .dropdown-toggle", run: "click" },
        { trigger: ".dropdown-item[data-menu=settings]", run: "click" },
        { trigger: ".modal .o_form_view .o_notebook a[name=lead_routing]", run: "click" },
        { trigger: ".modal .o_form_view div[name=routing_available]" },
        { trigger: ".modal .o_form_view div[name=routing_score]" },
    ],
});
