from django.urls import path

from verification import snapshot_apis, source_apis

app_name = "verification_sources"

# Source, citation and snapshot endpoints: here, not in sources/, because who may see a sensitive
# source depends on claims (the claim's fact-checkers). See verification/source_apis.py.
urlpatterns = [
    path("sources/", source_apis.SourcesApi.as_view(), name="sources"),
    path("sources/<int:source_id>/", source_apis.SourceDetailApi.as_view(), name="source-detail"),
    path(
        "sources/<int:source_id>/snapshots/",
        snapshot_apis.SourceSnapshotsApi.as_view(),
        name="source-snapshots",
    ),
    path(
        "sources/<int:source_id>/link-checks/",
        source_apis.SourceLinkChecksApi.as_view(),
        name="source-link-checks",
    ),
    path(
        "sources/<int:source_id>/uploads/",
        snapshot_apis.SourceUploadApi.as_view(),
        name="source-uploads",
    ),
    path("sources/uploads/", snapshot_apis.SourceFromUploadApi.as_view(), name="source-upload"),
    path(
        "snapshots/<int:snapshot_id>/",
        snapshot_apis.SnapshotDetailApi.as_view(),
        name="snapshot-detail",
    ),
    path(
        "snapshots/<int:snapshot_id>/warc/",
        snapshot_apis.SnapshotWarcApi.as_view(),
        name="snapshot-warc",
    ),
    path(
        "snapshots/<int:snapshot_id>/text/",
        snapshot_apis.SnapshotTextApi.as_view(),
        name="snapshot-text",
    ),
    path(
        "snapshots/<int:snapshot_id>/file/",
        snapshot_apis.SnapshotFileApi.as_view(),
        name="snapshot-file",
    ),
    path("citations/", source_apis.CitationsApi.as_view(), name="citations"),
    path(
        "citations/<int:citation_id>/",
        source_apis.CitationDetailApi.as_view(),
        name="citation-detail",
    ),
]
