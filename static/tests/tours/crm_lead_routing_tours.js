/** @odoo-module **/
// Tours that click through routed leads as a person would. Each runs for
// every role that may open the screen (see tests/test_routing_tours.py).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const tours = registry.category("web_tour.tours");

// A walk through many screens in ONE page load (tests/common.py,
// ScreenWalkCase.walk): the test sets ``odoo.crmRoutingWalk`` to a list of
// items before starting this tour. An item is
//   {open: {action, view, res_id, title}}  opened by the web client's action
//       service, as a menu or a link would, without reloading the page;
//   {tour: name}  the steps of another tour of this file, run where we are
//       (then its dialogs closed);
//   {trigger, run}  a tour step as given (a check, or a click).
// A page reload loses the list: the walk then fails instead of starting over.
function failOnErrorDialog() {
    const dialog = document.querySelector(".o_error_dialog");
    if (dialog) {
        throw new Error(`the web client showed an error: ${dialog.innerText}`);
    }
}

const closeDialogs = [
    {
        content: "Close the dialogs",
        trigger: "body",
        run() {
            odoo.__WOWL_DEBUG__.root.env.services.dialog.closeAll();
        },
    },
    { trigger: "body:not(:has(.modal))" },
];

function openStep(open) {
    return {
        content: `Open ${open.title || open.action} (${open.view || "default view"})`,
        // "body": may be run while a dialog of the previous screen is open.
        trigger: "body",
        async run() {
            failOnErrorDialog();
            const props = open.res_id ? { resId: open.res_id } : {};
            await odoo.__WOWL_DEBUG__.root.env.services.action.doAction(open.action, {
                clearBreadcrumbs: true,
                viewType: open.view,
                props,
            });
        },
    };
}

tours.add("crm_lead_routing_walk", {
    // Look again 100 ms after the page last changed (Odoo's default: 500 ms,
    // paid at almost every step of a walk of a hundred and more).
    checkDelay: 100,
    steps: () => {
        const items = odoo.crmRoutingWalk;
        if (!items) {
            // Asked before the test gave the list (is the tour ready?), or
            // after a reload lost it: the walk fails if it gets to run.
            return [
                {
                    content: "The screen walk has its screens",
                    trigger: "body",
                    run() {
                        throw new Error("the screen walk has no screens: was the page reloaded?");
                    },
                },
            ];
        }
        return [
            ...items.flatMap((item) => {
                if (item.open) {
                    return [openStep(item.open)];
                }
                if (item.tour) {
                    // A tour may end in a dialog: the next item starts without.
                    return [...tours.get(item.tour).steps(), ...closeDialogs];
                }
                return [item];
            }),
            { content: "No error dialog at the end", trigger: "body", run: failOnErrorDialog },
        ];
    },
});

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

// A sales manager sets a target for a salesperson: the form suggests a value
// from history and says how; the manager takes it and starts the target.
tours.add("crm_lead_routing_target_manager", {
    steps: () => [
        { trigger: ".o_list_view .o_list_button_add", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=user_id] input", run: "edit Ahmed" },
        { trigger: ".o-autocomplete--dropdown-item > a:contains('Ahmed All')", run: "click" },
        { trigger: ".o_form_view div[name=suggestion]:contains('Suggested target')" },
        { trigger: ".o_form_view div[name=suggestion]:contains('percentile')" },
        { trigger: ".o_form_view button[name=action_use_suggestion]", run: "click" },
        { trigger: ".o_form_view button[name=action_start]", run: "click" },
        { trigger: ".o_form_view .o_statusbar_status button[aria-checked=true]:contains('Running')" },
        { trigger: ".o_form_view div[name=progress]" },
    ],
});

// The leaderboard has a column per running target, titled with its metric
// and its end.
tours.add("crm_lead_routing_leaderboard_targets", {
    steps: () => [
        { trigger: ".o_list_view th[data-name=target_progress_1]:contains('Conversion by')" },
        { trigger: ".o_list_view .o_data_row:contains('Olga Own') td[name^=target_progress_] .o_progressbar" },
    ],
});

// A sales manager reads the capacity of the team: the summary in words,
// another number of weeks, then the heat map and the hours as a list.
tours.add("crm_lead_routing_capacity", {
    steps: () => [
        { trigger: ".o_form_view div[name=summary]:contains('Leads created from')" },
        { trigger: ".o_form_view div[name=summary]:contains('Next week')" },
        { trigger: ".o_form_view .o_field_widget[name=weeks] input", run: "edit 4 && click body" },
        { trigger: ".o_form_view div[name=summary]:contains('(4 weeks)')" },
        { trigger: ".o_form_view button[name=action_view_heatmap]", run: "click" },
        { trigger: ".o_pivot_view .o_pivot th:contains('Monday')" },
        { trigger: ".o_switch_view.o_list", run: "click" },
        { trigger: ".o_list_view .o_data_row:contains('Monday 09:00')" },
    ],
});

// A salesperson finds their targets on their preferences and in the menu.
tours.add("crm_lead_routing_my_targets", {
    steps: () => [
        { trigger: ".o_user_menu button, .o_user_menu .dropdown-toggle", run: "click" },
        { trigger: ".dropdown-item[data-menu=settings]", run: "click" },
        { trigger: ".modal .o_form_view .o_notebook a[name=lead_routing]", run: "click" },
        { trigger: ".modal .o_form_view div[name=routing_target_ids] .o_data_row:contains('Olga Own')" },
        { trigger: ".modal .o_form_view div[name=routing_target_ids] .o_data_row .o_progressbar" },
    ],
});

// Experiments > New: the Rule field offers the company's rules, and the plan
// shows as soon as a rule is chosen, before saving.
tours.add("crm_lead_routing_new_experiment", {
    steps: () => [
        { trigger: ".o_list_view .o_list_button_add", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=name] input", run: "edit Does weighting help?" },
        { trigger: ".o_form_view .o_field_widget[name=rule_id] input", run: "edit Tour" },
        { trigger: ".o-autocomplete--dropdown-item > a:contains('Tour inbound')", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=baseline] span:not(:empty)" },
        { trigger: ".o_form_view .o_field_widget[name=variant_strategy] select", run: "select \"weighted\"" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        { trigger: ".o_form_view .o_statusbar_status button[aria-checked=true]:contains('Draft')" },
    ],
});

// A rule made on screen does not route until the manager activates it.
tours.add("crm_lead_routing_new_rule_waits", {
    steps: () => [
        { trigger: ".o_list_view .o_list_button_add", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=name] input", run: "edit Half-made rule" },
        { trigger: ".o_form_view .ribbon:contains('Not routing')" },
        { trigger: ".o_form_view .alert:contains('routes no lead until you press')" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_view button[name=action_activate]" },
    ],
});

// Route now on several owned leads: the confirmation says what it will write.
// The manager owns none: "My Pipeline" is taken off to see the team's.
tours.add("crm_lead_routing_route_now_story", {
    steps: () => [
        { trigger: ".o_searchview_facet .o_facet_remove", run: "click" },
        { trigger: ".o_searchview:not(:has(.o_searchview_facet))" },
        { trigger: ".o_list_view .o_list_record_selector input", run: "click" },
        { trigger: ".o_list_view .o_list_selection_box" },
        { trigger: ".o_cp_action_menus .dropdown-toggle", run: "click" },
        { trigger: ".o-dropdown--menu .o-dropdown-item:contains('Route now')", run: "click" },
        { trigger: ".modal div[name=summary]:contains('already')" },
        { trigger: ".modal div[name=summary]:not(:contains('1 leads'))" },
        { trigger: ".modal .btn-secondary:contains('Cancel')", run: "click" },
    ],
});

// A salesperson takes the next lead of the queue from the pipeline's button,
// then the next one from the Sales menu, and hears when nothing is left.
tours.add("crm_lead_routing_take_next", {
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open CRM"),
        { trigger: ".o_kanban_view" },
        { trigger: ".o_control_panel button[name=action_routing_take_next]", run: "click" },
        { trigger: ".o_notification:contains('is yours now')" },
        { trigger: ".o_last_breadcrumb_item:contains('Tour pull: oldest enquiry')" },
        ...openRoutingTab,
        { trigger: ".o_form_view div[name=routing_summary]:contains('Taken by Olga Own')" },
        { trigger: ".o_main_navbar [data-menu-xmlid='crm.crm_menu_sales']", run: "click" },
        { trigger: ".o-dropdown--menu [data-menu-xmlid='crm_lead_routing.crm_routing_take_next_menu']", run: "click" },
        { trigger: ".o_last_breadcrumb_item:contains('Tour pull: newer enquiry')" },
        { trigger: ".o_main_navbar [data-menu-xmlid='crm.crm_menu_sales']", run: "click" },
        { trigger: ".o-dropdown--menu [data-menu-xmlid='crm_lead_routing.crm_routing_take_next_menu']", run: "click" },
        { trigger: ".o_notification:contains('No lead is waiting in the queues you take from')" },
    ],
});
