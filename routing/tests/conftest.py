from hypothesis import settings

settings.register_profile("routing", max_examples=60, deadline=None)
settings.load_profile("routing")
