from django.urls import path

from claims import apis

app_name = "claims"

urlpatterns = [
    path("claimants/", apis.ClaimantsApi.as_view(), name="claimants"),
    path("claimants/<int:claimant_id>/", apis.ClaimantDetailApi.as_view(), name="claimant-detail"),
    path(
        "claims/<int:claim_id>/relations/",
        apis.ClaimRelationsApi.as_view(),
        name="claim-relations",
    ),
    path("relations/<int:relation_id>/", apis.RelationDetailApi.as_view(), name="relation-detail"),
]
