from django.urls import path

from sources.apis import grants, snapshots
from sources.apis import outlets as apis
from sources.apis import sources as sources_apis

app_name = "sources"

urlpatterns = [
    path("outlets/", apis.OutletsApi.as_view(), name="outlets"),
    path("outlets/<int:outlet_id>/", apis.OutletDetailApi.as_view(), name="outlet-detail"),
    path(
        "outlets/<int:outlet_id>/ratings/", apis.OutletRatingsApi.as_view(), name="outlet-ratings"
    ),
    path(
        "outlets/<int:outlet_id>/domains/",
        apis.OutletDomainAddApi.as_view(),
        name="outlet-domains",
    ),
    path(
        "outlets/<int:outlet_id>/handles/",
        apis.OutletHandleAddApi.as_view(),
        name="outlet-handles",
    ),
    path("sources/", sources_apis.SourcesApi.as_view(), name="sources"),
    path("sources/<int:source_id>/", sources_apis.SourceDetailApi.as_view(), name="source-detail"),
    path(
        "sources/<int:source_id>/snapshots/",
        snapshots.SourceSnapshotsApi.as_view(),
        name="source-snapshots",
    ),
    path(
        "sources/<int:source_id>/link-checks/",
        sources_apis.SourceLinkChecksApi.as_view(),
        name="source-link-checks",
    ),
    path(
        "sources/<int:source_id>/uploads/",
        snapshots.SourceUploadApi.as_view(),
        name="source-uploads",
    ),
    path("sources/uploads/", snapshots.SourceFromUploadApi.as_view(), name="source-upload"),
    path(
        "snapshots/<int:snapshot_id>/",
        snapshots.SnapshotDetailApi.as_view(),
        name="snapshot-detail",
    ),
    path(
        "snapshots/<int:snapshot_id>/warc/",
        snapshots.SnapshotWarcApi.as_view(),
        name="snapshot-warc",
    ),
    path(
        "snapshots/<int:snapshot_id>/text/",
        snapshots.SnapshotTextApi.as_view(),
        name="snapshot-text",
    ),
    path(
        "snapshots/<int:snapshot_id>/file/",
        snapshots.SnapshotFileApi.as_view(),
        name="snapshot-file",
    ),
    path("citations/", sources_apis.CitationsApi.as_view(), name="citations"),
    path(
        "citations/<int:citation_id>/",
        sources_apis.CitationDetailApi.as_view(),
        name="citation-detail",
    ),
    path("sources/<int:source_id>/grants/", grants.SourceGrantsApi.as_view(), name="source-grants"),
    path(
        "sources/<int:source_id>/restricted-attempts/",
        grants.SourceRestrictedAttemptsApi.as_view(),
        name="source-restricted-attempts",
    ),
    path(
        "source-grants/<int:grant_id>/revoke/",
        grants.SourceGrantRevokeApi.as_view(),
        name="source-grant-revoke",
    ),
]
