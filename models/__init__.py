from . import (
    crm_lead,
    crm_routing_dispatcher,
    crm_routing_log,
    crm_routing_rule,
    crm_routing_skill,
    crm_routing_sweeper,
    crm_routing_user_skill,
    mail_activity,
    res_company,
    res_config_settings,
    res_users,
)
