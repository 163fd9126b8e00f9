# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
from hypothesis import settings

settings.register_profile("routing", max_examples=60, deadline=None)
settings.load_profile("routing")
