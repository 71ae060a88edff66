app_name = "verification_sources"

# Source and citation endpoints: here, not in sources/, because who may see a sensitive source
# depends on claims (the claim's fact-checkers). See verification/source_apis.py.
urlpatterns: list = []
