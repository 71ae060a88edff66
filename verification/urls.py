from django.urls import path

from verification import apis

app_name = "verification"

urlpatterns = [
    path("claims/", apis.ClaimsApi.as_view(), name="claims"),
    path("claims/<int:claim_id>/", apis.ClaimDetailApi.as_view(), name="claim-detail"),
    path(
        "claims/<int:claim_id>/status/",
        apis.ClaimStatusChangeApi.as_view(),
        name="claim-status",
    ),
    path("claims/<int:claim_id>/history/", apis.ClaimHistoryApi.as_view(), name="claim-history"),
    path(
        "claims/<int:claim_id>/provenance/",
        apis.ClaimProvenanceApi.as_view(),
        name="claim-provenance",
    ),
    path(
        "claims/<int:claim_id>/evidence/",
        apis.ClaimEvidenceApi.as_view(),
        name="claim-evidence",
    ),
    path("evidence/<int:evidence_id>/", apis.EvidenceDetailApi.as_view(), name="evidence-detail"),
    path(
        "claims/<int:claim_id>/assignment/",
        apis.ClaimAssignmentApi.as_view(),
        name="claim-assignment",
    ),
    path("claims/<int:claim_id>/publish/", apis.ClaimPublishApi.as_view(), name="claim-publish"),
    path(
        "claims/<int:claim_id>/unpublish/",
        apis.ClaimUnpublishApi.as_view(),
        name="claim-unpublish",
    ),
    path(
        "claims/<int:claim_id>/publications/",
        apis.ClaimPublicationsApi.as_view(),
        name="claim-publications",
    ),
]
