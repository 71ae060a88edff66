from django.urls import path

from verification import source_apis

app_name = "verification_sources"

# Source and citation endpoints: here, not in sources/, because who may see a sensitive source
# depends on claims (the claim's fact-checkers). See verification/source_apis.py.
urlpatterns = [
    path("sources/", source_apis.SourcesApi.as_view(), name="sources"),
    path("sources/<int:source_id>/", source_apis.SourceDetailApi.as_view(), name="source-detail"),
    path("citations/", source_apis.CitationsApi.as_view(), name="citations"),
    path(
        "citations/<int:citation_id>/",
        source_apis.CitationDetailApi.as_view(),
        name="citation-detail",
    ),
]
