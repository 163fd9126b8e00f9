from . import (
    test_routing_concurrency,
    test_routing_create,
    test_routing_data_model,
    test_routing_eligibility,
    test_routing_first_touch,
    test_routing_performance,
    test_routing_queue,
    test_routing_scores,
    test_routing_sla,
    test_routing_strategies,
    test_routing_sweep_concurrency,
    test_routing_ui,
)
